"""An ESC/POS printer on a pseudo-terminal: answers DLE EOT n like an Epson-compatible
printer in a given state, or stays silent; records the bytes it was sent."""

from __future__ import annotations

from tests.support.pty_device import PtyDevice

# DLE EOT answers (n = 1 printer, 2 offline cause, 4 paper sensor) per state.
STATUS_BYTES: dict[str, dict[int, int]] = {
    "ready": {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12},
    "paper_near_end": {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x1E},
    "paper_out": {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x72},
    "cover_open": {1: 0x1A, 2: 0x16, 3: 0x12, 4: 0x12},
}


class PrinterEmulator(PtyDevice):
    def __init__(self, state: str = "ready", silent: bool = False,
                 paper_runs_out: bool = False) -> None:
        self.state = state
        self.silent = silent
        self.paper_runs_out = paper_runs_out  # the roll ends while the next ticket prints
        self.status_queries = 0
        self._tail = b""
        super().__init__()

    def on_data(self, data: bytes) -> None:
        buf = self._tail + data
        if self.paper_runs_out and b"\x1dV" in buf:  # GS V: the cut at the end of a ticket
            self.state = "paper_out"
        i = 0
        while (i := buf.find(b"\x10\x04", i)) != -1 and i + 2 < len(buf):
            n = buf[i + 2]
            self.status_queries += 1
            if not self.silent and n in STATUS_BYTES[self.state]:
                self.send(bytes((STATUS_BYTES[self.state][n],)))
            i += 3
        if buf.endswith(b"\x10\x04"):
            self._tail = b"\x10\x04"
        else:
            self._tail = b"\x10" if buf.endswith(b"\x10") else b""

    @property
    def printed(self) -> bytes:
        """What was sent, without the status queries."""
        data = bytes(self.received)
        for n in (1, 2, 3, 4):
            data = data.replace(b"\x10\x04" + bytes((n,)), b"")
        return data
