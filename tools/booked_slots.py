"""Where booked customers are late and where walk-ins pay for them, slot by slot.

    PYTHONPATH=$PWD python tools/booked_slots.py --scenario config/scenarios/busy-day-booked.toml \
        --set appointments.capacity.A=2 --days 1000

Plays the scenario's days under one policy (the branch's by default) twice, as
`kiosk simulate --compare` does: with the booked customers, and with them taking walk-in
numbers (same arrivals, same seeds). Prints, per slot and per period of the day (before,
during and after the counters' lunch breaks):

- the punctual booked customers and the share of them called within 5 minutes of the
  slot, with the counters of their service at lunch during the slot;
- the walk-ins who arrived in that period: their p95 and mean wait against the same days
  without bookings (paired bootstrap 95 % intervals over the days), and how many of them
  waited longer than the whole day's p95 without bookings;
- the minutes a day the booked customers save by their booking and the walk-ins pay
  (the same counters do the same work, so what one group saves the other waits).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from kiosk.queue.booking_rules import punctual
from kiosk.queue.bootstrap import (
    DayWaits,
    Interval,
    day_weights,
    mean_of,
    p95_of,
    paired_ratio,
    pooled_share,
)
from kiosk.queue.simulate import (
    SIM_DATE,
    RunResult,
    Scenario,
    draw_days,
    load_scenario,
    simulate,
)

ROOT = Path(__file__).resolve().parent.parent
ON_TIME_S = 300.0


def clock(scenario: Scenario, seconds: float) -> str:
    return f"{datetime.combine(SIM_DATE, scenario.opens) + timedelta(seconds=seconds):%H:%M}"


def at_lunch(scenario: Scenario, service: str, start_s: float, end_s: float) -> list[int]:
    """The counters serving `service` on a break at some moment of [start_s, end_s)."""
    serving = {c.number for c in scenario.settings.counters if service in c.services}
    return sorted({b.counter for b in scenario.breaks
                   if b.counter in serving and b.start_s < end_s and start_s < b.end_s})


def periods(scenario: Scenario) -> list[tuple[str, float, float]]:
    """Before, during and after the breaks (seconds after opening)."""
    day_s = scenario.hours * 3600.0
    if not scenario.breaks:
        return [("whole day", 0.0, day_s)]
    first = min(b.start_s for b in scenario.breaks)
    last = max(b.end_s for b in scenario.breaks)
    return [(f"before lunch (to {clock(scenario, first)})", 0.0, first),
            (f"lunch breaks ({clock(scenario, first)}-{clock(scenario, last)})", first, last),
            (f"after lunch (from {clock(scenario, last)})", last, day_s)]


def on_time(run: RunResult, within: tuple[float, float]) -> tuple[list[int], list[int]]:
    """(called within 5 minutes, punctual booked) per day, slots in `within`."""
    hits, totals = [0] * run.days, [0] * run.days
    start = datetime.combine(SIM_DATE, datetime.min.time())
    for r in run.records:
        c = r.customer
        if c.booking == "punctual" and c.slot_s is not None \
                and within[0] <= c.slot_s < within[1]:
            totals[r.day - 1] += 1
            hits[r.day - 1] += punctual(start + timedelta(seconds=r.called_s),
                                        start + timedelta(seconds=c.slot_s), ON_TIME_S)
    return hits, totals


def walk_in_waits(run: RunResult, within: tuple[float, float]) -> DayWaits:
    """The waits of the walk-ins who arrived within `within`, day by day (in a run with
    the booked customers as walk-ins, the same people: they keep their booked mark)."""
    days: list[list[float]] = [[] for _ in range(run.days)]
    for r in run.records:
        c = r.customer
        if not c.booking and within[0] <= c.arrival_s < within[1]:
            days[r.day - 1].append(r.wait_s)
    return DayWaits(days)


def pct(i: Interval) -> str:
    return f"{i.value:7.2%} ({i.low:.2%}-{i.high:.2%})"


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default=str(ROOT / "config/scenarios/busy-day-booked.toml"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--days", type=int, default=160)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--policy", default=None)
    p.add_argument("--resamples", type=int, default=1000)
    args = p.parse_args(argv)

    scenario = replace(load_scenario(args.scenario, overrides=args.set), days=args.days)
    policy = args.policy or scenario.settings.rules.policy
    by_day = draw_days(scenario, args.seed)
    run = simulate(scenario, policy, args.seed, customers=by_day)
    twin = simulate(scenario, policy, args.seed, customers=by_day, estimates=False,
                    bookings=False)
    draws = day_weights(run.days, args.resamples, args.seed)

    print(f"{scenario.name}, {policy}, seed {args.seed}, {run.days} days"
          f"{' (--set ' + ' '.join(args.set) + ')' if args.set else ''}")
    booked = sum(1 for day in by_day for c in day if c.booking)
    print(f"booked {booked} of {sum(len(d) for d in by_day)} customers "
          f"({booked / max(1, sum(len(d) for d in by_day)):.1%})")
    print()
    print("Punctual booked customers by slot (called more than 5:00 after the slot = late)")
    print(f"{'slot':>5} {'svc':>3} {'booked':>7} {'punctual':>8} {'late':>5} {'on time':>8}"
          "  counters of the service at lunch during the slot")
    slot_s = scenario.settings.appointments.slot_min * 60.0
    cells: dict[tuple[float, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    start = datetime.combine(SIM_DATE, datetime.min.time())
    for day in by_day:
        for c in day:
            if c.slot_s is not None:
                cells[(c.slot_s, c.service)][0] += 1
    for r in run.records:
        c = r.customer
        if c.booking == "punctual" and c.slot_s is not None:
            cell = cells[(c.slot_s, c.service)]
            cell[1] += 1
            cell[2] += not punctual(start + timedelta(seconds=r.called_s),
                                    start + timedelta(seconds=c.slot_s), ON_TIME_S)
    late_total = sum(v[2] for v in cells.values())
    for (at, service), (n, punct, late) in sorted(cells.items()):
        lunch = at_lunch(scenario, service, at, at + slot_s)
        share = f"{1 - late / punct:8.1%}" if punct else f"{'-':>8}"
        print(f"{clock(scenario, at):>5} {service:>3} {n:7d} {punct:8d} {late:5d} {share}  "
              f"{', '.join(map(str, lunch)) if lunch else ''}")
    print(f"late in all: {late_total}")
    print()
    def minutes_a_day(result: RunResult, booked: bool) -> float:
        waited = sum(r.wait_s for r in result.records if bool(r.customer.booking) == booked)
        return waited / 60 / result.days

    saved = minutes_a_day(twin, True) - minutes_a_day(run, True)
    paid = minutes_a_day(run, False) - minutes_a_day(twin, False)
    print(f"Waiting a day, in customer-minutes: booked customers {minutes_a_day(twin, True):.0f} "
          f"as walk-ins, {minutes_a_day(run, True):.0f} booked (saved {saved:.0f}); walk-ins "
          f"{minutes_a_day(twin, False):.0f} -> {minutes_a_day(run, False):.0f} "
          f"(paid {paid:.0f})")
    print()
    everyone = walk_in_waits(twin, (0.0, 1e9))
    threshold = everyone.percentile(95)
    print(f"By period (walk-ins by arrival; the day's walk-in p95 without bookings: "
          f"{threshold / 60:.1f} min)")
    for name, lo, hi in periods(scenario):
        share = pooled_share(*on_time(run, (lo, hi)), draws)
        with_b = walk_in_waits(run, (lo, hi))
        without = walk_in_waits(twin, (lo, hi))
        over = sum(n - sum(1 for x in d if x <= threshold)
                   for n, d in zip(with_b.counts, with_b.days, strict=True))
        over_without = sum(n - sum(1 for x in d if x <= threshold)
                           for n, d in zip(without.counts, without.days, strict=True))
        late = sum(on_time(run, (lo, hi))[1]) - sum(on_time(run, (lo, hi))[0])
        print(f"  {name}")
        print(f"    punctual booked called within 5:00: {pct(share)}; late {late} "
              f"of {sum(on_time(run, (lo, hi))[1])}")
        print(f"    walk-ins ({sum(with_b.counts)}): p95 {with_b.percentile(95) / 60:.1f} "
              f"against {without.percentile(95) / 60:.1f} min = "
              f"{pct(paired_ratio(p95_of, with_b, without, draws))}; mean "
              f"{pct(paired_ratio(mean_of, with_b, without, draws))}")
        print(f"    walk-ins over the day's p95 without bookings: {over} "
              f"(without bookings: {over_without})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
