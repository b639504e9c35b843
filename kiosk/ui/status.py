"""A running station's status: progress, memory, and the size of everything it holds.

A station runs for weeks; whatever it keeps (recent calls, calls waiting to be spoken,
printed tickets, background jobs, Qt objects) must stay bounded. `status_lines` prints a
station's `status()` every few seconds (`--status-every`), which is how the soak in
`kiosk bench --soak` and tests/faults/test_soak.py watch a real station process.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer


def resident_kb() -> int | None:
    """This process's resident memory in KiB (VmRSS), or None where /proc has none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


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
