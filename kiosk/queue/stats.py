"""The project's one definition of each summary statistic: simulated days, real days'
figures and the benchmarks all read the same way."""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `pct` % of the values at
    or below it (so p95 of 20 waits is the 19th shortest). 0.0 for no values."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    if not 0 <= pct <= 100:
        raise ValueError(f"a percentile is from 0 to 100, not {pct}")
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def mean(values: Iterable[float]) -> float:
    items = list(values)
    return sum(items) / len(items) if items else 0.0
