"""The ticket lifecycle on real SQLite and PostgreSQL: one transaction, one event each."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from kiosk.errors import IllegalTransition, NotFound, QueueError
from kiosk.identity import identify_card, identify_resident_id
from kiosk.queue import models as m
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from tests.conftest import FakeClock

CARD = "6222021234567890128"  # Luhn-valid test PAN
RESIDENT_ID = "11010519491231002X"  # the example of GB 11643


def event_count(q: QueueService) -> int:
    return q.last_event_id()


def kinds_since(q: QueueService, since: int) -> list[str]:
    return [e.kind for e in q.events_since(since)]


def test_numbers_are_prefix_plus_daily_sequence_per_service(queue: QueueService) -> None:
    numbers = [queue.issue(s).number for s in ("A", "A", "B", "A", "V")]
    assert numbers == ["A001", "A002", "B001", "A003", "V001"]


def test_each_operation_writes_exactly_one_event(queue: QueueService) -> None:
    t = queue.issue("A")  # the first operation of a day also rolls the day over
    assert kinds_since(queue, 0) == ["day_rollover", "issued"]
    start = event_count(queue)
    queue.open_counter(1)
    queue.call_next(1)
    queue.recall(t.id)
    queue.start(t.id)
    queue.finish(t.id)
    assert kinds_since(queue, start) == ["counter_open", "called", "recall", "start", "finish"]


def test_illegal_transitions_are_refused_and_change_nothing(queue: QueueService) -> None:
    t = queue.issue("A")
    before = event_count(queue)
    with pytest.raises(IllegalTransition, match="A001 is waiting and cannot be finished"):
        queue.finish(t.id)
    with pytest.raises(IllegalTransition, match="Counter 3 is closed"):
        queue.call_next(3)
    with pytest.raises(IllegalTransition):
        queue.no_show(t.id)
    with pytest.raises(NotFound, match="no ticket 999"):
        queue.start(999)
    assert event_count(queue) == before
    assert queue.ticket(t.id).status == m.WAITING


def test_call_next_serves_only_the_counters_services(queue: QueueService) -> None:
    queue.issue("C")
    a = queue.issue("A")
    queue.open_counter(1)  # serves A and B
    called = queue.call_next(1)
    assert called is not None and called.id == a.id and called.counter == 1
    queue.finish(a.id)
    assert queue.call_next(1) is None  # the corporate ticket is not for counter 1


def test_counter_must_finish_before_calling_again(queue: QueueService) -> None:
    queue.issue("A")
    queue.issue("A")
    queue.open_counter(1)
    first = queue.call_next(1)
    assert first is not None
    with pytest.raises(IllegalTransition, match="still has A001"):
        queue.call_next(1)
    queue.no_show(first.id)
    second = queue.call_next(1)
    assert second is not None and second.number == "A002"
    queue.finish(second.id)
    queue.call_next(1)  # nobody waits now: None, and the counter is free
    third = queue.issue("A")
    queue.call_next(1)
    before = event_count(queue)
    with pytest.raises(IllegalTransition, match="still has A003"):
        queue.call_next(1)  # refused even with nobody else waiting
    assert event_count(queue) == before and queue.ticket(third.id).status == m.CALLED


def test_two_counters_never_get_the_same_ticket(queue: QueueService) -> None:
    queue.issue("B")
    queue.issue("B")
    queue.open_counter(3)
    queue.open_counter(4)
    a, b = queue.call_next(3), queue.call_next(4)
    assert a is not None and b is not None and a.id != b.id
    queue.open_counter(1)
    assert queue.call_next(1) is None


def test_vip_from_directory_is_called_before_regulars(queue: QueueService,
                                                      clock: FakeClock) -> None:
    identity = identify_card(CARD, queue.settings.hash_secret)
    with queue.db.begin() as s:
        s.add(m.Customer(id_hash=identity.digest, id_kind="card", id_masked=identity.masked,
                         name_masked="王*明", tier="platinum", relationship_manager="李经理"))
    regular = queue.issue("A")
    clock.advance(60)
    vip = queue.issue("A", identity)
    assert vip.tier == "platinum" and vip.customer_masked == "王*明"
    assert "vip_arrival" in kinds_since(queue, 0)
    queue.open_counter(1)
    assert queue.call_next(1).id == vip.id  # type: ignore[union-attr]
    queue.finish(vip.id)
    assert queue.call_next(1).id == regular.id  # type: ignore[union-attr]


def test_same_customer_gets_their_open_ticket_back(queue: QueueService, manager: Actor) -> None:
    identity = identify_resident_id(RESIDENT_ID, queue.settings.hash_secret)
    first = queue.issue("B", identity)
    again = queue.issue("B", identity)
    assert again.id == first.id and again.existing and again.number == "B001"
    other_service = queue.issue("A", identity)
    assert other_service.id != first.id
    queue.cancel(first.id, actor=manager, reason="customer left")
    assert queue.issue("B", identity).number == "B002"


def test_clear_identifiers_are_never_stored(queue: QueueService) -> None:
    identity = identify_card(CARD, queue.settings.hash_secret)
    queue.issue("A", identity)
    with queue.db.read() as s:
        for table in m.Base.metadata.sorted_tables:
            for row in s.execute(select(table)).all():
                assert CARD not in repr(tuple(row))
                assert CARD[-8:] not in repr(tuple(row))


def test_transfer_keeps_number_arrival_and_tier(queue: QueueService, clock: FakeClock,
                                                manager: Actor) -> None:
    t = queue.issue_for("A", tier="gold", actor=manager, reason="gold card at home")
    clock.advance(600)
    queue.open_counter(1)
    queue.call_next(1)
    queue.start(t.id)
    clock.advance(120)
    moved = queue.transfer(t.id, "C", "priority")
    assert (moved.number, moved.service, moved.tier, moved.status) == ("A001", "C", "gold",
                                                                        m.WAITING)
    assert moved.arrived_at == datetime(2026, 11, 24, 10, 0)
    assert queue.counters()[0].current is None  # counter 1 is free again
    queue.open_counter(5)
    called = queue.call_next(5)
    assert called is not None and called.id == t.id


def test_transfer_placement_first_and_last(queue: QueueService, clock: FakeClock,
                                           manager: Actor) -> None:
    queue.issue("B")
    clock.advance(60)
    queue.issue("B")
    clock.advance(60)
    late = queue.issue("A")
    queue.transfer(late.id, "B", "first", actor=manager, reason="sent to the wrong queue")
    queue.open_counter(3)
    assert queue.call_next(3).id == late.id  # type: ignore[union-attr]
    queue.finish(late.id)
    early = queue.issue("A")
    queue.transfer(early.id, "B", "last")
    nxt = queue.call_next(3)
    assert nxt is not None and nxt.number == "B001"


def test_suspend_and_resume(queue: QueueService, clock: FakeClock) -> None:
    t = queue.issue("B")
    queue.issue("B")
    queue.open_counter(3)
    queue.call_next(3)
    queue.start(t.id)
    assert queue.suspend(t.id).status == m.SUSPENDED
    assert queue.counters()[2].current is None
    clock.advance(300)
    assert queue.resume(t.id).status == m.WAITING
    assert queue.call_next(3).id == t.id  # type: ignore[union-attr]


def test_counter_open_pause_close(queue: QueueService, teller: Actor) -> None:
    assert queue.open_counter(2, actor=teller).status == m.COUNTER_OPEN
    assert queue.pause_counter(2, actor=teller).status == m.COUNTER_PAUSED
    with pytest.raises(IllegalTransition, match="Counter 2 is paused"):
        queue.call_next(2)
    with pytest.raises(IllegalTransition, match="already paused"):
        queue.pause_counter(2, actor=teller)
    queue.open_counter(2, actor=teller)
    t = queue.issue("A")
    queue.call_next(2)
    with pytest.raises(IllegalTransition, match="still has A001"):
        queue.close_counter(2, actor=teller)
    queue.finish(t.id)
    assert queue.close_counter(2, actor=teller).status == m.COUNTER_CLOSED


def test_overrides_need_a_reason_and_are_audited(queue: QueueService, manager: Actor) -> None:
    queue.issue("A")
    late = queue.issue("A")
    before = event_count(queue)
    with pytest.raises(QueueError, match="needs a reason"):
        queue.pin(late.id, 1, actor=manager, reason="  ")
    assert event_count(queue) == before
    queue.pin(late.id, 1, actor=manager, reason="elderly customer, standing")
    queue.open_counter(1)
    assert queue.call_next(1).id == late.id  # type: ignore[union-attr]
    audit = queue.audit_log()
    assert audit[0].actor == "M001 张经理" and audit[0].action == "pin"
    assert audit[0].reason == "elderly customer, standing"


def test_call_specific_ticket_is_audited(queue: QueueService, manager: Actor) -> None:
    queue.issue("A")
    b = queue.issue("A")
    queue.open_counter(1)
    called = queue.call_ticket(1, b.id, actor=manager, reason="customer has an appointment")
    assert called.number == "A002"
    assert queue.audit_log()[0].action == "call_ticket"
    ev = queue.events_since(0)[-1]
    assert ev.kind == "called" and ev.payload["override"] is True


def test_business_day_rollover_resets_numbers_and_closes_old_tickets(
        queue: QueueService, clock: FakeClock) -> None:
    old = queue.issue("A")
    queue.issue("A")
    clock.now = datetime(2026, 11, 25, 3, 59)  # still the 24th's business day (starts 04:00)
    queue.open_counter(1)
    late = queue.issue("B", check_hours=False)  # a manager's after-hours ticket
    assert late.business_day.isoformat() == "2026-11-24"
    clock.now = datetime(2026, 11, 25, 9, 30)
    fresh = queue.issue("A")
    assert fresh.number == "A001" and fresh.business_day.isoformat() == "2026-11-25"
    assert queue.ticket(old.id).status == m.EXPIRED
    assert queue.ticket(old.id).outcome == "business day closed"
    called = queue.call_next(1)
    assert called is not None and called.id == fresh.id  # old tickets are never called


def test_opening_hours_are_enforced(queue: QueueService, clock: FakeClock) -> None:
    clock.now = datetime(2026, 11, 24, 16, 45)
    with pytest.raises(QueueError, match="09:00-16:30"):
        queue.issue("A")
    assert queue.issue("B").number == "B001"


def test_forecast_counts_people_ahead(queue: QueueService, clock: FakeClock) -> None:
    for _ in range(3):
        queue.issue("A")
        clock.advance(10)
    queue.open_counter(1)
    last = queue.with_forecast(queue.issue("A"))
    assert last.ahead == 3
    assert last.estimated_wait_s == pytest.approx(3 * 240, abs=1)


def test_learned_service_time_updates_the_running_mean(queue: QueueService,
                                                       clock: FakeClock) -> None:
    t = queue.issue("A")
    queue.open_counter(1)
    queue.call_next(1)
    queue.start(t.id)
    clock.advance(600)
    queue.finish(t.id)
    summary = {s.service: s for s in queue.service_summary()}
    a = queue.settings.rules.service_time_smoothing
    assert 0 < a < 1
    assert summary["A"].mean_service_s == round((1 - a) * 240 + a * 600)


def test_events_are_readable_in_order(queue: QueueService) -> None:
    queue.issue("A")
    queue.issue("B")
    ids = [e.id for e in queue.events_since(0)]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    assert [e.id for e in queue.events_since(ids[0])] == ids[1:]


def test_schema_is_created_and_at_head(queue: QueueService) -> None:
    from kiosk.queue.db import SCHEMA_REVISION

    assert queue.db.current_revision() == SCHEMA_REVISION
    with queue.db.read() as s:
        assert s.scalar(select(func.count()).select_from(m.CounterRow)) == 6


def test_new_ticket_estimate_per_service(queue: QueueService, clock: FakeClock) -> None:
    for _ in range(3):
        queue.issue("A")
        clock.advance(10)
    queue.open_counter(1)  # serves A and B
    summary = {s.service: s for s in queue.service_summary()}
    assert (summary["A"].ahead, summary["A"].estimated_wait_s) == (3, 3 * 240)
    assert (summary["B"].ahead, summary["B"].estimated_wait_s) == (3, 3 * 240)
    assert summary["C"].estimated_wait_s is None  # no open counter serves corporate
    assert summary["A"].waiting == 3 and summary["A"].open_counters == (1,)


def test_customer_lookup_by_identity(queue: QueueService) -> None:
    identity = identify_card(CARD, queue.settings.hash_secret)
    assert queue.customer(identity) is None
    with queue.db.begin() as s:
        s.add(m.Customer(id_hash=identity.digest, id_kind="card", id_masked=identity.masked,
                         name_masked="王*明", tier="gold", relationship_manager=""))
    found = queue.customer(identity)
    assert found is not None and (found.tier, found.name_masked) == ("gold", "王*明")
