"""How the simulator's figures are made: Poisson arrivals, service-time draws, warm-up,
the paired bootstrap over days, the trade-off curve and the calling orders it marks."""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.queue.bootstrap import DayWaits, day_weights, mean_of, p95_of, paired_ratio
from kiosk.queue.frontier import Point, frontier, mark_curve, scale_vip
from kiosk.queue.rules import Candidate, CounterState, Policy, pick_next
from kiosk.queue.simulate import (
    ServiceTime,
    draw_days,
    fixed_head_start,
    load_scenario,
    poisson_arrivals,
    priority_cycle,
    same_service_only,
    simulate,
    strict_priority,
)
from kiosk.queue.stats import percentile
from kiosk.queue.tradeoff import Against, Interval

ROOT = Path(__file__).resolve().parents[2]
BUSY = ROOT / "config" / "scenarios" / "busy-day.toml"


@pytest.fixture(scope="module")
def busy():  # type: ignore[no-untyped-def]
    return load_scenario(BUSY)


# --- arrivals and service times ------------------------------------------------------------


def test_poisson_arrivals_follow_each_hours_rate_with_poisson_spread() -> None:
    rng = random.Random(1)
    weights = [1, 3, 0, 2]
    days = [list(poisson_arrivals(120, weights, rng)) for _ in range(400)]
    counts = [len(d) for d in days]
    assert statistics.fmean(counts) == pytest.approx(120, rel=0.02)
    # Poisson: the variance of a day's count is its mean (an exact count has none)
    assert statistics.pvariance(counts) / statistics.fmean(counts) == pytest.approx(1, abs=0.2)
    per_hour = [sum(1 for d in days for t in d if h * 3600 <= t < (h + 1) * 3600) / 400
                for h in range(4)]
    assert per_hour == pytest.approx([20, 60, 0, 40], abs=1.5)
    gaps = [b - a for d in days for a, b in zip(d, d[1:], strict=False)
            if a >= 3600 and b < 7200]
    # within an hour the gaps are exponential: sd = mean
    assert statistics.pstdev(gaps) / statistics.fmean(gaps) == pytest.approx(1, abs=0.1)


def test_fixed_arrivals_keep_the_exact_count(busy) -> None:  # type: ignore[no-untyped-def]
    fixed = replace(busy, arrivals="fixed")
    assert {len(d) for d in draw_days(fixed, 1, 5)} == {320}
    assert len({len(d) for d in draw_days(busy, 1, 5)}) > 1


def test_service_time_draws_have_their_mean_and_spread() -> None:
    rng = random.Random(2)
    expo = [ServiceTime(300, 1.0, "exponential").draw(rng) for _ in range(20000)]
    logn = [ServiceTime(300, 0.5).draw(rng) for _ in range(20000)]
    assert statistics.fmean(expo) == pytest.approx(300, rel=0.03)
    assert statistics.pstdev(expo) / statistics.fmean(expo) == pytest.approx(1.0, abs=0.05)
    assert statistics.fmean(logn) == pytest.approx(300, rel=0.03)
    assert statistics.pstdev(logn) / statistics.fmean(logn) == pytest.approx(0.5, abs=0.05)
    # an exponential time is memoryless: a quarter are over ln(4) means
    assert sum(x > 300 * math.log(4) for x in expo) / len(expo) == pytest.approx(0.25, abs=0.02)


def test_warm_up_leaves_the_first_customers_out_of_the_figures(busy) -> None:  # type: ignore[no-untyped-def]
    days = draw_days(busy, 1, 2)
    whole = simulate(busy, "fifo", 1, customers=days, estimates=False)
    trimmed = simulate(replace(busy, warm_up_s=3600), "fifo", 1, customers=days,
                       estimates=False)
    assert min(r.customer.arrival_s for r in trimmed.records) >= 3600
    assert trimmed.customers == sum(1 for r in whole.records if r.customer.arrival_s >= 3600)
    # the trimmed customers still took counter time: the later ones wait as before
    late = {(r.day, r.customer.id): r.wait_s for r in whole.records
            if r.customer.arrival_s >= 3600}
    assert {(r.day, r.customer.id): r.wait_s for r in trimmed.records} == late


# --- the paired bootstrap ------------------------------------------------------------------


def test_a_resample_percentile_is_the_pooled_percentile_of_the_days_drawn() -> None:
    rng = random.Random(3)
    days = [[rng.expovariate(1 / 300) for _ in range(rng.randrange(0, 60))] for _ in range(30)]
    sample = DayWaits(days)
    for w in day_weights(30, 50, seed=4):
        pooled = [x for m, d in zip(w, days, strict=True) for x in d * m]
        assert sample.percentile(95, w) == percentile(pooled, 95)
        assert sample.mean(w) == pytest.approx(statistics.fmean(pooled))


def test_paired_ratio_interval_is_narrow_when_the_days_move_together() -> None:
    """Two policies on the same days: a day's congestion moves both, so the paired
    ratio is known far better than either figure alone."""
    rng = random.Random(5)
    base_days, other_days = [], []
    for _ in range(60):
        load = rng.uniform(0.3, 3.0)  # some days are far busier than others
        waits = [load * rng.expovariate(1 / 300) for _ in range(50)]
        base_days.append(waits)
        other_days.append([1.2 * w for w in waits])
    base, other = DayWaits(base_days), DayWaits(other_days)
    draws = day_weights(60, 300, seed=6)
    ratio = paired_ratio(mean_of, other, base, draws)
    assert ratio.value == pytest.approx(1.2)
    assert ratio.high - ratio.low < 1e-9  # exactly 1.2 on every draw
    alone = sorted(mean_of(other, w) for w in draws)
    assert (alone[-8] - alone[7]) / statistics.fmean(alone) > 0.1
    p95 = paired_ratio(p95_of, other, base, draws)
    assert p95.low == pytest.approx(1.2) and p95.high == pytest.approx(1.2)


# --- the curve -----------------------------------------------------------------------------


def _point(label: str, vip: float, p95: float) -> Point:
    i = Interval
    return Point(label, "sweep", "k", Against(label, 10, i(vip, vip - 0.02, vip + 0.02),
                                              i(1.1, 1.0, 1.2), i(p95, p95 - 0.02, p95 + 0.02),
                                              3.0, 2.0, i(1.0, 0.5, 1.5)))


def test_the_curve_is_the_points_no_other_beats_on_both() -> None:
    points = mark_curve([_point("a", 0.20, 1.20), _point("b", 0.25, 1.10),
                         _point("c", 0.30, 1.15), _point("d", 0.35, 1.05),
                         _point("e", 0.25, 1.12)])
    assert [p.label for p in points if p.on_curve] == ["a", "b", "d"]


def test_vip_factors_scale_every_priority_tier_and_no_other(busy) -> None:  # type: ignore[no-untyped-def]
    doubled = scale_vip(busy, "vip.rate_factor", "2")
    for before, after in zip(busy.settings.tiers, doubled.settings.tiers, strict=True):
        assert after.rate == (2 * before.rate if before.priority else before.rate)
        assert after.base_s == before.base_s
    none = scale_vip(busy, "vip.base_factor", "0")
    assert all(t.base_s == 0 for t in none.settings.tiers)


# --- the calling orders --------------------------------------------------------------------

T0 = datetime(2026, 11, 2, 10, 0)


def _ticket(i: int, service: str, tier: str, minutes_ago: float) -> Candidate:
    return Candidate(i, service, tier, T0 - timedelta(minutes=minutes_ago))


def test_strict_priority_serves_the_highest_tier_first_however_long_others_waited(busy) -> None:  # type: ignore[no-untyped-def]
    policy = Policy.from_settings(busy.settings, "accumulating")
    counter = CounterState(1, ("A", "B"))
    queue = [_ticket(1, "A", "regular", 60), _ticket(2, "A", "purple_gold", 1),
             _ticket(3, "B", "platinum", 0)]
    assert strict_priority(counter, T0, queue, policy).ticket_id == 3  # type: ignore[union-attr]
    assert pick_next(counter, T0, queue, policy).ticket_id == 1  # type: ignore[union-attr]  # due


def test_priority_cycle_calls_two_vips_then_one_regular(busy) -> None:  # type: ignore[no-untyped-def]
    policy = Policy.from_settings(busy.settings, "accumulating")
    queue = [_ticket(1, "A", "regular", 20), _ticket(2, "A", "gold", 2),
             _ticket(3, "A", "purple_gold", 5)]
    fresh = CounterState(1, ("A",))
    assert priority_cycle(fresh, T0, queue, policy).ticket_id == 3  # type: ignore[union-attr]
    after_two = replace(fresh, consecutive_priority=2)
    assert priority_cycle(after_two, T0, queue, policy).ticket_id == 1  # type: ignore[union-attr]
    only_vips = [t for t in queue if t.tier != "regular"]
    assert priority_cycle(after_two, T0, only_vips, policy).ticket_id == 3  # type: ignore[union-attr]


def test_weights_without_ageing_give_a_fixed_head_start(busy) -> None:  # type: ignore[no-untyped-def]
    policy = Policy.from_settings(busy.settings, "accumulating")
    head_start = busy.settings.tier("purple_gold").base_s / 60  # minutes
    counter = CounterState(1, ("A",))
    ahead = [_ticket(1, "A", "regular", head_start + 2), _ticket(2, "A", "purple_gold", 1)]
    behind = [_ticket(1, "A", "regular", head_start - 2), _ticket(2, "A", "purple_gold", 1)]
    assert fixed_head_start(counter, T0, ahead, policy).ticket_id == 1  # type: ignore[union-attr]
    assert fixed_head_start(counter, T0, behind, policy).ticket_id == 2  # type: ignore[union-attr]


def test_same_service_vips_overtake_only_their_own_service(busy) -> None:  # type: ignore[no-untyped-def]
    settings = busy.settings
    policy = Policy.from_settings(settings, "accumulating")
    choose = same_service_only(Policy.from_settings(settings, "fifo"))
    counter = CounterState(1, ("A", "B"))
    # the oldest ticket is cash: a non-cash VIP waits, a cash VIP goes first
    queue = [_ticket(1, "A", "regular", 6), _ticket(2, "B", "regular", 4),
             _ticket(3, "B", "gold", 1)]
    assert pick_next(counter, T0, queue, policy).ticket_id == 3  # type: ignore[union-attr]
    assert choose(counter, T0, queue, policy).ticket_id == 1  # type: ignore[misc, union-attr]
    cash_vip = [*queue, _ticket(4, "A", "gold", 0.5)]
    assert choose(counter, T0, cash_vip, policy).ticket_id == 4  # type: ignore[misc, union-attr]


MM3 = """
[scenario]
branch = "{branch}"
opens = "09:00"
closes = "16:00"
customers = 176
warm_up_s = 3600
counters = [1, 2, 3]
days = 120

[arrivals]
by_hour = [1, 1, 1, 1, 1, 1, 1]

[tiers]
regular = 1

[services.regular]
A = 1

[services.vip]
A = 1

[service_times.A]
mean_s = 300
distribution = "exponential"
"""


def _erlang_c_wait_s(per_s: float, service_s: float, counters: int) -> float:
    a = per_s * service_s
    top = a**counters / math.factorial(counters) / (1 - a / counters)
    waits = top / (sum(a**k / math.factorial(k) for k in range(counters)) + top)
    return waits * service_s / (counters - a)


def test_poisson_days_with_exponential_service_match_erlang_c(tmp_path: Path) -> None:
    """Three cash counters, one tier, 176 customers in 7 hours, 5 minutes each on
    average (load 0.7): M/M/3, whose mean wait Erlang C gives (2:42). The first hour is
    warm-up (the branch opens empty). Exact hourly counts wait about a third less."""
    path = tmp_path / "mm3.toml"
    path.write_text(MM3.format(branch=ROOT / "config" / "branch.toml"), encoding="utf-8")
    scenario = load_scenario(path)
    expected = _erlang_c_wait_s(176 / 7 / 3600, 300, 3)
    poisson = simulate(scenario, "fifo", 1, estimates=False).tiers["regular"].mean_wait_s
    fixed = simulate(replace(scenario, arrivals="fixed"), "fifo", 1,
                     estimates=False).tiers["regular"].mean_wait_s
    assert poisson == pytest.approx(expected, rel=0.12)
    assert fixed < 0.8 * expected


# --- the curve on few days (the full-size curve is in README, from `--frontier`) -----------


@pytest.fixture(scope="module")
def curve(busy):  # type: ignore[no-untyped-def]
    def load(extra):  # type: ignore[no-untyped-def]
        return load_scenario(BUSY, overrides=list(extra))

    return frontier(load, ["rules.guarantee_at_green_channel=true", "vip.rate_factor=0.25"],
                    seed=1, days=16, resamples=200)


def test_the_curve_trades_vip_speed_for_the_regular_tail(curve) -> None:  # type: ignore[no-untyped-def]
    by = {p.label: p.against for p in curve.points}
    assert list(by) == ["as configured", "rules.guarantee_at_green_channel=true",
                        "vip.rate_factor=0.25", "strict_priority", "priority_cycle",
                        "fixed_head_start", "same_service"]
    # VIPs always first is the fastest for them; the guarantee at the green channel
    # buys the regular 30-minute tail with VIP speed
    assert by["strict_priority"].vip_mean.value == min(a.vip_mean.value for a in by.values())
    guarantee, configured = by["rules.guarantee_at_green_channel=true"], by["as configured"]
    assert guarantee.vip_mean.value > configured.vip_mean.value
    assert guarantee.over_difference_pp.value < configured.over_difference_pp.value
    # the curve runs downhill: faster VIPs, a longer regular tail
    on = curve.curve()
    assert [p.against.vip_mean.value for p in on] == sorted(p.against.vip_mean.value
                                                             for p in on)
    assert [p.against.regular_p95.value for p in on] == sorted(
        (p.against.regular_p95.value for p in on), reverse=True)


def test_the_configured_point_sits_on_the_curve_within_its_intervals(curve) -> None:  # type: ignore[no-untyped-def]
    assert curve.beating(curve.configured) == []
    assert set(curve.by_service) == {"as configured", "same_service"}
    assert set(curve.by_service["as configured"]) == {"A", "B", "C"}
    for interval in curve.by_service["as configured"].values():
        assert interval.value > 1.0  # every service's regulars pay for the VIP lane
