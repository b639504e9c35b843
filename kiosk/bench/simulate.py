"""The simulator's cost (`kiosk bench --only simulate`): one busy day, Poisson arrivals.

A busy day (config/scenarios/busy-day.toml, ~320 customers) under the branch's policy,
timed per simulated day over 20 days: with the forecast at every arrival (what `kiosk
simulate --compare` does, for the estimate figures) and without it (what `--frontier`
does). The bar: a simulated day in at most 50 ms, so that 160 pooled days of three
policies take seconds. Also: the paired bootstrap of one policy against fifo over 160
days (1000 resamples).
"""

from __future__ import annotations

import time
from typing import Any

from kiosk.config import PROJECT_ROOT, load_settings
from kiosk.queue.simulate import draw_days, load_scenario, simulate

SCENARIO = PROJECT_ROOT / "config" / "scenarios" / "busy-day.toml"
DAYS = 20
BAR_MS = 50.0


def bench_simulate(config: str | None = None) -> dict[str, Any]:
    from kiosk.queue.tradeoff import Baseline

    scenario = load_scenario(SCENARIO, load_settings(config))
    policy = scenario.settings.rules.policy
    days = draw_days(scenario, 1, DAYS)
    result: dict[str, Any] = {"days": DAYS, "policy": policy,
                              "customers_per_day": round(sum(map(len, days)) / DAYS, 1)}
    for name, estimates in (("with_estimates", True), ("without_estimates", False)):
        started = time.perf_counter()
        simulate(scenario, policy, 1, customers=days, estimates=estimates)
        result[f"ms_per_day_{name}"] = round((time.perf_counter() - started) * 1000 / DAYS, 1)
    pooled = draw_days(scenario, 1, 160)
    fifo = simulate(scenario, "fifo", 1, customers=pooled, estimates=False)
    run = simulate(scenario, policy, 1, customers=pooled, estimates=False)
    started = time.perf_counter()
    Baseline(scenario, fifo, 1000).against(run)
    result["bootstrap_160_days_1000_resamples_s"] = round(time.perf_counter() - started, 2)
    result["bar_ms_per_day"] = BAR_MS
    result["ok"] = result["ms_per_day_with_estimates"] <= BAR_MS
    return result


def simulate_lines(r: dict[str, Any]) -> list[str]:
    return ["simulate:",
            f"  a busy day ({r['customers_per_day']} customers, Poisson, {r['policy']}), "
            f"over {r['days']} days: {r['ms_per_day_with_estimates']} ms per day with the "
            f"estimates, {r['ms_per_day_without_estimates']} ms without"
            f"   (bar <= {r['bar_ms_per_day']:g} ms: {'ok' if r['ok'] else 'MISSED'})",
            f"  paired bootstrap, 160 days, 1000 resamples: "
            f"{r['bootstrap_160_days_1000_resamples_s']} s"]
