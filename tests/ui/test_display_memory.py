"""A hall display runs for weeks: counting its Qt objects for its status line must keep
nothing (PySide keeps the wrapper of every descendant `findChildren` returns for as long
as the window lives, even after Qt deletes the object: a label's text frames, new at
every call)."""

from __future__ import annotations

import gc
import os
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
from kiosk.ui.status import qt_objects  # noqa: E402
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
