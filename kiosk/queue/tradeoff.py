"""What a policy costs and buys against fifo, with confidence intervals over days.

`against(scenario, run, fifo, draws)` reads one policy's run against fifo's run of the same
days: the VIP tiers' mean wait, the regular customers' mean and p95 wait, each as a ratio
to fifo's with a paired bootstrap 95 % interval (kiosk.queue.bootstrap), and the share of
regular customers who waited longer than `rules.max_wait_s` next to fifo's share (the
difference in percentage points, with its interval).

`fifo_spread` is the floor those figures are read against: fifo on another set of days
(another seed) against fifo, i.e. what moves when nothing about priority changes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from kiosk.queue.booking_rules import punctual
from kiosk.queue.bootstrap import (
    DayWaits,
    Interval,
    day_weights,
    mean_of,
    p95_of,
    paired_difference,
    paired_ratio,
    pooled_share,
)
from kiosk.queue.sim_bookings import BEHAVIOURS, EARLY, PUNCTUAL
from kiosk.queue.simulate import SIM_DATE, RunResult, Scenario


def regular_tiers(scenario: Scenario) -> set[str]:
    return {t.key for t in scenario.settings.tiers if not t.priority}


def priority_tiers(scenario: Scenario) -> set[str]:
    return {t.key for t in scenario.settings.tiers if t.priority}


def day_waits(result: RunResult, tiers: set[str], service: str | None = None) -> DayWaits:
    """The waits of these tiers (and of one service, if given), day by day; walk-ins
    only (booked customers have figures of their own, `booked_figures`)."""
    days: list[list[float]] = [[] for _ in range(result.days)]
    for r in result.records:
        if r.customer.booking:
            continue
        if r.customer.tier in tiers and (service is None or r.customer.service == service):
            days[r.day - 1].append(r.wait_s)
    return DayWaits(days)


@dataclass(frozen=True)
class Against:
    """One policy's run against fifo's on the same days."""

    policy: str
    days: int
    vip_mean: Interval  # ratio to fifo's
    regular_mean: Interval  # ratio to fifo's
    regular_p95: Interval  # ratio to fifo's
    regular_over_pct: float  # share of regular customers over rules.max_wait_s, %
    fifo_over_pct: float
    over_difference_pp: Interval  # this share - fifo's, percentage points

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "days": self.days,
                "vip_mean_ratio": self.vip_mean.to_json(),
                "regular_mean_ratio": self.regular_mean.to_json(),
                "regular_p95_ratio": self.regular_p95.to_json(),
                "regular_over_max_pct": round(self.regular_over_pct, 3),
                "fifo_over_max_pct": round(self.fifo_over_pct, 3),
                "over_max_difference_pp": self.over_difference_pp.to_json(3)}


class Baseline:
    """fifo's run of a set of days, with the paired draws of days and fifo's own figure
    on each draw (computed once for all the policies read against it)."""

    def __init__(self, scenario: Scenario, fifo: RunResult, resamples: int,
                 seed: int = 0) -> None:
        self.scenario, self.fifo = scenario, fifo
        self.draws = day_weights(fifo.days, resamples, seed)
        self.regular = day_waits(fifo, regular_tiers(scenario))
        self.vip = day_waits(fifo, priority_tiers(scenario))
        self._fifo_values = {
            "vip_mean": [mean_of(self.vip, w) for w in self.draws],
            "regular_mean": [mean_of(self.regular, w) for w in self.draws],
            "regular_p95": [p95_of(self.regular, w) for w in self.draws],
        }

    @property
    def max_wait_s(self) -> float:
        return self.scenario.settings.rules.max_wait_s

    def against(self, run: RunResult) -> Against:
        if run.days != self.fifo.days:
            raise ValueError("a policy is read against fifo on the same days")
        regular = day_waits(run, regular_tiers(self.scenario))
        vip = day_waits(run, priority_tiers(self.scenario))
        limit = self.max_wait_s

        def over(sample: DayWaits, w: Sequence[int] | None = None) -> float:
            return 100.0 * sample.share_over(limit, w) if limit > 0 else 0.0

        v = self._fifo_values
        return Against(
            policy=run.policy, days=run.days,
            vip_mean=paired_ratio(mean_of, vip, self.vip, self.draws, v["vip_mean"]),
            regular_mean=paired_ratio(mean_of, regular, self.regular, self.draws,
                                      v["regular_mean"]),
            regular_p95=paired_ratio(p95_of, regular, self.regular, self.draws,
                                     v["regular_p95"]),
            regular_over_pct=over(regular), fifo_over_pct=over(self.regular),
            over_difference_pp=paired_difference(over, regular, self.regular, self.draws))


    def by_service(self, run: RunResult) -> dict[str, Interval]:
        """The regular customers' mean wait per service, as a ratio to fifo's: where the
        VIP tiers' speed is paid for."""
        regular = regular_tiers(self.scenario)
        out = {}
        for s in self.scenario.settings.services:
            base = day_waits(self.fifo, regular, s.prefix)
            if sum(base.counts):
                out[s.prefix] = paired_ratio(mean_of, day_waits(run, regular, s.prefix), base,
                                             self.draws)
        return out


@dataclass(frozen=True)
class FifoSpread:
    """fifo on other days (another seed) against fifo: the noise floor of the figures."""

    seed: int
    regular_p95_ratio: float
    regular_mean_ratio: float
    vip_mean_ratio: float
    over_pct: float  # share of regular customers over the maximum wait on those days, %
    over_difference_pp: float  # that share - fifo's

    def to_json(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in vars(self).items()}


def fifo_spread(baseline: Baseline, other: RunResult) -> FifoSpread:
    s = baseline.scenario
    regular, vip = day_waits(other, regular_tiers(s)), day_waits(other, priority_tiers(s))
    limit = baseline.max_wait_s
    over = 100.0 * regular.share_over(limit) if limit > 0 else 0.0
    fifo_over = 100.0 * baseline.regular.share_over(limit) if limit > 0 else 0.0
    return FifoSpread(
        seed=other.seed,
        regular_p95_ratio=regular.percentile(95) / baseline.regular.percentile(95),
        regular_mean_ratio=regular.mean() / baseline.regular.mean(),
        vip_mean_ratio=vip.mean() / baseline.vip.mean(),
        over_pct=over, over_difference_pp=over - fifo_over)


ON_TIME_S = 300.0  # "called within 5 minutes of the slot", as the day's report counts it


@dataclass(frozen=True)
class BookedFigures:
    """Booked customers' punctuality in one policy's run, and what the walk-ins pay for
    it: their waits against the same days with the booked customers taking walk-in
    numbers (`RunResult.as_walk_ins`: the same arrivals, paired by day)."""

    policy: str
    days: int
    customers: int
    booked: dict[str, int]  # by behaviour (kiosk.queue.sim_bookings.BEHAVIOURS)
    punctual_on_time: Interval  # share (0-1) of the punctual called within 5 min of the slot
    by_slot_on_time: Interval  # the same, of all who came by their slot (punctual, early)
    walk_in_p95: Interval  # walk-ins' p95 wait, ratio to the same days without bookings
    walk_in_mean: Interval
    walk_in_p95_s: float
    as_walk_ins_p95_s: float

    def to_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "days": self.days, "customers": self.customers,
                "booked": self.booked,
                "punctual_called_within_5_min": _share_json(self.punctual_on_time),
                "came_by_slot_called_within_5_min": _share_json(self.by_slot_on_time),
                "walk_in_p95_ratio": self.walk_in_p95.to_json(),
                "walk_in_mean_ratio": self.walk_in_mean.to_json(),
                "walk_in_p95_s": round(self.walk_in_p95_s, 1),
                "as_walk_ins_p95_s": round(self.as_walk_ins_p95_s, 1)}


def _share_json(share: Interval) -> dict[str, float] | None:
    """A share's JSON; None for a share of nobody (no such booked customer came)."""
    return None if math.isnan(share.value) else share.to_json()


def on_time_by_day(run: RunResult, behaviours: set[str]) -> tuple[list[int], list[int]]:
    """(called within 5 minutes of the slot, booked customers) per day, of the booked
    customers with these behaviours who took a number (`booking_rules.punctual`)."""
    hits, totals = [0] * run.days, [0] * run.days
    start = datetime.combine(SIM_DATE, time(0))
    for r in run.records:
        c = r.customer
        if c.booking in behaviours and c.slot_s is not None:
            totals[r.day - 1] += 1
            hits[r.day - 1] += punctual(start + timedelta(seconds=r.called_s),
                                        start + timedelta(seconds=c.slot_s), ON_TIME_S)
    return hits, totals


def booked_figures(scenario: Scenario, run: RunResult,
                   draws: Sequence[Sequence[int]]) -> BookedFigures:
    """`run`'s booked figures, with 95 % intervals over `draws` (paired draws of days)."""
    twin = run.as_walk_ins
    if twin is None or twin.days != run.days:
        raise ValueError("booked figures need the run's days with bookings as walk-ins")
    everyone = {t.key for t in scenario.settings.tiers}
    walk_ins, without = day_waits(run, everyone), day_waits(twin, everyone)
    booked = {k: run.booked.get(k, 0) for k in BEHAVIOURS}
    return BookedFigures(
        policy=run.policy, days=run.days, customers=run.customers, booked=booked,
        punctual_on_time=pooled_share(*on_time_by_day(run, {PUNCTUAL}), draws),
        by_slot_on_time=pooled_share(*on_time_by_day(run, {PUNCTUAL, EARLY}), draws),
        walk_in_p95=paired_ratio(p95_of, walk_ins, without, draws),
        walk_in_mean=paired_ratio(mean_of, walk_ins, without, draws),
        walk_in_p95_s=walk_ins.percentile(95), as_walk_ins_p95_s=without.percentile(95))
