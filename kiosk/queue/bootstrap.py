"""Confidence intervals for simulated figures: a paired bootstrap over days.

A run pools many independent days; a policy and fifo are played on the very same days
(common random numbers). To say how far a ratio such as "VIP mean wait, policy against
fifo" can be trusted, the days are resampled with replacement (`resamples` times, the
same draw of days for both policies: paired) and the ratio is computed on each resample
from the pooled customers of the days drawn; the 95 % interval is the 2.5th to 97.5th
percentile of those ratios (the percentile bootstrap). Days are the unit because the
customers of one day are not independent of each other (one congested lunch hour makes
many long waits at once).

Pure Python, no numpy: a pooled percentile of a resample is found among the waits above a
threshold only (a little below the figure on the full sample), so a resample of 160
busy days costs about a millisecond.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kiosk.queue.stats import percentile

RESAMPLES = 1000
LEVEL = 95.0


@dataclass(frozen=True)
class Interval:
    """A figure on the full sample and its bootstrap confidence interval."""

    value: float
    low: float
    high: float

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high

    def to_json(self, digits: int = 4) -> dict[str, float]:
        return {"value": round(self.value, digits), "low": round(self.low, digits),
                "high": round(self.high, digits)}


class DayWaits:
    """One group's waits (seconds), day by day: what the statistics are computed from."""

    def __init__(self, days: Sequence[Sequence[float]]) -> None:
        self.days = [sorted(d) for d in days]
        self.counts = [len(d) for d in self.days]
        self.sums = [math.fsum(d) for d in self.days]
        self._tails: dict[float, tuple[float, list[int], list[list[float]]]] = {}

    def mean(self, weights: Sequence[int] | None = None) -> float:
        w = weights or [1] * len(self.days)
        n = sum(m * c for m, c in zip(w, self.counts, strict=True))
        return sum(m * s for m, s in zip(w, self.sums, strict=True)) / n if n else 0.0

    def share_over(self, limit_s: float, weights: Sequence[int] | None = None) -> float:
        """The share (0-1) of waits longer than `limit_s`."""
        w = weights or [1] * len(self.days)
        n = sum(m * c for m, c in zip(w, self.counts, strict=True))
        over = sum(m * (c - _count_at_or_below(d, limit_s))
                   for m, c, d in zip(w, self.counts, self.days, strict=True))
        return over / n if n else 0.0

    def percentile(self, pct: float, weights: Sequence[int] | None = None) -> float:
        """The pooled nearest-rank percentile (kiosk.queue.stats) of the days weighted by
        `weights` (how often each day was drawn)."""
        if weights is None:
            return percentile([x for d in self.days for x in d], pct)
        n = sum(m * c for m, c in zip(weights, self.counts, strict=True))
        if n == 0:
            return 0.0
        rank = max(1, math.ceil(pct / 100 * n))
        threshold, below, tails = self._tail(pct)
        under = sum(m * b for m, b in zip(weights, below, strict=True))
        if rank <= under:  # the resample's percentile lies below the threshold: do it all
            pooled = [x for m, d in zip(weights, self.days, strict=True) for x in d * m]
            return percentile(pooled, pct)
        tail = sorted(x for m, t in zip(weights, tails, strict=True) if m for x in t * m)
        return tail[rank - under - 1]

    def _tail(self, pct: float) -> tuple[float, list[int], list[list[float]]]:
        if pct not in self._tails:
            threshold = self.percentile(max(0.0, pct - 10.0))
            below = [_count_below(d, threshold) for d in self.days]
            tails = [d[b:] for d, b in zip(self.days, below, strict=True)]
            self._tails[pct] = (threshold, below, tails)
        return self._tails[pct]


def _count_below(ordered: Sequence[float], x: float) -> int:
    lo, hi = 0, len(ordered)
    while lo < hi:
        mid = (lo + hi) // 2
        if ordered[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _count_at_or_below(ordered: Sequence[float], x: float) -> int:
    lo, hi = 0, len(ordered)
    while lo < hi:
        mid = (lo + hi) // 2
        if ordered[mid] <= x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def day_weights(days: int, resamples: int = RESAMPLES, seed: int = 0) -> list[list[int]]:
    """`resamples` draws of `days` days with replacement, each as how often each day was
    drawn. The same draws serve every policy of a run (the bootstrap is paired)."""
    rng = random.Random(seed)
    out = []
    for _ in range(resamples):
        w = [0] * days
        for _ in range(days):
            w[rng.randrange(days)] += 1
        out.append(w)
    return out


Statistic = Callable[[DayWaits, Sequence[int] | None], float]


def mean_of(sample: DayWaits, weights: Sequence[int] | None = None) -> float:
    return sample.mean(weights)


def p95_of(sample: DayWaits, weights: Sequence[int] | None = None) -> float:
    return sample.percentile(95, weights)


def paired_ratio(stat: Statistic, sample: DayWaits, baseline: DayWaits,
                 draws: Sequence[Sequence[int]],
                 baseline_values: Sequence[float] | None = None) -> Interval:
    """stat(sample) / stat(baseline) and its interval over the paired draws of days.
    `baseline_values` (stat(baseline) on each draw) can be passed when several samples are
    compared with one baseline."""
    base = baseline_values if baseline_values is not None else \
        [stat(baseline, w) for w in draws]
    ratios = [_ratio(stat(sample, w), b) for w, b in zip(draws, base, strict=True)]
    return _interval(_ratio(stat(sample, None), stat(baseline, None)), ratios)


def paired_difference(stat: Statistic, sample: DayWaits, baseline: DayWaits,
                      draws: Sequence[Sequence[int]]) -> Interval:
    """stat(sample) - stat(baseline) and its interval over the paired draws of days."""
    diffs = [stat(sample, w) - stat(baseline, w) for w in draws]
    return _interval(stat(sample, None) - stat(baseline, None), diffs)


def pooled_share(hits: Sequence[int], totals: Sequence[int],
                 draws: Sequence[Sequence[int]]) -> Interval:
    """sum(hits) / sum(totals) over the days (one count each per day), and its interval
    over the draws of days: a share pooled over the days, resampled by day."""
    def share(weights: Sequence[int] | None) -> float:
        w = weights or [1] * len(totals)
        n = sum(m * t for m, t in zip(w, totals, strict=True))
        return sum(m * h for m, h in zip(w, hits, strict=True)) / n if n else math.nan

    return _interval(share(None), [share(w) for w in draws])


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def _interval(value: float, draws: Sequence[float]) -> Interval:
    ordered = sorted(x for x in draws if not math.isnan(x))
    if not ordered:
        return Interval(value, math.nan, math.nan)
    tail = (100.0 - LEVEL) / 2
    return Interval(value, percentile(ordered, tail), percentile(ordered, 100.0 - tail))
