"""A branch day, simulated through the same rules code the branch runs.

A scenario file (config/scenarios/*.toml) says who comes when: the day's customers spread
over the opening hours (a Poisson process at each hour's rate, `arrivals = "poisson"`, or
exactly `customers` split by hour, `"fixed"`), their tiers and services, service-time
distributions (lognormal or exponential), no-shows, the lunchtime breaks of the counters
and an optional warm-up whose customers are left out of the figures. Tiers, services,
targets, counters and rules come from the branch file the scenario names
(`scenario.branch`, relative to the scenario), so a bank simulates exactly the
configuration it runs; `--config` replaces that file.

A run simulates `days` independent days (`[scenario] days`, `--days`; default 1) and
pools their statistics over every customer of every day: one day's p95 over ~280 regular
customers is about its 14th-longest wait, far too noisy to compare policies on. Day k
(k = 1..days) of a run with seed s draws its customers from `random.Random(s * 1000 + k)`
(`day_seeds`), so runs of different seeds share no day and a longer run only adds days.
The customers of each day are drawn once and then replayed under every policy (common
random numbers), so policies are compared on the very same days and customers.
Each customer gets two wait estimates at issue time: `forecast` (the policy fast-forwarded
over the queue, what the kiosk prints) and the naive "people ahead × average service
time / open counters". The printed estimate also gives the ticket its promise deadline
(`promise_deadline`), which the rules keep when `rules.keep_promises` is on.

A scenario's `[bookings]` makes some of the day's customers booked (预约,
kiosk.queue.sim_bookings): they check in through the kiosk's rules (booking_rules), and
`compare` plays each policy again with them taking walk-in numbers (`as_walk_ins`), the
walk-ins' waits to be read against.

Besides the branch's rules, a day can be played under another calling order (`ORDERS`):
other systems' ways (strict priority, a 2:1 priority cycle, fixed head starts), the
anchors of the trade-off curve (kiosk.queue.frontier), and VIPs overtaking only regular
customers of their own service.
"""

from __future__ import annotations

import functools
import heapq
import logging
import math
import random
import time as wallclock
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, Field, TypeAdapter
from pydantic_core import PydanticCustomError

from kiosk.config import (
    _TABLE,
    DEFAULT_CONFIG,
    POLICIES,
    Break,
    ClockTime,
    Seconds,
    Settings,
    Text,
    _number,
    _one_of,
    _whole,
    config_error,
    load_settings,
    read_toml,
    validate,
)
from kiosk.errors import ConfigError
from kiosk.queue.booking_rules import booked_ticket, check_in
from kiosk.queue.rules import (
    Candidate,
    CounterState,
    Policy,
    booked_arrivals,
    forecast,
    group_heads,
    pick_next,
    promise_deadline,
    record_call,
    remaining_service_s,
)
from kiosk.queue.sim_bookings import (
    MISSED,
    Bookings,
    BookingsField,
    book_day,
    build_bookings,
    slot_grid,
)
from kiosk.queue.stats import mean, percentile

log = logging.getLogger(__name__)

VIP = "vip"  # the key for all priority tiers together
MAX_DAYS = 1000  # days per run; also the stride of day seeds (seed * MAX_DAYS + k)
SIM_DATE = date(2025, 3, 3)  # a Monday; only the time of day matters


ARRIVALS = ("poisson", "fixed")
DISTRIBUTIONS = ("lognormal", "exponential")


@dataclass(frozen=True)
class ServiceTime:
    """A service time with this mean: lognormal with coefficient of variation `cv`
    (sd / mean), or exponential (cv 1)."""

    mean_s: float
    cv: float
    distribution: str = "lognormal"

    def draw(self, rng: random.Random) -> float:
        if self.distribution == "exponential":
            return rng.expovariate(1.0 / self.mean_s)
        sigma2 = math.log(1.0 + self.cv**2)
        return rng.lognormvariate(math.log(self.mean_s) - sigma2 / 2, math.sqrt(sigma2))


@dataclass(frozen=True)
class CounterBreak:
    counter: int
    start_s: float  # seconds after opening
    end_s: float


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    settings: Settings
    opens: time
    customers: int
    hourly_weights: tuple[float, ...]
    tier_mix: Mapping[str, float]
    service_mix: Mapping[str, Mapping[str, float]]  # tier key or "vip" -> prefix -> weight
    service_times: Mapping[str, ServiceTime]
    no_show_rate: float
    no_show_s: float
    counters: tuple[int, ...]
    breaks: tuple[CounterBreak, ...] = ()
    days: int = 1  # independent days per run, pooled
    # "poisson": each hour's arrivals a Poisson process at that hour's rate (customers a
    # day on average); "fixed": exactly `customers`, split exactly by hour
    arrivals: str = "poisson"
    warm_up_s: float = 0.0  # customers arriving this soon after opening are not counted
    bookings: Bookings | None = None  # booked customers (kiosk.queue.sim_bookings)

    @property
    def hours(self) -> int:
        return len(self.hourly_weights)

    @functools.cached_property
    def slot_grids(self) -> dict[str, list[float]]:
        """Each service's slots on the branch's grid, seconds after opening."""
        if self.bookings is None:
            return {}
        return {s.prefix: slot_grid(self.opens, SIM_DATE, s.opens, s.closes,
                                    self.settings.appointments.slot_min, self.hours * 3600.0)
                for s in self.settings.services if s.prefix in self.bookings.capacity}

    def mix_for(self, tier: str) -> Mapping[str, float]:
        if tier in self.service_mix:
            return self.service_mix[tier]
        return self.service_mix[VIP]


@dataclass(frozen=True)
class Customer:
    id: int
    arrival_s: float  # seconds after opening
    tier: str
    service: str
    service_s: float
    no_show: bool
    slot_s: float | None = None  # booked (预约): the slot, seconds after opening
    booking: str = ""  # booked: how they come (kiosk.queue.sim_bookings.BEHAVIOURS)


# --- loading ---------------------------------------------------------------------------
#
# The scenario file's tables, typed and ranged like the branch file's (kiosk/config.py)
# and checked by the same `validate`: a bad value is one sentence naming the file and the
# key. What depends on the branch file (its tiers, services and counters) and on the
# opening hours is checked after, in the same words (`config_error`).


def _adds_up(weights: Any) -> Any:
    if sum(weights.values() if isinstance(weights, Mapping) else weights) <= 0:
        raise PydanticCustomError("adds_up", "weights must add up to more than 0")
    return weights


Weight = Annotated[float, Field(strict=True, ge=0)]  # relative; inf and nan are refused
Weights = Annotated[dict[str, Weight], Field(min_length=1), AfterValidator(_adds_up)]
CounterNumber = Annotated[int, _whole(1, 999)]


@dataclass(frozen=True)
class _Head:
    """[scenario]: the day's size and shape."""

    customers: Annotated[int, _whole(1, 100_000)]  # per day
    name: Text | None = None  # default: the file's name
    branch: Text | None = None  # the branch file, relative to the scenario file
    base: Text | None = None  # a scenario file this one changes (read by load_scenario)
    opens: ClockTime = time(9, 0)
    closes: ClockTime = time(17, 0)
    days: Annotated[int, _whole(1, MAX_DAYS)] = 1
    arrivals: Annotated[str, Field(strict=True), _one_of(ARRIVALS)] = "poisson"
    warm_up_s: Seconds = 0.0
    counters: Annotated[tuple[CounterNumber, ...], Field(min_length=1)] | None = None  # all
    no_show_rate: Annotated[float, _number(ge=0, le=1)] = 0.0
    no_show_s: Seconds = 60.0
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class _Arrivals:
    by_hour: Annotated[tuple[Weight, ...], Field(min_length=1, max_length=24),
                       AfterValidator(_adds_up)]  # one weight per opening hour
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class _ServiceTimeTable:
    mean_s: Annotated[float, _number(ge=1, le=28800)] | None = None  # default: the service's
    distribution: Annotated[str, Field(strict=True), _one_of(DISTRIBUTIONS)] = "lognormal"
    cv: Annotated[float, _number(ge=0, le=3)] | None = None  # lognormal; default 0.5
    __pydantic_config__ = _TABLE


@dataclass(frozen=True)
class _ScenarioFile:
    scenario: _Head
    arrivals: _Arrivals
    tiers: Weights  # tier key -> weight
    services: dict[str, Weights]  # tier key or "vip" -> service prefix -> weight
    service_times: dict[str, _ServiceTimeTable] = field(default_factory=dict)  # by prefix
    breaks: tuple[Break, ...] = ()
    bookings: BookingsField | None = None
    __pydantic_config__ = _TABLE


@functools.cache
def _validator() -> TypeAdapter[_ScenarioFile]:
    return TypeAdapter(_ScenarioFile)  # built once per process, on the first load


def _seconds_after(opens: time, at: time) -> float:
    return (datetime.combine(SIM_DATE, at) - datetime.combine(SIM_DATE, opens)).total_seconds()


def load_scenario(path: str | Path, settings: Settings | None = None,
                  overrides: Sequence[str] = ()) -> Scenario:
    """Read and check a scenario file; `settings` replaces the branch file it names, and
    `overrides` (`KEY=VALUE`, see `config.apply_override`) change that branch file."""
    file = Path(path)
    source, raw = read_toml(file)
    raw, file = _on_base(source, file, raw)
    f = validate(_validator(), raw, source)
    if settings is None:
        branch = f.scenario.branch
        branch_file = file.parent / branch if branch is not None else DEFAULT_CONFIG
        settings = load_settings(branch_file, environ={}, overrides=overrides)
    elif overrides:
        raise ConfigError("overrides apply to a branch file: pass it, not loaded settings")
    return _build(source, f, settings)


def _on_base(source: str, file: Path, raw: dict[str, Any]) -> tuple[dict[str, Any], Path]:
    """A scenario with `scenario.base` is that file with this one's tables laid over it
    (a table's keys replace the base's one by one; anything else replaces it whole);
    the base's `branch` stays relative to the base. Returns the contents and the file
    that relative names are read from."""
    head = raw.get("scenario")
    base = head.get("base") if isinstance(head, dict) else None
    if base is None or not isinstance(head, dict):
        return raw, file
    if not isinstance(base, str):
        raise config_error(source, "scenario.base", f"must be text, not {base!r}")
    base_file = file.parent / base
    base_source, base_raw = read_toml(base_file)
    if isinstance(base_raw.get("scenario"), dict) and "base" in base_raw["scenario"]:
        raise config_error(source, "scenario.base", f"{base_source} has a base of its own")
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in base_raw.items()}
    for key, value in raw.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    del merged["scenario"]["base"]
    if "branch" in head:
        return merged, file
    if "name" not in head:
        merged["scenario"]["name"] = file.stem
    return merged, base_file


def _build(source: str, f: _ScenarioFile, settings: Settings) -> Scenario:
    def fail(where: str, what: str) -> ConfigError:
        return config_error(source, where, what)

    head = f.scenario
    hours = math.ceil(_seconds_after(head.opens, head.closes) / 3600)
    if hours <= 0:
        raise fail("scenario.closes", "must be later than opens")
    if head.warm_up_s >= _seconds_after(head.opens, head.closes):
        raise fail("scenario.warm_up_s", "must be shorter than the opening hours")
    numbers = [c.number for c in settings.counters]
    counters = head.counters if head.counters is not None else tuple(numbers)
    if any(n not in numbers for n in counters):
        raise fail("scenario.counters", f"must list counters of the branch file ({numbers})")
    if len(f.arrivals.by_hour) != hours:
        raise fail("arrivals.by_hour",
                   f"must list {hours} non-negative weights, one per opening hour")
    tier_keys = [t.key for t in settings.tiers]
    prefixes = [s.prefix for s in settings.services]
    _known_keys(fail, "tiers", f.tiers, tier_keys, "tier")
    for key, mix in f.services.items():
        if key != VIP and key not in tier_keys:
            raise fail(f"services.{key}", f"is not a tier key or {VIP!r}")
        _known_keys(fail, f"services.{key}", mix, prefixes, "service")
    for t in settings.tiers:
        if t.key not in f.services and (not t.priority or VIP not in f.services):
            raise fail(f"services.{t.key}", f"is missing (tier {t.key!r} needs a service mix)")
    breaks = _breaks(fail, f.breaks, head.opens, head.closes, counters)
    # the simulated branch's break schedule is the scenario's: its counters pause then,
    # and its bookings follow them (booking_rules.staffing_of), as the branch file's would
    settings = replace(settings, breaks=f.breaks)
    service_times = _service_times(fail, f.service_times, settings)
    # and the load it expects is the scenario's (what its own figures would show): its
    # bookings follow it in the busiest hours (booking_rules.load_of)
    load = expected_load(settings, head.opens, head.customers, f.arrivals.by_hour, f.tiers,
                         f.services, service_times, counters, breaks,
                         head.no_show_rate, head.no_show_s)
    settings = replace(settings, appointments=replace(settings.appointments,
                                                      expected_load=load))
    return Scenario(
        name=head.name if head.name is not None else Path(source).stem, source=source,
        settings=settings, opens=head.opens, customers=head.customers,
        hourly_weights=f.arrivals.by_hour, tier_mix=f.tiers, service_mix=f.services,
        service_times=service_times,
        no_show_rate=head.no_show_rate, no_show_s=head.no_show_s, counters=counters,
        breaks=breaks,
        days=head.days, arrivals=head.arrivals, warm_up_s=head.warm_up_s,
        bookings=None if f.bookings is None else build_bookings(source, f.bookings, settings),
    )


def expected_load(settings: Settings, opens: time, customers: float,
                  hourly_weights: Sequence[float], tier_mix: Mapping[str, float],
                  service_mix: Mapping[str, Mapping[str, float]],
                  service_times: Mapping[str, ServiceTime], counters: Sequence[int],
                  breaks: Sequence[CounterBreak], no_show_rate: float,
                  no_show_s: float) -> dict[str, float]:
    """The load a scenario's branch expects on its counters, per opening hour ("10:00"):
    the hour's expected arrivals times their mean work (services drawn as at the hour's
    middle, no-shows costing `no_show_s`) over the counters' seconds at work in it (less
    the breaks): what its figures would show over many such days."""
    total = sum(hourly_weights)
    served = {p for c in settings.counters if c.number in counters for p in c.services}
    out = {}
    for h, weight in enumerate(hourly_weights):
        start_s, end_s = h * 3600.0, (h + 1) * 3600.0
        clock = (datetime.combine(SIM_DATE, opens) + timedelta(seconds=start_s + 1800)).time()
        work = 0.0
        for tier, tier_w in tier_mix.items():
            mix = {p: w for p, w in (service_mix[tier] if tier in service_mix
                                     else service_mix[VIP]).items()
                   if p in served and settings.service(p).opens <= clock
                   < settings.service(p).closes}
            if sum(mix.values()) <= 0:
                continue
            mean = sum(w * service_times[p].mean_s for p, w in mix.items()) / sum(mix.values())
            work += tier_w / sum(tier_mix.values()) * (
                (1 - no_show_rate) * mean + no_show_rate * no_show_s)
        away = sum(max(0.0, min(end_s, b.end_s) - max(start_s, b.start_s)) for b in breaks)
        at_work = len(counters) * 3600.0 - away
        arrivals = customers * weight / total if total else 0.0
        hour = (datetime.combine(SIM_DATE, opens) + timedelta(seconds=start_s)).time()
        if at_work > 0 and hour.minute == 0:
            out[f"{hour:%H}:00"] = round(arrivals * work / at_work, 3)
    return out


def _known_keys(fail: Callable[[str, str], ConfigError], where: str, weights: Mapping[str, float],
                allowed: Sequence[str], what: str) -> None:
    for key in weights:
        if key not in allowed:
            raise fail(f"{where}.{key}", f"is not a known {what} (expected one of "
                                         f"{', '.join(allowed)})")


def _service_times(fail: Callable[[str, str], ConfigError],
                   tables: Mapping[str, _ServiceTimeTable],
                   settings: Settings) -> dict[str, ServiceTime]:
    prefixes = [s.prefix for s in settings.services]
    for key in tables:
        if key not in prefixes:
            raise fail(f"service_times.{key}",
                       f"is not a service of the branch file ({', '.join(prefixes)})")
    out = {}
    for s in settings.services:
        entry = tables.get(s.prefix, _ServiceTimeTable())
        mean_s = s.default_service_s if entry.mean_s is None else entry.mean_s
        if entry.distribution == "exponential":
            if entry.cv is not None and entry.cv != 1:
                raise fail(f"service_times.{s.prefix}.cv",
                           "must be left out for an exponential service time (its cv is 1)")
            out[s.prefix] = ServiceTime(mean_s, 1.0, "exponential")
        else:
            out[s.prefix] = ServiceTime(mean_s, 0.5 if entry.cv is None else entry.cv)
    return out


def _breaks(fail: Callable[[str, str], ConfigError], items: Sequence[Break], opens: time,
            closes: time, counters: Sequence[int]) -> tuple[CounterBreak, ...]:
    day_s = _seconds_after(opens, closes)
    out = []
    for i, b in enumerate(items):
        if b.counter not in counters:
            raise fail(f"breaks[{i}].counter",
                       f"must be one of the scenario's counters ({list(counters)})")
        start, end = _seconds_after(opens, b.start), _seconds_after(opens, b.end)
        if start < 0:
            raise fail(f"breaks[{i}].from", f"must not be before the branch opens "
                                            f"({opens:%H:%M})")
        if end > day_s:
            raise fail(f"breaks[{i}].to", f"must not be after the branch closes "
                                          f"({closes:%H:%M})")
        if end <= start:
            raise fail(f"breaks[{i}].to", "must be later than from")
        out.append(CounterBreak(b.counter, start, end))
    return tuple(out)


# --- the day's customers ---------------------------------------------------------------


def day_seeds(seed: int, days: int) -> list[int]:
    """The seeds of a run's days: day k (1..days) of seed s is `s * 1000 + k`."""
    check_days(days)
    return [seed * MAX_DAYS + k for k in range(1, days + 1)]


def check_days(days: int) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise ConfigError(f"days must be a whole number from 1 to {MAX_DAYS}, not {days!r}.")


def draw_days(scenario: Scenario, seed: int, days: int | None = None) -> list[list[Customer]]:
    """The customers of each day of a run (`days` defaults to the scenario's)."""
    return [draw_customers(scenario, s)
            for s in day_seeds(seed, scenario.days if days is None else days)]


def draw_customers(scenario: Scenario, seed: int) -> list[Customer]:
    """The day's customers, in arrival order; the same for every policy."""
    rng = random.Random(seed)
    settings = scenario.settings
    served = {p for c in settings.counters if c.number in scenario.counters for p in c.services}
    tiers = list(scenario.tier_mix)
    tier_weights = list(scenario.tier_mix.values())
    raw = []
    for arrival in _arrival_times(scenario, rng):
        tier = rng.choices(tiers, tier_weights)[0]
        pick, no_show_draw = rng.random(), rng.random()
        clock = (datetime.combine(SIM_DATE, scenario.opens) + timedelta(seconds=arrival)).time()
        mix = {p: w for p, w in scenario.mix_for(tier).items()
               if p in served and settings.service(p).opens <= clock < settings.service(p).closes}
        if not mix or sum(mix.values()) <= 0:
            continue  # nothing this customer wants is open: they leave without a ticket
        service = _weighted(mix, pick)
        raw.append((arrival, tier, service, scenario.service_times[service].draw(rng),
                    no_show_draw < scenario.no_show_rate))
    raw.sort(key=lambda r: r[0])
    customers = [Customer(i + 1, *r) for i, r in enumerate(raw)]
    if scenario.bookings is None:
        return customers
    return _with_bookings(scenario, customers, random.Random(f"{seed}/bookings"))


def _with_bookings(scenario: Scenario, customers: list[Customer],
                   rng: random.Random) -> list[Customer]:
    """The day's customers, some of them booked (kiosk.queue.sim_bookings.book_day): a
    booked customer comes at the time their behaviour gives, not when they would have
    walked in; one who would come after their service has closed cannot take a number
    and counts as missed."""
    assert scenario.bookings is not None
    start = datetime.combine(SIM_DATE, scenario.opens)
    booked = book_day([(c.arrival_s, c.service) for c in customers], scenario.bookings,
                      scenario.slot_grids, start, rng)
    out = []
    for i, c in enumerate(customers):
        b = booked.get(i)
        if b is None:
            out.append(c)
            continue
        behaviour, arrival = b.behaviour, b.arrival_s
        closes = scenario.settings.service(c.service).closes
        if arrival is not None and (start + timedelta(seconds=arrival)).time() >= closes:
            behaviour, arrival = MISSED, None
        out.append(replace(c, arrival_s=b.slot_s if arrival is None else arrival,
                           slot_s=b.slot_s, booking=behaviour))
    out.sort(key=lambda c: (c.arrival_s, c.id))
    return out


def _arrival_times(scenario: Scenario, rng: random.Random) -> Iterator[float]:
    """Seconds after opening of the day's arrivals, drawn one at a time (each customer's
    other draws follow its arrival's, so a "fixed" day is what it always was)."""
    if scenario.arrivals == "fixed":
        for hour in _per_hour(scenario.customers, scenario.hourly_weights):
            yield (hour + rng.random()) * 3600.0
    else:
        yield from poisson_arrivals(scenario.customers, scenario.hourly_weights, rng)


def poisson_arrivals(customers: float, weights: Sequence[float],
                     rng: random.Random) -> Iterator[float]:
    """A non-homogeneous Poisson process: in opening hour h, arrivals come at the rate
    customers × weights[h] / sum(weights) per hour (exponential gaps), so a day has
    `customers` arrivals on average and each hour its share, with Poisson spread."""
    total = sum(weights)
    for hour, w in enumerate(weights):
        rate = customers * w / total / 3600.0  # per second
        if rate <= 0:
            continue
        t = hour * 3600.0 + rng.expovariate(rate)
        while t < (hour + 1) * 3600.0:
            yield t
            t += rng.expovariate(rate)


def _per_hour(customers: int, weights: Sequence[float]) -> list[int]:
    """The opening hour of each customer: counts follow the weights exactly (largest
    remainder), so every seed is the same kind of day; only times within an hour vary."""
    total = sum(weights)
    shares = [customers * w / total for w in weights]
    counts = [math.floor(x) for x in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: customers - sum(counts)]:
        counts[i] += 1
    return [hour for hour, n in enumerate(counts) for _ in range(n)]


def _weighted(weights: Mapping[str, float], u: float) -> str:
    total = sum(weights.values())
    acc = 0.0
    for key, w in weights.items():
        acc += w / total
        if u < acc:
            return key
    return next(reversed(list(weights)))


# --- the day ---------------------------------------------------------------------------


@dataclass
class _Desk:
    state: CounterState
    open: bool = True
    current: Customer | None = None
    started_s: float = 0.0
    busy_s: float = 0.0
    open_since: float = 0.0
    open_s: float = 0.0
    # at work: open, or serving on after a break began (as the figures count a counter)
    busy_until: float = 0.0
    counted_until: float = 0.0


@dataclass
class TicketRecord:
    customer: Customer
    called_s: float
    counter: int
    estimate_s: float | None
    naive_s: float
    day: int = 1  # customer ids count per day: (day, customer.id) names a customer

    @property
    def wait_s(self) -> float:
        return self.called_s - self.customer.arrival_s


@dataclass
class TierStats:
    count: int
    mean_wait_s: float
    p95_wait_s: float
    max_wait_s: float
    within_target_pct: float
    over_max_wait: int  # waited longer than rules.max_wait_s

    def to_json(self) -> dict[str, float | int]:
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in vars(self).items()}


@dataclass
class RunResult:
    """One policy over the days of a run, every statistic pooled over all their customers."""

    scenario: str
    policy: str
    seed: int
    days: int
    customers: int
    no_shows: int
    tiers: dict[str, TierStats]
    estimate_mae_s: float
    naive_estimate_mae_s: float
    utilisation: dict[int, float]  # per counter: busy time / open time over all days
    elapsed_total_s: float
    records: list[TicketRecord] = field(default_factory=list, repr=False)
    # regular customers over rules.max_wait_s here but not under fifo (same day and
    # customer); None when fifo was not simulated alongside
    regular_over_max_not_in_fifo: int | None = None
    # days on which fifo kept every regular customer within rules.max_wait_s but this
    # policy did not, and how many days fifo kept so (None without fifo alongside)
    regular_over_max_days_not_in_fifo: int | None = None
    fifo_days_within_max: int | None = None
    # the same days with the booked customers taking walk-in numbers (compare, with
    # bookings in the scenario): what the walk-ins' waits are read against
    as_walk_ins: RunResult | None = field(default=None, repr=False)
    booked: dict[str, int] = field(default_factory=dict)  # booked customers by behaviour

    @property
    def elapsed_s(self) -> float:
        """Wall-clock seconds per simulated day."""
        return self.elapsed_total_s / max(1, self.days)

    @property
    def mean_utilisation(self) -> float:
        return sum(self.utilisation.values()) / max(1, len(self.utilisation))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "scenario": self.scenario, "seed": self.seed, "days": self.days,
            "customers": self.customers, "no_shows": self.no_shows,
            "tiers": {k: v.to_json() for k, v in self.tiers.items()},
            "estimate_mae_s": round(self.estimate_mae_s, 1),
            "naive_estimate_mae_s": round(self.naive_estimate_mae_s, 1),
            "utilisation": {str(k): round(v, 3) for k, v in self.utilisation.items()},
            "mean_utilisation": round(self.mean_utilisation, 3),
            "elapsed_s": round(self.elapsed_s, 3),
            "elapsed_total_s": round(self.elapsed_total_s, 3),
        }
        if self.regular_over_max_not_in_fifo is not None:
            out["regular_over_max_not_in_fifo"] = self.regular_over_max_not_in_fifo
            out["regular_over_max_days_not_in_fifo"] = self.regular_over_max_days_not_in_fifo
            out["fifo_days_within_max"] = self.fifo_days_within_max
        return out


class _Day:
    """One simulated day under one policy: an event loop over arrivals, calls and breaks."""

    _FREE, _BREAK_START, _BREAK_END, _ARRIVAL = range(4)

    def __init__(self, scenario: Scenario, policy: Policy, number: int = 1, *,
                 order: str | None = None, estimates: bool = True,
                 bookings: bool = True) -> None:
        self.scenario, self.policy, self.number = scenario, policy, number
        # False: booked customers take walk-in numbers (the same day, bookings ignored)
        self.bookings_on = bookings
        self.grace_min = scenario.settings.appointments.grace_min
        self.to_come: dict[int, Customer] = {}  # booked, not yet checked in
        self.choose = _chooser(order, scenario.settings)
        # the forecast at each arrival: for the estimate figures, and needed when the
        # printed wait becomes a promise deadline
        self.estimates_on = estimates or policy.keeps_promises
        settings = scenario.settings
        self.start = datetime.combine(SIM_DATE, scenario.opens)
        self.desks = [_Desk(CounterState(c.number, c.services, c.green_channel))
                      for c in settings.counters if c.number in scenario.counters]
        self.groups: dict[tuple[str, str], deque[Candidate]] = {}
        self.customers: dict[int, Customer] = {}
        self.mean_s = {s.prefix: s.default_service_s for s in settings.services}
        self.smoothing = settings.rules.service_time_smoothing
        self.estimates: dict[int, tuple[float | None, float]] = {}
        self.records: list[TicketRecord] = []
        self.events: list[tuple[float, int, int, Any]] = []
        self.seq = 0

    def push(self, at: float, kind: int, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, kind, self.seq, payload))

    def run(self, customers: Sequence[Customer]) -> None:
        for c in customers:
            if c.slot_s is not None and self.bookings_on:
                self.to_come[c.id] = c
            if c.booking != MISSED:
                self.push(c.arrival_s, self._ARRIVAL, c)
        for b in self.scenario.breaks:
            self.push(b.start_s, self._BREAK_START, b.counter)
            self.push(b.end_s, self._BREAK_END, b.counter)
        now = 0.0
        while self.events:
            now, kind, _, payload = heapq.heappop(self.events)
            if kind == self._ARRIVAL:
                self.arrive(now, payload)
            elif kind == self._FREE:
                self.finish(now, payload)
            else:
                self.set_open(now, payload, kind == self._BREAK_END)
        for desk in self.desks:
            if desk.open:
                desk.open_s += max(now, self.scenario.hours * 3600.0) - desk.open_since

    def at(self, t: float) -> datetime:
        return self.start + timedelta(seconds=t)

    def desk(self, number: int) -> _Desk:
        return next(d for d in self.desks if d.state.number == number)

    def arrive(self, now: float, c: Customer) -> None:
        self.customers[c.id] = c
        group = self.groups.setdefault((c.service, c.tier), deque())
        rank_at, booked_at = self.check_in(now, c)
        group.append(Candidate(c.id, c.service, c.tier, rank_at, booked_at=booked_at))
        # a booked number prints its slot, not a wait: no estimate, no promise
        estimate = self.estimate(now, c) if self.estimates_on and booked_at is None \
            else None
        self.estimates[c.id] = (estimate, self.naive(now, c) if self.estimates_on else 0.0)
        promised = promise_deadline(self.at(now), estimate, self.policy)
        if promised is not None:  # printed on the ticket: fixed from now on
            group[-1] = replace(group[-1], promised_at=promised)
        for desk in self.desks:
            self.dispatch(now, desk)

    def check_in(self, now: float, c: Customer) -> tuple[datetime, datetime | None]:
        """(rank_at, booked_at) of the customer's number: a walk-in's, or what the kiosk's
        check-in gives a booked customer (kiosk.queue.booking_rules)."""
        at = self.at(now)
        if c.slot_s is None or not self.bookings_on:
            return at, None
        del self.to_come[c.id]
        slot_at = self.at(c.slot_s)
        decision = check_in("booked", SIM_DATE, SIM_DATE, slot_at, self.grace_min, at, False)
        return booked_ticket(decision.kind, at, slot_at)

    def estimate(self, now: float, c: Customer) -> float | None:
        waiting = [t for dq in self.groups.values() for t in dq]
        counters, breaks = [], {}
        for desk in self.desks:
            later = [(b.start_s - now, b.end_s - now) for b in self.scenario.breaks
                     if b.counter == desk.state.number and b.end_s > now]
            if later:
                breaks[desk.state.number] = later
            if desk.open or later:
                counters.append((desk.state, self.remaining_s(now, desk)))
        at = self.at(now)
        grace = timedelta(minutes=self.grace_min)
        expected = booked_arrivals(at, [(slot, b.service, b.tier) for b in self.to_come.values()
                                        if (slot := self.at(b.slot_s or 0.0)) >= at - grace],
                                   self.policy) if self.to_come else None
        result = forecast(at, counters, waiting, self.mean_s, self.policy, breaks=breaks,
                          expected=expected)
        hit = result.get(c.id)
        return hit.wait_s if hit else None

    def remaining_s(self, now: float, desk: _Desk) -> float:
        if desk.current is None:
            return 0.0
        return remaining_service_s(self.mean_s[desk.current.service], now - desk.started_s)

    def naive(self, now: float, c: Customer) -> float:
        ahead = sum(len(q) for (s, _), q in self.groups.items() if s == c.service) - 1
        open_here = sum(1 for d in self.desks if d.open and c.service in d.state.services)
        return ahead * self.mean_s[c.service] / max(1, open_here)

    def dispatch(self, now: float, desk: _Desk) -> None:
        if not desk.open or desk.current is not None:
            return
        served = desk.state.services
        # what storage passes: each group's rank head and promise head
        heads = group_heads([t for (s, _), dq in self.groups.items() if s in served for t in dq])
        choice = self.choose(desk.state, self.at(now), heads, self.policy)
        if choice is None:
            return
        self.groups[(choice.service, choice.tier)].remove(choice)
        c = self.customers[choice.ticket_id]
        estimate, naive = self.estimates.pop(c.id)
        self.records.append(
            TicketRecord(c, now, desk.state.number, estimate, naive, self.number))
        desk.state = record_call(desk.state, choice, self.policy)
        desk.current, desk.started_s = c, now
        busy = self.scenario.no_show_s if c.no_show else c.service_s
        desk.busy_s += busy
        desk.busy_until = now + busy
        self.push(now + busy, self._FREE, desk.state.number)

    def finish(self, now: float, number: int) -> None:
        desk = self.desk(number)
        c = desk.current
        if c is not None and not c.no_show:
            a = self.smoothing
            self.mean_s[c.service] = (1 - a) * self.mean_s[c.service] + a * c.service_s
        desk.current = None
        self.dispatch(now, desk)

    def set_open(self, now: float, number: int, is_open: bool) -> None:
        desk = self.desk(number)
        if is_open and not desk.open:
            desk.open_since = max(now, desk.counted_until)
        elif not is_open and desk.open:
            desk.counted_until = max(now, desk.busy_until)  # the customer being served
            desk.open_s += desk.counted_until - desk.open_since
        desk.open = is_open
        self.dispatch(now, desk)


# --- calling orders the simulator can play besides the branch's rules ------------------
#
# Other systems' ways of calling, as anchors on the trade-off curve (they keep no
# maximum-wait guarantee, no cap, no counter preference: as those systems do), and one
# variant of the branch's rules. A green channel counter serves the priority tiers first
# under each of them, as under the rules.

Chooser = Callable[[CounterState, datetime, Sequence[Candidate], Policy], Candidate | None]


def _oldest(pool: Sequence[Candidate]) -> Candidate:
    return min(pool, key=lambda c: (c.rank_at, c.ticket_id))


def _split(counter: CounterState, heads: Sequence[Candidate],
           policy: Policy) -> tuple[list[Candidate], list[Candidate]]:
    """The tickets this counter may call: (priority tiers, the others)."""
    served = set(counter.services)
    pool = [c for c in heads if c.service in served]
    vip = [c for c in pool if policy.tier(c.tier).priority]
    return vip, [c for c in pool if not policy.tier(c.tier).priority]


def strict_priority(counter: CounterState, now: datetime, heads: Sequence[Candidate],
                    policy: Policy) -> Candidate | None:
    """What most queue systems do: the highest tier first, then the oldest; no
    guarantee for anyone else."""
    vip, regular = _split(counter, heads, policy)
    if vip:
        return min(vip, key=lambda c: (-policy.tier(c.tier).rank, c.rank_at, c.ticket_id))
    return _oldest(regular) if regular else None


def priority_cycle(counter: CounterState, now: datetime, heads: Sequence[Candidate],
                   policy: Policy) -> Candidate | None:
    """A 2:1 cycle (what a common commercial system offers): two priority tickets, then
    one regular, each line oldest first; a line with nobody waiting is skipped."""
    vip, regular = _split(counter, heads, policy)
    vip_turn = counter.green_channel or counter.consecutive_priority < 2
    if vip and (vip_turn or not regular):
        return _oldest(vip)
    return _oldest(regular) if regular else None


def fixed_head_start(counter: CounterState, now: datetime, heads: Sequence[Candidate],
                     policy: Policy) -> Candidate | None:
    """Weights without ageing: a priority ticket counts as having waited its tier's head
    start (`base_s`) longer, and no tier's priority grows faster than waiting time."""
    vip, regular = _split(counter, heads, policy)
    if counter.green_channel and vip:
        regular = []
    pool = vip + regular
    if not pool:
        return None
    return max(pool, key=lambda c: ((now - c.rank_at).total_seconds()
                                    + policy.tier(c.tier).base_s, -c.ticket_id))


def same_service_only(fifo: Policy) -> Chooser:
    """The branch's rules, but a VIP overtakes only regular customers of its own
    service: the counter takes the service fifo would call next, then the policy
    chooses among that service's tickets (so cash customers do not pay for non-cash
    VIPs)."""
    def choose(counter: CounterState, now: datetime, heads: Sequence[Candidate],
               policy: Policy) -> Candidate | None:
        if counter.green_channel:
            return pick_next(counter, now, heads, policy)
        first = pick_next(counter, now, heads, fifo)
        if first is None:
            return None
        return pick_next(counter, now, [c for c in heads if c.service == first.service],
                         policy)
    return choose


ORDERS = ("strict_priority", "priority_cycle", "fixed_head_start", "same_service")
ANCHORS = ("strict_priority", "priority_cycle", "fixed_head_start")


def _chooser(order: str | None, settings: Settings) -> Chooser:
    if order is None:
        return pick_next
    if order == "same_service":
        return same_service_only(Policy.from_settings(settings, "fifo"))
    return {"strict_priority": strict_priority, "priority_cycle": priority_cycle,
            "fixed_head_start": fixed_head_start}[order]


def simulate(scenario: Scenario, policy: str, seed: int, days: int | None = None,
             customers: Sequence[Sequence[Customer]] | None = None, *,
             order: str | None = None, estimates: bool = True,
             name: str | None = None, bookings: bool = True) -> RunResult:
    """Simulate the days of a run under one policy, pooled; `days` defaults to the
    scenario's, `customers` (one list per day) to the days drawn from `seed`.

    `order` replaces how a counter chooses (see ORDERS; None: the branch's rules), and
    `estimates=False` skips the forecast at each arrival (three times faster; the
    estimate figures are then 0) unless promises are kept. `name` labels the result
    (default: the policy, or the order). `bookings=False` plays the booked customers as
    walk-ins (the same arrivals: what the day is without bookings treated specially)."""
    if policy not in POLICIES:
        raise ConfigError(f"unknown policy {policy!r}; expected one of {', '.join(POLICIES)}")
    if order is not None and order not in ORDERS:
        raise ConfigError(f"unknown calling order {order!r}; expected one of "
                          f"{', '.join(ORDERS)}")
    started = wallclock.perf_counter()
    by_day = draw_days(scenario, seed, days) if customers is None else customers
    pol = Policy.from_settings(scenario.settings, policy)
    runs = []
    for number, day_customers in enumerate(by_day, 1):
        day = _Day(scenario, pol, number, order=order, estimates=estimates,
                   bookings=bookings)
        day.run(day_customers)
        runs.append(day)
    elapsed = wallclock.perf_counter() - started
    label = name or order or policy
    log.debug("simulated %s under %s, seed %d, %d days: %d calls in %.3f s", scenario.name,
              label, seed, len(runs), sum(len(d.records) for d in runs), elapsed)
    result = _summarise(scenario, policy, seed, runs, elapsed, label)
    for c in (c for day_customers in by_day for c in day_customers):
        if c.booking and c.arrival_s >= scenario.warm_up_s:
            result.booked[c.booking] = result.booked.get(c.booking, 0) + 1
    return result


def compare(scenario: Scenario, seed: int, policies: Sequence[str] = POLICIES,
            days: int | None = None,
            customers: Sequence[Sequence[Customer]] | None = None) -> dict[str, RunResult]:
    """The same days under each policy (`customers`, one list per day, or the days drawn
    from `seed`); with fifo among them, each result also counts the regular customers
    over the maximum wait who were not over it under fifo."""
    by_day = draw_days(scenario, seed, days) if customers is None else customers
    results = {p: simulate(scenario, p, seed, customers=by_day) for p in policies}
    if any(c.booking for day in by_day for c in day):  # not the branch's own days
        for p, result in results.items():
            result.as_walk_ins = simulate(scenario, p, seed, customers=by_day, estimates=False,
                                          bookings=False, name=f"{p}, booked as walk-ins")
    if "fifo" in results:
        for result in results.values():
            against_fifo(scenario, result, results["fifo"])
    return results


def sweep(variants: Sequence[Scenario], policy: str, seed: int,
          baseline: Scenario, days: int | None = None) -> tuple[RunResult, list[RunResult]]:
    """One policy under each variant of a scenario (the same scenario with one setting
    changed), every run against one baseline: fifo on `baseline`, the branch as configured.
    Returns that fifo run and one run per variant, each with its fifo comparisons set."""
    fifo = simulate(baseline, "fifo", seed, days)
    against_fifo(baseline, fifo, fifo)
    runs = []
    for scenario in variants:
        run = simulate(scenario, policy, seed, days)
        against_fifo(baseline, run, fifo)
        runs.append(run)
    return fifo, runs


def against_fifo(scenario: Scenario, result: RunResult, fifo: RunResult) -> None:
    """Set `result`'s comparisons with the fifo run of the same days: the regular
    customers over rules.max_wait_s who were not under fifo, and the days."""
    result.regular_over_max_not_in_fifo = over_max_not_in(scenario, result, fifo)
    within = _days_within_max(scenario, fifo)
    result.fifo_days_within_max = len(within)
    result.regular_over_max_days_not_in_fifo = len(within - _days_within_max(scenario, result))


def _over_max(scenario: Scenario, result: RunResult) -> list[TicketRecord]:
    """The regular (non-priority) customers who waited longer than rules.max_wait_s."""
    max_wait = scenario.settings.rules.max_wait_s
    if max_wait <= 0:
        return []
    regular = {t.key for t in scenario.settings.tiers if not t.priority}
    return [x for x in result.records if x.customer.tier in regular and x.wait_s > max_wait
            and not x.customer.booking]


def _days_within_max(scenario: Scenario, result: RunResult) -> set[int]:
    """The days on which no regular customer waited longer than rules.max_wait_s."""
    return set(range(1, result.days + 1)) - {x.day for x in _over_max(scenario, result)}


def over_max_not_in(scenario: Scenario, result: RunResult, baseline: RunResult) -> int:
    """Regular (non-priority) customers who waited longer than rules.max_wait_s in
    `result` but not in `baseline` (the same customer of the same day)."""
    def over(r: RunResult) -> set[tuple[int, int]]:
        return {(x.day, x.customer.id) for x in _over_max(scenario, r)}

    return len(over(result) - over(baseline))


def _summarise(scenario: Scenario, policy: str, seed: int, runs: Sequence[_Day],
               elapsed: float, label: str) -> RunResult:
    settings = scenario.settings
    pol = Policy.from_settings(settings, policy)
    records = [r for day in runs for r in day.records
               if r.customer.arrival_s >= scenario.warm_up_s]
    walk_ins = [r for r in records if not r.customer.booking]  # booked: figures of their own
    tiers: dict[str, TierStats] = {}
    for t in settings.tiers:
        tiers[t.key] = _tier_stats([r for r in walk_ins if r.customer.tier == t.key], pol)
    priority = {t.key for t in settings.tiers if t.priority}
    tiers[VIP] = _tier_stats([r for r in walk_ins if r.customer.tier in priority], pol)
    estimated = [r for r in records if r.estimate_s is not None]
    busy: dict[int, float] = {}
    opened: dict[int, float] = {}
    for desk in (d for day in runs for d in day.desks):
        busy[desk.state.number] = busy.get(desk.state.number, 0.0) + desk.busy_s
        opened[desk.state.number] = opened.get(desk.state.number, 0.0) + desk.open_s
    return RunResult(
        scenario=scenario.name, policy=label, seed=seed, days=len(runs),
        customers=len(records), no_shows=sum(1 for r in records if r.customer.no_show),
        tiers=tiers,
        estimate_mae_s=mean([abs(r.estimate_s - r.wait_s) for r in estimated
                              if r.estimate_s is not None]),
        naive_estimate_mae_s=mean([abs(r.naive_s - r.wait_s) for r in records]),
        utilisation={n: busy[n] / opened[n] if opened[n] else 0.0 for n in busy},
        elapsed_total_s=elapsed, records=records,
    )


def _tier_stats(records: Sequence[TicketRecord], policy: Policy) -> TierStats:
    waits = sorted(r.wait_s for r in records)
    if not waits:
        return TierStats(0, 0.0, 0.0, 0.0, 100.0, 0)
    within = 0
    for r in records:
        target = policy.configured_target_s(r.customer.service, r.customer.tier)
        within += target is None or r.wait_s <= target
    max_wait = policy.rules.max_wait_s
    return TierStats(
        count=len(waits), mean_wait_s=mean(waits), p95_wait_s=percentile(waits, 95),
        max_wait_s=waits[-1], within_target_pct=100.0 * within / len(waits),
        over_max_wait=sum(1 for w in waits if max_wait > 0 and w > max_wait),
    )



