"""Appointments (预约) as pure functions over plain values: no database, no Qt.

A booking holds a slot (day, start, length) of one service. These functions decide what
the queue layer (`appointments.py`) does with it:

- capacity: a slot of a service holds at most `appointments.capacity[service]` bookings
  (cancelled ones do not count), scaled by the share of the service's counters at work
  during the slot (`Staffing`: the branch's [[breaks]]), rounded down; a service without
  a capacity takes no bookings; in the branch's busiest hours (`Load`: the expected load
  of its counters above `appointments.busy_above`) a slot keeps only
  `appointments.busy_share` of that, rounded down; a refusal names the next free slot
  of the day;
- lead time: a large cash withdrawal (大额取现) is booked at least
  `appointments.large_cash_lead_days` days before its day, so the branch can order the cash;
- arrival: a customer who checks in before the slot is *early* (called at the slot), up to
  `appointments.grace_min` minutes after it *in grace* (due at the slot, ahead of walk-ins
  by the rules' deadline rule), later than that *late* (a walk-in number);
- missed: a booking nobody checked in for by the end of its grace window;
- check-in: what a card or a code at the kiosk leads to (a booked number, a walk-in
  number, a reprint, or one calm refusal).
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from kiosk.errors import QueueError

if TYPE_CHECKING:
    from kiosk.config import Settings

CODE_DIGITS = 6
AMOUNT_BANDS = ("50k-200k", "200k-500k", "500k-1m", "1m+")  # 大额取现: 5万–20万, …, 100万以上
AMOUNT_BANDS_ZH = {"50k-200k": "5万–20万", "200k-500k": "20万–50万", "500k-1m": "50万–100万",
                   "1m+": "100万以上"}
PURPOSE_WORDS = {"consultation": ("理财咨询", "consultation"),
                 "large_cash": ("大额取现", "large cash withdrawal"),
                 "other": ("其他", "other")}

EARLY, IN_GRACE, LATE = "early", "in_grace", "late"
# Codes typed at one kiosk: after CODE_TRIES refused within CODE_WINDOW, code entry there
# rests for CODE_REST (a card or an ID still checks in), so a million codes cannot be tried
CODE_TRIES, CODE_WINDOW, CODE_REST = 5, timedelta(minutes=10), timedelta(minutes=15)
# how far back the rule looks at a kiosk's refusals; older ones decide nothing
CODE_LOOKBACK = CODE_WINDOW + CODE_REST
# refusals kept in the database: the look-back with room for the stations' clocks to differ
# (each station reads its own, any station prunes every station's older ones)
REFUSALS_KEPT = timedelta(hours=1)


class BookingRefused(QueueError):
    """A booking, a move or a check-in that cannot be made, with the reason as `code`:
    "capacity", "break" (the slot's counters are on a break), "busy" (the slot is in one
    of the branch's busiest hours), "duplicate", "code_taken"
    (an imported code another booking of the day has), "lead_time", "past", "not_found",
    "other_day", "cancelled", "used", "locked" (too many codes refused at that kiosk
    lately). A refused slot names the next free one of its day, `next_free` (None: none
    later that day)."""

    def __init__(self, message: str, code: str, *, next_free: time | None = None,
                 away: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.next_free = next_free
        self.away = away  # "break": the counters away during the slot


@dataclass(frozen=True)
class Slot:
    day: date
    start: time
    length_min: int

    @property
    def at(self) -> datetime:
        return datetime.combine(self.day, self.start)

    @property
    def ends(self) -> datetime:
        return self.at + timedelta(minutes=self.length_min)


@dataclass(frozen=True)
class Staffing:
    """The counters that serve one service and their breaks (the branch's [[breaks]],
    every day: counter, from, to), as plain values."""

    counters: frozenset[int]
    breaks: tuple[tuple[int, time, time], ...] = ()

    def _during(self, slot: Slot) -> list[tuple[int, time, time]]:
        """The breaks of the service's counters that overlap the slot."""
        start, end = slot.start, _clock_end(slot)
        return [(c, frm, to) for c, frm, to in self.breaks
                if c in self.counters and frm < end and start < to]

    def away(self, slot: Slot) -> tuple[int, ...]:
        """The service's counters on a break at some moment of the slot."""
        return tuple(sorted({c for c, _, _ in self._during(slot)}))

    def fewest_at_work(self, slot: Slot) -> int:
        """The service's counters at work at the slot's thinnest moment."""
        during = self._during(slot)
        moments = {slot.start} | {frm for _, frm, _ in during if frm > slot.start}
        return len(self.counters) - max(
            (len({c for c, frm, to in during if frm <= t < to}) for t in moments), default=0)


@dataclass(frozen=True)
class Load:
    """The load the branch expects on its counters, hour by hour (`by_hour`: the hour's
    start -> expected work over the counters' time at work, 1.0 = every counter at work
    busy all the hour), and what a booking slot keeps in a busy hour: a slot overlapping an
    hour whose expected load is above `above` holds `share` of its capacity, rounded
    down."""

    by_hour: Mapping[time, float]
    above: float
    share: float

    def expected(self, slot: Slot) -> float:
        """The highest expected load of the hours the slot overlaps (0: none known)."""
        start, end = slot.start, _clock_end(slot)
        return max((v for h, v in self.by_hour.items()
                    if h < end and start < _hour_end(h)), default=0.0)

    def busy(self, slot: Slot) -> bool:
        return self.expected(slot) > self.above


def _hour_end(h: time) -> time:
    return time(h.hour + 1) if h.hour < 23 else time.max


def load_of(settings: Settings) -> Load | None:
    """The branch's expected load and its busy-hour rule; None when slots do not follow
    the load (`appointments.busy_above` not set)."""
    a = settings.appointments
    if a.busy_above is None:
        return None
    return Load({time(int(k[:2])): v for k, v in a.expected_load.items()}, a.busy_above,
                a.busy_share)


def staffing_of(settings: Settings, service: str) -> Staffing | None:
    """The counters serving `service` and their breaks, from the branch's settings; None
    when slots do not follow breaks (`appointments.follow_breaks` off)."""
    if not settings.appointments.follow_breaks:
        return None
    counters = frozenset(c.number for c in settings.counters if service in c.services)
    return Staffing(counters, tuple((b.counter, b.start, b.end) for b in settings.breaks
                                    if b.counter in counters))


def _clock_end(slot: Slot) -> time:
    """The slot's end as a time of its day (a slot ending at midnight or later: 23:59:59)."""
    ends = slot.ends
    return ends.time() if ends.date() == slot.day else time.max


def slot_limit(limit: int, slot: Slot, staffing: Staffing | None,
               load: Load | None = None) -> int:
    """The bookings a slot of a service holds: the service's capacity `limit` times the
    share of its counters at work during the slot (at its thinnest moment), rounded
    down. Rounding down keeps the bookings per counter at work no higher than with every
    counter there: a booked customer is due at the slot, and the counters away are the
    ones that would have called them. A service no counter serves keeps its limit.
    In a busy hour (`load`) the slot keeps `load.share` of that, rounded down: a booked
    customer goes ahead of the walk-ins who came before them, and in the busiest hours
    the walk-ins wait longest."""
    if staffing is not None and staffing.counters:
        limit = limit * staffing.fewest_at_work(slot) // len(staffing.counters)
    if load is not None and load.busy(slot):
        limit = math.floor(limit * load.share + 1e-9)
    return limit


def _taken(slot: Slot, booked: Collection[Slot]) -> int:
    """The most of `booked` overlapping at any moment of the slot."""
    overlapping = [b for b in booked if b.at < slot.ends and slot.at < b.ends]
    moments = {slot.at} | {b.at for b in overlapping if b.at > slot.at}
    return max((sum(1 for b in overlapping if b.at <= t < b.ends) for t in moments),
               default=0)


def has_room(slot: Slot, booked: Collection[Slot], limit: int,
             staffing: Staffing | None = None, load: Load | None = None) -> bool:
    """Whether one more booking fits the slot (`slot_limit`, `booked` counted at every
    moment of it)."""
    return _taken(slot, booked) < slot_limit(limit, slot, staffing, load)


def next_free(slot: Slot, booked: Collection[Slot], limit: int, staffing: Staffing | None,
              step_min: int, closes: time, load: Load | None = None) -> time | None:
    """The first start after `slot`'s, `step_min` apart, whose slot of the same length
    ends by `closes` and has room; None when no later slot of the day has."""
    later = slot
    while True:
        at = later.at + timedelta(minutes=max(1, step_min))
        later = Slot(slot.day, at.time(), slot.length_min)
        if at.date() != slot.day or later.ends > datetime.combine(slot.day, closes):
            return None
        if has_room(later, booked, limit, staffing, load):
            return later.start


def check_capacity(service: str, slot: Slot, booked: Collection[Slot],
                   capacity: Mapping[str, int], staffing: Staffing | None = None, *,
                   step_min: int = 30, closes: time | None = None,
                   load: Load | None = None) -> None:
    """Refuse a booking that would overbook the slot. `booked` are the service's other
    live bookings that day; at no moment of the slot may more than its limit overlap (a
    longer booking that began earlier counts as much as one starting within it). The
    limit is the service's capacity, fewer while its counters are on a break
    (`slot_limit`, with `staffing`), and fewer in the branch's busiest hours (with
    `load`). With `closes` (the service's closing time) the refusal names the next free
    slot of the day, `step_min` minutes apart."""
    limit = capacity.get(service, 0)
    if limit <= 0:
        raise BookingRefused(f"Service {service} takes no bookings "
                             "(appointments.capacity in the branch file).", "capacity")
    if has_room(slot, booked, limit, staffing, load):
        return
    after = None if closes is None else next_free(slot, booked, limit, staffing, step_min,
                                                  closes, load)
    then = "" if closes is None else (
        f"; the next free slot is {after:%H:%M}" if after is not None
        else "; no later slot that day is free")
    head = f"The {slot.start:%H:%M} slot of service {service} on {slot.day:%Y-%m-%d}"
    reduced = slot_limit(limit, slot, staffing)
    busy = slot_limit(limit, slot, staffing, load)
    if busy < reduced and _taken(slot, booked) < reduced:
        assert load is not None
        raise BookingRefused(
            f"{head} is in one of the branch's busiest hours (expected load "
            f"{load.expected(slot):.0%} of the counters at work, above "
            f"{load.above:.0%}): it takes {_takes(busy, reduced)}{then}.", "busy",
            next_free=after)
    if reduced < limit and _taken(slot, booked) < limit:
        assert staffing is not None
        away = staffing.away(slot)
        who = f"counter{'s' if len(away) > 1 else ''} {', '.join(map(str, away))}"
        at_work = staffing.fewest_at_work(slot)
        raise BookingRefused(
            f"{head} is during a break of the counters that serve it ({who} away; as few "
            f"as {at_work} of {len(staffing.counters)} at work): it takes "
            f"{_takes(reduced, limit)}{then}.", "break", next_free=after, away=away)
    raise BookingRefused(f"{head} is full ({limit} booking{'' if limit == 1 else 's'})"
                         f"{then or '; choose another time'}.", "capacity", next_free=after)


def _takes(n: int, of: int) -> str:
    """What a slot with fewer places takes: "no bookings", "1 booking instead of 2, all
    taken"."""
    if n == 0:
        return "no bookings"
    return f"{n} booking{'' if n == 1 else 's'} instead of {of}, all taken"


def check_customer_free(slot: Slot, customers: Collection[Slot]) -> None:
    """Refuse a second booking of one customer overlapping one they hold (`customers`:
    their other live bookings that day, of any service): a row the booking system sent
    twice, or a slip of the staff member's hand."""
    for b in customers:
        if b.at < slot.ends and slot.at < b.ends:
            raise BookingRefused(f"This customer is already booked at {b.start:%H:%M} on "
                                 f"{b.day:%Y-%m-%d}; move that booking instead.", "duplicate")


def check_lead_time(purpose: str, slot: Slot, now: datetime, today: date,
                    lead_days: int, *, cash_ordered_for: date | None = None) -> None:
    """Refuse a slot in the past, and a large cash withdrawal booked too late (a booking
    moved within the day the cash was ordered for, `cash_ordered_for`, needs no lead)."""
    if slot.at < now:
        raise BookingRefused(f"{slot.day:%Y-%m-%d} {slot.start:%H:%M} has passed; "
                             "a booking is for a time to come.", "past")
    if purpose == "large_cash" and slot.day != cash_ordered_for \
            and (slot.day - today).days < lead_days:
        first = today + timedelta(days=lead_days)
        raise BookingRefused(
            f"A large cash withdrawal is booked at least {lead_days} day"
            f"{'' if lead_days == 1 else 's'} ahead so the branch can order the cash; "
            f"the earliest day is {first:%Y-%m-%d}.", "lead_time")


def check_purpose(purpose: str, amount_band: str) -> str:
    """The amount band a purpose needs (large cash: one of AMOUNT_BANDS; else none)."""
    if purpose not in PURPOSE_WORDS:
        raise QueueError(f"A purpose is consultation, large_cash or other, not {purpose!r}.")
    if purpose == "large_cash":
        if amount_band not in AMOUNT_BANDS:
            raise QueueError(f"A large cash withdrawal needs an amount band: "
                             f"{', '.join(AMOUNT_BANDS)}.")
        return amount_band
    return ""


def arrival(now: datetime, slot_at: datetime, grace_min: int) -> str:
    """EARLY before the slot, IN_GRACE up to `grace_min` after it, LATE after that."""
    if now < slot_at:
        return EARLY
    if now <= slot_at + timedelta(minutes=grace_min):
        return IN_GRACE
    return LATE


def booked_rank_at(now: datetime, slot_at: datetime) -> datetime:
    """Where a booked ticket's waiting starts: at its slot when early (it does not gain
    on walk-ins before its time), at its arrival when later."""
    return max(now, slot_at)


def booked_ticket(kind: str, now: datetime,
                  slot_at: datetime) -> tuple[datetime, datetime | None]:
    """(rank_at, booked_at) of the number a check-in of this `kind` issues now: a booked
    number waits from `booked_rank_at` and is due at its slot; a late one is a walk-in's,
    waiting from now with no slot."""
    if kind == "booked":
        return booked_rank_at(now, slot_at), slot_at
    return now, None


def is_missed(state: str, slot_at: datetime, grace_min: int, now: datetime) -> bool:
    """A booking nobody checked in for, once its grace window is over."""
    return state == "missed" or (
        state == "booked" and now > slot_at + timedelta(minutes=grace_min))


def effective_state(state: str, slot_at: datetime, grace_min: int, now: datetime) -> str:
    """The state a list shows: a booking past its grace window unchecked is missed."""
    return "missed" if is_missed(state, slot_at, grace_min, now) else state


@dataclass(frozen=True)
class CheckIn:
    """What a check-in does: "booked" (a number due at the slot), "late" (a walk-in number,
    past the grace window) or "reprint" (the customer's open number, again)."""

    kind: str
    arrival: str


def check_in(state: str, slot_day: date, today: date, slot_at: datetime, grace_min: int,
             now: datetime, ticket_open: bool) -> CheckIn:
    """The decision for a booking found at the kiosk, or `BookingRefused`."""
    if slot_day != today:
        raise BookingRefused(f"This booking is for {slot_day:%Y-%m-%d}, not today.",
                             "other_day")
    if state == "cancelled":
        raise BookingRefused("This booking was cancelled.", "cancelled")
    when = arrival(now, slot_at, grace_min)
    if state in ("checked_in", "missed") and ticket_open:
        return CheckIn("reprint", when)
    if state != "booked":
        raise BookingRefused("This booking has been used already.", "used")
    return CheckIn("late" if when == LATE else "booked", when)


def check_code_reissue(booking_id: int, state: str, slot_day: date, today: date) -> None:
    """A new code only for a booking still to be checked in, of today or a day to come."""
    if state != "booked":
        raise BookingRefused(f"Booking {booking_id} is {state.replace('_', ' ')}; only a "
                             "booking still to be checked in gets a new code.",
                             "cancelled" if state == "cancelled" else "used")
    if slot_day < today:
        raise BookingRefused(f"Booking {booking_id} was for {slot_day:%Y-%m-%d}, a day that "
                             "has passed.", "past")


def new_code(taken: Callable[[str], bool],
             draw: Callable[[int], int] = secrets.randbelow) -> str:
    """A six-digit booking code that `taken` says is not that day's already (the codes are
    kept only as keyed hashes: `taken` hashes the code and looks): drawn from the system's
    secure random source, so a code cannot be guessed from another."""
    for _ in range(1000):
        code = f"{draw(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        if not taken(code):
            return code
    raise QueueError("No booking code is free for that day.")  # a million bookings a day


def is_code(text: str) -> bool:
    """Six ASCII digits: what a booking code looks like."""
    return len(text) == CODE_DIGITS and text.isascii() and text.isdigit()


def code_entry_rests(refused: Sequence[datetime], now: datetime) -> bool:
    """Whether a kiosk takes no booking code now, given when its codes were refused (in
    order): CODE_TRIES within CODE_WINDOW, the last less than CODE_REST ago."""
    recent = [at for at in refused if now - at <= CODE_LOOKBACK]
    if len(recent) < CODE_TRIES or now - recent[-1] >= CODE_REST:
        return False
    return any(recent[i + CODE_TRIES - 1] - recent[i] <= CODE_WINDOW
               for i in range(len(recent) - CODE_TRIES + 1))


def slot_from(day: date, start: time, length_min: int, *, opens: time, closes: time) -> Slot:
    """A slot within the service's opening hours, or a refusal."""
    def minutes(t: time) -> int:
        return t.hour * 60 + t.minute

    slot = Slot(day, start, length_min)  # its end in minutes: 9999-12-31 has no next day
    if not (opens <= start and minutes(start) + length_min <= minutes(closes)):
        raise QueueError(f"A slot must lie within the service's hours "
                         f"({opens:%H:%M}-{closes:%H:%M}).")
    return slot


def punctual(called_at: datetime | None, slot_at: datetime, within_s: float = 300.0) -> bool:
    """Called no later than `within_s` after the slot (the share the figures report)."""
    return called_at is not None and (called_at - slot_at).total_seconds() <= within_s
