"""离开排队: a customer gives up their own place with their ticket's link (the MAC is the
proof; no staff login), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk.config import Settings
from kiosk.errors import IllegalTransition, NotFound
from kiosk.links import ticket_mac
from kiosk.queue.service import QueueService
from tests.conftest import FakeClock


def mac(settings: Settings, ticket_id: int, at: object) -> str:
    return ticket_mac(ticket_id, at, settings.hash_secret)  # type: ignore[arg-type]


def test_the_links_mac_lets_the_customer_leave_and_frees_the_place(
        queue: QueueService, settings: Settings) -> None:
    queue.open_counter(1)
    mine, behind = queue.issue("A"), queue.issue("A")
    assert queue.ticket(behind.id).ahead == 1
    left = queue.leave(mine.id, mac(settings, mine.id, mine.arrived_at))
    assert left.status == "cancelled" and left.outcome.startswith("left the queue")
    assert queue.ticket(behind.id).ahead == 0
    assert queue.call_next(1).id == behind.id  # nobody is called for a place given up
    audit = queue.audit_log(1)[0]
    assert (audit.actor, audit.action, audit.ticket_id) == ("customer (ticket link)", "leave",
                                                            mine.id)
    assert audit.before["status"] == "waiting" and audit.after["status"] == "cancelled"
    event = next(e for e in queue.events_since(0) if e.kind == "cancel")
    assert event.ticket_id == mine.id and event.payload["by_customer"] is True
    day = queue.business_day(queue.now())
    assert queue.figures(day, day).overrides == ()  # audited, but nobody's override


def test_a_wrong_or_other_days_mac_or_unknown_id_is_not_found(
        queue: QueueService, settings: Settings) -> None:
    t = queue.issue("A")
    for ticket_id, code in ((t.id, "0" * 10),
                            (t.id, mac(settings, t.id, t.arrived_at - timedelta(days=1))),
                            (t.id + 1000, mac(settings, t.id + 1000, t.arrived_at))):
        with pytest.raises(NotFound, match="not valid"):
            queue.leave(ticket_id, code)
    assert queue.ticket(t.id).status == "waiting"
    assert not [a for a in queue.audit_log(10) if a.action == "leave"]


def test_only_a_waiting_ticket_leaves(queue: QueueService, settings: Settings) -> None:
    queue.open_counter(1)
    t = queue.issue("A")
    queue.call_next(1)
    with pytest.raises(IllegalTransition, match="only a waiting number"):
        queue.leave(t.id, mac(settings, t.id, t.arrived_at))
    assert queue.ticket(t.id).status == "called"


def test_yesterdays_link_opens_nothing_today(queue: QueueService, settings: Settings,
                                             clock: FakeClock) -> None:
    t = queue.issue("A")
    clock.advance(days=1)
    with pytest.raises(NotFound):
        queue.leave(t.id, mac(settings, t.id, t.arrived_at))
