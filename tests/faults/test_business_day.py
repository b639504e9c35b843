"""The business day: rolled over on read as on write, never moved back, and a station
whose clock disagrees with the database's is refused instead of rewriting the branch."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.app import build_service, fixed_clock, system_clock
from kiosk.config import Settings
from kiosk.errors import ClockSkew
from kiosk.queue import models as m
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.queue.txn import MAX_CLOCK_SKEW_S
from tests.conftest import FakeClock


def _yesterday_left_open(queue: QueueService, clock: FakeClock) -> tuple[int, int]:
    waiting = queue.issue("A")
    called = queue.issue("B")
    queue.open_counter(3)
    assert queue.call_next(3) is not None
    clock.now = datetime(2026, 11, 25, 9, 0)  # the next morning, before anyone writes
    return waiting.id, called.id


def test_reads_of_a_new_day_do_not_show_yesterdays_queue(
        queue: QueueService, clock: FakeClock) -> None:
    waiting_id, called_id = _yesterday_left_open(queue, clock)
    assert queue.waiting() == []
    assert all(c.current is None for c in queue.counters())
    assert queue.recent_calls() == []
    assert all(s.waiting == 0 for s in queue.service_summary())
    assert queue.ticket(waiting_id).status == m.EXPIRED
    assert queue.ticket(called_id).status == m.EXPIRED
    kinds = [e.kind for e in queue.events_since(0)]
    assert kinds.count("day_rollover") == 2  # the first day's, and this read's
    assert queue.issue("A").number == "A001"


def test_a_station_a_day_behind_cannot_reopen_yesterday(
        queue: QueueService, clock: FakeClock, db_url: str, settings: Settings) -> None:
    queue.issue("A")
    queue.open_counter(3)
    today = queue.issue("B")
    queue.call_next(3)
    behind = QueueService(Database(db_url), settings,
                          lambda: datetime(2026, 11, 23, 10, 0))
    try:
        before = len(queue.events_since(0))
        with pytest.raises(ClockSkew, match="branch is on business day 2026-11-24"):
            behind.issue("A")
        with pytest.raises(ClockSkew):
            behind.call_next(1)
        assert len(queue.events_since(0)) == before  # nothing written
        assert queue.counter(3).current is not None and queue.counter(3).current.id == today.id
        assert queue.issue("A").number == "A002"  # today's numbering goes on
        assert behind.waiting()  # its reads still work: the screen shows the branch
    finally:
        behind.db.dispose()


@pytest.mark.parametrize("offset_s, refused", [(30, False), (-30, False),
                                               (600, True), (-86400, True)])
def test_writes_are_refused_when_the_clock_is_off_the_databases(
        db_url: str, settings: Settings, offset_s: int, refused: bool) -> None:
    clock = system_clock(settings, timedelta(seconds=offset_s))
    service = QueueService(Database(db_url), settings, clock, max_clock_skew_s=MAX_CLOCK_SKEW_S)
    try:
        service.prepare()
        if refused:
            with pytest.raises(ClockSkew, match="clock is .* (ahead of|behind) the branch"):
                service.issue("A", check_hours=False)
        else:
            assert service.issue("A", check_hours=False).number == "A001"
        service.heartbeat("KIOSK-1", "kiosk", {"printer": "ok"})
        beat = next(s for s in service.stations() if s.name == "KIOSK-1")
        assert beat.state["clock_ok"] is (not refused)
        assert beat.state["clock_skew_s"] == pytest.approx(offset_s, abs=5)
        assert beat.state["printer"] == "ok"
    finally:
        service.db.dispose()


def test_stations_on_the_pcs_own_clock_are_checked_and_injected_clocks_are_not(
        sqlite_url: str, settings: Settings) -> None:
    real = build_service(settings, sqlite_url, create=True)
    fixed = build_service(settings, sqlite_url, fixed_clock("2026-11-24T10:00"))
    shifted = build_service(settings, sqlite_url, system_clock(settings, timedelta(hours=3)))
    try:
        assert real.max_clock_skew_s == MAX_CLOCK_SKEW_S
        assert fixed.max_clock_skew_s is None and shifted.max_clock_skew_s is None
    finally:
        for s in (real, fixed, shifted):
            s.db.dispose()
