"""Calls made while the hall display is cut off from the database, and in the first
seconds after the database is back but before the display's next retry: the calls made
while it was disconnected may be merged to each counter's latest (those customers have
been served or missed by now); every call made after the database came back is spoken.

The display reaches PostgreSQL through a TCP proxy the test cuts (every connection
closed, new ones refused) and restores; the writer reaches the server directly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from kiosk.app import build_display_window
from kiosk.config import Settings
from kiosk.devices.announcer import AnnouncementQueue, NullPlayer
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from tests.conftest import FakeClock
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.pg


@pytest.fixture
def writer(pg_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    service = QueueService(Database(pg_url), settings, clock)
    service.prepare()
    for counter in (1, 2, 3):
        service.open_counter(counter)
    for _ in range(8):
        service.issue("B")  # counters 1-3 all serve B
    yield service
    service.db.dispose()


def call(writer: QueueService, counter: int) -> tuple[str, int]:
    current = next(c.current for c in writer.counters() if c.number == counter)
    if current is not None:
        writer.finish(current.id)
    view = writer.call_next(counter)
    assert view is not None
    return view.number, counter


def test_calls_after_the_database_is_back_are_each_spoken(
        qtbot: QtBot, proxy: TcpProxy, pg_url: str, writer: QueueService,
        settings: Settings, clock: FakeClock) -> None:
    player = NullPlayer()  # finishes at once: what is spoken is what the display chose
    station = build_display_window(settings, proxy.url(pg_url), kind="hall", clock=clock,
                                   player=player)
    announcer = station.announcer
    assert isinstance(announcer, AnnouncementQueue)
    station.start()
    try:
        qtbot.waitUntil(lambda: station.model.loaded and station.model.online, timeout=10000)
        station.live.worker.backoff_s = 4.0  # its first retry comes after all the calls below
        proxy.cut()
        qtbot.waitUntil(lambda: not station.model.online, timeout=5000)
        during = [call(writer, 1), call(writer, 2), call(writer, 1)]  # while it is cut off
        proxy.restore()
        clock.advance(5)
        after = [call(writer, 1), call(writer, 3), call(writer, 2)]  # back, not yet retried
        assert not station.model.online and station.live.worker.reconnects == 0
        qtbot.waitUntil(lambda: station.model.online, timeout=15000)
        qtbot.waitUntil(lambda: len(announcer.spoken) >= 5, timeout=5000)
        spoken = [(c.number, c.counter) for c in announcer.spoken]
        # while cut off: each counter's latest (counter 1's first call is stale);
        # after the database came back: every call
        assert spoken == [during[1], during[2], *after]
        # every call is shown
        shown = {(c.number, c.counter) for c in station.model.recent}
        assert shown >= {*during, *after}
    finally:
        station.stop()
