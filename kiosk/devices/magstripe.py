"""Bank cards: magstripe track parsers, a serial card reader, manual entry.

Track 2: `;PAN=YYMM SVC discretionary?`; track 1: `%B PAN ^NAME^ YYMM ...?`. The card
number (PAN) is checked with Luhn and then only ever leaves as a keyed hash and a masked
form (`kiosk.identity`): `CardSwipe` never shows its PAN or name in repr or logs.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import serial

from kiosk.devices.errors import CardReadError, ReaderOffline
from kiosk.devices.transports import PORT_ERRORS, PortFactory, open_reader_port
from kiosk.identity import (
    Identity,
    ascii_forms,
    identify_card,
    mask_card,
    mask_name,
    normalize_card,
)

log = logging.getLogger(__name__)

_TRACK1 = re.compile(r"%B([0-9]{12,19})\^([^^?%;]{0,26})\^([0-9]{4})[^?%;]*\?")
_TRACK2 = re.compile(r";([0-9]{12,19})=([0-9]{4})[0-9]*\?")
_TRACK2_BARE = re.compile(r"([0-9]{12,19})=([0-9]{4})[0-9]*")  # readers set to strip sentinels
_READ_ERROR = re.compile(r"^[%;+]?E\??$|[%;]E\?")
MAX_SWIPE_CHARS = 512


@dataclass(frozen=True)
class CardSwipe:
    """A card as read from the stripe. The clear PAN stays out of repr and logs."""

    pan: str = field(repr=False)
    expiry: str  # YYMM
    name: str = field(default="", repr=False)
    masked: str = ""

    def identify(self, secret: str) -> Identity:
        return identify_card(self.pan, secret)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)


def _track1_name(raw: str) -> str:
    """ "WANG/XIAOMING" -> "XIAOMING WANG" (surname last, as printed on the card)."""
    surname, _, given = raw.strip().partition("/")
    return " ".join(p for p in (given.strip(), surname.strip()) if p)


def parse_swipe(text: str) -> CardSwipe:
    """The card in a swipe (track 1, track 2 or both); `CardReadError` for anything else."""
    text = ascii_forms(text or "").strip()  # a wedge typing through a full-width IME
    if len(text) > MAX_SWIPE_CHARS:
        raise CardReadError("That is too long to be a card swipe; please swipe again.")
    if _READ_ERROR.search(text):
        raise CardReadError("The card could not be read; please swipe it again, evenly.")
    t1, t2 = _TRACK1.search(text), _TRACK2.search(text) or _TRACK2_BARE.fullmatch(text)
    if t2 is not None:
        pan, expiry = t2.group(1), t2.group(2)
    elif t1 is not None:
        pan, expiry = t1.group(1), t1.group(3)
    else:
        raise CardReadError("That was not a bank card swipe; please swipe again or type the "
                            "card number.")
    if t1 is not None and t1.group(1) != pan:
        raise CardReadError("The two tracks of the card disagree; please swipe again.")
    if not ("01" <= expiry[2:] <= "12"):
        raise CardReadError("The card's expiry date is not a valid month; please swipe again.")
    pan = normalize_card(pan)  # Luhn: InvalidIdentifier with a clear sentence
    name = _track1_name(t1.group(2)) if t1 else ""
    return CardSwipe(pan=pan, expiry=expiry, name=name, masked=mask_card(pan))


class CardReader(Protocol):
    name: str

    def present(self) -> bool: ...

    def read(self, timeout_s: float) -> CardSwipe | None:
        """The next swipe, or None when nobody swiped within `timeout_s`."""
        ...

    def close(self) -> None: ...


class SerialCardReader:
    """A magstripe reader on a serial line that sends each swipe followed by CR or LF."""

    def __init__(self, url: str, baudrate: int = 9600,
                 port_factory: PortFactory = serial.serial_for_url) -> None:
        self.url = url
        self.name = f"card reader {url}"
        self.baudrate = baudrate
        self._factory = port_factory
        self._port: Any = None

    def _open(self) -> Any:
        if self._port is None:
            self._port = open_reader_port(self._factory, self.url, self.baudrate, 0.1,
                                          "card reader")
        return self._port

    def present(self) -> bool:
        try:
            self._open()
        except ReaderOffline:
            return False
        return True

    def read(self, timeout_s: float) -> CardSwipe | None:
        line = self._read_line(time.monotonic() + timeout_s)
        if not line:
            return None
        try:
            text = line.decode("ascii")
        except UnicodeDecodeError:
            raise CardReadError("The card reader sent unreadable data; please swipe again.") \
                from None
        return parse_swipe(text)

    def _read_line(self, deadline: float) -> bytes:
        port, buf = self._open(), bytearray()
        try:
            while (left := deadline - time.monotonic()) > 0 or buf:
                port.timeout = max(0.01, min(left, 0.1)) if not buf else 0.1
                chunk = port.read(1)
                if not chunk:
                    if buf:
                        break  # the reader stopped mid-swipe: parse what came
                    continue
                if chunk in (b"\r", b"\n"):
                    if buf:
                        break
                    continue
                buf += chunk
                if len(buf) > MAX_SWIPE_CHARS:
                    raise CardReadError("The card reader sent too much data; please swipe again.")
        except PORT_ERRORS as exc:
            self.close()
            raise ReaderOffline(f"The card reader on {self.url} stopped answering.") from exc
        return bytes(buf)

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            except PORT_ERRORS:
                log.debug("closing %s failed", self.name, exc_info=True)
            self._port = None
