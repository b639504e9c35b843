"""The forecast adapter: the queue as the rules see it, fast-forwarded for estimates."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from kiosk.errors import NotFound, QueueError
from kiosk.queue import models as m
from kiosk.queue import rules
from kiosk.queue.txn import Branch
from kiosk.queue.views import TicketView


@dataclass(frozen=True)
class ForecastInputs:
    now: datetime
    counters: list[tuple[rules.CounterState, float]]
    waiting: list[rules.Candidate]
    means: dict[str, float]


@dataclass(frozen=True)
class CounterChange:
    """One counter changed: `counter` as it would be afterwards (its services in order),
    and whether it calls then (open) or not (paused or closed)."""

    counter: rules.CounterState
    calls: bool


@dataclass(frozen=True)
class ServiceWaits:
    """One service before and after a counter change, from the kiosk's own forecast.

    `new_*`: the wait of a number taken now (what the kiosk button and the hall display
    show; None: no open counter serves the service). `longest_*`: the longest forecast
    wait among the tickets waiting now; `unserved_*`: how many of them no open counter
    would reach. `*_beyond`: that wait lies beyond the forecast's horizon and is a lower
    bound."""

    service: str
    waiting: int
    new_before: float | None
    new_after: float | None
    longest_before: float | None
    longest_after: float | None
    unserved_before: int
    unserved_after: int
    new_before_beyond: bool = False
    new_after_beyond: bool = False
    longest_before_beyond: bool = False
    longest_after_beyond: bool = False


def changed_counters(counters: Sequence[tuple[rules.CounterState, float]],
                     change: CounterChange) -> list[tuple[rules.CounterState, float]]:
    """The open counters after `change` (a counter that stays open keeps its customer)."""
    number = change.counter.number
    busy = next((b for st, b in counters if st.number == number), 0.0)
    out = [(st, b) for st, b in counters if st.number != number]
    if change.calls:
        out.append((change.counter, busy))
    return sorted(out, key=lambda item: item[0].number)


def what_if(q: ForecastInputs, change: CounterChange, policy: rules.Policy,
            services: Sequence[str], tier: str,
            horizon: rules.Horizon | None = None) -> list[ServiceWaits]:
    """The estimated waits per service now and after `change`: the queue fast-forwarded
    as it is and with the counter changed (`rules.project`, each with a new ticket of
    `tier` per service), looking as far as the kiosk's forecast (`horizon`). Pure."""
    after = changed_counters(q.counters, change)
    probes = [(prefix, tier) for prefix in services]
    before_p = rules.project(q.now, q.counters, q.waiting, q.means, policy, probes, horizon)
    after_p = rules.project(q.now, after, q.waiting, q.means, policy, probes, horizon)
    out = []
    for prefix in services:
        mine = [c for c in q.waiting if c.service == prefix]
        found_b = [before_p.of(c) for c in mine]
        found_a = [after_p.of(c) for c in mine]

        def longest(found: list[rules.Forecast | None]) -> rules.Forecast | None:
            return max((f for f in found if f is not None), key=lambda f: f.wait_s,
                       default=None)

        new_b, new_a = before_p.new[(prefix, tier)], after_p.new[(prefix, tier)]
        long_b, long_a = longest(found_b), longest(found_a)
        out.append(ServiceWaits(
            service=prefix, waiting=len(mine),
            new_before=None if new_b is None else new_b.wait_s,
            new_after=None if new_a is None else new_a.wait_s,
            longest_before=None if long_b is None else long_b.wait_s,
            longest_after=None if long_a is None else long_a.wait_s,
            unserved_before=sum(1 for f in found_b if f is None),
            unserved_after=sum(1 for f in found_a if f is None),
            new_before_beyond=bool(new_b and new_b.beyond),
            new_after_beyond=bool(new_a and new_a.beyond),
            longest_before_beyond=bool(long_b and long_b.beyond),
            longest_after_beyond=bool(long_a and long_a.beyond)))
    return out


WHAT_IF_ACTIONS = ("open", "pause", "close", "services")
_FEED_HEAD = select(m.BranchState.last_event_id).where(m.BranchState.id == 1)
_T = m.Ticket.__table__.c
_CANDIDATE = (_T.id, _T.service, _T.tier, _T.rank_at, _T.pin, _T.booked_slot_at)
_WAITING = select(*_CANDIDATE).where(_T.status == m.WAITING)


def _candidate(r: Any) -> rules.Candidate:
    """A waiting ticket's row (`_CANDIDATE`'s columns, in order) as the rules see it."""
    ticket_id, service, tier, rank_at, pin, booked = r
    return rules.Candidate(ticket_id, service, tier, rank_at, pin, None, booked)


_C = m.CounterRow.__table__.c
_OPEN_COUNTERS = (
    select(_C.number, _C.services, _C.green_channel, _C.consecutive_priority,
           _T.service, _T.status, _T.started_at, _T.called_at)
    .select_from(m.CounterRow.__table__.outerjoin(
        m.Ticket.__table__, _T.id == _C.current_ticket_id))
    .where(_C.status == m.COUNTER_OPEN).order_by(_C.number))
_MEANS = select(m.ServiceRow.prefix, m.ServiceRow.mean_service_s)
_B = m.Booking.__table__.c
_TO_COME = (select(_B.slot_at, _B.service, _B.tier)
            .where(_B.slot_day == bindparam("day"), _B.state == m.BOOKED))
_EV = m.Event.__table__.c
_CATCH_UP = (
    select(_EV.id.label("event_id"), _EV.kind, _EV.ticket_id, _EV.counter, _T.service,
           _T.tier, _T.rank_at, _T.pin, _T.booked_slot_at, _T.status)
    .select_from(m.Event.__table__.outerjoin(m.Ticket.__table__, _T.id == _EV.ticket_id))
    .where(_EV.id > bindparam("after"), _EV.id <= bindparam("upto")).order_by(_EV.id))


# A forecast is reused while the queue is as it was (the feed's last event id) and the
# clock has moved less than this: the readers of one change (the kiosk's buttons, the
# hall display, `kiosk status`, a ticket) share one fast-forward, and an idle hall's
# waits still age with its 30-second refresh.
REUSE_S = 5.0

# How far the forecast looks ahead: three hours of calls, at most 600 of them. Within it
# every estimate is the policy's own fast-forward; a ticket further back is told "more
# than N ahead, over N minutes" (a lower bound), so a hall of 10,000 costs what a hall of
# 600 does. A busy branch's longest wait is well inside it.
HORIZON = rules.Horizon(seconds=3 * 3600.0, calls=600)

# The waiting tickets are kept in memory between forecasts and brought up to date from
# the feed (the tickets its events name are read again). They are read in full when the
# station starts, on a new business day, after more than MAX_CATCH_UP events, and at
# least every RESYNC_S seconds, so anything written without an event heals by itself.
MAX_CATCH_UP = 2000
RESYNC_S = 120.0


@dataclass(frozen=True)
class QueueForecast:
    """The queue fast-forwarded once, at the feed's event `event_id`, at `now`: every
    waiting ticket's place and wait, and where a ticket of each (service, tier) taken
    now would stand (None: no open counter serves it), with `waiting` per service."""

    event_id: int
    now: datetime
    projection: rules.Projection
    waiting: dict[str, int]
    candidates: dict[int, rules.Candidate]
    means: dict[str, float]  # the service means it used, seconds

    @property
    def new(self) -> dict[tuple[str, str], rules.Forecast | None]:
        return self.projection.new

    @cached_property
    def tickets(self) -> dict[int, rules.Forecast]:
        """Every waiting ticket an open counter reaches, with its place and wait."""
        p = self.projection
        if p.bound is None:
            return p.placed
        out = dict(p.placed)
        reach: dict[tuple[str, str], bool] = {}  # the same answer for a whole group
        for tid, c in self.candidates.items():
            if tid in out:
                continue
            if c.pin is None and c.booked_at is None and c.promised_at is None:
                key = (c.service, c.tier)
                if key not in reach:
                    reach[key] = rules.reachable(p.counters, c, p.policy)
                if reach[key]:
                    out[tid] = p.bound
            elif rules.reachable(p.counters, c, p.policy):
                out[tid] = p.bound
        return out


def placed(view: TicketView, f: rules.Forecast | None) -> TicketView:
    """The ticket with its people ahead and estimated wait from `f` (None: unknown)."""
    return replace(view, ahead=f.ahead if f else None,
                   estimated_wait_s=round(f.wait_s) if f else None,
                   beyond=bool(f and f.beyond))


def _busy(rows: Sequence[Any], now: datetime,
          means: dict[str, float]) -> list[tuple[rules.CounterState, float]]:
    """Open counter rows (`_OPEN_COUNTERS`) as the rules see them, each with the seconds
    until it is free at `now`."""
    out = []
    for r in rows:
        busy = 0.0
        if r.status in (m.CALLED, m.SERVING):
            began = r.started_at or r.called_at or now
            busy = rules.remaining_service_s(means.get(r.service, 300.0),
                                             (now - began).total_seconds())
        services = tuple(p for p in r.services.split(",") if p)
        out.append((rules.CounterState(r.number, services, r.green_channel,
                                       r.consecutive_priority), busy))
    return out


class _Rest:
    """What a forecast reads besides the waiting tickets: the open counters, the service
    means and today's bookings still to come. Kept between forecasts; each is read again
    only when an event says it changed (the counters: an event naming a counter, a call,
    a finish, a counter opened or paused; the means: a finish, which learns the service
    time; the bookings: a booking event), and all three when the waiting tickets are
    read in full (`forget`)."""

    PARTS = frozenset({"counters", "means", "bookings"})

    def __init__(self) -> None:
        self.stale_parts = set(self.PARTS)
        self.counter_rows: list[Any] = []
        self.means: dict[str, float] = {}
        self.bookings: list[tuple[datetime, str, str]] = []  # (slot, service, tier)

    def forget(self) -> None:
        """Read all three again before the next forecast."""
        self.stale_parts = set(self.PARTS)

    def saw(self, kind: str, counter: int | None) -> None:
        """An event of the feed: what it may have changed is read again."""
        if counter is not None:
            self.stale_parts.add("counters")
        if kind == "finish":
            self.stale_parts.add("means")
        if kind.startswith("booking_"):
            self.stale_parts.add("bookings")

    def read(self, s: Session, day: date) -> None:
        parts = self.stale_parts
        if "counters" in parts:
            self.counter_rows = list(s.execute(_OPEN_COUNTERS).all())
        if "means" in parts:
            self.means = {k: float(v) for k, v in s.execute(_MEANS).all()}
        if "bookings" in parts:
            self.bookings = [(r.slot_at, r.service, r.tier)
                             for r in s.execute(_TO_COME, {"day": day})]
        parts.clear()

    def counters(self, now: datetime) -> list[tuple[rules.CounterState, float]]:
        return _busy(self.counter_rows, now, self.means)


def _beyond_horizon(last: QueueForecast, appended: list[rules.Candidate] | None,
                    now: datetime) -> QueueForecast | None:
    """`last` with the tickets `appended` to the queue since, when it still holds: it is
    a few seconds old at most, nothing but fresh tickets joined since (plain ones, taken
    after the forecast's `now`), and a ticket of each of their groups taken at `now`
    would have stood beyond the forecast's horizon (or been reached by no counter). Such
    a ticket is called no sooner than that one (it has waited less), so not within the
    horizon, and a ticket not called changes no call:
    the fast-forward to the horizon is the same, every new ticket stands at its bound.
    A hall whose queue is longer than the horizon pays no fast-forward per customer.
    None: fast-forward again."""
    if appended is None or not 0 <= (now - last.now).total_seconds() < REUSE_S:
        return None
    new = last.projection.new
    for c in appended:
        key = (c.service, c.tier)
        if key not in new or c.rank_at <= last.now:
            return None
        f = new[key]
        if f is not None and not f.beyond:
            return None
    if not appended:
        return last
    candidates = dict(last.candidates)
    candidates.update((c.ticket_id, c) for c in appended)
    return replace(last, candidates=candidates)


class Forecasts:
    def __init__(self, branch: Branch) -> None:
        self.branch = branch
        self._last: QueueForecast | None = None
        self._lock = threading.Lock()
        self._waiting: rules.WaitingSet | None = None  # as of event self._synced
        self._synced = 0
        self._synced_day: date | None = None
        self._read_at = 0.0  # monotonic time of the last full read
        self._rest = _Rest()
        # the tickets the last `_sync` added to the kept set when that was all it did
        # (fresh plain tickets, nothing called, moved or changed); None: something else
        self._appended: list[rules.Candidate] | None = None

    def inputs(self, s: Session, now: datetime | None = None) -> ForecastInputs:
        """The queue as the rules see it: waiting tickets, open counters, service means."""
        now = now or self.branch.now()
        waiting = [_candidate(r) for r in s.execute(_WAITING)]
        means = self._means(s)
        return ForecastInputs(now, self._counters(s, now, means), waiting, means)

    @staticmethod
    def _means(s: Session) -> dict[str, float]:
        return {k: float(v) for k, v in s.execute(_MEANS).all()}

    @staticmethod
    def _counters(s: Session, now: datetime,
                  means: dict[str, float]) -> list[tuple[rules.CounterState, float]]:
        """The open counters, each with the seconds until it is free (one query)."""
        return _busy(s.execute(_OPEN_COUNTERS).all(), now, means)

    def _sync(self, s: Session, event_id: int) -> rules.WaitingSet:
        """The waiting tickets as of (at least) event `event_id`: the kept set with the
        tickets named by the events since read again, or a full read."""
        day = self.branch.business_day(self.branch.now())
        kept = self._waiting
        if kept is None or day != self._synced_day or event_id < self._synced \
                or event_id - self._synced > MAX_CATCH_UP \
                or time.monotonic() - self._read_at > RESYNC_S \
                or not self._catch_up(s, kept, event_id):
            kept = rules.WaitingSet(_candidate(r) for r in s.execute(_WAITING))
            self._waiting, self._read_at, self._synced_day = kept, time.monotonic(), day
            self._rest.forget()
            self._appended = None
        self._synced = event_id
        return kept

    def _catch_up(self, s: Session, kept: rules.WaitingSet, event_id: int) -> bool:
        """Apply the events after the last one seen up to `event_id`; False when they
        cannot be applied one by one (a gap, a new business day): read everything."""
        appended: list[rules.Candidate] | None = []
        self._appended = appended
        if event_id == self._synced:
            return True
        # each event with its ticket as it is now: one round trip
        rows = s.execute(_CATCH_UP, {"after": self._synced, "upto": event_id}).all()
        if len({r.event_id for r in rows}) != event_id - self._synced \
                or any(r.kind == "day_rollover" for r in rows):
            return False
        for r in rows:
            if r.counter is not None or r.kind.startswith("booking_"):
                self._rest.saw(r.kind, r.counter)  # a counter, a mean or a booking changed
                appended = None
            if r.ticket_id is None:
                continue
            if r.status == m.WAITING:
                c = _candidate((r.ticket_id, r.service, r.tier, r.rank_at, r.pin,
                                r.booked_slot_at))
                before = kept.get(c.ticket_id)
                if before == c:
                    continue  # an event that changed nothing the rules read
                kept.put(c)
                if appended is not None and before is None and c.pin is None \
                        and c.booked_at is None:
                    appended.append(c)
                else:
                    appended = None
            else:  # called, finished, cancelled, or gone: no longer waiting
                kept.discard(r.ticket_id)
                appended = None
        self._appended = appended
        return True

    def current(self, s: Session) -> QueueForecast:
        """The forecast of the queue as it is: the last one made in this process when the
        feed has not moved since (and the clock hardly), else one new fast-forward of the
        kept waiting tickets, brought up to date from the feed."""
        with self._lock:
            now = self.branch.now()
            # the event id first: a change committed while the rows are read makes the
            # next reader compute again, never a forecast labelled newer than what it saw
            event_id = int(s.execute(_FEED_HEAD).scalar() or 0)
            last = self._last
            if last is not None and last.event_id == event_id \
                    and 0 <= (now - last.now).total_seconds() < REUSE_S:
                return last
            synced = self._synced
            waiting = self._sync(s, event_id)
            if last is not None and last.event_id == synced:
                kept = _beyond_horizon(last, self._appended, now)
                if kept is not None:
                    self._last = replace(kept, event_id=event_id,
                                         waiting=waiting.count_by_service())
                    return self._last
            rest = self._rest
            if rest.stale_parts:  # what changed since, read again
                rest.read(s, self.branch.business_day(now))
            means = rest.means
            b = self.branch
            new = [(svc.prefix, tier) for svc in b.settings.services for tier in b.tiers]
            grace = timedelta(minutes=b.settings.appointments.grace_min)
            to_come = rules.booked_arrivals(
                now, [r for r in rest.bookings if r[0] >= now - grace], b.policy)
            projection = rules.project(now, rest.counters(now), waiting, means, b.policy, new,
                                       HORIZON, to_come)
            self._last = QueueForecast(event_id, now, projection, waiting.count_by_service(),
                                       dict(waiting.by_id), means)
            return self._last

    def all(self, s: Session) -> dict[int, rules.Forecast]:
        return self.current(s).tickets

    def new_tickets(self, s: Session, tier: str | None = None) -> dict[str, rules.Forecast | None]:
        """Per service: where a number taken now would stand (None: no open counter serves it).

        The policy fast-forwarded with one more ticket of `tier` (default regular)
        arriving now: what the kiosk buttons and the hall display show.
        """
        tier = tier or self.branch.settings.regular_tier.key
        found = self.current(s).new
        return {svc.prefix: found.get((svc.prefix, tier))
                for svc in self.branch.settings.services}

    def joined(self, event_id: int) -> QueueForecast | None:
        """The forecast the kiosk's buttons showed before the ticket of event `event_id`
        was issued: the last one this process made, when it is of an earlier queue state
        and a few seconds old at most (exactly the queue the ticket joined when no other
        station changed it in between); else None (the caller forecasts the queue as it
        is now). The ticket then prints the wait its customer was shown, and its station
        pays one fast-forward per customer, not two."""
        last = self._last
        if last is None or last.event_id >= event_id:
            return None
        age = (self.branch.now() - last.now).total_seconds()
        return last if 0 <= age < REUSE_S else None

    def what_if(self, counter: int, action: str,
                services: Sequence[str] | None = None) -> list[ServiceWaits]:
        """Estimated waits per service now and if `counter` were opened, paused, closed or
        given other `services` (in preference order): nothing is changed."""
        if action not in WHAT_IF_ACTIONS:
            raise QueueError(f"A what-if is one of {', '.join(WHAT_IF_ACTIONS)}, "
                             f"not {action!r}.")
        b = self.branch
        with b.read() as s:
            crow = b.counter_row(s, counter)
            served = tuple(services) if services is not None else crow.service_list
            for prefix in served:
                b.service(prefix)  # NotFound names the branch's services
            if not served:
                raise NotFound("A counter serves at least one service.")
            state = rules.CounterState(crow.number, served, crow.green_channel,
                                       crow.consecutive_priority)
            calls = {"open": True, "pause": False, "close": False,
                     "services": crow.status == m.COUNTER_OPEN}[action]
            q = self.inputs(s)
        return what_if(q, CounterChange(state, calls), b.policy,
                       [svc.prefix for svc in b.settings.services],
                       b.settings.regular_tier.key, HORIZON)

    def attach(self, s: Session, views: list[TicketView]) -> list[TicketView]:
        """The views with people ahead and estimated wait."""
        forecasts = self.current(s).tickets
        return [placed(v, forecasts.get(v.id)) for v in views]
