"""A PostgreSQL connection lost while it sat in the pool (the server restarted, a cable
was pulled): stations no longer ping before every transaction. A connection that waited
in the pool is pinged when taken out and replaced; one lost between two operations in
quick succession fails that one operation, and the next one connects afresh."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.exc import DBAPIError

from kiosk.config import Settings
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from tests.conftest import FakeClock
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.pg


@pytest.fixture
def through_proxy(proxy: TcpProxy, pg_url: str, settings: Settings,
                  clock: FakeClock) -> Iterator[Callable[[float], QueueService]]:
    direct = Database(pg_url)
    QueueService(direct, settings, clock).prepare()  # the branch, made directly
    direct.dispose()
    made: list[Database] = []

    def make(idle_ping_s: float) -> QueueService:
        db = Database(proxy.url(pg_url), idle_ping_s=idle_ping_s)
        made.append(db)
        service = QueueService(db, settings, clock)
        service.open_counter(1)  # a pooled connection, used once
        return service

    yield make
    for db in made:
        db.dispose()


def test_a_connection_lost_in_the_pool_is_replaced_before_use(through_proxy,
                                                               proxy: TcpProxy) -> None:
    service = through_proxy(0.0)  # every connection counts as having waited
    proxy.cut()
    proxy.restore()
    assert service.issue("A").number == "A001"
    assert service.call_next(1).number == "A001"


def test_a_connection_lost_between_two_operations_fails_one_and_the_next_reconnects(
        through_proxy, proxy: TcpProxy) -> None:
    service = through_proxy(3600.0)  # never pinged: the loss shows in the operation
    proxy.cut()
    proxy.restore()
    with pytest.raises(DBAPIError) as failed:
        service.issue("A")
    assert failed.value.connection_invalidated
    assert service.issue("A").number == "A001"  # the failed one wrote nothing
    assert [w.number for w in service.waiting()] == ["A001"]
