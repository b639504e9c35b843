"""A running station's status: progress, memory, and the size of everything it holds.

A station runs for weeks; whatever it keeps (recent calls, calls waiting to be spoken,
printed tickets, background jobs, Qt objects) must stay bounded. `status_lines` prints a
station's `status()` every few seconds (`--status-every`), which is how the soak in
`kiosk bench --soak` and tests/faults/test_soak.py watch a real station process.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger(__name__)

# Freed memory is given back to the system after this many feed events and at least this
# often (see `HeapKeeper`).
TRIM_EVERY_EVENTS = 1000
TRIM_EVERY_S = 3600.0


def resident_kb() -> int | None:
    """This process's resident memory in KiB (VmRSS), or None where /proc has none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


@cache
def _glibc() -> Any:
    """The C library's malloc statistics and trim (glibc ≥ 2.33), or None elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.malloc_trim.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def heap_kb() -> dict[str, int] | None:
    """The C heap of the main arena in KiB: `in_use` (what is allocated now: a leak makes
    it grow) and `free` (freed but kept by the allocator). None where glibc is not the
    allocator."""
    libc = _glibc()
    if libc is None:
        return None
    info = libc.mallinfo2()
    return {"in_use": info.uordblks // 1024, "free": info.fordblks // 1024}


def trim_heap() -> bool:
    """Give the freed pages of the C heap back to the system (`malloc_trim(0)`).

    A station's allocations come and go all day (query rows, text layouts, feed batches);
    what is freed in the middle of the heap stays resident until trimmed, so a display's
    resident memory crept up by a few MB over its first 25,000 events while the memory in
    use stayed flat (docs: the soak in `kiosk bench --soak`). True when pages went back."""
    libc = _glibc()
    return bool(libc.malloc_trim(0)) if libc is not None else False


class HeapKeeper:
    """Trims the heap (`trim_heap`) after every `every_events` feed events, and when asked
    (`tick`) once `every_s` seconds have passed since the last trim. Each station's feed
    worker has one and runs it in the feed thread, off the screen's."""

    def __init__(self, *, every_events: int = TRIM_EVERY_EVENTS, every_s: float = TRIM_EVERY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.every_events = every_events
        self.every_s = every_s
        self.clock = clock
        self.since = 0
        self.trims = 0
        self.last = clock()

    def count(self, events: int) -> None:
        self.since += events
        if self.since >= self.every_events:
            self.trim()

    def tick(self) -> None:
        if self.clock() - self.last >= self.every_s:
            self.trim()

    def trim(self) -> None:
        self.since = 0
        self.trims += 1
        self.last = self.clock()
        trim_heap()


def qt_objects(root: QObject) -> int:
    """How many Qt objects hang below `root` (widgets, timers, animations, ...), counted
    without keeping any of them.

    Not `root.findChildren(QObject)`: that wraps every descendant, Qt's own included (a
    rich-text label's document and its frames, replaced at every `setText`), and PySide
    keeps each wrapper alive as long as `root`, even after Qt has deleted the object. A
    hall window counted every 0.25 s kept about 25 dead wrappers a second: the soak's
    display grew 3.4 MB per 10,000 events, 2.1 without them. Wrappers made by
    `children()` are freed once counted."""
    return sum(1 + qt_objects(child) for child in root.children())


def status_lines(parent: QObject, every_s: float, status: Callable[[], dict[str, Any]],
                 out: Callable[[dict[str, Any], str], None]) -> QTimer:
    """Every `every_s` seconds, `out(status() + monotonic, one-line text)`; started."""
    def tick() -> None:
        data = {"status": True, **status(), "monotonic": time.monotonic()}
        sizes = ", ".join(f"{k} {v}" for k, v in data.get("sizes", {}).items())
        out(data, f"rss {data.get('rss_kb')} KiB; {sizes}")

    timer = QTimer(parent)
    timer.setInterval(max(50, int(every_s * 1000)))
    timer.timeout.connect(tick)
    timer.start()
    QTimer.singleShot(0, tick)
    return timer
