"""Valid test identifiers: Luhn-complete card numbers and GB 11643 resident IDs."""

from __future__ import annotations

from kiosk.identity import luhn_valid, resident_id_check_char


def card(prefix: str, length: int = 19) -> str:
    """A card number starting with `prefix`, padded with zeros, with a valid Luhn digit."""
    body = prefix.ljust(length - 1, "0")
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


CARD = card("622202123456789")  # a 19-digit UnionPay-style test number
ID_NUMBER = resident_id("11010519491231002")  # the standard's own example: ...002X
