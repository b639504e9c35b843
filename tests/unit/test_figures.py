"""The figures' arithmetic over plain rows (no database): what counts where, counters'
open time, rows left out, and a bank's pooled total."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from kiosk.queue import figures as fig
from kiosk.queue import simulate, stats
from kiosk.queue.figures import EventFact, Facts, Names, TicketFact, compute, compute_bank

DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 30, 18, 0)


def at(hh: int, mm: int, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hh, mm))


NAMES = Names(
    branch_zh="测试支行", branch_en="Test branch",
    services={"A": ("现金", "Cash"), "B": ("非现金", "Non-cash")},
    tiers={"regular": ("普通", "Regular"), "gold": ("黄金", "Gold")},
    counters={1: ("", ""), 2: ("二号", "Two")},
    targets={("A", "regular"): 600.0, ("B", "regular"): 600.0, ("A", "gold"): 300.0,
             ("B", "gold"): 300.0},
    fallback_target_s=1800.0)


def ticket(tid: int, number: str, arrived: datetime, *, status: str = "done",
           service: str | None = None, tier: str = "regular", called: datetime | None = None,
           started: datetime | None = None, finished: datetime | None = None,
           counter: int | None = 1) -> TicketFact:
    return TicketFact(tid, arrived.date(), number, service or number[0], tier, status, arrived,
                      called, started, finished, counter)


def event(eid: int, when: datetime, kind: str, tid: int | None = None,
          counter: int | None = 1, **payload: object) -> EventFact:
    return EventFact(eid, when, kind, tid, counter, payload)


def facts(tickets: list[TicketFact], events: list[EventFact], **kw: object) -> Facts:
    return Facts(DAY, DAY, NAMES, tickets, events, **kw)  # type: ignore[arg-type]


def test_one_definition_of_a_percentile() -> None:
    assert fig.percentile is stats.percentile and simulate.percentile is stats.percentile
    assert fig.mean is stats.mean and simulate.mean is stats.mean


def test_a_ticket_transferred_twice_counts_where_it_was() -> None:
    """Issued for A, first called at A, moved to B, then back to A and served there."""
    t = ticket(1, "A001", at(9, 0), service="A", called=at(9, 40), started=at(9, 41),
               finished=at(9, 45))
    f = compute(facts([t], [
        event(1, at(9, 10), "called", 1, service="A", tier="regular"),
        event(2, at(9, 12), "start", 1),
        event(3, at(9, 15), "transfer", 1, service="B", to="B"),
        event(4, at(9, 20), "called", 1, counter=2, service="B", tier="regular"),
        event(5, at(9, 22), "transfer", 1, counter=2, service="A", to="A"),
        event(6, at(9, 40), "called", 1, service="A", tier="regular"),
        event(7, at(9, 41), "start", 1),
    ]), generated_at=NOW)
    a, b = f.by_service
    assert (a.arrived, a.served, a.transferred, a.transferred_in, a.wait.count) == (1, 1, 1, 1, 1)
    assert a.wait.mean_s == 600.0  # its first call, 9:10
    assert (b.arrived, b.served, b.transferred, b.transferred_in, b.wait.count) == (0, 0, 1, 1, 0)
    assert f.total.transferred == 2 and f.total.transferred_in == 2
    one, two = f.by_counter
    # counter 1: 9:12-9:15 before the first transfer, 9:41-9:45 served; counter 2 held it
    # from its call (9:20) to the transfer back (9:22) without starting
    assert (one.serving_s, two.serving_s) == (180.0 + 240.0, 120.0)
    assert (one.served, two.served) == (1, 0)


def test_the_target_is_the_one_of_the_first_call() -> None:
    """Gold when called (300 s target): 400 s is late, though it ended regular."""
    t = ticket(1, "A001", at(9, 0), called=at(9, 7), finished=at(9, 10))
    f = compute(facts([t], [event(1, at(9, 6), "called", 1, service="A", tier="gold"),
                            event(2, at(9, 6), "hand_back", 1),
                            event(3, at(9, 7), "called", 1, service="A", tier="regular")]),
                generated_at=NOW)
    assert f.total.wait.mean_s == 360.0 and f.total.service_level_pct == 0.0
    # no start: the service ran from its (last) call
    assert f.total.service_mean_s == 180.0


def test_unknown_service_and_tier_use_the_fallback_target() -> None:
    t = ticket(1, "X001", at(9, 0), tier="diamond", called=at(9, 25), finished=at(9, 30))
    f = compute(facts([t], [event(1, at(9, 25), "called", 1, service="X", tier="diamond")]),
                generated_at=NOW)
    assert f.total.service_level_pct == 100.0  # 1500 s within the 1800 s fallback
    assert [r.key for r in f.by_service] == ["A", "B", "X"]
    assert (f.by_service[2].label_zh, f.by_tier[-1].key) == ("X", "diamond")


def test_counter_open_time_keeps_to_the_day() -> None:
    """Counter 1 left open overnight counts only to the day's last row and from the next
    day's first; counter 2's first row is a pause: it was open from the day's start."""
    day2 = DAY + timedelta(days=1)
    tickets = [ticket(1, "A001", at(9, 0), called=at(9, 0), finished=at(10, 0)),
               ticket(2, "A001", at(9, 0, day2), called=at(9, 0, day2),
                      finished=at(9, 30, day2))]
    events = [event(1, at(8, 30), "counter_open", counter=1),
              event(2, at(11, 0), "counter_pause", counter=2),
              event(3, at(12, 0), "counter_open", counter=2),
              event(4, at(17, 0), "counter_close", counter=2),
              event(5, at(8, 0, day2), "counter_open", counter=2),
              event(6, at(10, 0, day2), "counter_close", counter=2)]
    f = compute(Facts(DAY, day2, NAMES, tickets, events), generated_at=NOW)
    one, two = f.by_counter
    # day 1 runs 8:30-17:00, day 2 8:00-10:00
    assert one.open_s == 8.5 * 3600 + 2 * 3600
    assert two.open_s == 2.5 * 3600 + 5 * 3600 + 2 * 3600
    assert one.serving_s == 3600 + 1800 and one.served == 2
    assert two.utilisation_pct == 0.0 and two.label_en == "Two"
    assert [r.key for r in f.by_day] == ["2026-11-24", "2026-11-25"]
    assert f.days_with_data == 2


def test_a_counter_paused_while_serving_is_at_work_until_the_customer_is_done() -> None:
    """Opened 9:00, a call 9:00, paused at 9:01 ("no more customers"), the customer served
    until 9:39: at work 39 minutes, all of them serving (not 1,950 % of the 1 minute open)."""
    tickets = [ticket(1, "A001", at(9, 0), called=at(9, 0), started=at(9, 1),
                      finished=at(9, 39))]
    events = [event(1, at(9, 0), "counter_open"), event(2, at(9, 1), "counter_pause")]
    f = compute(facts(tickets, events, open_at_start=frozenset()), generated_at=NOW)
    one = f.by_counter[0]
    assert one.serving_s == 38 * 60 and one.open_s == 39 * 60
    assert one.utilisation_pct == pytest.approx(100 * 38 / 39)
    for c in f.by_counter:
        assert c.utilisation_pct is None or c.utilisation_pct <= 100.0


def test_counters_open_when_the_period_began() -> None:
    """Counter 1 was open before the period (and never closed in it): open over each day's
    activity; counter 2 was paused before it, so its first row, a close, adds nothing."""
    tickets = [ticket(1, "A001", at(9, 0), called=at(9, 0), finished=at(9, 30))]
    events = [event(1, at(8, 0), "counter_open", counter=2),
              event(2, at(8, 30), "counter_close", counter=2),
              event(3, at(16, 0), "counter_open", counter=2),
              event(4, at(17, 0), "counter_close", counter=2)]
    f = compute(facts(tickets, events, open_at_start=frozenset({1})), generated_at=NOW)
    one, two = f.by_counter
    assert one.open_s == 9 * 3600 and one.utilisation_pct == pytest.approx(100 / 18)
    assert two.open_s == 3600 + 1800
    f = compute(facts(tickets, events[1:], open_at_start=frozenset()), generated_at=NOW)
    # counter 1 never opened in the period but served 9:00-9:30: at work then
    assert [c.open_s for c in f.by_counter] == [1800.0, 3600.0]
    assert f.by_counter[0].utilisation_pct == 100.0


def test_rows_that_make_no_sense_are_left_out_and_counted() -> None:
    t = ticket(1, "A001", at(9, 0), called=at(9, 5), finished=at(9, 9))
    f = compute(facts([t], [event(1, at(9, 5), "called", 1, service="A", tier="regular"),
                            event(2, at(9, 6), "levitate", 1),
                            event(3, at(9, 7), "called", 77, service="A", tier="regular"),
                            event(4, at(9, 8), "counter_open", counter=None)],
                      skipped_rows=1, skipped=("event 9: its payload is not a JSON object",)),
                generated_at=NOW)
    assert f.skipped_rows == 4
    assert f.skipped_message == (
        "4 rows of the database could not be read and were left out of these figures "
        "(event 9: its payload is not a JSON object; event 2: unknown kind 'levitate'; "
        "event 3: called of a missing ticket 77; event 4: counter_open without a counter).")
    assert f.total.wait.count == 1 and f.total.wait.mean_s == 300.0


def test_the_examples_are_kept_short() -> None:
    events = [event(i, at(9, 0), "levitate", 1) for i in range(1, 21)]
    f = compute(facts([ticket(1, "A001", at(9, 0), status="waiting", counter=None)], events),
                generated_at=NOW)
    assert f.skipped_rows == 20 and len(f.skipped) == 5
    assert f.skipped_message.endswith("event 5: unknown kind 'levitate'; ...).")
    assert f.total.still_open == 1 and f.total.wait.count == 0


def test_no_rows_no_figures() -> None:
    f = compute(facts([], []), generated_at=NOW)
    assert f.days_with_data == 0 and f.slots == () and f.busiest == ()
    assert f.total.wait == fig.WaitStats(0, 0.0, 0.0, 0.0, 0.0, 0.0)
    assert f.total.no_show_pct == 0.0 and f.total.service_level_pct is None
    assert [c.utilisation_pct for c in f.by_counter] == [None, None]


def test_slots_run_from_the_first_half_hour_to_the_last_with_data() -> None:
    tickets = [ticket(1, "A001", at(9, 10), called=at(9, 20), finished=at(9, 25)),
               ticket(2, "A002", at(10, 45), called=at(11, 5), finished=at(11, 9)),
               ticket(3, "A003", at(10, 50), status="waiting", counter=None)]
    events = [event(1, at(9, 20), "called", 1, service="A", tier="regular"),
              event(2, at(11, 5), "called", 2, service="A", tier="regular")]
    f = compute(facts(tickets, events), generated_at=NOW)
    assert [(s.start, s.arrivals, s.called, s.mean_wait_s) for s in f.slots] == [
        (time(9, 0), 1, 1, 600.0), (time(9, 30), 0, 0, 0.0), (time(10, 0), 0, 0, 0.0),
        (time(10, 30), 2, 0, 0.0), (time(11, 0), 0, 1, 1200.0)]
    assert [(s.start, s.arrivals) for s in f.busiest] == [(time(10, 30), 2), (time(9, 0), 1)]


def test_a_business_day_past_midnight_runs_on_after_23_30() -> None:
    """The business day starts at 04:00: a customer at 23:50 called at 00:10 belongs to the
    day before; the slots run 23:30, 00:00 (not 00:00 ... 23:30, 48 rows)."""
    night = DAY + timedelta(days=1)
    tickets = [ticket(1, "A001", at(23, 50), called=at(0, 10, night), finished=at(0, 20, night))]
    events = [event(1, at(0, 10, night), "called", 1, service="A", tier="regular")]
    f = compute(facts(tickets, events), generated_at=NOW)
    assert [(s.start, s.arrivals, s.called) for s in f.slots] == [
        (time(23, 30), 1, 0), (time(0, 0), 0, 1)]
    assert [(s.day, s.start) for s in f.busiest] == [(DAY, time(23, 30))]


def test_a_banks_total_pools_every_branchs_tickets() -> None:
    """Branch one: 10 waits of 60 s; branch two: one of 3000 s. The pooled p95 (11 waits)
    is the 11th shortest, 3000 s; the mean of the branches' p95s would be 1530."""
    one = [ticket(i, f"A{i:03d}", at(9, 0), called=at(9, 1), finished=at(9, 2))
           for i in range(1, 11)]
    one_events = [event(i, at(9, 1), "called", i, service="A", tier="regular")
                  for i in range(1, 11)]
    two = [ticket(1, "A001", at(9, 0), called=at(9, 50), finished=at(9, 55))]
    two_events = [event(1, at(9, 50), "called", 1, service="A", tier="regular")]
    bank = compute_bank([
        facts(one, one_events),
        Facts(DAY, DAY, Names("二", "Two", NAMES.services, NAMES.tiers, {}, NAMES.targets,
                              key="two"), two, two_events)], generated_at=NOW)
    assert [r.key for r in bank.by_branch] == ["Test branch", "two"]
    assert [r.wait.p95_s for r in bank.by_branch] == [60.0, 3000.0]
    assert bank.total.wait.p95_s == 3000.0 and bank.total.wait.p50_s == 60.0
    assert bank.total.wait.mean_s == pytest.approx((10 * 60 + 3000) / 11)
    assert bank.total.service_level_pct == pytest.approx(100 * 10 / 11)
    assert (bank.total.label_zh, bank.total.arrived) == ("全行合计", 11)
    with pytest.raises(ValueError):
        compute_bank([], generated_at=NOW)
