"""Resident ID card readers speaking the GA/T 467 serial frame protocol.

Command frame:  AA AA AA 96 69 | LEN (2, big-endian) | CMD | PARA | data | CHK
Response frame: AA AA AA 96 69 | LEN (2, big-endian) | SW1 SW2 SW3 | data | CHK
LEN counts the bytes after itself (CHK included); CHK is the XOR of LEN..last data byte.
Commands: 20 01 find card, 20 02 select card, 30 01 read text and photo. SW3 90 is
success (9F for "card found"); the read answer holds text length, photo length, 256
bytes of UTF-16LE text and the 1024-byte photo.

The ID number is validated (GB 11643) and then only leaves as a keyed hash and a masked
form: `IdCard` keeps it out of repr.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import serial

from kiosk.devices.errors import IdCardError, ReaderOffline
from kiosk.devices.transports import PORT_ERRORS, PortFactory, open_reader_port
from kiosk.identity import (
    Identity,
    identify_resident_id,
    mask_name,
    mask_resident_id,
    normalize_resident_id,
)

log = logging.getLogger(__name__)

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
FIND = (0x20, 0x01)
SELECT = (0x20, 0x02)
READ = (0x30, 0x01)
MAX_FRAME_LEN = 4096  # the longest real answer (text + photo + fingerprint) is about 2.3 KB
MAX_GARBAGE = 64  # bytes before a preamble that we skip before calling the line garbage

SW_OK = 0x90
SW_FOUND = 0x9F
SW_NO_CARD = 0x80
SW_SELECT_FAILED = 0x81
SW_READ_FAILED = 0x41

_SW_MESSAGES = {
    0x10: "The ID card reader received a damaged command (checksum).",
    0x11: "The ID card reader received a command of the wrong length.",
    0x21: "The ID card reader does not know that command.",
    0x23: "The ID card reader refused the command (not authorised).",
    0x24: "The ID card reader could not recognise the command.",
    0x31: "The ID card could not be authenticated; it may not be a genuine card.",
    0x32: "The ID card's information could not be authenticated.",
    0x33: "The ID card's information could not be authenticated.",
    0x40: "The ID card reader could not operate the card; please place it again.",
    SW_READ_FAILED: "The ID card was moved away before it could be read; please place it on "
                    "the reader again and keep it still.",
    0x47: "The ID card reader's security module is not ready.",
    0x60: "The ID card reader's security module failed its self-check.",
    0x66: "The ID card reader's security module is not authorised.",
    SW_NO_CARD: "No ID card is on the reader.",
    SW_SELECT_FAILED: "The ID card was removed before it could be selected; please place it "
                      "on the reader again.",
}

# Text fields: (name, width in bytes) in UTF-16LE, padded with spaces.
TEXT_FIELDS = (("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70),
               ("id_number", 36), ("authority", 30), ("valid_from", 16), ("valid_to", 16))
TEXT_LEN = 256
SEXES = {"0": "未知", "1": "男", "2": "女", "9": "未说明"}


def checksum(data: bytes) -> int:
    c = 0
    for b in data:
        c ^= b
    return c


def frame(body: bytes) -> bytes:
    """Wrap a body (CMD PARA data, or SW1 SW2 SW3 data) with preamble, length, checksum."""
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes((checksum(length + body),))


def command_frame(cmd: tuple[int, int], data: bytes = b"") -> bytes:
    return frame(bytes(cmd) + data)


def response_frame(sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    return frame(bytes((sw1, sw2, sw3)) + data)


@dataclass(frozen=True)
class Response:
    sw1: int
    sw2: int
    sw3: int
    data: bytes = field(repr=False)


def parse_response(raw: bytes) -> Response:
    """One complete response frame; `IdCardError` with a clear sentence for anything else."""
    if not raw.startswith(PREAMBLE):
        raise IdCardError("The ID card reader sent data that is not a reader frame.")
    if len(raw) < 7:
        raise IdCardError("The ID card reader sent an incomplete frame.")
    length = int.from_bytes(raw[5:7], "big")
    if len(raw) != 7 + length:
        raise IdCardError("The ID card reader sent a frame of the wrong length.")
    if length < 4:
        raise IdCardError("The ID card reader sent a frame too short to hold a status.")
    if checksum(raw[5:-1]) != raw[-1]:
        raise IdCardError("The ID card reader sent a damaged frame (checksum mismatch); "
                          "please try again.")
    return Response(raw[7], raw[8], raw[9], raw[10:-1])


class FrameReader:
    """Cuts complete frames out of a byte stream, skipping a little noise before each."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buf += data
        frames: list[bytes] = []
        while True:
            start = self._buf.find(PREAMBLE)
            if start < 0:
                if len(self._buf) > MAX_GARBAGE:
                    self._buf.clear()
                    raise IdCardError("The ID card reader line carries garbage (check the port "
                                      "and the baud rate).")
                return frames
            if start > MAX_GARBAGE:
                self._buf.clear()
                raise IdCardError("The ID card reader line carries garbage (check the port and "
                                  "the baud rate).")
            del self._buf[:start]
            if len(self._buf) < 7:
                return frames
            length = int.from_bytes(self._buf[5:7], "big")
            if length > MAX_FRAME_LEN:
                self._buf.clear()
                raise IdCardError("The ID card reader announced an impossibly long frame.")
            if len(self._buf) < 7 + length:
                return frames
            frames.append(bytes(self._buf[:7 + length]))
            del self._buf[:7 + length]

    @property
    def pending(self) -> int:
        return len(self._buf)


@dataclass(frozen=True)
class IdCard:
    """What the card says. The ID number and the name stay out of repr and logs."""

    name: str = field(repr=False)
    sex: str
    nation_code: str
    birth: date
    address: str = field(repr=False)
    id_number: str = field(repr=False)
    authority: str
    valid_from: str
    valid_to: str

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id(self) -> str:
        return mask_resident_id(self.id_number)

    def identify(self, secret: str) -> Identity:
        return identify_resident_id(self.id_number, secret)


def parse_text(text: bytes) -> IdCard:
    """The 256-byte UTF-16LE text block of a resident ID card."""
    if len(text) < TEXT_LEN - 36:  # the last 36 bytes are reserved
        raise IdCardError("The ID card text is incomplete; please place the card again.")
    values: dict[str, str] = {}
    pos = 0
    for name, width in TEXT_FIELDS:
        chunk = text[pos:pos + width]
        pos += width
        try:
            values[name] = chunk.decode("utf-16-le").replace("\x00", "").strip()
        except UnicodeDecodeError:
            raise IdCardError("The ID card text could not be decoded; please place the card "
                              "again.") from None
    rid = normalize_resident_id(values["id_number"])  # InvalidIdentifier: a clear sentence
    try:
        birth = date(int(rid[6:10]), int(rid[10:12]), int(rid[12:14]))
    except ValueError:  # pragma: no cover - normalize_resident_id checked the date
        raise IdCardError("The ID card's birth date is not a date.") from None
    if not values["name"]:
        raise IdCardError("The ID card has no name on it; please place the card again.")
    return IdCard(
        name=values["name"], sex=SEXES.get(values["sex"], "未知"), nation_code=values["nation"],
        birth=birth, address=values["address"], id_number=rid, authority=values["authority"],
        valid_from=values["valid_from"], valid_to=values["valid_to"],
    )


def encode_text(fields: dict[str, str]) -> bytes:
    """The 256-byte text block for given fields (the emulator and tests use it)."""
    out = bytearray()
    for name, width in TEXT_FIELDS:
        raw = fields.get(name, "").encode("utf-16-le")[:width]
        out += raw + " ".encode("utf-16-le") * ((width - len(raw)) // 2)
    return bytes(out.ljust(TEXT_LEN, b"\x00"))


class IdCardReader:
    """A GA/T 467 reader on a serial line (`url`: anything `serial_for_url` accepts)."""

    def __init__(self, url: str, baudrate: int = 115200, timeout_s: float = 1.0,
                 port_factory: PortFactory = serial.serial_for_url) -> None:
        self.url = url
        self.name = f"ID card reader {url}"
        self.baudrate = baudrate
        self.timeout_s = timeout_s
        self._factory = port_factory
        self._port: Any = None

    def _open(self) -> Any:
        if self._port is None:
            self._port = open_reader_port(self._factory, self.url, self.baudrate, 0.05,
                                          "ID card reader")
        return self._port

    def present(self) -> bool:
        """True when the reader answers a find-card command (with or without a card)."""
        try:
            self._transact(FIND)
        except (ReaderOffline, IdCardError):
            return False
        return True

    def read_card(self) -> IdCard | None:
        """The card on the reader, None when there is none; `IdCardError` when it fails."""
        found = self._transact(FIND)
        if found.sw3 == SW_NO_CARD:
            return None
        self._expect(found, SW_FOUND)
        self._expect(self._transact(SELECT), SW_OK)
        answer = self._transact(READ)
        self._expect(answer, SW_OK)
        return parse_text(_text_block(answer.data))

    @staticmethod
    def _expect(resp: Response, ok: int) -> None:
        if resp.sw3 != ok:
            raise IdCardError(_SW_MESSAGES.get(
                resp.sw3, f"The ID card reader reported error {resp.sw3:02X}; please try again."))

    def _transact(self, cmd: tuple[int, int]) -> Response:
        port = self._open()
        try:
            port.reset_input_buffer()
            port.write(command_frame(cmd))
            return parse_response(self._read_frame(port, cmd))
        except PORT_ERRORS as exc:
            self.close()
            raise ReaderOffline(f"The ID card reader on {self.url} stopped answering.") from exc

    def _read_frame(self, port: Any, cmd: tuple[int, int]) -> bytes:
        reader = FrameReader()
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            frames = reader.feed(port.read(max(1, port.in_waiting or 1)))
            if frames:
                return frames[0]
        if reader.pending:
            raise IdCardError("The ID card reader stopped in the middle of an answer; the card "
                              "may have been removed. Please place it again.")
        if cmd == FIND:
            raise ReaderOffline(f"The ID card reader on {self.url} does not answer.")
        raise IdCardError("The ID card reader stopped answering during the read; please place "
                          "the card again.")

    def close(self) -> None:
        if self._port is not None:
            try:
                self._port.close()
            except PORT_ERRORS:
                log.debug("closing %s failed", self.name, exc_info=True)
            self._port = None


def _text_block(data: bytes) -> bytes:
    if len(data) < 4:
        raise IdCardError("The ID card reader's answer holds no card data.")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len < TEXT_LEN - 36 or 4 + text_len + photo_len > len(data):
        raise IdCardError("The ID card reader's answer is incomplete; please place the card "
                          "again.")
    return data[4:4 + text_len]
