"""A GA/T 467 resident ID card reader on a pseudo-terminal.

`mode` decides how it answers the read command: "ok", "removed" (SW3 41: the card left
the reader), "truncated" (half a frame, then silence: the card left mid-transfer),
"bad_checksum", "garbage"; `card` = None means no card on the reader; `silent` = True
is an unplugged or dead reader.
"""

from __future__ import annotations

from kiosk.devices.idcard import (
    FIND,
    PREAMBLE,
    READ,
    SELECT,
    FrameReader,
    encode_text,
    response_frame,
)
from tests.support.identifiers import ID_NUMBER
from tests.support.pty_device import PtyDevice

CARD_FIELDS = {
    "name": "王小明", "sex": "1", "nation": "01", "birth": "19491231",
    "address": "北京市朝阳区建国路88号", "id_number": ID_NUMBER,
    "authority": "北京市公安局朝阳分局",
    "valid_from": "20200101", "valid_to": "20400101",
}


def read_answer(fields: dict[str, str]) -> bytes:
    text = encode_text(fields)
    photo = bytes(1024)
    return response_frame(0x90, (256).to_bytes(2, "big") + (1024).to_bytes(2, "big")
                          + text + photo)


class IdReaderEmulator(PtyDevice):
    def __init__(self, card: dict[str, str] | None = None, mode: str = "ok",
                 silent: bool = False) -> None:
        self.card = dict(CARD_FIELDS) if card is None else card
        self.mode = mode
        self.silent = silent
        self.commands: list[tuple[int, int]] = []
        self._frames = FrameReader()
        super().__init__()

    def remove_card(self) -> None:
        self.card = {}

    def on_data(self, data: bytes) -> None:
        for raw in self._frames.feed(data):
            cmd = (raw[7], raw[8])
            self.commands.append(cmd)
            if not self.silent:
                self.send(self.answer(cmd))

    def answer(self, cmd: tuple[int, int]) -> bytes:
        if cmd == FIND:
            return response_frame(0x9F, bytes(4)) if self.card else response_frame(0x80)
        if cmd == SELECT:
            return response_frame(0x90, bytes(8)) if self.card else response_frame(0x81)
        if cmd != READ:
            return response_frame(0x21)
        full = read_answer(self.card)
        if self.mode == "removed" or not self.card:
            return response_frame(0x41)
        if self.mode == "truncated":
            return full[: len(full) // 2]
        if self.mode == "bad_checksum":
            return full[:-1] + bytes((full[-1] ^ 0xFF,))
        if self.mode == "garbage":
            return bytes(range(7, 250)) + b"\x00" * 40
        return full


__all__ = ["CARD_FIELDS", "IdReaderEmulator", "PREAMBLE", "read_answer"]
