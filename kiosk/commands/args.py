"""Argument types for the commands: what the database can hold, checked before it is asked.

SQLite stores a 65-character station name or a 20-digit ticket id; PostgreSQL refuses them
with a DataError, and SQLite cannot bind an integer past 2**63 (OverflowError). The same
input must be the same clear refusal on both, so the command line refuses it first, as
argparse does any bad argument: one line, exit code 2.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

MAX_ID = 2**63 - 1  # a BIGINT (ticket and event ids)
NAME_CHARS = 64  # stations, staff, actors: String(64) columns
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_WHOLE = re.compile(r"[+-]?[0-9]+")


def whole(low: int, high: int, what: str = "number", *,
          article: str = "a") -> Callable[[str], int]:
    """A whole number from `low` to `high` (ASCII digits; no 1_000, no ³)."""
    def parse(text: str) -> int:
        value = text.strip()
        if not _WHOLE.fullmatch(value) or len(value) > 20:
            raise argparse.ArgumentTypeError(f"{article} {what} is a whole number from {low} "
                                             f"to {high}, not {text!r}")
        number = int(value)
        if not low <= number <= high:
            raise argparse.ArgumentTypeError(f"{article} {what} is a whole number from {low} "
                                             f"to {high}, not {number}")
        return number
    parse.__name__ = what  # argparse names the type in its own messages
    return parse


def text(max_chars: int, what: str, *, empty: bool = False) -> Callable[[str], str]:
    """Text of at most `max_chars` characters without control characters."""
    def parse(value: str) -> str:
        if _CONTROL.search(value):
            raise argparse.ArgumentTypeError(f"a {what} cannot hold control characters")
        value = value.strip()
        if not value and not empty:
            raise argparse.ArgumentTypeError(f"a {what} cannot be empty")
        if len(value) > max_chars:
            raise argparse.ArgumentTypeError(f"a {what} has at most {max_chars} characters, "
                                             f"not {len(value)}")
        return value
    parse.__name__ = what
    return parse


TICKET_ID = whole(1, MAX_ID, "ticket id")
_TICKET_NUMBER = re.compile(r"[A-Za-z][0-9]{1,6}")


def _ticket_ref(value: str) -> str:
    """A ticket as a teller types it: today's printed number (B006) or its id."""
    value = value.strip()
    if _TICKET_NUMBER.fullmatch(value):
        return value.upper()
    return str(TICKET_ID(value))


_ticket_ref.__name__ = "ticket"
TICKET_REF = _ticket_ref
EVENT_ID = whole(0, MAX_ID, "event id", article="an")
COUNTER = whole(1, 999, "counter number")
LIMIT = whole(1, 10_000, "limit")
POSITION = whole(1, 10_000, "position")
STATION = text(NAME_CHARS, "station name")
STAFF = text(NAME_CHARS, "staff name")
ACTOR = text(NAME_CHARS, "name", empty=True)
REASON = text(1000, "reason", empty=True)
IDENTIFIER = text(64, "card or ID number")
WORD = text(32, "name")  # a service prefix, a tier key: looked up, refused when unknown
PATH = text(4096, "file name")
