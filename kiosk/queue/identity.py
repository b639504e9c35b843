"""Customer identifiers: validation, keyed hashes and masked forms.

Card numbers and resident ID numbers never leave this module in clear: the queue keeps a
keyed hash (HMAC-SHA256 with the branch secret) for look-up and masked forms for screens
and tickets.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

from kiosk.errors import InvalidIdentifier

IdentifierKind = Literal["card", "resident_id"]

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def resident_id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_card(raw: str) -> str:
    """A bank card number (PAN) from what a person typed: 13-19 digits passing Luhn."""
    pan = re.sub(r"[\s-]", "", raw or "")
    if not pan.isdigit():
        raise InvalidIdentifier("The card number may contain only digits.")
    if not 13 <= len(pan) <= 19:
        raise InvalidIdentifier("A bank card number has 13 to 19 digits.")
    if not luhn_valid(pan):
        raise InvalidIdentifier("That card number is not valid (check digit mismatch).")
    return pan


def normalize_resident_id(raw: str) -> str:
    """An 18-character resident ID number with a valid GB 11643 check character."""
    rid = re.sub(r"\s", "", raw or "").upper()
    if not re.fullmatch(r"\d{17}[\dX]", rid):
        raise InvalidIdentifier("A resident ID number has 17 digits and a check digit or X.")
    try:
        date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))
    except ValueError:
        raise InvalidIdentifier("The birth date in that ID number does not exist.") from None
    if resident_id_check_char(rid[:17]) != rid[17]:
        raise InvalidIdentifier("That ID number is not valid (check character mismatch).")
    return rid


@dataclass(frozen=True)
class Identity:
    """A validated identifier, ready to be looked up: never holds the clear number."""

    kind: IdentifierKind
    digest: str  # keyed hash, hex
    masked: str  # for screens and tickets


def keyed_hash(kind: IdentifierKind, value: str, secret: str) -> str:
    msg = f"{kind}:{value}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


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
