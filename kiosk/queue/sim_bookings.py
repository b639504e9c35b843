"""Booked customers (预约) in a simulated day: who books, which slot, when they come.

A scenario's `[bookings]` table says what share of the day's customers booked (of all
customers, `share`, or per service, `share_by_service`) and how booked customers behave:

- punctual: they come in the `punctual_min` minutes before their slot;
- early: they come `punctual_min` to `early_min` minutes before it;
- in grace: they come after the slot, within the branch's grace window
  (`appointments.grace_min`);
- late: they come after the grace window (up to `late_min` minutes after it) and get a
  walk-in number, as at the kiosk;
- missed: they do not come.

Booked customers are drawn from the day's customers (so a day with bookings has the same
people as the day without): among the customers of the services that take bookings
(`appointments.capacity` of the branch file), at random, each on the free slot of the
branch's grid (`appointments.slot_min` from opening, within the service's hours) nearest
the time they would have walked in, the service's capacity per slot respected as the
branch's booking does (`booking_rules.check_capacity`: fewer bookings in a slot whose
counters are on a break, with `appointments.follow_breaks`, and in the branch's busiest
hours, with `appointments.busy_above`): a customer whose own slot is refused books the
nearest slot with room that day and comes for it. A customer for whom no slot is free
stays a walk-in.
The draws use their own random stream, so the walk-ins' draws are those of the same day
without bookings.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from kiosk.config import _TABLE, Settings, _number, config_error
from kiosk.errors import ConfigError, QueueError
from kiosk.queue.booking_rules import (
    BookingRefused,
    Load,
    Slot,
    Staffing,
    check_capacity,
    load_of,
    slot_from,
    staffing_of,
)

PUNCTUAL, EARLY, IN_GRACE, LATE, MISSED = "punctual", "early", "in_grace", "late", "missed"
BEHAVIOURS = (PUNCTUAL, EARLY, IN_GRACE, LATE, MISSED)


Share = Annotated[float, _number(ge=0, le=1)]
Minutes = Annotated[float, _number(ge=0, le=240)]


@dataclass(frozen=True)
class _Behaviour:
    """[bookings.behaviour]: relative weights of how booked customers come."""

    punctual: Annotated[float, _number(ge=0, le=1e6)] = 80.0
    early: Annotated[float, _number(ge=0, le=1e6)] = 10.0
    in_grace: Annotated[float, _number(ge=0, le=1e6)] = 5.0
    late: Annotated[float, _number(ge=0, le=1e6)] = 2.0
    missed: Annotated[float, _number(ge=0, le=1e6)] = 3.0
    __pydantic_config__ = _TABLE

    def values(self) -> list[float]:
        return [self.punctual, self.early, self.in_grace, self.late, self.missed]


@dataclass(frozen=True)
class BookingsTable:
    """[bookings] of a scenario file."""

    share: Share | None = None  # of all the day's customers
    share_by_service: dict[Annotated[str, Field(strict=True)], Share] | None = None
    behaviour: _Behaviour = _Behaviour()
    punctual_min: Minutes = 5.0  # punctual: within this long before the slot
    early_min: Minutes = 30.0  # early: from punctual_min up to this long before the slot
    late_min: Minutes = 30.0  # late: up to this long after the grace window
    __pydantic_config__ = _TABLE


def _check_weights(table: BookingsTable) -> BookingsTable:
    if sum(table.behaviour.values()) <= 0:
        raise PydanticCustomError("adds_up", "behaviour weights must add up to more than 0")
    return table


BookingsField = Annotated[BookingsTable, AfterValidator(_check_weights)]


@dataclass(frozen=True)
class Bookings:
    """A scenario's booked customers, checked against the branch file."""

    share: float | None  # of all customers; None: per service
    share_by_service: Mapping[str, float]
    weights: Mapping[str, float]  # behaviour -> relative weight
    punctual_s: float
    early_s: float
    late_s: float
    grace_s: float
    slot_s: float
    capacity: Mapping[str, int]
    # the counters serving each service and their breaks (None: slots ignore breaks)
    staffing: Mapping[str, Staffing | None] = field(default_factory=dict)
    # the branch's expected load and busy-hour rule (None: slots ignore the load)
    load: Load | None = None


def build_bookings(source: str, table: BookingsTable, settings: Settings) -> Bookings:
    """The `[bookings]` table checked against the branch file, or one sentence."""
    def fail(where: str, what: str) -> ConfigError:
        return config_error(source, f"bookings.{where}", what)

    capacity = {k: v for k, v in settings.appointments.capacity.items() if v > 0}
    prefixes = [s.prefix for s in settings.services]
    if (table.share is None) == (table.share_by_service is None):
        raise fail("share", "give either share (of all customers) or share_by_service")
    by_service = dict(table.share_by_service or {})
    for key, value in by_service.items():
        if key not in prefixes:
            raise fail(f"share_by_service.{key}",
                       f"is not a service of the branch file ({', '.join(prefixes)})")
        if value > 0 and key not in capacity:
            raise fail(f"share_by_service.{key}", f"service {key} takes no bookings "
                                                  "(appointments.capacity in the branch file)")
    if table.share is not None and table.share > 0 and not capacity:
        raise fail("share", "no service takes bookings (appointments.capacity in the "
                            "branch file)")
    if table.early_min < table.punctual_min:
        raise fail("early_min", f"must be at least punctual_min ({table.punctual_min:g})")
    return Bookings(
        share=table.share, share_by_service=by_service,
        weights=dict(zip(BEHAVIOURS, table.behaviour.values(), strict=True)),
        punctual_s=table.punctual_min * 60, early_s=table.early_min * 60,
        late_s=table.late_min * 60, grace_s=settings.appointments.grace_min * 60.0,
        slot_s=settings.appointments.slot_min * 60.0, capacity=capacity,
        staffing={p: staffing_of(settings, p) for p in capacity}, load=load_of(settings))


@dataclass(frozen=True)
class Booked:
    """One customer's booking: the slot and, unless missed, when they come (seconds
    after opening)."""

    slot_s: float
    behaviour: str
    arrival_s: float | None  # None: missed


def slot_grid(opens: time, day: date, service_opens: time, service_closes: time,
              slot_min: float, day_s: float) -> list[float]:
    """The slots of a service (seconds after the branch opens): the branch's grid of
    `slot_min` from opening, each slot within the service's hours (`slot_from`)."""
    start = datetime.combine(day, opens)
    out = []
    t = 0.0
    while t < day_s:
        at = start + timedelta(seconds=t)
        try:
            slot_from(day, at.time(), int(slot_min), opens=service_opens,
                      closes=service_closes)
        except QueueError:
            pass
        else:
            if at.date() == day:
                out.append(t)
        t += slot_min * 60
    return out


def free_slot(service: str, wanted_s: float, grid: Sequence[float], taken: Sequence[float],
              b: Bookings, start: datetime) -> float | None:
    """The free slot of `grid` nearest `wanted_s` (the earlier of two as near), or None
    when every slot is full; a slot is free by `check_capacity`, as a booking is made."""
    length = int(b.slot_s // 60)

    def slot(t: float) -> Slot:
        at = start + timedelta(seconds=t)
        return Slot(at.date(), at.time(), length)

    booked = [slot(t) for t in taken]
    for t in sorted(grid, key=lambda s: (abs(s - wanted_s), s)):
        try:
            check_capacity(service, slot(t), booked, b.capacity, b.staffing.get(service),
                           load=b.load)
        except BookingRefused:
            continue
        return t
    return None


def behave(slot_s: float, b: Bookings, rng: random.Random) -> Booked:
    """How a booked customer comes to a slot: the behaviour drawn by its weights, then
    the arrival within that behaviour's window (never before opening)."""
    behaviour = rng.choices(BEHAVIOURS, [b.weights[k] for k in BEHAVIOURS])[0]
    u = rng.random()
    if behaviour == MISSED:
        return Booked(slot_s, behaviour, None)
    if behaviour == PUNCTUAL:
        offset = -u * b.punctual_s
    elif behaviour == EARLY:
        offset = -(b.punctual_s + u * (b.early_s - b.punctual_s))
    elif behaviour == IN_GRACE:
        offset = u * b.grace_s
    else:  # after the grace window, by at least a second
        offset = b.grace_s + 1.0 + u * max(0.0, b.late_s - 1.0)
    return Booked(slot_s, behaviour, max(0.0, slot_s + offset))


def book_day(wanted: Sequence[tuple[float, str]], b: Bookings,
             grids: Mapping[str, Sequence[float]], start: datetime,
             rng: random.Random) -> dict[int, Booked]:
    """The bookings of a day whose customers would walk in at `wanted` (seconds after
    opening, service), by customer index: `share` of all customers, chosen at random
    among those whose service takes bookings, or `share_by_service` of each service's
    customers. Each takes the free slot nearest the time they would have come; one for
    whom no slot is free stays a walk-in (and the next one chosen tries)."""
    if b.share is not None:
        pools = [([i for i, (_, s) in enumerate(wanted) if s in b.capacity],
                  round(b.share * len(wanted)))]
    else:
        pools = []
        for service, share in b.share_by_service.items():
            pool = [i for i, (_, s) in enumerate(wanted) if s == service]
            pools.append((pool, round(share * len(pool))))
    taken: dict[str, list[float]] = {}
    out: dict[int, Booked] = {}
    for pool, wanted_count in pools:
        rng.shuffle(pool)
        booked = 0
        for i in pool:
            if booked >= wanted_count:
                break
            at, service = wanted[i]
            slot = free_slot(service, at, grids.get(service, ()), taken.get(service, []),
                             b, start)
            if slot is None:
                continue
            taken.setdefault(service, []).append(slot)
            out[i] = behave(slot, b, rng)
            booked += 1
    return out
