"""The teller panel's model without Qt: intents, the actions' answers, the feed applied.

The model runs against a real SQLite branch; an action's `run` (what the window hands to
its worker thread) is called here directly, then its answer is given back.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from kiosk.config import Settings
from kiosk.queue import models as m
from kiosk.queue.service import QueueService
from kiosk.queue.views import FeedEvent
from kiosk.ui import teller as t
from kiosk.ui.teller import Action, Approval, TellerModel, format_duration
from tests.conftest import MANAGER_PIN, TELLER_PIN, FakeClock


def run(model: TellerModel, action: Action | None) -> object:
    """What the window does with an action: run it (here: synchronously), answer."""
    assert action is not None, model.notice
    try:
        result = action.run()
    except Exception as exc:  # handed to the model, as the worker does
        model.failed(action, exc)
        return exc
    model.finished(action, result)
    return result


@pytest.fixture
def staffed(sqlite_queue: QueueService) -> QueueService:
    q = sqlite_queue
    q.staff.add("M001", "张经理", "manager", MANAGER_PIN)
    q.staff.add("T003", "王柜员", "teller", TELLER_PIN)
    q.staff.add("T001", "李柜员", "teller", TELLER_PIN)
    return q


def panel(service: QueueService, settings: Settings, counter: int = 3) -> TellerModel:
    model = TellerModel(service, settings, counter)
    model.set_online(True)
    return model


def logged_in(service: QueueService, settings: Settings, counter: int = 3) -> TellerModel:
    model = panel(service, settings, counter)
    run(model, model.login("T003", TELLER_PIN))
    assert model.actor is not None
    return model


def test_logging_in_opens_a_closed_counter_with_the_teller_as_actor(
        staffed: QueueService, settings: Settings) -> None:
    model = panel(staffed, settings)
    assert not model.can(t.CALL_NEXT)
    run(model, model.login("t003", TELLER_PIN))
    assert model.actor is not None and model.actor.staff_no == "T003"
    assert staffed.counter(3).status == m.COUNTER_OPEN and staffed.counter(3).staff == "T003"
    assert model.status == m.COUNTER_OPEN and model.notice == t.Notice("opened")
    assert model.can(t.CALL_NEXT) and not model.can(t.FINISH)


def test_wrong_pin_says_so_and_five_lock_the_account(staffed: QueueService,
                                                     settings: Settings) -> None:
    model = panel(staffed, settings)
    for _ in range(4):
        run(model, model.login("T003", "0000"))
        assert model.notice is not None and model.notice.kind == "wrong_pin"
        assert model.actor is None and model.busy is None
    run(model, model.login("T003", "0000"))
    assert model.notice is not None and model.notice.kind == "locked"
    assert model.notice.args["minutes"] == 5
    run(model, model.login("T003", TELLER_PIN))  # the right PIN, but locked
    assert model.notice is not None and model.notice.kind == "locked"
    assert model.actor is None and staffed.counter(3).status == m.COUNTER_CLOSED


def test_an_empty_login_is_refused_without_asking_the_database(
        staffed: QueueService, settings: Settings) -> None:
    model = panel(staffed, settings)
    assert model.login("T003", "") is None
    assert model.notice is not None and model.notice.kind == "login_incomplete"
    assert model.busy is None


def test_one_action_at_a_time_so_nothing_is_applied_twice(
        staffed: QueueService, settings: Settings) -> None:
    first = staffed.issue("B")
    staffed.issue("B")
    model = logged_in(staffed, settings)
    action = model.call_next()
    assert action is not None and model.busy == t.CALL_NEXT
    assert model.call_next() is None  # a second click while the first is under way
    assert not model.can(t.CALL_NEXT) and not model.can(t.PAUSE)
    run_result = action.run()
    model.finished(action, run_result)
    assert model.current is not None and model.current.number == first.number
    assert [v.number for v in staffed.waiting()] == ["B002"]  # one call, not two
    assert model.call_next() is None  # the counter holds B001 now


def test_the_ticket_steps_move_the_held_ticket(staffed: QueueService, settings: Settings,
                                               clock: FakeClock) -> None:
    staffed.issue("B")
    clock.advance(minutes=7)
    model = logged_in(staffed, settings)
    run(model, model.call_next())
    held = model.current
    assert held is not None and held.status == m.CALLED and held.waited_s == 420
    run(model, model.recall())
    assert model.current is not None and model.current.recalls == 1
    clock.advance(seconds=30)
    run(model, model.start())
    assert model.current is not None and model.current.status == m.SERVING
    assert model.current.started_at == clock.now
    clock.advance(seconds=65)
    assert format_duration(model.current.at_counter_s(clock.now)) == "1:35"
    run(model, model.finish())
    assert model.current is None and staffed.ticket(held.id).status == m.DONE
    run(model, model.call_next())
    assert model.current is None and model.notice == t.Notice("nobody_waiting")


def test_no_show_suspend_resume_and_hand_back(staffed: QueueService,
                                              settings: Settings) -> None:
    a, b = staffed.issue("B"), staffed.issue("B")
    model = logged_in(staffed, settings)
    run(model, model.call_next())
    run(model, model.no_show())
    assert staffed.ticket(a.id).status == m.NO_SHOW and model.current is None
    run(model, model.call_next())
    run(model, model.suspend())
    assert [s.number for s in model.suspended] == [b.number] and model.can(t.RESUME)
    model.load(staffed.counter_panel(3))
    assert [s.number for s in model.suspended] == [b.number]
    run(model, model.resume(b.id))
    assert model.suspended == () and staffed.ticket(b.id).status == m.WAITING
    run(model, model.call_next())
    assert model.current is not None and model.current.id == b.id
    run(model, model.hand_back())
    assert model.current is None and staffed.ticket(b.id).status == m.WAITING


def test_a_transfer_ahead_of_the_rule_needs_a_managers_approval(
        staffed: QueueService, settings: Settings) -> None:
    assert settings.rules.transfer_placement == "priority"
    staffed.issue("B")
    model = logged_in(staffed, settings)
    run(model, model.call_next())
    held = model.current
    assert held is not None
    assert model.needs_approval("first") and not model.needs_approval("last")
    assert model.transfer("A", "first") is None
    assert model.notice is not None and model.notice.kind == "needs_approval"
    assert model.transfer("A", "first", Approval("M001", MANAGER_PIN, "  ")) is None
    assert model.notice is not None and model.notice.kind == "blank_reason"
    assert model.transfer("B", "priority") is None  # already that service
    # a teller's PIN is no approval
    run(model, model.transfer("A", "first", Approval("T001", TELLER_PIN, "老人")))
    assert model.notice is not None and model.notice.kind == "not_manager"
    assert staffed.ticket(held.id).service == "B" and model.current is not None
    # the manager's is, and the audit names the manager
    run(model, model.transfer("A", "first", Approval("M001", MANAGER_PIN, "老人行动不便")))
    assert model.current is None and staffed.ticket(held.id).service == "A"
    audit = staffed.audit_log(1)[0]
    assert audit.action == "transfer" and audit.staff_no == "M001"
    assert audit.reason == "老人行动不便" and model.actor is not None
    assert model.actor.staff_no == "T003"  # the teller's own login is untouched


def test_a_transfer_by_the_rule_needs_no_approval(staffed: QueueService,
                                                  settings: Settings) -> None:
    staffed.issue("B")
    model = logged_in(staffed, settings)
    run(model, model.call_next())
    held = model.current
    assert held is not None
    run(model, model.transfer("A", "priority", Approval("", "", "")))
    assert model.notice is not None and model.notice.kind == "transferred"
    assert staffed.ticket(held.id).service == "A" and staffed.audit_log(5) == []


def test_calling_a_specific_ticket_is_approved_and_audited(
        staffed: QueueService, settings: Settings) -> None:
    staffed.issue("B")
    wanted = staffed.issue("B")
    model = logged_in(staffed, settings)
    assert model.call_ticket("B002", Approval("M001", MANAGER_PIN, "")) is None
    assert model.notice is not None and model.notice.kind == "blank_reason"
    assert model.busy is None
    run(model, model.call_ticket("b002", Approval("M001", MANAGER_PIN, "预约客户")))
    assert model.current is not None and model.current.id == wanted.id
    audit = staffed.audit_log(1)[0]
    assert (audit.action, audit.actor, audit.reason) == ("call_ticket", "M001 张经理", "预约客户")


def test_a_ticket_taken_by_another_counter_is_said_and_not_called(
        staffed: QueueService, settings: Settings) -> None:
    wanted = staffed.issue("B")
    staffed.open_counter(4)
    model = logged_in(staffed, settings)
    action = model.call_ticket("B001", Approval("M001", MANAGER_PIN, "预约客户"))
    assert staffed.call_next(4) is not None  # counter 4 is quicker
    run(model, action)
    assert model.notice == t.Notice("taken", "warn", {"number": "B001", "counter": 4})
    assert staffed.ticket(wanted.id).counter == 4 and model.current is None
    run(model, model.call_ticket("B999", Approval("M001", MANAGER_PIN, "预约客户")))
    assert model.notice is not None and model.notice.kind == "not_found"


def test_a_counter_another_teller_works_is_said_and_left_alone(
        staffed: QueueService, settings: Settings) -> None:
    other = staffed.login("T001", TELLER_PIN)
    staffed.open_counter(3, actor=other)
    staffed.issue("B")
    model = logged_in(staffed, settings)
    assert model.blocked_by == "T001 李柜员"
    assert model.notice is not None and model.notice.kind == "worked_by_other"
    assert not model.can(t.CALL_NEXT) and model.call_next() is None
    assert staffed.counter(3).staff == "T001"


def test_a_restarted_panel_resumes_the_ticket_its_counter_holds(
        staffed: QueueService, settings: Settings) -> None:
    view = staffed.issue("B")
    teller = staffed.login("T003", TELLER_PIN)
    staffed.open_counter(3, actor=teller)
    staffed.call_next(3)
    model = logged_in(staffed, settings)  # a new panel, after a crash
    assert model.current is not None and model.current.id == view.id
    assert model.notice == t.Notice("resumed", "info", {"number": "B001"})
    assert model.can(t.RECALL) and model.can(t.FINISH) and model.can(t.NO_SHOW)
    assert model.can(t.HAND_BACK) and not model.can(t.CALL_NEXT)


def _event(i: int, kind: str, ticket: int | None, counter: int | None, clock: FakeClock,
           **payload: object) -> FeedEvent:
    return FeedEvent(i, clock.now, kind, ticket, counter, dict(payload))


def test_feed_events_move_the_panel(staffed: QueueService, settings: Settings,
                                    clock: FakeClock) -> None:
    model = logged_in(staffed, settings)
    base = model.seen_id
    model.apply([_event(base + 1, "called", 9, 4, clock, number="B009")])  # counter 4's
    assert model.current is None
    model.apply([_event(base + 2, "called", 7, 3, clock, number="V007", service="V",
                        tier="gold", waited_s=300.0, actor="M001 张经理", override=True)])
    held = model.current
    assert held is not None and (held.number, held.vip, held.waited_s) == ("V007", True, 300)
    assert model.notice == t.Notice("called_here", "info",
                                    {"number": "V007", "by": "M001 张经理"})
    model.apply([_event(base + 2, "finish", 7, 3, clock)])  # already seen: skipped
    assert model.current is not None
    model.apply([_event(base + 3, "start", 7, 3, clock)])
    assert model.current is not None and model.current.status == m.SERVING
    model.apply([_event(base + 4, "cancel", 7, 3, clock, actor="M001 张经理")])
    assert model.current is None
    assert model.notice is not None and model.notice.kind == "released"
    model.apply([_event(base + 5, "counter_pause", None, 3, clock, actor="M001 张经理")])
    assert model.status == m.COUNTER_PAUSED and model.can(t.OPEN)
    assert model.notice is not None and model.notice.kind == "counter_changed"


def test_a_reload_read_before_the_last_action_is_skipped(
        staffed: QueueService, settings: Settings) -> None:
    staffed.issue("B")
    model = logged_in(staffed, settings)
    stale = staffed.counter_panel(3)
    run(model, model.call_next())
    assert model.current is not None
    model.load(stale)  # read before the call committed
    assert model.current is not None and model.waiting == 0  # not the stale 1
    model.load(staffed.counter_panel(3))
    assert model.current is not None and model.waiting == 0


def test_a_lost_database_is_one_message_and_a_reload(staffed: QueueService,
                                                     settings: Settings) -> None:
    staffed.issue("B")
    model = logged_in(staffed, settings)
    asked: list[int] = []
    model.reload_requested.append(lambda: asked.append(1))
    action = model.call_next()
    assert action is not None
    model.failed(action, OperationalError("SELECT", {}, Exception("disk I/O error")))
    assert model.notice == t.Notice("db_lost", "error")
    assert model.busy is None and asked == [1]
    model.set_online(False)
    assert model.call_next() is None  # nothing is tried while offline


def test_peek_next_is_the_ticket_call_next_calls_and_marks_a_vip(
        staffed: QueueService, settings: Settings, clock: FakeClock) -> None:
    manager = staffed.login("M001", MANAGER_PIN, role="manager")
    staffed.issue("B")
    clock.advance(seconds=60)
    vip = staffed.issue_for("B", actor=manager, reason="贵宾", tier="gold")
    teller = staffed.login("T003", TELLER_PIN)
    staffed.open_counter(3, actor=teller)
    seen = staffed.counter_panel(3)
    assert seen.next is not None and seen.next.id == vip.id and seen.next_vip
    assert seen.waiting == 2 and seen.staff_name == "王柜员"
    events = staffed.last_event_id()
    assert staffed.peek_next(3) == seen.next and staffed.last_event_id() == events  # a read
    called = staffed.call_next(3)
    assert called is not None and called.id == vip.id
    after = staffed.counter_panel(3)
    assert after.next is not None and not after.next_vip and after.waiting == 1


def test_the_held_ticket_from_a_reload_has_the_customer_and_service_start(
        staffed: QueueService, settings: Settings, clock: FakeClock) -> None:
    staffed.issue("B", customer_masked="王*明")
    model = logged_in(staffed, settings)
    run(model, model.call_next())
    run(model, model.start())
    clock.advance(seconds=10)
    model.load(staffed.counter_panel(3))
    held = model.current
    assert held is not None and held.customer_masked == "王*明"
    assert held.started_at == clock.now - timedelta(seconds=10)
    assert replace(held, recalls=0) == held
