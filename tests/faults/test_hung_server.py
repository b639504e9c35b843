"""A hung PostgreSQL server (a stopped process: its kernel still acknowledges packets, so
sockets stay open and nothing answers) shows offline on the hall display within 3 s,
the screen keeps running meanwhile, and the display comes back and reloads the state
when the server resumes.

The server is hung through a TCP proxy between the display and PostgreSQL (stopping the
real server would freeze it for every other test on the machine)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urlsplit

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

pytestmark = pytest.mark.pg

DETECT_WITHIN_S = 3.0


@pytest.fixture
def proxy(pg_url: str) -> Iterator[TcpProxy]:
    parts = urlsplit(pg_url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    yield proxy
    proxy.close()


@pytest.fixture
def writer(pg_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
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


def test_a_hung_server_shows_offline_within_3_s_and_the_display_recovers(
        qtbot: QtBot, proxy: TcpProxy, pg_url: str, writer: QueueService,
        settings: Settings, clock: FakeClock) -> None:
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
