"""A device on the far end of a pseudo-terminal: the code under test opens `path` with
pyserial exactly as it would open /dev/ttyUSB0, and the emulator answers from a thread."""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable


class PtyDevice:
    """Reads what the host sends and lets a subclass answer; records every byte."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.received = bytearray()
        self._cond = threading.Condition()
        self._stop_r, self._stop_w = os.pipe()
        self._unplugged = False
        self._thread = threading.Thread(target=self._run, name=type(self).__name__, daemon=True)
        self._thread.start()

    # subclasses answer here; called with the lock held
    def on_data(self, data: bytes) -> None:
        pass

    def send(self, data: bytes) -> None:
        if not self._unplugged:
            os.write(self.master, data)

    def _run(self) -> None:
        while True:
            ready, _, _ = select.select([self.master, self._stop_r], [], [])
            if self._stop_r in ready:
                return
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            with self._cond:
                self.received += data
                self.on_data(data)
                self._cond.notify_all()

    def wait_until(self, predicate: Callable[[], bool], timeout_s: float = 5.0) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout_s)

    def unplug(self) -> None:
        """Like pulling the cable: the host's next write or read fails."""
        self._unplugged = True
        self.close()

    def close(self) -> None:
        if self._thread.is_alive():
            os.write(self._stop_w, b"x")
            self._thread.join(2)
        for fd in (self.master, self.slave, self._stop_r, self._stop_w):
            with contextlib.suppress(OSError):
                os.close(fd)
