"""`kiosk simulate`: branch days under one policy, or every policy side by side.

A run simulates the scenario's `days` (or `--days N`) independent days and pools the
statistics over all their customers; day k of seed s is drawn from seed s * 1000 + k.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.commands.report_cmds import day
from kiosk.config import DAY_S, POLICIES, load_settings
from kiosk.errors import ConfigError, QueueError
from kiosk.queue.bootstrap import RESAMPLES

if TYPE_CHECKING:
    from kiosk.cli import Context
    from kiosk.queue.bootstrap import Interval
    from kiosk.queue.frontier import Frontier
    from kiosk.queue.replay import RealDays
    from kiosk.queue.simulate import Customer, RunResult, Scenario
    from kiosk.queue.tradeoff import Against, BookedFigures, FifoSpread

DEFAULT_SCENARIO = Path(__file__).resolve().parents[2] / "config" / "scenarios" / "busy-day.toml"


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "simulate", parents=[common],
        help="simulate a branch day: waits per tier, estimate error, counter use",
        description="Simulate a branch day through the same rules the branch runs. The "
                    "scenario names its branch file; --config replaces it.")
    p.add_argument("--scenario", metavar="FILE", default=str(DEFAULT_SCENARIO),
                   help="scenario file (default: config/scenarios/busy-day.toml)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--policy", choices=POLICIES,
                       help="policy to simulate (default: the branch file's rules.policy)")
    group.add_argument("--compare", action="store_true",
                       help="simulate every policy on the same days, side by side, each "
                            "against fifo with 95%% intervals")
    group.add_argument("--frontier", action="store_true",
                       help="the trade-off curve: VIP mean wait against regular p95 wait "
                            "(both against fifo) for each value of the settings that move "
                            "it (--sweep), and other systems' calling orders; writes a PNG "
                            "and a table (--out)")
    p.add_argument("--out", metavar="PREFIX", default="frontier",
                   help="with --frontier: write PREFIX.png, PREFIX.csv and PREFIX.md "
                        "(default: frontier in the current folder)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="change one setting of the branch file for this run, e.g. "
                        "rules.max_wait_s=1500 or tiers.gold.rate=8 (repeatable)")
    p.add_argument("--sweep", metavar="KEY=V1,V2,...", action="append",
                   help="the policy under each value of one setting, side by side, each "
                        "against fifo on the branch as configured: what a setting trades; "
                        "with --frontier repeatable (default: the settings that move the "
                        "curve), and vip.rate_factor / vip.base_factor scale every VIP "
                        "tier's rate / head start")
    p.add_argument("--seed", type=int, default=1,
                   help="random seed of the run: day k is drawn from seed * 1000 + k "
                        "(default 1)")
    p.add_argument("--days", type=int, metavar="N",
                   help="independent days to simulate and pool (default: the scenario's "
                        "days, else 1)")
    p.add_argument("--keep-promises", choices=("on", "off"),
                   help="keep the wait printed on each ticket as a deadline (default: the "
                        "branch file's rules.keep_promises)")
    p.add_argument("--promise-margin", type=float, metavar="SECONDS",
                   help="promise = estimate + this margin (default: rules.promise_margin_s)")
    p.add_argument("--replay", action="store_true",
                   help="with --compare, --policy or --frontier: play the branch's own "
                        "days (--from, --to) from its database (--db) instead of drawn "
                        "days: real arrivals and service times, read only")
    p.add_argument("--from", dest="first", type=day, metavar="YYYY-MM-DD",
                   help="with --replay: the first business day")
    p.add_argument("--to", dest="last", type=day, metavar="YYYY-MM-DD",
                   help="with --replay: the last business day")
    p.add_argument("--resamples", type=int, default=RESAMPLES, metavar="N",
                   help="bootstrap resamples of the days for the 95%% intervals "
                        f"(default {RESAMPLES})")
    p.set_defaults(handler=run_simulate)


def run_simulate(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.queue.frontier import parse_sweep
    from kiosk.queue.simulate import MAX_DAYS, compare, load_scenario, simulate, sweep
    from kiosk.queue.tradeoff import Baseline, booked_figures, fifo_spread

    if args.days is not None and not 1 <= args.days <= MAX_DAYS:
        raise ConfigError(f"--days must be a whole number from 1 to {MAX_DAYS}.")
    if not 100 <= args.resamples <= 100_000:
        raise ConfigError("--resamples must be a whole number from 100 to 100000.")
    if args.replay and (args.first is None or args.last is None):
        raise ConfigError("--replay needs --from and --to (the business days to play).")
    if not args.replay and (args.first is not None or args.last is not None):
        raise ConfigError("--from and --to go with --replay.")
    if args.replay and args.sweep is not None and not args.frontier:
        raise ConfigError("--replay goes with --compare, --policy or --frontier.")
    if args.sweep is not None and args.compare:
        raise ConfigError("--sweep runs one policy (--policy); it cannot go with --compare.")

    def load(extra: Sequence[str] = ()) -> Scenario:
        overrides = [*args.set, *extra]
        if args.config:
            scenario = load_scenario(args.scenario, load_settings(args.config,
                                                                  overrides=overrides))
        else:
            scenario = load_scenario(args.scenario, overrides=overrides)
        scenario = _with_promises(scenario, args)
        return scenario if args.days is None else replace(scenario, days=args.days)

    scenario = load()
    real = _real_days(ctx, args, scenario)
    customers = real.customers if real is not None else None
    if real is not None:
        scenario = replace(scenario, days=len(real.days))
    if args.frontier:
        return run_frontier(ctx, args, load, scenario, customers)
    if args.sweep is not None:
        if len(args.sweep) > 1:
            raise ConfigError("--sweep: give one setting (several go with --frontier).")
        key, values = parse_sweep(args.sweep[0])
        policy = args.policy or scenario.settings.rules.policy
        variants = [load([f"{key}={v}"]) for v in values]
        fifo, runs = sweep(variants, policy, args.seed, scenario)
        ctx.out({"policy": policy, "key": key, "fifo": fifo.to_json(),
                 "runs": [{"value": v, **r.to_json()} for v, r in zip(values, runs,
                                                                      strict=True)]},
                lambda: sweep_table(scenario, key, policy, fifo, values, runs))
        return 0
    if args.compare:
        results = compare(scenario, args.seed, customers=customers)
        baseline = Baseline(scenario, results["fifo"], args.resamples, seed=args.seed)
        against = {name: baseline.against(r) for name, r in results.items()}
        data = {"policies": {name: r.to_json() for name, r in results.items()},
                "against_fifo": {name: a.to_json() for name, a in against.items()}}
        spread = None
        if real is None:  # the floor: fifo on other drawn days
            other = simulate(scenario, "fifo", args.seed + 1, estimates=False)
            spread = fifo_spread(baseline, other)
            data["fifo_on_other_days"] = spread.to_json()
        else:
            data["replayed"] = _replayed_json(real)
        booked = None
        if any(r.as_walk_ins is not None for r in results.values()):
            booked = {name: booked_figures(scenario, r, baseline.draws)
                      for name, r in results.items()}
            data["bookings"] = {name: b.to_json() for name, b in booked.items()}
        data["resamples"] = args.resamples
        ctx.out(data, lambda: compare_table(scenario, results, against, spread, real, booked))
        return 0
    policy = args.policy or scenario.settings.rules.policy
    result = simulate(scenario, policy, args.seed, customers=customers)
    ctx.out({"policy": policy, **result.to_json()},
            lambda: compare_table(scenario, {policy: result}))
    return 0


@dataclass(frozen=True)
class _ChartPoint:
    name: str
    kind: str
    group: str
    x: tuple[float, float, float]
    y: tuple[float, float, float]
    on_curve: bool


def _real_days(ctx: Context, args: argparse.Namespace, scenario: Scenario) -> RealDays | None:
    """With --replay: the branch's days read from its database."""
    if not args.replay:
        return None
    from kiosk.queue.figures_read import check_period
    from kiosk.queue.replay import read_real_days

    try:
        check_period(args.first, args.last)
    except QueueError as exc:
        raise ConfigError(str(exc)) from None
    real = read_real_days(ctx.database_url, scenario, args.first, args.last, ctx.clock)
    if not real.days:
        raise ConfigError(f"no served tickets from {args.first:%Y-%m-%d} to "
                          f"{args.last:%Y-%m-%d} in the database at {ctx.database_url}.")
    return real


def _replayed_json(real: RealDays) -> dict[str, Any]:
    return {"days": [d.isoformat() for d in real.days],
            "customers": sum(len(c) for c in real.customers),
            "left_out": real.left_out, "unknown": real.unknown}


def run_frontier(ctx: Context, args: argparse.Namespace,
                 load: Callable[[Sequence[str]], Scenario], scenario: Scenario,
                 customers: Sequence[Sequence[Customer]] | None = None) -> int:
    from kiosk.queue.frontier import DEFAULT_SWEEPS, frontier

    sweeps = args.sweep or list(DEFAULT_SWEEPS)
    _check_out(Path(args.out))
    result = frontier(load, sweeps, args.seed, scenario.days, args.resamples,
                      customers=customers, progress=None if args.json else _progress)
    paths = write_frontier(result, Path(args.out))
    ctx.out({**result.to_json(), "files": [str(p) for p in paths]},
            lambda: frontier_text(result, paths))
    return 0


def _check_out(prefix: Path) -> None:
    if not prefix.parent.is_dir():
        raise ConfigError(f"--out {prefix}: the folder {prefix.parent} does not exist.")


def _progress(text: str) -> None:
    print(f"frontier: {text}", file=sys.stderr, flush=True)


def write_frontier(result: Frontier, prefix: Path) -> list[Path]:
    """PREFIX.png (the curve), PREFIX.csv and PREFIX.md (the table)."""
    from kiosk.queue.frontier import ANCHOR_NAMES, OVER_BAR_PP, P95_BAR, VIP_BAR
    from kiosk.report.charts import report_app, save_chart_png, tradeoff_chart

    _check_out(prefix)

    def chart_points(over: bool) -> list[_ChartPoint]:
        out = []
        for p in result.points:
            a = p.against
            y = (a.over_difference_pp if over else a.regular_p95)
            scale = 1.0 if over else 100.0
            out.append(_ChartPoint(
                p.label, p.kind,
                "as configured" if p.kind == "configured" else
                p.key if p.kind == "sweep" else ANCHOR_NAMES.get(p.label, p.label),
                (100 * a.vip_mean.value, 100 * a.vip_mean.low, 100 * a.vip_mean.high),
                (scale * y.value, scale * y.low, scale * y.high),
                p.on_over_curve if over else p.on_curve))
        return out

    report_app()
    days = f"{result.days} days pooled, 95% intervals"
    max_wait = _mmss(result.max_wait_s)
    png, over_png, csv_path, md = (prefix.with_name(prefix.name + ext)
                                   for ext in (".png", "-over.png", ".csv", ".md"))
    try:
        save_chart_png(tradeoff_chart(
            chart_points(False), f"{result.scenario}: what VIP speed costs the regular "
            f"tail ({days})", 100 * VIP_BAR, 100 * P95_BAR), png)
        save_chart_png(tradeoff_chart(
            chart_points(True), f"{result.scenario}: VIP speed against regulars over "
            f"{max_wait} ({days})", 100 * VIP_BAR, OVER_BAR_PP,
            y_title=f"Regulars over {max_wait}: percentage points above fifo's share",
            y_unit="pp"), over_png)
        csv_path.write_text(result.csv(), encoding="utf-8")
        md.write_text(result.markdown() + "\n", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"--out {prefix}: cannot write ({exc.strerror}).") from None
    return [png, over_png, csv_path, md]


def frontier_text(result: Frontier, paths: Sequence[Path]) -> str:
    from kiosk.queue.frontier import ANCHOR_NAMES

    conf = result.configured
    a = conf.against
    beaten = result.beating(conf)
    if conf.on_curve:
        where = "on the curve"
    elif not beaten:
        where = "on the curve within its 95% intervals (no point beats it beyond them)"
    else:
        where = "off the curve: " + ", ".join(p.label for p in beaten) + " beat it"
    reach, reach_two = result.reaching(), result.reaching(over_max_pp=None)
    at_bar, over_at_bar = result.at_vip(0.30), result.at_vip(0.30, over=True)
    max_wait = _mmss(result.max_wait_s)
    lines = [f"{result.scenario}: {len(result.points)} ways of calling on {result.days} days, "
             "each against fifo",
             "", result.markdown(), "",
             f"As configured: VIP mean {_pct_ci(a.vip_mean)}, regular p95 "
             f"{_pct_ci(a.regular_p95)} of fifo's: {where}."]
    bars = (f"VIP <= 30%, regular p95 <= 115%, regulars over {max_wait} <= fifo's share "
            "+ 0.5 pp")
    lines.append(f"Meet all three bars ({bars}): "
                 + (", ".join(p.label for p in reach) if reach else "none") + ".")
    if not reach:
        lines.append("Meet the first two: "
                     + (", ".join(p.label for p in reach_two) if reach_two else "none") + ".")
    if at_bar is not None:
        lines.append(f"At a VIP mean of 30% of fifo's the p95 curve is at {at_bar:.1%} of "
                     "fifo's (bar 115%)"
                     + (f"; the {max_wait} curve at {over_at_bar:+.2f} pp (bar +0.5 pp)."
                        if over_at_bar is not None else "."))
    if result.by_service:
        lines += ["", "Where the cost falls: regular customers' mean wait per service, of "
                      "fifo's (95% intervals)"]
        for label, services in result.by_service.items():
            lines.append(f"  {ANCHOR_NAMES.get(label, label)}: " + ", ".join(
                f"{prefix} {_pct_ci(i)}" for prefix, i in services.items()))
    lines.append("Written: " + ", ".join(str(p) for p in paths))
    return "\n".join(lines)


def _with_promises(scenario: Scenario, args: argparse.Namespace) -> Scenario:
    """The scenario with --keep-promises/--promise-margin applied to its rules."""
    if args.keep_promises is None and args.promise_margin is None:
        return scenario
    if args.promise_margin is not None and args.promise_margin < 0:
        raise ConfigError("--promise-margin must be 0 seconds or more.")
    if args.promise_margin is not None and not args.promise_margin <= DAY_S:  # nan, inf
        raise ConfigError("--promise-margin must be a number of seconds up to a day (86400).")
    rules = scenario.settings.rules
    rules = replace(
        rules,
        keep_promises=rules.keep_promises if args.keep_promises is None
        else args.keep_promises == "on",
        promise_margin_s=rules.promise_margin_s if args.promise_margin is None
        else args.promise_margin)
    return replace(scenario, settings=replace(scenario.settings, rules=rules))


def sweep_table(scenario: Scenario, key: str, policy: str, fifo: RunResult,
                values: Sequence[str], runs: Sequence[RunResult]) -> str:
    """The human table of a sweep: one column per value, the issue's bars as rows."""
    max_wait = _mmss(scenario.settings.rules.max_wait_s)
    reg = scenario.settings.regular_tier.key
    vip, regular = fifo.tiers["vip"], fifo.tiers[reg]

    def pct(value: float, base: float) -> str:
        return f"{value / base:.0%}" if base else "-"

    body: list[tuple[str, str, list[str]]] = [
        ("VIP tiers", f"mean wait (fifo {_mmss(vip.mean_wait_s)})",
         [_mmss(r.tiers["vip"].mean_wait_s) for r in runs]),
        ("", "  of fifo's", [pct(r.tiers["vip"].mean_wait_s, vip.mean_wait_s) for r in runs]),
        ("Regular", f"p95 wait (fifo {_mmss(regular.p95_wait_s)})",
         [_mmss(r.tiers[reg].p95_wait_s) for r in runs]),
        ("", "  of fifo's", [pct(r.tiers[reg].p95_wait_s, regular.p95_wait_s) for r in runs]),
        ("", f"over {max_wait} (fifo {regular.over_max_wait})",
         [str(r.tiers[reg].over_max_wait) for r in runs]),
        ("", "  of them not under fifo", [str(r.regular_over_max_not_in_fifo) for r in runs]),
        ("", f"days with one over {max_wait} that fifo kept within it "
             f"({fifo.fifo_days_within_max} of {fifo.days})",
         [str(r.regular_over_max_days_not_in_fifo) for r in runs]),
        ("Estimates", f"forecast error (MAE; naive {_mmss(fifo.naive_estimate_mae_s)} "
                      "under fifo)", [_mmss(r.estimate_mae_s) for r in runs]),
    ]
    days = "1 day" if fifo.days == 1 else f"{fifo.days} days pooled"
    title = (f"{scenario.name} (seed {fifo.seed}, {days}): {policy} with each value of {key}, "
             "against fifo on the branch as configured; waits in m:ss")
    return _format(title, list(values), body)


def _mmss(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 60}:{s % 60:02d}"


def _rows(results: Mapping[str, RunResult], tier: str) -> list[tuple[str, list[str]]]:
    stats = [r.tiers[tier] for r in results.values()]
    return [
        ("mean wait", [_mmss(s.mean_wait_s) for s in stats]),
        ("p95 wait", [_mmss(s.p95_wait_s) for s in stats]),
        ("max wait", [_mmss(s.max_wait_s) for s in stats]),
        ("within target", [f"{s.within_target_pct:.0f}%" for s in stats]),
    ]


def _pct_ci(i: Interval) -> str:
    if math.isnan(i.value):
        return "none"  # a share of nobody (no booked customer of that kind came)
    return f"{100 * i.value:.1f}% ({100 * i.low:.1f}-{100 * i.high:.1f})"


def _pp(x: float) -> str:
    return f"{x:+.2f} pp"


def against_rows(scenario: Scenario, against: Sequence[Against],
                 fifo_over_pct: float) -> list[tuple[str, str, list[str]]]:
    """Rows of each run against fifo: ratios with their 95 % intervals, the 30-minute
    share next to fifo's."""
    max_wait = _mmss(scenario.settings.rules.max_wait_s)
    return [
        ("Against fifo", "VIP mean wait, of fifo's", [_pct_ci(a.vip_mean) for a in against]),
        ("", "regular mean wait, of fifo's", [_pct_ci(a.regular_mean) for a in against]),
        ("", "regular p95 wait, of fifo's", [_pct_ci(a.regular_p95) for a in against]),
        ("", f"regulars over {max_wait} (fifo {fifo_over_pct:.2f}%)",
         [f"{a.regular_over_pct:.2f}%" for a in against]),
        ("", "  against fifo", [f"{_pp(a.over_difference_pp.value)} "
                                f"({a.over_difference_pp.low:+.2f} to "
                                f"{a.over_difference_pp.high:+.2f})" for a in against]),
    ]


def spread_lines(scenario: Scenario, spread: FifoSpread, days: int) -> list[str]:
    max_wait = _mmss(scenario.settings.rules.max_wait_s)
    return [f"fifo on {days} other days (seed {spread.seed}) against fifo, what moves when "
            "nothing about priority changes:",
            f"  VIP mean {spread.vip_mean_ratio:.1%}, regular p95 "
            f"{spread.regular_p95_ratio:.1%} of fifo's; regulars over {max_wait} "
            f"{spread.over_pct:.2f}% ({_pp(spread.over_difference_pp)})"]


def bar_lines(scenario: Scenario, a: Against, spread: FifoSpread | None = None) -> list[str]:
    """The three bars, read on the branch's policy against fifo."""
    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    max_wait = _mmss(scenario.settings.rules.max_wait_s)
    return [
        f"Bars ({a.policy}, {a.days} days, 95% intervals):",
        f"  VIP mean wait <= 30% of fifo's: {_pct_ci(a.vip_mean)}: "
        f"{mark(a.vip_mean.value <= 0.30)}",
        f"  regular p95 <= 115% of fifo's: {_pct_ci(a.regular_p95)}: "
        f"{mark(a.regular_p95.value <= 1.15)}",
        f"  regulars over {max_wait} <= fifo's share + 0.5 pp: {a.regular_over_pct:.2f}% "
        f"against {a.fifo_over_pct:.2f}% ({_pp(a.over_difference_pp.value)}, "
        f"{a.over_difference_pp.low:+.2f} to {a.over_difference_pp.high:+.2f}): "
        f"{mark(a.over_difference_pp.value <= 0.5)}",
    ]


def booked_rows(booked: Sequence[BookedFigures]) -> list[tuple[str, str, list[str]]]:
    """Rows of the booked customers' punctuality and what the walk-ins pay for it."""
    first = booked[0]
    came = sum(v for k, v in first.booked.items() if k != "missed")
    return [
        (f"Booked ({came} came, {first.booked['missed']} missed)",
         "punctual, called within 5:00 of the slot",
         [_pct_ci(b.punctual_on_time) for b in booked]),
        ("", "came by the slot, called within 5:00",
         [_pct_ci(b.by_slot_on_time) for b in booked]),
        ("Walk-ins", "p95 wait", [_mmss(b.walk_in_p95_s) for b in booked]),
        ("", "  booked as walk-ins", [_mmss(b.as_walk_ins_p95_s) for b in booked]),
        ("", "p95, of the day without bookings", [_pct_ci(b.walk_in_p95) for b in booked]),
        ("", "mean, of the day without bookings", [_pct_ci(b.walk_in_mean) for b in booked]),
    ]


def booked_lines(b: BookedFigures) -> list[str]:
    """What the booked customers did, and the two bars, read on the branch's policy."""
    def mark(ok: bool) -> str:
        return "met" if ok else "NOT met"

    def pct(i: Interval) -> str:  # two decimals: these bars are read close to the line
        if math.isnan(i.value):
            return "none"
        return f"{100 * i.value:.2f}% ({100 * i.low:.2f}-{100 * i.high:.2f})"

    n = b.booked
    share = sum(n.values()) / max(1, b.customers + n["missed"])
    return [
        f"Booked customers ({share:.1%} of the customers): {n['punctual']} punctual, "
        f"{n['early']} early, {n['in_grace']} within the grace window, {n['late']} after it "
        f"(walk-in numbers), {n['missed']} missed; walk-ins are read against the same days "
        "with the booked customers taking walk-in numbers (same arrivals, paired by day)",
        f"Bars ({b.policy}, {b.days} days, 95% intervals):",
        f"  punctual booked customers called within 5:00 of their slot >= 95%: "
        f"{pct(b.punctual_on_time)}: " + ("no punctual booked customer"
                                          if math.isnan(b.punctual_on_time.value)
                                          else mark(b.punctual_on_time.value >= 0.95)),
        f"  walk-ins' p95 within 5% of the same days without bookings: "
        f"{pct(b.walk_in_p95)}: {mark(abs(b.walk_in_p95.value - 1) <= 0.05)}",
    ]


def compare_table(scenario: Scenario, results: Mapping[str, RunResult],
                  against: Mapping[str, Against] | None = None,
                  spread: FifoSpread | None = None, real: RealDays | None = None,
                  booked: Mapping[str, BookedFigures] | None = None) -> str:
    """The human table: one column per policy."""
    first = next(iter(results.values()))
    names = {t.key: t.name_en for t in scenario.settings.tiers}
    names["vip"] = "All VIP tiers"
    max_wait = _mmss(scenario.settings.rules.max_wait_s)
    body: list[tuple[str, str, list[str]]] = []
    for key in _tier_order(scenario):
        count = first.tiers[key].count
        for i, (label, cells) in enumerate(_rows(results, key)):
            body.append((f"{names[key]} ({count})" if i == 0 else "", label, cells))
        body.append(("", f"over {max_wait}", [str(r.tiers[key].over_max_wait)
                                              for r in results.values()]))
    if against is not None:
        fifo_over = next(iter(against.values())).fifo_over_pct
        body += against_rows(scenario, [against[name] for name in results], fifo_over)
    if booked is not None:
        body += booked_rows([booked[name] for name in results])
    body.append(("Estimates", "forecast error (MAE)",
                 [_mmss(r.estimate_mae_s) for r in results.values()]))
    body.append(("", "naive error (MAE)",
                 [_mmss(r.naive_estimate_mae_s) for r in results.values()]))
    body.append(("Counters", "utilisation",
                 [f"{r.mean_utilisation:.0%}" for r in results.values()]))
    body.append(("", "simulated in", [f"{r.elapsed_s:.2f} s/day" for r in results.values()]))
    days = "1 day" if first.days == 1 else f"{first.days} days pooled"
    where = f"seed {first.seed}, {days}"
    if real is not None:
        where = (f"the branch's own days {real.days[0]:%Y-%m-%d} to {real.days[-1]:%Y-%m-%d}, "
                 f"{days}; {real.left_out} tickets cancelled or unfinished left out")
    title = (f"{scenario.name} ({where}): {first.customers} customers, "
             f"{first.no_shows} no-shows, {len(scenario.counters)} counters; waits in m:ss")
    if against is not None:
        title += "; against fifo: 95% intervals, paired bootstrap over the days"
    text = _format(title, list(results), body)
    extra = []
    if spread is not None:
        extra += spread_lines(scenario, spread, first.days)
    policy = scenario.settings.rules.policy
    if against is not None and policy in against and policy != "fifo":
        extra += bar_lines(scenario, against[policy])
    if booked is not None and policy in booked:
        extra += booked_lines(booked[policy])
    return "\n".join([text, "", *extra]) if extra else text


def _tier_order(scenario: Scenario) -> list[str]:
    tiers = sorted(scenario.settings.tiers, key=lambda t: -t.rank)
    return ["vip", *(t.key for t in tiers)]


def _format(title: str, columns: list[str], body: list[tuple[str, str, list[str]]]) -> str:
    w0 = max(len(r[0]) for r in body)
    w1 = max(len(r[1]) for r in body)
    widths = [max(len(c), *(len(r[2][i]) for r in body)) for i, c in enumerate(columns)]
    lines = [title, ""]
    header = " " * (w0 + w1 + 4) + "  ".join(
        c.rjust(w) for c, w in zip(columns, widths, strict=True))
    lines.append(header.rstrip())
    for group, label, cells in body:
        if group and len(lines) > 3:
            lines.append("")
        row = f"{group:<{w0}}  {label:<{w1}}  " + "  ".join(
            c.rjust(w) for c, w in zip(cells, widths, strict=True))
        lines.append(row.rstrip())
    return "\n".join(lines)
