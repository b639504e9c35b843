"""The trade-off curve: VIP speed against the regular customers' tail, setting by setting.

Every point is one way of calling (the branch's rules with one setting changed, or another
system's calling order) played on the same pooled days as fifo, and read against fifo
(`kiosk.queue.tradeoff`): x = the VIP tiers' mean wait as a share of fifo's, y = the
regular customers' p95 wait as a share of fifo's, each with its 95 % interval. Lower is
better on both. The curve is the points no other point beats on both (the Pareto front):
any setting off it gives away VIP speed or regular tail for nothing.

What moves along the curve (`DEFAULT_SWEEPS`): how early a ticket becomes due
(`rules.deadline_lead_s`), the maximum wait and a regular tier target, the VIP tiers'
rates and head starts (`vip.rate_factor`, `vip.base_factor`: every priority tier's
`rate` / `base_s` times the factor), the green channel guarantee and the cap on VIP calls
in a row. The anchors are other systems' calling orders (kiosk.queue.simulate.ANCHORS).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from kiosk.errors import ConfigError
from kiosk.queue.bootstrap import Interval
from kiosk.queue.simulate import ANCHORS, Customer, RunResult, Scenario, simulate
from kiosk.queue.tradeoff import Against, Baseline

DEFAULT_SWEEPS = (
    "rules.deadline_lead_s=0,150,600,900",
    "rules.max_wait_s=1500,2400",
    "tiers.regular.target_wait_s=1200,1500",
    "vip.rate_factor=0.25,0.5,2,4",
    "vip.base_factor=0,0.5,2",
    "rules.guarantee_at_green_channel=true",
    "rules.max_consecutive_priority=0,1,3",
)
VIP_FACTORS = ("vip.rate_factor", "vip.base_factor")
VIP_BAR, P95_BAR, OVER_BAR_PP = 0.30, 1.15, 0.5  # the bars: ratios to fifo's, and pp
ANCHOR_NAMES = {"strict_priority": "strict priority (VIPs always first)",
                "priority_cycle": "2:1 priority cycle",
                "fixed_head_start": "weights without ageing (fixed head start)",
                "same_service": "VIPs overtake only their own service"}


@dataclass(frozen=True)
class Point:
    """One way of calling, read against fifo on the same days."""

    label: str  # e.g. "rules.deadline_lead_s=600", "as configured", "strict_priority"
    kind: str  # "configured" | "sweep" | "anchor" | "variant"
    key: str  # the setting swept ("" for the configured point and the anchors)
    against: Against
    on_curve: bool = False  # no point beats it on VIP mean and regular p95
    on_over_curve: bool = False  # ... on VIP mean and the share of regulars over max wait

    def to_row(self) -> dict[str, Any]:
        a = self.against
        return {"label": self.label, "kind": self.kind, "on_curve": self.on_curve,
                "on_over_curve": self.on_over_curve,
                "vip_mean_ratio": round(a.vip_mean.value, 4),
                "vip_mean_low": round(a.vip_mean.low, 4),
                "vip_mean_high": round(a.vip_mean.high, 4),
                "regular_p95_ratio": round(a.regular_p95.value, 4),
                "regular_p95_low": round(a.regular_p95.low, 4),
                "regular_p95_high": round(a.regular_p95.high, 4),
                "regular_mean_ratio": round(a.regular_mean.value, 4),
                "regular_over_max_pct": round(a.regular_over_pct, 3),
                "over_max_difference_pp": round(a.over_difference_pp.value, 3),
                "over_max_difference_low": round(a.over_difference_pp.low, 3),
                "over_max_difference_high": round(a.over_difference_pp.high, 3)}


@dataclass(frozen=True)
class Frontier:
    scenario: str
    days: int
    fifo_over_pct: float
    points: list[Point]
    max_wait_s: float = 1800.0  # rules.max_wait_s: the "over" of the 30-minute share
    # the regular customers' mean wait per service against fifo's, for the configured
    # point and the same-service variant: where the cost falls
    by_service: dict[str, dict[str, Interval]] = field(default_factory=dict)

    @property
    def configured(self) -> Point:
        return next(p for p in self.points if p.kind == "configured")

    def curve(self, over: bool = False) -> list[Point]:
        """The points on the curve (`over`: the 30-minute curve), by VIP ratio."""
        return sorted((p for p in self.points if (p.on_over_curve if over else p.on_curve)),
                      key=lambda p: p.against.vip_mean.value)

    def beating(self, point: Point) -> list[Point]:
        """Points that beat `point` on both figures beyond its intervals."""
        a = point.against
        return [p for p in self.points
                if p.against.vip_mean.value < a.vip_mean.low
                and p.against.regular_p95.value < a.regular_p95.low]

    def reaching(self, vip_max: float = VIP_BAR, p95_max: float = P95_BAR,
                 over_max_pp: float | None = OVER_BAR_PP) -> list[Point]:
        """Points that meet the bars (point estimates); `over_max_pp` None: only the
        first two."""
        return [p for p in self.points if p.against.vip_mean.value <= vip_max
                and p.against.regular_p95.value <= p95_max
                and (over_max_pp is None or p.against.over_difference_pp.value <= over_max_pp)]

    def at_vip(self, vip: float, over: bool = False) -> float | None:
        """The curve's regular p95 ratio (`over`: the 30-minute share's difference to
        fifo, pp) at this VIP ratio, straight between its points; None outside it."""
        curve = self.curve(over)

        def y(p: Point) -> float:
            return p.against.over_difference_pp.value if over else p.against.regular_p95.value

        for a, b in zip(curve, curve[1:], strict=False):
            x0, x1 = a.against.vip_mean.value, b.against.vip_mean.value
            if x0 <= vip <= x1 and x1 > x0:
                return y(a) + (y(b) - y(a)) * (vip - x0) / (x1 - x0)
        return None

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "days": self.days,
                "max_wait_s": self.max_wait_s,
                "regular_mean_ratio_by_service": {
                    label: {k: v.to_json() for k, v in services.items()}
                    for label, services in self.by_service.items()},
                "fifo_over_max_pct": round(self.fifo_over_pct, 3),
                "points": [p.to_row() for p in self.points]}

    def csv(self) -> str:
        out = io.StringIO()
        rows = [p.to_row() for p in self.points]
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()

    def markdown(self) -> str:
        lines = ["| setting | VIP mean, of fifo's (95% CI) | regular p95, of fifo's (95% CI) "
                 "| regulars over max wait, against fifo (95% CI) | on the curve: p95, "
                 "over max |", "|---|---|---|---|---|"]
        for p in sorted(self.points, key=lambda p: p.against.vip_mean.value):
            a = p.against
            name = ANCHOR_NAMES.get(p.label, p.label)
            lines.append(
                f"| {name} | {_pct(a.vip_mean.value)} ({_pct(a.vip_mean.low)}-"
                f"{_pct(a.vip_mean.high)}) | {_pct(a.regular_p95.value)} "
                f"({_pct(a.regular_p95.low)}-{_pct(a.regular_p95.high)}) | "
                f"{a.regular_over_pct:.2f}%: {a.over_difference_pp.value:+.2f} pp "
                f"({a.over_difference_pp.low:+.2f} to {a.over_difference_pp.high:+.2f}) | "
                f"{'p95' if p.on_curve else ''}{', ' if p.on_curve and p.on_over_curve else ''}"
                f"{'over max' if p.on_over_curve else ''} |")
        return "\n".join(lines)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def mark_curve(points: Sequence[Point]) -> list[Point]:
    """The points with `on_curve` (no other point beats them on VIP mean and regular p95)
    and `on_over_curve` (... on VIP mean and the share of regulars over max wait) set."""
    def front(y: Callable[[Against], float]) -> list[bool]:
        def beats(q: Against, a: Against) -> bool:
            return (q.vip_mean.value <= a.vip_mean.value and y(q) <= y(a)
                    and (q.vip_mean.value < a.vip_mean.value or y(q) < y(a)))
        return [not any(q is not p and beats(q.against, p.against) for q in points)
                for p in points]

    p95 = front(lambda a: a.regular_p95.value)
    over = front(lambda a: a.over_difference_pp.value)
    return [replace(p, on_curve=a, on_over_curve=b)
            for p, a, b in zip(points, p95, over, strict=True)]


def parse_sweep(text: str) -> tuple[str, list[str]]:
    key, sep, values = text.partition("=")
    parts = [v.strip() for v in values.split(",")]
    if not sep or not key.strip() or not all(parts):
        raise ConfigError(f"--sweep {text}: expected KEY=V1,V2,... e.g. "
                          "rules.max_consecutive_priority=1,2,3")
    return key.strip(), parts


def scale_vip(scenario: Scenario, key: str, value: str) -> Scenario:
    """The scenario with every priority tier's rate (vip.rate_factor) or head start
    (vip.base_factor) times `value`."""
    try:
        factor = float(value)
    except ValueError:
        factor = -1.0
    if not 0 <= factor <= 100:
        raise ConfigError(f"--sweep {key}: a factor is a number from 0 to 100, not {value!r}.")
    field = "rate" if key == "vip.rate_factor" else "base_s"
    tiers = tuple(replace(t, **{field: getattr(t, field) * factor}) if t.priority else t
                  for t in scenario.settings.tiers)
    return replace(scenario, settings=replace(scenario.settings, tiers=tiers))


Load = Callable[[Sequence[str]], Scenario]  # the scenario with these --set overrides


def frontier(load: Load, sweeps: Sequence[str], seed: int, days: int,
             resamples: int, customers: Sequence[Sequence[Customer]] | None = None,
             variant: bool = True,
             progress: Callable[[str], None] | None = None) -> Frontier:
    """Run every point on the same days (drawn from `seed`, or `customers`) and read it
    against fifo."""
    scenario = load(())
    policy = scenario.settings.rules.policy
    if policy == "fifo":
        raise ConfigError("the curve is read against fifo: set rules.policy to strict or "
                          "accumulating (--set rules.policy=accumulating)")

    def run(s: Scenario, order: str | None = None, name: str | None = None) -> RunResult:
        return simulate(s, policy, seed, days, customers, order=order, estimates=False,
                        name=name)

    variants = []  # every value checked before anything runs
    for text in sweeps:
        key, values = parse_sweep(text)
        variants += [(key, value, scale_vip(scenario, key, value) if key in VIP_FACTORS
                      else load([f"{key}={value}"])) for value in values]
    fifo = simulate(scenario, "fifo", seed, days, customers, estimates=False)
    baseline = Baseline(scenario, fifo, resamples, seed=seed)
    configured = run(scenario)
    by_service = {"as configured": baseline.by_service(configured)}
    points = [Point("as configured", "configured", "", baseline.against(configured))]
    for key, value, s in variants:
        if progress:
            progress(f"{key}={value}")
        points.append(Point(f"{key}={value}", "sweep", key,
                            baseline.against(run(s, name=f"{key}={value}"))))
    for order in ANCHORS:
        points.append(Point(order, "anchor", "", baseline.against(run(scenario, order))))
    if variant:
        same = run(scenario, "same_service")
        by_service["same_service"] = baseline.by_service(same)
        points.append(Point("same_service", "variant", "", baseline.against(same)))
    first = customers[0] if customers else None
    return Frontier(scenario.name if first is None else f"{scenario.name} (replayed days)",
                    fifo.days, baseline.against(fifo).fifo_over_pct, mark_curve(points),
                    scenario.settings.rules.max_wait_s, by_service)
