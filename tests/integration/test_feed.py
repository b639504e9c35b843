"""The change feed on a real database: ids in order, wake-ups, the full state, outages.

Two QueueService objects with their own engines stand for two stations; the writer
never shares a connection with the reader.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from kiosk.config import Settings
from kiosk.queue.db import Database
from kiosk.queue.feed import ChangeFeed, FeedOffline, PgWaker, SqliteWaker
from kiosk.queue.service import QueueService
from tests.conftest import FakeClock, open_queue


@pytest.fixture
def station(db_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    """A second station on the same database (its own engine and connections)."""
    yield from open_queue(db_url, settings, clock)


def wait_for(feed: ChangeFeed, count: int, timeout_s: float = 5.0) -> list:
    deadline = time.monotonic() + timeout_s
    seen: list = []
    while len(seen) < count and time.monotonic() < deadline:
        seen += feed.wait(deadline - time.monotonic())
    return seen


def test_a_new_reader_starts_at_the_head_and_sees_what_follows_in_order(
        queue: QueueService, station: QueueService) -> None:
    queue.open_counter(1)
    old = queue.issue("A")
    feed = ChangeFeed(station)
    assert feed.open() == []  # nothing old is replayed
    queue.issue("A")
    queue.issue("B")
    queue.call_next(1)
    events = wait_for(feed, 3)
    assert [e.kind for e in events] == ["issued", "issued", "called"]
    assert [e.id for e in events] == sorted(e.id for e in events)
    assert events[-1].number == old.number and events[-1].counter == 1
    assert feed.wait(0.1) == []  # and nothing twice
    feed.close()


def test_the_waker_stays_quiet_until_another_station_commits(
        queue: QueueService, station: QueueService) -> None:
    queue.open_counter(1)  # the day's first write (it also rolls the business day over)
    feed = ChangeFeed(station)
    feed.open()
    assert feed.poll() == []
    assert feed.wait(0.2) == []
    queue.open_counter(2)
    events = wait_for(feed, 1)
    assert [(e.kind, e.counter) for e in events] == [("counter_open", 2)]
    feed.close()


def test_a_refused_operation_wakes_nobody_with_an_event(
        queue: QueueService, station: QueueService) -> None:
    queue.open_counter(1)
    feed = ChangeFeed(station)
    feed.open()
    assert queue.call_next(1) is None  # nobody waits: rolled back, no event
    queue.issue("C")
    events = wait_for(feed, 1)
    assert [e.kind for e in events] == ["issued"]
    feed.close()


def test_a_reader_reopened_with_its_last_id_reads_what_it_missed(
        queue: QueueService, station: QueueService) -> None:
    queue.open_counter(1)
    feed = ChangeFeed(station)
    feed.open()
    feed.disconnect()
    queue.issue("A")
    queue.call_next(1)
    missed = feed.open()
    assert [e.kind for e in missed] == ["issued", "called"]
    feed.close()


def test_the_snapshot_shows_counts_waits_counters_and_todays_calls(
        queue: QueueService, station: QueueService, clock: FakeClock) -> None:
    queue.open_counter(1)
    queue.open_counter(4)
    queue.pause_counter(4)
    for _ in range(3):
        queue.issue("A")
        clock.advance(30)
    called = queue.call_next(1)
    assert called is not None
    snap = ChangeFeed(station).snapshot()
    a = next(s for s in snap.services if s.prefix == "A")
    c = next(s for s in snap.services if s.prefix == "C")
    assert a.waiting == 2 and a.open_counters == (1,) and a.wait_s is not None and a.wait_s > 0
    assert c.wait_s is None  # counter 4 (the only one for C besides 5) is paused
    counters = {x.number: x for x in snap.counters}
    assert counters[1].ticket_number == called.number
    assert counters[4].status == "paused"
    assert [(r.number, r.counter) for r in snap.recent_calls] == [(called.number, 1)]
    assert snap.last_event_id == queue.last_event_id()


def test_the_snapshot_leaves_out_yesterdays_calls(
        queue: QueueService, station: QueueService, clock: FakeClock) -> None:
    queue.open_counter(1)
    queue.issue("A")
    queue.call_next(1)
    clock.advance(hours=24)
    queue.issue("B")  # the first write of the day rolls it over
    assert ChangeFeed(station).snapshot().recent_calls == ()


def test_sqlite_waker_polls_a_dedicated_connection(sqlite_queue: QueueService,
                                                   sqlite_url: str) -> None:
    waker = SqliteWaker(sqlite_url)
    waker.connect()
    assert waker.poll() is False
    sqlite_queue.open_counter(3)
    assert waker.poll() is True
    assert waker.poll() is False
    waker.close()
    with pytest.raises(FeedOffline):
        waker.poll()


def test_sqlite_waker_on_a_missing_folder_is_offline(tmp_path) -> None:  # noqa: ANN001
    waker = SqliteWaker(f"sqlite:///{tmp_path / 'nowhere' / 'branch.db'}")
    with pytest.raises(FeedOffline):
        waker.connect()


@pytest.mark.pg
def test_pg_waker_notices_a_killed_connection_instead_of_spinning(
        pg_url: str, settings: Settings, clock: FakeClock) -> None:
    import psycopg

    service = QueueService(Database(pg_url), settings, clock)
    service.prepare()
    service.open_counter(2)
    feed = ChangeFeed(service)
    feed.open()
    assert isinstance(feed.waker, PgWaker)
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE query LIKE 'LISTEN%' AND datname = current_database()")
    with pytest.raises(FeedOffline):
        wait_for(feed, 1, timeout_s=5)
    assert not feed.connected
    service.open_counter(1)
    assert [e.kind for e in feed.open()] == ["counter_open"]  # back, nothing lost
    feed.close()
    service.db.dispose()


@pytest.mark.pg
def test_pg_unreachable_server_is_offline_quickly(settings: Settings) -> None:
    waker = PgWaker("postgresql://postgres@127.0.0.1:1/none", connect_timeout_s=1)
    started = time.monotonic()
    with pytest.raises(FeedOffline):
        waker.connect()
    assert time.monotonic() - started < 3
