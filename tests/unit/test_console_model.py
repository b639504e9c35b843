"""The manager console's Qt-free model and the what-if forecast (no Qt, no window)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk.config import Settings
from kiosk.queue import rules
from kiosk.queue.forecast import CounterChange, ForecastInputs, changed_counters, what_if
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from kiosk.queue.views import FeedEvent, StationRecord
from kiosk.ui.console import ConsoleModel, ReasonNeeded, problem, read_console_state

NOW = datetime(2026, 11, 24, 10, 0)


def _inputs(n_a: int, n_b: int, counters: list[rules.CounterState]) -> ForecastInputs:
    waiting = [rules.Candidate(i, "A", "regular", NOW - timedelta(minutes=n_a - i))
               for i in range(n_a)]
    waiting += [rules.Candidate(100 + i, "B", "regular", NOW - timedelta(minutes=n_b - i))
                for i in range(n_b)]
    return ForecastInputs(NOW, [(c, 0.0) for c in counters], waiting,
                          {"A": 300.0, "B": 300.0, "C": 600.0, "V": 900.0})


def _by_service(rows: list) -> dict:  # noqa: ANN001
    return {r.service: r for r in rows}


def test_what_if_opening_a_counter_shortens_the_waits_of_what_it_serves(
        settings: Settings) -> None:
    policy = rules.Policy.from_settings(settings)
    one = rules.CounterState(1, ("A", "B"))
    q = _inputs(6, 6, [one])
    rows = _by_service(what_if(q, CounterChange(rules.CounterState(2, ("A", "B")), True),
                               policy, ["A", "B", "C"], "regular"))
    a, b, c = rows["A"], rows["B"], rows["C"]
    assert a.waiting == 6 and b.waiting == 6 and c.waiting == 0
    assert a.new_after is not None and a.new_before is not None
    assert a.new_after < a.new_before * 0.7  # two counters instead of one
    assert b.longest_after is not None and b.longest_before is not None
    assert b.longest_after < b.longest_before
    assert c.new_before is None and c.new_after is None  # nobody serves corporate either way
    # "before" is exactly the kiosk's forecast: the same rules.forecast with one probe
    probe = rules.Candidate(rules.PROBE_ID, "A", "regular", NOW)
    kiosk = rules.forecast(NOW, q.counters, [*q.waiting, probe], q.means, policy)[rules.PROBE_ID]
    assert a.new_before == kiosk.wait_s


def test_what_if_closing_the_only_counter_of_a_service_leaves_it_unserved(
        settings: Settings) -> None:
    policy = rules.Policy.from_settings(settings)
    cash, other = rules.CounterState(1, ("A",)), rules.CounterState(3, ("B",))
    q = _inputs(3, 2, [cash, other])
    rows = _by_service(what_if(q, CounterChange(cash, False), policy, ["A", "B"], "regular"))
    assert rows["A"].new_before is not None and rows["A"].new_after is None
    assert rows["A"].unserved_before == 0 and rows["A"].unserved_after == 3
    assert rows["B"].new_after == rows["B"].new_before  # counter 3 is untouched


def test_what_if_switching_services_moves_capacity(settings: Settings) -> None:
    policy = rules.Policy.from_settings(settings)
    q = _inputs(8, 1, [rules.CounterState(1, ("A",)), rules.CounterState(2, ("B",))])
    rows = _by_service(what_if(q, CounterChange(rules.CounterState(2, ("A", "B")), True),
                               policy, ["A", "B"], "regular"))
    assert rows["A"].new_after < rows["A"].new_before  # type: ignore[operator]
    assert rows["B"].new_after >= rows["B"].new_before  # type: ignore[operator]


def test_changed_counters_keeps_a_busy_counter_busy() -> None:
    busy = [(rules.CounterState(1, ("A",)), 120.0)]
    after = changed_counters(busy, CounterChange(rules.CounterState(1, ("B", "A")), True))
    assert after == [(rules.CounterState(1, ("B", "A")), 120.0)]
    assert changed_counters(busy, CounterChange(rules.CounterState(1, ("A",)), False)) == []


def test_what_if_through_the_facade_changes_nothing(queue: QueueService, clock) -> None:  # noqa: ANN001
    queue.open_counter(1)
    for _ in range(4):
        queue.issue("A")
        clock.advance(30)
    before = queue.counters()
    rows = _by_service(queue.what_if(2, "open"))
    assert rows["A"].new_after < rows["A"].new_before  # type: ignore[operator]
    assert rows["A"].longest_after < rows["A"].longest_before  # type: ignore[operator]
    assert queue.counters() == before
    with pytest.raises(Exception, match="no service"):
        queue.what_if(1, "services", ["Z"])


# --- the console model ------------------------------------------------------------------


def _event(eid: int, kind: str, ticket: int | None = None, **payload: object) -> FeedEvent:
    return FeedEvent(eid, NOW, kind, ticket, None, dict(payload))


def test_the_hall_follows_the_feed_event_by_event(sqlite_queue: QueueService,
                                                  settings: Settings) -> None:
    model = ConsoleModel(sqlite_queue, settings)
    assert model.apply([_event(1, "issued", 11, number="A001", service="A", tier="regular",
                               customer="王*明")]) >= {"hall"}
    assert model.hall[11].customer == "王*明"
    model.apply([_event(2, "pin", 11, position=1), _event(3, "tier_changed", 11, to="gold")])
    assert (model.hall[11].pin, model.hall[11].tier) == (1, "gold")
    model.apply([_event(4, "called", 11)])
    assert 11 not in model.hall
    model.apply([_event(5, "hand_back", 11)])  # back in its place, without its pin
    assert model.hall[11].number == "A001" and model.hall[11].pin is None
    model.apply([_event(6, "transfer", 11, to="B")])
    assert model.hall[11].service == "B"
    model.apply([_event(7, "cancel", 11)])
    assert model.hall == {} and model.last_event_id == 7


def test_alerts_stay_until_acknowledged_and_acknowledgements_are_shared(
        queue: QueueService, settings: Settings, manager: Actor) -> None:
    a, b = ConsoleModel(queue, settings, manager), ConsoleModel(queue, settings)
    vip = _event(9, "vip_arrival", 3, number="V001", tier="gold", customer="欧**国",
                 relationship_manager="李丽")
    for m in (a, b):
        m.apply([vip])
    assert a.alerts["vip:9"].detail["relationship_manager"] == "李丽"
    kiosk = StationRecord("KIOSK-1", "kiosk", NOW, True,
                          {"printer": "paper_out", "printer_since": "2026-11-24T09:58:00"})
    a.set_stations([kiosk])
    key = "paper_out:KIOSK-1:2026-11-24T09:58:00"
    assert a.alerts[key].kind == "paper_out"
    a.set_stations([StationRecord("KIOSK-1", "kiosk", NOW, True, {"printer": "ready"})])
    assert a.alerts[key].resolved  # paper back in: still listed until acknowledged
    a.acknowledge(["vip:9", key])
    events = queue.events_since(0)
    acks = [e for e in events if e.kind == "alert_ack"]
    assert [e.payload["key"] for e in acks] == ["vip:9", key]
    assert acks[0].payload["actor"] == manager.signature
    b.apply(acks)  # the other console, by the feed
    assert "vip:9" not in b.alerts
    fresh = ConsoleModel(queue, settings)  # a console started later today
    fresh.load(read_console_state(queue))
    assert "vip:9" not in fresh.alerts


def test_tickets_near_and_past_their_target_wait(sqlite_queue: QueueService,
                                                 settings: Settings, clock) -> None:  # noqa: ANN001
    sqlite_queue.issue("A")  # cash: target 25 min (rules.max_wait_s 30, service 25)
    model = ConsoleModel(sqlite_queue, settings)
    model.load(read_console_state(sqlite_queue))
    assert not [k for k in model.alerts if k.startswith("wait")]
    clock.advance(minutes=21)
    model.check_waits()
    assert [a.kind for a in model.alerts.values()] == ["wait_near"]
    clock.advance(minutes=5)
    model.check_waits()
    assert [a.kind for a in model.alerts.values()] == ["wait_past"]
    assert model.target_s("A", "regular") == 1500
    assert model.target_s("A", "platinum") == 300


def test_a_blank_reason_is_refused_before_the_queue_is_asked(sqlite_queue: QueueService,
                                                             settings: Settings) -> None:
    model = ConsoleModel(sqlite_queue, settings)
    t = sqlite_queue.issue("A")
    with pytest.raises(ReasonNeeded):
        model.pin(t.id, 1, "   ")
    assert problem(ReasonNeeded("x")).kind == "reason"
    assert sqlite_queue.audit_log() == []


def test_what_if_looks_as_far_as_the_kiosk_and_marks_what_lies_beyond(
        settings: Settings) -> None:
    """With the kiosk's horizon, the what-if's "before" is the kiosk's own bounded answer:
    a service whose new number stands past it is marked a lower bound, as the kiosk says
    "over N"."""
    policy = rules.Policy.from_settings(settings)
    one = rules.CounterState(1, ("A", "B"))
    q = _inputs(8, 0, [one])
    horizon = rules.Horizon(seconds=3 * 3600.0, calls=4)
    rows = _by_service(what_if(q, CounterChange(rules.CounterState(2, ("A", "B")), True),
                               policy, ["A", "B"], "regular", horizon))
    kiosk = rules.project(NOW, q.counters, q.waiting, q.means, policy, [("A", "regular")],
                          horizon).new[("A", "regular")]
    a = rows["A"]
    assert kiosk is not None and kiosk.beyond
    assert a.new_before == kiosk.wait_s and a.new_before_beyond
    assert a.longest_before_beyond and a.unserved_before == 0
    assert a.new_after is not None and a.new_after_beyond  # 8 ahead, 4 calls: still beyond
