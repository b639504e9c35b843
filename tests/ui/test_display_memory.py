"""A hall display runs for weeks: counting its Qt objects for its status line must keep
nothing (PySide keeps the wrapper of every descendant `findChildren` returns for as long
as the window lives, even after Qt deletes the object: a label's text frames, new at
every call); and what it frees goes back to the system (the heap keeper of every live
feed)."""

from __future__ import annotations

import ctypes
import gc
import os
import sys
from datetime import datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import shiboken6  # noqa: E402
from PySide6.QtCore import QObject  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from kiosk.app import build_display_window  # noqa: E402
from kiosk.config import Settings  # noqa: E402
from kiosk.queue.feed import FeedEvent  # noqa: E402
from kiosk.queue.service import QueueService  # noqa: E402
from kiosk.ui.display_station import DisplayStation  # noqa: E402
from kiosk.ui.status import HeapKeeper, heap_kb, qt_objects, resident_kb, trim_heap  # noqa: E402
from tests.conftest import FakeClock  # noqa: E402
from tests.support.players import FakePlayer  # noqa: E402

pytestmark = pytest.mark.qt_log_ignore(
    r"PulseAudioService: pa_context_connect\(\) failed", r"No audio device detected",
    r"Couldn't (load|resolve) .+", r"This plugin does not support propagateSizeHints\(\)")

AT = datetime(2026, 11, 24, 10, 0)


def dead_wrappers() -> int:
    """Python wrappers still alive whose Qt object has been deleted."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, QObject) and not shiboken6.isValid(o))


def calls(station: DisplayStation, first: int, n: int) -> None:
    """`n` calls, each shown and then counted as the status line does."""
    for event_id in range(first, first + n):
        number = f"{'AB'[event_id % 2]}{event_id % 1000:03d}"
        station.model.apply([FeedEvent(event_id, AT, "called", event_id, 1 + event_id % 4,
                                       {"number": number, "service": number[0]})])
        QApplication.processEvents()
        station.status()


def test_the_status_line_keeps_no_qt_object_of_a_busy_hall_window(
        qapp: QApplication, sqlite_queue: QueueService, sqlite_url: str, settings: Settings,
        clock: FakeClock) -> None:
    station = build_display_window(settings, sqlite_url, kind="hall", clock=clock,
                                   player=FakePlayer())
    window = station.window
    assert window is not None
    try:
        window.resize(1280, 720)
        window.show()
        calls(station, 1, 20)
        # the same count findChildren gives (taken once: it is what keeps the wrappers)
        assert qt_objects(window) == len(window.findChildren(QObject)) > 20
        calls(station, 21, 20)  # the wrappers findChildren kept: dead, and no more after
        objects = station.status()["sizes"]["qt_objects"]
        before = dead_wrappers()
        calls(station, 41, 300)
        assert station.status()["sizes"]["qt_objects"] == objects
        assert dead_wrappers() <= before  # before the fix: 3 more for every call
    finally:
        station.stop()


glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or heap_kb() is None,
                           reason="glibc's malloc statistics and trim")


@glibc
def test_trimming_gives_memory_freed_in_the_middle_of_the_heap_back() -> None:
    """Freed blocks below one still in use stay resident (free() only gives back the top
    of the heap) until `trim_heap`: the creep a display showed over its first days."""
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(4000) for _ in range(10_000)]  # 40 MB, below the mmap threshold
    for block in blocks:  # touch every page, so that it is resident
        ctypes.memset(block, 1, 4000)
    try:
        for block in blocks[:-1]:  # the last one stays in use, on top
            libc.free(block)
        kept = resident_kb()
        assert kept is not None and heap_kb() is not None
        assert heap_kb()["free"] > 30_000  # type: ignore[index]
        assert trim_heap()
        given_back = kept - (resident_kb() or 0)
        assert given_back > 30_000, f"only {given_back} KiB given back"
    finally:
        libc.free(blocks[-1])


def test_the_heap_keeper_trims_after_so_many_feed_events_or_an_hour(
        monkeypatch: pytest.MonkeyPatch) -> None:
    trims: list[int] = []

    def trim() -> bool:
        trims.append(1)
        return True

    monkeypatch.setattr("kiosk.ui.status.trim_heap", trim)
    now = [0.0]
    keeper = HeapKeeper(every_events=100, every_s=3600, clock=lambda: now[0])
    for _ in range(9):
        keeper.count(10)
    assert trims == []
    keeper.count(25)  # 115 events
    assert trims == [1] and keeper.since == 0
    keeper.count(99)
    now[0] = 3599.0
    keeper.tick()
    assert trims == [1]
    now[0] = 3600.0  # an hour after the last trim
    keeper.tick()
    assert trims == [1, 1] and keeper.since == 0


def test_every_live_feed_counts_its_events_for_the_heap_keeper(
        qapp: QApplication, qtbot: object, sqlite_queue: QueueService, sqlite_url: str,
        settings: Settings, clock: FakeClock) -> None:
    station = build_display_window(settings, sqlite_url, kind="hall", clock=clock,
                                   player=FakePlayer())
    keeper = station.live.worker.heap
    try:
        station.start()
        # the feed starts at the head of the events: what is issued before it is there is
        # never read (nor counted)
        qtbot.waitUntil(lambda: station.model.online, timeout=10_000)  # type: ignore[attr-defined]
        for _ in range(3):
            sqlite_queue.issue("A")
        qtbot.waitUntil(  # type: ignore[attr-defined]
            lambda: keeper.since + keeper.every_events * keeper.trims >= 3, timeout=10_000)
    finally:
        station.stop()
