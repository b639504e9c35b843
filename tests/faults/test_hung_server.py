"""A hung PostgreSQL server (a stopped process: its kernel still acknowledges packets, so
sockets stay open and nothing answers) shows offline on the hall display within 3 s,
the screen keeps running meanwhile, and the display comes back and reloads the state
when the server resumes.

The server is hung through a TCP proxy between the display and PostgreSQL (stopping the
real server would freeze it for every other test on the machine)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from kiosk.app import build_display_window
from kiosk.config import Settings
from kiosk.devices.announcer import NullPlayer
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.ui.display_station import DisplayStation
from tests.conftest import FakeClock
from tests.support.tcp_proxy import TcpProxy

DETECT_WITHIN_S = 3.0


@pytest.fixture
def pg_writer(pg_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    service = QueueService(Database(pg_url), settings, clock)
    service.prepare()
    for counter in (1, 2):
        service.open_counter(counter)
    yield service
    service.db.dispose()


def start_hall(qtbot: QtBot, url: str, settings: Settings, clock: FakeClock) -> DisplayStation:
    station = build_display_window(settings, url, kind="hall", clock=clock, player=NullPlayer())
    station.start()
    qtbot.waitUntil(lambda: station.model.loaded and station.model.online, timeout=10000)
    return station


@pytest.mark.pg
def test_a_hung_server_shows_offline_within_3_s_and_the_display_recovers(
        qtbot: QtBot, proxy: TcpProxy, pg_url: str, pg_writer: QueueService,
        settings: Settings, clock: FakeClock) -> None:
    writer = pg_writer
    station = start_hall(qtbot, proxy.url(pg_url), settings, clock)
    ticks: list[float] = []  # the GUI thread's own timer: it must keep running
    beat = QTimer()
    beat.timeout.connect(lambda: ticks.append(time.monotonic()))
    beat.start(100)
    try:
        assert station.window is not None
        proxy.hang()
        hung_at = time.monotonic()
        qtbot.waitUntil(lambda: not station.model.online, timeout=10000)
        detected_s = time.monotonic() - hung_at
        assert detected_s <= DETECT_WITHIN_S, f"offline shown after {detected_s:.1f} s"
        assert not station.window.offline.isHidden()
        # the server stays hung: calls made meanwhile (on the server, by stations that
        # still reach it) and the display's retries against a server that accepts and
        # never answers
        writer.issue("A")
        called = writer.call_next(1)
        assert called is not None
        retried = proxy.accepted
        qtbot.waitUntil(lambda: proxy.accepted > retried + 1, timeout=15000)
        assert not station.model.online
        gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)
                if a >= hung_at]
        assert gaps and max(gaps) < 1.0, "the screen froze while the server hung"
        proxy.resume()
        resumed_at = time.monotonic()
        qtbot.waitUntil(lambda: station.model.online, timeout=15000)
        print(f"offline shown {detected_s:.2f} s after the hang; back online "
              f"{time.monotonic() - resumed_at:.2f} s after the server resumed")
        qtbot.waitUntil(lambda: station.model.counter(1).ticket_number == called.number,
                        timeout=5000)
        assert station.window.offline.isHidden()
        # and the feed works as before
        writer.issue("B")
        again = writer.call_next(2)
        assert again is not None
        qtbot.waitUntil(lambda: station.model.latest is not None
                        and station.model.latest.number == again.number, timeout=5000)
    finally:
        beat.stop()
        station.stop()


def test_an_sqlite_write_lock_held_for_long_holds_up_neither_the_feed_nor_the_screen(
        qtbot: QtBot, sqlite_queue: QueueService, sqlite_url: str, settings: Settings,
        clock: FakeClock, tmp_path: Path) -> None:
    """A station holding the write lock (BEGIN IMMEDIATE) for long: the display's
    heartbeat (a write) waits for the lock on a thread of its own, so the display keeps
    reading and closes at once instead of waiting out the 30 s busy timeout."""
    sqlite_queue.open_counter(1)
    station = build_display_window(settings, sqlite_url, kind="hall", clock=clock,
                                   player=NullPlayer())
    worker = station.live.worker
    worker.heartbeat_s = 0.2
    station.start()
    locker = sqlite3.connect(str(tmp_path / "branch.db"), isolation_level=None)
    try:
        qtbot.waitUntil(lambda: station.model.loaded and station.model.online, timeout=10000)
        locker.execute("BEGIN IMMEDIATE")
        beats = worker.heartbeats_started
        qtbot.waitUntil(lambda: worker.heartbeats_started > beats, timeout=5000)
        loads = []
        station.live.snapshot.connect(loads.append)
        station.live.reload()  # a read while the heartbeat waits for the lock
        qtbot.waitUntil(lambda: len(loads) > 0, timeout=3000)
        assert station.model.online
    finally:
        started = time.monotonic()
        station.stop()
        stopped_s = time.monotonic() - started
        locker.rollback()
        locker.close()
    assert stopped_s < 2.0, f"closing the display took {stopped_s:.1f} s"
