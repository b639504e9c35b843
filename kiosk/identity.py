"""Customer identifiers: validation, the card-or-ID classifier, keyed hashes, masked forms.

Card numbers and resident ID numbers never leave this module in clear: the queue keeps a
keyed hash (HMAC-SHA256 with the branch secret) for look-up and masked forms for screens
and tickets. Booking codes (预约码) are kept as the same keyed hash, over the code and
its day (`booking_code_hash`). Devices, the kiosk flow and the customer import all use
it, so it imports neither Qt nor SQLAlchemy.

What a person or a reader types is first brought to ASCII: full-width forms (the Chinese
input method's １２３ and Ｘ) become their ASCII letters by NFKC, so a number hashes the
same however it was typed. Any other character (superscripts, circled or other scripts'
digits) is refused with a sentence, never passed to `int()`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Literal

from kiosk.errors import InvalidIdentifier

IdentifierKind = Literal["card", "resident_id"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_SEPARATORS = re.compile(r"[\s\-]")
_DIGITS = re.compile(r"[0-9]+")
_RESIDENT_ID = re.compile(r"[0-9]{17}[0-9X]")
MAX_IDENTIFIER_CHARS = 64  # anything longer is not a card or an ID number


def ascii_forms(text: str) -> str:
    """`text` with full-width forms (U+FF01-FF5E, the ideographic space) made ASCII (NFKC)."""
    return "".join(unicodedata.normalize("NFKC", ch) if "\uff01" <= ch <= "\uff5e"
                   or ch == "\u3000" else ch for ch in text)


def compact(raw: str) -> str:
    """What was typed, in ASCII forms, without spaces and hyphens."""
    return _SEPARATORS.sub("", ascii_forms(raw or ""))


def luhn_valid(digits: str) -> bool:
    """True for ASCII digits passing the Luhn check; False for anything else."""
    if not _DIGITS.fullmatch(digits):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def resident_id_check_char(first17: str) -> str:
    if not re.fullmatch(r"[0-9]{17}", first17):
        raise InvalidIdentifier("A resident ID number has 17 digits and a check digit or X.")
    total = sum((ord(c) - 48) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _too_long(text: str) -> None:
    if len(text) > MAX_IDENTIFIER_CHARS:
        raise InvalidIdentifier("That is too long to be a card or an ID number.")


def normalize_card(raw: str) -> str:
    """A bank card number (PAN) from what a person typed: 13-19 digits passing Luhn."""
    _too_long(raw or "")
    pan = compact(raw)
    if not _DIGITS.fullmatch(pan):
        raise InvalidIdentifier("The card number may contain only the digits 0-9.")
    if not 13 <= len(pan) <= 19:
        raise InvalidIdentifier("A bank card number has 13 to 19 digits.")
    if not luhn_valid(pan):
        raise InvalidIdentifier("That card number is not valid (check digit mismatch).")
    return pan


def normalize_resident_id(raw: str) -> str:
    """An 18-character resident ID number with a valid GB 11643 check character."""
    _too_long(raw or "")
    rid = compact(raw).upper()
    if not _RESIDENT_ID.fullmatch(rid):
        raise InvalidIdentifier("A resident ID number has 17 digits and a check digit or X.")
    try:
        date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))
    except ValueError:
        raise InvalidIdentifier("The birth date in that ID number does not exist.") from None
    if resident_id_check_char(rid[:17]) != rid[17]:
        raise InvalidIdentifier("That ID number is not valid (check character mismatch).")
    return rid


def classify(raw: str) -> tuple[IdentifierKind, str]:
    """The one card-or-ID decision: (kind, normalised number), or `InvalidIdentifier`.

    18 characters ending in X, or 18 digits that pass GB 11643, are a resident ID; an
    18-digit number that fails GB 11643 but passes Luhn is a card (such cards exist; one
    that passes both, about 1 in 300, is taken as the ID); anything else must be a 13-19
    digit card number. Every reader, the kiosk and the customer import decide with this
    function, so a number means the same everywhere.
    """
    _too_long(raw or "")
    text = compact(raw).upper()
    if not text:
        raise InvalidIdentifier("The identifier is empty.")
    if not re.fullmatch(r"[0-9]*X?", text):
        raise InvalidIdentifier("A card or ID number may contain only the digits 0-9 "
                                "(and X at the end of an ID number).")
    if len(text) == 18:
        try:
            return "resident_id", normalize_resident_id(text)
        except InvalidIdentifier:
            if luhn_valid(text):  # an 18-digit bank card (never one ending in X)
                return "card", text
            raise  # most 18-digit numbers are ID numbers: say what is wrong with it as one
    if text.endswith("X"):
        raise InvalidIdentifier("A resident ID number has 17 digits and a check digit or X.")
    return "card", normalize_card(text)


@dataclass(frozen=True)
class Identity:
    """A validated identifier, ready to be looked up: never holds the clear number."""

    kind: IdentifierKind
    digest: str  # keyed hash, hex
    masked: str  # for screens and tickets


def _keyed(message: str, secret: str) -> str:
    """HMAC-SHA256 of `message` keyed with the branch secret, hex: the one keyed hash."""
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def keyed_hash(kind: IdentifierKind, value: str, secret: str) -> str:
    return _keyed(f"{kind}:{value}", secret)


def booking_code_hash(day: date, code: str, secret: str) -> str:
    """A booking code's keyed hash, the only form in which it is stored: the same keyed
    hash as card and ID numbers, over the code and its day ("booking_code:2026-11-25:
    204617"). A code is one day's: the same six digits on two days hash apart, and a
    list of one day's hashes says nothing about another day's codes."""
    return _keyed(f"booking_code:{day.isoformat()}:{code}", secret)


def mask_card(pan: str) -> str:
    """6222 **** **** 1234 (first four and last four digits)."""
    return f"{pan[:4]} **** **** {pan[-4:]}"


def mask_resident_id(rid: str) -> str:
    """310***********123X (first three, last four)."""
    return rid[:3] + "*" * (len(rid) - 7) + rid[-4:]


def mask_name(name: str) -> str:
    """王*明 / 欧阳** / J*** S****: keeps the family name and the last character."""
    name = (name or "").strip()
    if not name:
        return ""
    if " " in name:  # western name: initials of each part
        return " ".join(p[0] + "*" * (len(p) - 1) for p in name.split())
    if len(name) == 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def identify_card(raw: str, secret: str) -> Identity:
    pan = normalize_card(raw)
    return Identity("card", keyed_hash("card", pan, secret), mask_card(pan))


def identify_resident_id(raw: str, secret: str) -> Identity:
    rid = normalize_resident_id(raw)
    return Identity("resident_id", keyed_hash("resident_id", rid, secret), mask_resident_id(rid))


def identify(raw: str, secret: str) -> Identity:
    """A card number or a resident ID, as typed or read, told apart by `classify`."""
    kind, value = classify(raw)
    if kind == "card":
        return Identity("card", keyed_hash("card", value, secret), mask_card(value))
    return Identity("resident_id", keyed_hash("resident_id", value, secret),
                    mask_resident_id(value))
