"""Booked customers (预约) in the simulator: who books which slot, how they come, how the
kiosk's check-in rules treat them in a simulated day, and what --compare says of them."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.errors import ConfigError
from kiosk.queue.booking_rules import Load, Slot, load_of, slot_limit, staffing_of
from kiosk.queue.sim_bookings import (
    BEHAVIOURS,
    EARLY,
    IN_GRACE,
    LATE,
    MISSED,
    PUNCTUAL,
    Bookings,
    behave,
    book_day,
    slot_grid,
)
from kiosk.queue.simulate import (
    SIM_DATE,
    Customer,
    Scenario,
    draw_days,
    load_scenario,
    simulate,
)
from kiosk.queue.tradeoff import on_time_by_day

ROOT = Path(__file__).resolve().parents[2]
BUSY = ROOT / "config" / "scenarios" / "busy-day.toml"
BOOKED = ROOT / "config" / "scenarios" / "busy-day-booked.toml"


def bookings(**weights: float) -> Bookings:
    return Bookings(share=0.5, share_by_service={}, weights={k: weights.get(k, 0.0)
                                                             for k in BEHAVIOURS},
                    punctual_s=300.0, early_s=1800.0, late_s=1800.0, grace_s=600.0,
                    slot_s=1800.0, capacity={"A": 1})


@pytest.fixture(scope="module")
def booked_scenario():  # type: ignore[no-untyped-def]
    return load_scenario(BOOKED)


@pytest.mark.parametrize(("behaviour", "low", "high"), [
    (PUNCTUAL, -300.0, 0.0), (EARLY, -1800.0, -300.0), (IN_GRACE, 0.0, 600.0),
    (LATE, 601.0, 2400.0)])
def test_each_behaviour_comes_in_its_window(behaviour: str, low: float, high: float) -> None:
    b = bookings(**{behaviour: 1.0})
    rng = random.Random(7)
    offsets = []
    for _ in range(200):
        got = behave(7200.0, b, rng)
        assert got.behaviour == behaviour and got.arrival_s is not None
        offsets.append(got.arrival_s - 7200.0)
    assert low <= min(offsets) and max(offsets) <= high
    assert max(offsets) - min(offsets) > 0.8 * (high - low)  # spread over the window


def test_a_missed_booking_never_comes_and_nobody_comes_before_opening() -> None:
    assert behave(3600.0, bookings(missed=1.0), random.Random(1)).arrival_s is None
    early = [behave(0.0, bookings(early=1.0), random.Random(i)).arrival_s for i in range(20)]
    assert early == [0.0] * 20  # the 09:00 slot's early customers wait at the door


def test_slots_lie_on_the_grid_within_the_service_hours() -> None:
    grid = slot_grid(time(9), date(2025, 3, 3), time(9), time(16, 30), 30, 8 * 3600.0)
    assert grid == [i * 1800.0 for i in range(15)]  # 09:00 .. 16:00; 16:30 would end at 17:00
    assert slot_grid(time(9), date(2025, 3, 3), time(10, 15), time(12), 30, 8 * 3600.0) == \
        [5400.0, 7200.0, 9000.0]  # 10:30, 11:00, 11:30 (ends at 12:00); not 10:00


def test_a_full_slot_sends_the_customer_to_the_nearest_free_one_or_keeps_them_walking_in() -> None:
    start = datetime(2025, 3, 3, 9)
    wanted = [(100.0, "A"), (200.0, "A"), (300.0, "A"), (400.0, "B")]
    got = book_day(wanted, replace(bookings(punctual=1.0), share=1.0),
                   {"A": [0.0, 1800.0]}, start, random.Random(3))
    assert sorted(b.slot_s for b in got.values()) == [0.0, 1800.0]  # capacity 1 each
    assert 3 not in got  # B takes no bookings
    assert len(got) == 2  # the third A customer found every slot full: a walk-in


def test_a_busy_day_books_the_share_within_capacity_and_keeps_the_walk_ins(
        booked_scenario) -> None:  # type: ignore[no-untyped-def]
    scenario = load_scenario(BOOKED, overrides=["appointments.capacity.A=2"])
    plain = draw_days(load_scenario(BUSY), 1, 5)
    for day, walk_in_day in zip(draw_days(scenario, 1, 5), plain, strict=True):
        booked = [c for c in day if c.booking]
        assert abs(len(booked) - round(0.1 * len(day))) <= 1
        capacity = scenario.bookings.capacity
        per_slot = Counter((c.service, c.slot_s) for c in booked)
        assert all(n <= capacity[s] for (s, _), n in per_slot.items())
        assert {c.service for c in booked} <= set(capacity)  # non-cash takes no bookings
        for c in booked:
            assert c.slot_s is not None and c.slot_s % 1800 == 0
            assert c.booking in BEHAVIOURS
        # the same people as the day without bookings; walk-ins come as they did
        assert [c.id for c in sorted(day, key=lambda c: c.id)] == [c.id for c in walk_in_day]
        same = {c.id: c for c in walk_in_day}
        assert all(c == same[c.id] for c in day if not c.booking)
    slots = {c.slot_s for day in draw_days(scenario, 1, 5) for c in day if c.booking}
    assert min(slots) <= 3600 and max(slots) >= 6 * 3600  # drawn over the whole day


def _day(scenario, customers, policy="fifo", **kw):  # type: ignore[no-untyped-def]
    one = replace(scenario, counters=(1,), breaks=())
    return simulate(one, policy, 1, customers=[customers], estimates=False, **kw)


def _called(result, cid):  # type: ignore[no-untyped-def]
    return next(r.called_s for r in result.records if r.customer.id == cid)


def test_a_punctual_booked_customer_is_called_at_the_slot_ahead_of_walk_ins(
        booked_scenario) -> None:  # type: ignore[no-untyped-def]
    # one counter, ten walk-ins at 09:20 of 5 minutes each; a booked customer for 09:30
    # comes at 09:28: due at the slot, called at the first call after it falls due
    walk_ins = [Customer(i, 1200.0, "regular", "A", 300.0, False) for i in range(1, 11)]
    booked = Customer(11, 1680.0, "regular", "A", 300.0, False, slot_s=1800.0,
                      booking=PUNCTUAL)
    with_booking = _day(booked_scenario, [*walk_ins, booked])
    assert _called(with_booking, 11) == 1800.0  # 09:30, ahead of eight walk-ins
    as_walk_in = _day(booked_scenario, [*walk_ins, booked], bookings=False)
    assert _called(as_walk_in, 11) == 4200.0  # after all ten
    assert on_time_by_day(with_booking, {PUNCTUAL}) == ([1], [1])
    assert on_time_by_day(as_walk_in, {PUNCTUAL}) == ([0], [1])


def test_early_waits_from_its_slot_and_late_after_grace_is_a_walk_in(
        booked_scenario) -> None:  # type: ignore[no-untyped-def]
    def walk_in(i: int, at: float) -> Customer:
        return Customer(i, at, "regular", "A", 600.0, False)

    # early: checked in at 09:05 for the 10:30 slot, while the counter is busy until 09:10;
    # three walk-ins come after it, before the slot
    early = Customer(11, 300.0, "regular", "A", 600.0, False, slot_s=5400.0, booking=EARLY)
    # late: 10:30 slot, came at 10:45 (grace 10 min), between two walk-ins
    late = Customer(12, 6300.0, "regular", "A", 600.0, False, slot_s=5400.0, booking=LATE)
    day = [walk_in(20, 0.0), early, walk_in(1, 400.0), walk_in(2, 450.0), walk_in(3, 500.0),
           walk_in(21, 5900.0), walk_in(4, 6000.0), late, walk_in(5, 6350.0)]
    result = _day(booked_scenario, day)
    # the early customer does not gain on walk-ins before its time: it ranks from 10:30
    assert [_called(result, i) for i in (1, 2, 3, 11)] == [600.0, 1200.0, 1800.0, 2400.0]
    # the late one holds a walk-in number: in arrival order, not due at the passed slot
    assert _called(result, 4) < _called(result, 12) < _called(result, 5)
    assert result.booked == {EARLY: 1, LATE: 1}
    as_walk_ins = _day(booked_scenario, day, bookings=False)
    assert _called(as_walk_ins, 11) == 600.0


def test_a_few_booked_days_call_punctual_customers_at_their_slot(
        booked_scenario) -> None:  # type: ignore[no-untyped-def]
    days = draw_days(booked_scenario, 5, 4)
    run = simulate(booked_scenario, "accumulating", 5, customers=days, estimates=False)
    hits, totals = on_time_by_day(run, {PUNCTUAL})
    assert sum(totals) >= 60
    on_time = sum(hits) / sum(totals)
    assert on_time >= 0.9
    twin = simulate(booked_scenario, "accumulating", 5, customers=days, estimates=False,
                    bookings=False)
    hits, totals = on_time_by_day(twin, {PUNCTUAL})
    # as walk-ins they wait their turn (less often long: their slots avoid the breaks)
    assert sum(hits) / sum(totals) < min(0.9, on_time - 0.1)
    assert run.booked[MISSED] > 0 and run.booked[PUNCTUAL] == sum(totals)


def test_compare_reports_punctuality_and_the_walk_ins_cost(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ["simulate", "--scenario", str(BOOKED), "--compare", "--days", "2",
            "--resamples", "100"]
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    acc = data["bookings"]["accumulating"]
    assert acc["days"] == 2 and sum(acc["booked"].values()) > 40
    on_time = acc["punctual_called_within_5_min"]
    assert on_time["low"] <= on_time["value"] <= on_time["high"] and on_time["value"] > 0.8
    assert 0.8 < acc["walk_in_p95_ratio"]["value"] < 1.25
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "punctual, called within 5:00 of the slot" in text
    assert "punctual booked customers called within 5:00 of their slot >= 95%" in text
    assert "walk-ins' p95 within 5% of the same days without bookings" in text


def _scenario(tmp_path: Path, bookings: str) -> Path:
    base = tmp_path / "base.toml"
    base.write_text(BUSY.read_text(encoding="utf-8").replace(
        '"../branch.toml"', json.dumps(str(ROOT / "config" / "branch.toml"))),
        encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text(f'[scenario]\nbase = "base.toml"\n\n[bookings]\n{bookings}\n',
                    encoding="utf-8")
    return path


@pytest.mark.parametrize(("table", "sentence"), [
    ("share = 1.5", "bookings.share: must be at most 1, not 1.5"),
    ("share = -0.1", "bookings.share: must be 0 or more, not -0.1"),
    ("share_by_service = { B = 0.1 }",
     "bookings.share_by_service.B: service B takes no bookings (appointments.capacity in "
     "the branch file)"),
    ("share_by_service = { Z = 0.1 }", "bookings.share_by_service.Z: is not a service"),
    ("share = 0.1\nshare_by_service = { A = 0.1 }",
     "bookings.share: give either share (of all customers) or share_by_service"),
    ("share = 0.1\nearly_min = 2", "bookings.early_min: must be at least punctual_min (5)"),
    ("share = 0.1\nbehaviour = { punctual = 0, early = 0, in_grace = 0, late = 0, missed = 0 }",
     "bookings: behaviour weights must add up to more than 0"),
    ("share = 0.1\nbehaviour = { tardy = 3 }", "bookings.behaviour.tardy: is not a known"),
    ("share = 0.1\nlate_min = \"soon\"", "bookings.late_min: must be a number"),
])
def test_a_bad_bookings_table_is_one_sentence(tmp_path: Path, table: str,
                                              sentence: str) -> None:
    path = _scenario(tmp_path, table)
    with pytest.raises(ConfigError) as err:
        load_scenario(path)
    message = str(err.value)
    assert message.startswith(f"{path}: ") and sentence in message
    assert "\n" not in message


def test_a_scenario_on_a_base_is_the_base_with_its_tables_laid_over(
        booked_scenario) -> None:  # type: ignore[no-untyped-def]
    busy = load_scenario(BUSY)
    assert booked_scenario.name == "busy-day-booked"
    assert (booked_scenario.customers, booked_scenario.breaks, booked_scenario.service_mix) \
        == (busy.customers, busy.breaks, busy.service_mix)
    assert busy.bookings is None and booked_scenario.bookings is not None
    assert booked_scenario.bookings.share == 0.1


def test_a_share_of_nobody_reads_none_not_nan(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _scenario(tmp_path, "share = 0.1\nbehaviour = { punctual = 0, early = 1 }")
    assert main(["simulate", "--scenario", str(path), "--compare", "--days", "1",
                 "--resamples", "100"]) == 0
    text = capsys.readouterr().out
    assert "punctual booked customers called within 5:00 of their slot >= 95%: none: " \
        "no punctual booked customer" in text
    row = next(line for line in text.splitlines() if "punctual, called within 5:00" in line)
    assert row.split()[-3:] == ["none", "none", "none"] and "nan" not in text
    assert main(["simulate", "--scenario", str(path), "--compare", "--days", "1",
                 "--resamples", "100", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["bookings"]["fifo"]["punctual_called_within_5_min"] is None


def _limits(scenario: Scenario) -> dict[tuple[str, float], int]:
    """What the branch's booking (booking_rules) lets each slot of the grid hold."""
    settings, start = scenario.settings, datetime.combine(SIM_DATE, scenario.opens)
    out = {}
    for service, grid in scenario.slot_grids.items():
        for t in grid:
            at = start + timedelta(seconds=t)
            out[(service, t)] = slot_limit(
                settings.appointments.capacity[service],
                Slot(at.date(), at.time(), settings.appointments.slot_min),
                staffing_of(settings, service), load_of(settings))
    return out


def _at_lunch(c: Customer) -> bool:
    """A slot at a lunch break of the customer's service: cash 11:30-13:30 (counters 1,
    2, 3), corporate 11:30-12:30 (counters 4, 5)."""
    last = {"A": 16200.0, "C": 12600.0}.get(c.service, 16200.0)
    return c.slot_s is not None and 9000.0 <= c.slot_s <= last


def test_booked_customers_hold_only_slots_the_branch_would_take(
        booked_scenario) -> None:  # type: ignore[no-untyped-def]
    # the scenario's lunch breaks are the simulated branch's: cash (1 a slot, counters 1,
    # 2, 3 at lunch in turn) and corporate (counters 4, 5) take no lunch bookings
    assert booked_scenario.settings.breaks and booked_scenario.bookings.staffing["A"]
    limits = _limits(booked_scenario)
    assert limits[("A", 3 * 3600.0)] == 0 and limits[("A", 5 * 3600.0)] == 1  # 12:00, 14:00
    days = draw_days(booked_scenario, 1, 20)
    for day in days:
        held = Counter((c.service, c.slot_s) for c in day if c.booking)
        assert all(n <= limits[key] for key, n in held.items())
    lunch = Counter(c.service for day in days for c in day if c.booking and _at_lunch(c))
    assert lunch["A"] == lunch["C"] == 0 and lunch["V"] > 0
    # the same days with slots that ignore the breaks: lunch slots taken, as before
    off = load_scenario(BOOKED, overrides=["appointments.follow_breaks=false"])
    assert off.bookings is not None and off.bookings.staffing == {"A": None, "C": None,
                                                                  "V": None}
    lunch_off = Counter(c.service for day in draw_days(off, 1, 20) for c in day
                        if c.booking and _at_lunch(c))
    assert lunch_off["A"] >= 20 * 4 and lunch_off["C"] >= 20  # 5 and 3 slots a day


def test_a_scenario_s_breaks_are_its_branch_s_schedule(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "share = 0.1")
    # its base, the busy day, with cash counter 1 alone at lunch, from 12:00 to 13:00
    base = tmp_path / "base.toml"
    body = base.read_text(encoding="utf-8")
    base.write_text(body[:body.index("[[breaks]]")] +
                    '[[breaks]]\ncounter = 1\nfrom = "12:00"\nto = "13:00"\n', encoding="utf-8")
    scenario = load_scenario(path, overrides=["appointments.capacity.A=2"])
    assert [(b.counter, f"{b.start:%H:%M}") for b in scenario.settings.breaks] == [(1, "12:00")]
    limits = _limits(scenario)
    assert [t / 3600 for t in scenario.slot_grids["A"] if limits[("A", t)] < 2] == [3.0, 3.5]
    assert all(v == 1 for (s, _), v in limits.items() if s == "C")  # its counters eat later


# --- the busiest hours ---------------------------------------------------------------------


def test_a_scenario_expects_its_own_load_hour_by_hour(
        booked_scenario) -> None:  # type: ignore[no-untyped-def]
    load = booked_scenario.settings.appointments.expected_load
    assert list(load) == [f"{h:02d}:00" for h in range(9, 17)]
    # the peaks at 10:00 and 15:00 above every counter busy; the 13:00 lunch hour least
    assert load["10:00"] > 1.0 and load["15:00"] > 1.0 and load["11:00"] < 1.0
    assert min(load, key=load.__getitem__) == "13:00"
    # 10:00-11:00: 320 × 19/100 customers; 90% of them cash or non-cash, all six at work
    assert load["10:00"] == pytest.approx(1.10, abs=0.01)
    assert booked_scenario.bookings.load is None  # the example branch: not switched on


def test_a_customer_refused_a_busy_slot_books_the_nearest_with_room() -> None:
    start = datetime(2025, 3, 3, 9)
    b = replace(bookings(punctual=1.0), share=1.0, capacity={"A": 2},
                load=Load({time(10): 1.1}, above=1.0, share=0.5))
    wanted = [(3700.0, "A"), (3710.0, "A"), (3720.0, "A")]  # all three at 10:01
    got = book_day(wanted, b, {"A": [1800.0, 3600.0, 5400.0, 7200.0]}, start,
                   random.Random(3))
    # 10:00 and 10:30 (busy: one place each), then 09:30, nearer than 11:00
    assert sorted(x.slot_s for x in got.values()) == [1800.0, 3600.0, 5400.0]
    assert all(-300.0 <= x.arrival_s - x.slot_s <= 0.0 for x in got.values())  # they come then


def test_booked_customers_follow_the_busy_hours_and_keep_their_share() -> None:
    scenario = load_scenario(BOOKED, overrides=["appointments.capacity.A=3",
                                                "appointments.busy_above=1.0",
                                                "appointments.busy_share=0.34"])
    assert scenario.bookings is not None and scenario.bookings.load is not None
    limits = _limits(scenario)
    busy = [t / 3600 for t in scenario.slot_grids["A"] if limits[("A", t)] == 1]
    assert busy == [1.0, 1.5, 6.0, 6.5]  # 10:00, 10:30, 15:00, 15:30
    days = draw_days(scenario, 1, 20)
    for day in days:
        held = Counter((c.service, c.slot_s) for c in day if c.booking)
        assert all(n <= limits[key] for key, n in held.items())
        assert abs(sum(1 for c in day if c.booking) - round(0.1 * len(day))) <= 1
    # without the rule the same customers fill the peak's cash slots
    plain = load_scenario(BOOKED, overrides=["appointments.capacity.A=3"])
    peak = Counter(c.slot_s for day in draw_days(plain, 1, 20) for c in day
                   if c.booking and c.service == "A" and c.slot_s in (3600.0, 5400.0))
    assert sum(peak.values()) > 20 * 2
