"""A simulated day played through the real queue service, into a real branch database.

The simulator (`kiosk.queue.simulate`) decides nothing here: its customers arrive at the
kiosk (`issue`, VIPs recognised by their card from the customer directory, as at a real
kiosk), counters call with the branch's own rules (`call_next`), start, finish or mark
no-shows, and pause for their breaks, each at the simulated time on an injected clock.
The day engine's event order is the simulator's (a counter freed, a break starting, a
break ending, an arrival; then the counters in the branch's order), so the same rules
call the same customers at the same times, and a replayed day's figures read as the
simulator's report of that day.

What it is for: checking that figures read from the database agree with the simulator's
(tests), and filling a branch database with realistic days through the real service
(`kiosk bench`'s month of a busy branch).

The other way round, `read_real_days` reads a branch's own days from its database (read
only) as simulator customers, for `kiosk simulate --replay`: each policy played on the
arrivals and service times the branch really had.
"""

from __future__ import annotations

import heapq
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from kiosk.identity import Identity, identify, luhn_valid
from kiosk.queue import customers as directory
from kiosk.queue import models as m
from kiosk.queue.service import QueueService
from kiosk.queue.simulate import Customer, Scenario


class ReplayClock:
    """The branch time of a replay: the replay sets it before each operation."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True)
class ReplayedCall:
    """A customer the service called: who, which ticket, when, where."""

    customer: Customer
    ticket_id: int
    arrived_at: datetime
    called_at: datetime
    counter: int

    @property
    def wait_s(self) -> float:
        return (self.called_at - self.arrived_at).total_seconds()


@dataclass
class _Desk:
    number: int
    services: tuple[str, ...]
    open: bool = True
    ticket: int | None = None
    customer: Customer | None = None


def card_number(tier_index: int, customer_id: int) -> str:
    """A made-up card number (Luhn-valid) for the simulator's customer of that tier."""
    body = f"6222{tier_index:02d}{customer_id:09d}"
    check = next(d for d in "0123456789" if luhn_valid(body + d))
    return body + check


def register_customers(service: QueueService, scenario: Scenario,
                       days: Iterable[Sequence[Customer]]) -> None:
    """Put the days' priority-tier customers in the branch's customer directory (through
    the CRM import, as a bank does), so the kiosk recognises them by their card."""
    tiers = [t.key for t in scenario.settings.tiers]
    priority = {t.key for t in scenario.settings.tiers if t.priority}
    wanted = sorted({(c.tier, c.id) for day in days for c in day if c.tier in priority})
    if not wanted:
        return
    with tempfile.TemporaryDirectory(prefix="kiosk-replay-") as tmp:
        path = Path(tmp) / "customers.csv"
        lines = ["identifier,name,tier,relationship_manager"]
        lines += [f"{card_number(tiers.index(tier), cid)},客户{cid},{tier},"
                  for tier, cid in wanted]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with service.db.begin() as s:
            directory.import_csv(s, path, service.settings.hash_secret,
                                 service.settings.tiers, service.now())


class DayReplay:
    """One simulated day through the service (see the module's docstring)."""

    _FREE, _BREAK_START, _BREAK_END, _ARRIVAL = range(4)

    def __init__(self, service: QueueService, clock: ReplayClock, scenario: Scenario,
                 day: date) -> None:
        self.service, self.clock, self.scenario = service, clock, scenario
        self.start = datetime.combine(day, scenario.opens)
        settings = scenario.settings
        self.tiers = [t.key for t in settings.tiers]
        self.priority = {t.key for t in settings.tiers if t.priority}
        self.desks = [_Desk(c.number, tuple(c.services)) for c in settings.counters
                      if c.number in scenario.counters]
        self.calls: list[ReplayedCall] = []
        self.arrived: dict[int, datetime] = {}
        self.customers: dict[int, Customer] = {}  # ticket id -> customer
        self._events: list[tuple[float, int, int, object]] = []
        self._seq = 0

    def at(self, t: float) -> datetime:
        return self.start + timedelta(seconds=t)

    def _push(self, at: float, kind: int, payload: object) -> None:
        self._seq += 1
        heapq.heappush(self._events, (at, kind, self._seq, payload))

    def run(self, customers: Sequence[Customer]) -> list[ReplayedCall]:
        svc = self.service
        self.clock.now = self.start
        for desk in self.desks:
            if svc.counter(desk.number).status != "open":
                svc.open_counter(desk.number)
        for c in customers:
            self._push(c.arrival_s, self._ARRIVAL, c)
        for b in self.scenario.breaks:
            self._push(b.start_s, self._BREAK_START, b.counter)
            self._push(b.end_s, self._BREAK_END, b.counter)
        now = 0.0
        while self._events:
            now, kind, _, payload = heapq.heappop(self._events)
            self.clock.now = self.at(now)
            if kind == self._ARRIVAL:
                assert isinstance(payload, Customer)
                self._arrive(now, payload)
            elif kind == self._FREE:
                assert isinstance(payload, int)
                self._free(now, self._desk(payload))
            else:
                assert isinstance(payload, int)
                self._set_open(now, self._desk(payload), kind == self._BREAK_END)
        self.clock.now = self.at(max(now, self.scenario.hours * 3600.0))
        for desk in self.desks:
            if desk.open:
                svc.close_counter(desk.number)
        return self.calls

    def _desk(self, number: int) -> _Desk:
        return next(d for d in self.desks if d.number == number)

    def _identity(self, c: Customer) -> Identity | None:
        if c.tier not in self.priority:
            return None
        return identify(card_number(self.tiers.index(c.tier), c.id),
                        self.service.settings.hash_secret)

    def _arrive(self, now: float, c: Customer) -> None:
        view = self.service.issue(c.service, self._identity(c), station="replay")
        if view.tier != c.tier:
            raise AssertionError(f"customer {c.id} is {c.tier} but got a {view.tier} ticket")
        self.customers[view.id] = c
        self.arrived[view.id] = view.arrived_at
        for desk in self.desks:
            self._dispatch(now, desk)

    def _free(self, now: float, desk: _Desk) -> None:
        if desk.ticket is not None and desk.customer is not None:
            if desk.customer.no_show:
                self.service.no_show(desk.ticket)
            else:
                self.service.finish(desk.ticket)
        desk.ticket = desk.customer = None
        self._dispatch(now, desk)

    def _set_open(self, now: float, desk: _Desk, is_open: bool) -> None:
        if is_open and not desk.open:
            self.service.open_counter(desk.number)
        elif not is_open and desk.open:
            self.service.pause_counter(desk.number)
        desk.open = is_open
        self._dispatch(now, desk)

    def _dispatch(self, now: float, desk: _Desk) -> None:
        if not desk.open or desk.ticket is not None:
            return
        view = self.service.call_next(desk.number)
        if view is None:
            return
        c = self.customers[view.id]
        self.calls.append(ReplayedCall(c, view.id, self.arrived[view.id], self.clock.now,
                                       desk.number))
        desk.ticket, desk.customer = view.id, c
        if c.no_show:
            busy = self.scenario.no_show_s
        else:
            self.service.start(view.id)
            busy = c.service_s
        self._push(now + busy, self._FREE, desk.number)


def replay_days(service: QueueService, clock: ReplayClock, scenario: Scenario,
                days: Sequence[Sequence[Customer]], first_day: date) -> list[list[ReplayedCall]]:
    """Each simulated day on its own business day, from `first_day` on, one after another."""
    register_customers(service, scenario, days)
    out = []
    for k, customers in enumerate(days):
        out.append(DayReplay(service, clock, scenario, first_day + timedelta(days=k))
                   .run(customers))
    return out


# --- the other way round: a branch's real days, read to be simulated ---------------------


@dataclass(frozen=True)
class RealDays:
    """The branch's own days as the simulator plays them: one list of customers per
    business day with tickets, and what was left out."""

    days: list[date]
    customers: list[list[Customer]]
    left_out: int  # tickets not served or marked no-show (cancelled, expired, open)
    unknown: int  # tickets of a service or tier the branch file no longer has


def read_real_days(url: str, scenario: Scenario, first_day: date, last_day: date,
                   clock: Callable[[], datetime]) -> RealDays:
    """The real arrivals (service, tier, time of arrival) and service times of the
    branch's business days [first_day, last_day], read from its database without
    writing anything (kiosk.queue.figures_read), as simulator customers.

    A served ticket's service time is finished - started; a no-show costs the counter the
    scenario's `no_show_s`, as in a simulated day. Tickets that were cancelled, expired or
    are still open are left out (nobody can say how long they would have taken), and so
    are tickets of a service or tier the branch file does not have. Times are seconds after
    the scenario's opening time on that day (earlier arrivals come at the opening)."""
    from kiosk.queue.figures_read import BranchSource, read_facts

    facts = read_facts(BranchSource("", url), scenario.settings, clock, first_day, last_day)
    services = {s.prefix for s in scenario.settings.services}
    tiers = {t.key for t in scenario.settings.tiers}
    by_day: dict[date, list[tuple[float, str, str, float, bool]]] = {}
    left_out = unknown = 0
    for t in facts.tickets:
        if t.status == m.NO_SHOW:
            service_s, no_show = 0.0, True
        elif t.status == m.DONE and t.started_at is not None and t.finished_at is not None:
            service_s = max(1.0, (t.finished_at - t.started_at).total_seconds())
            no_show = False
        else:
            left_out += 1
            continue
        if t.service not in services or t.tier not in tiers:
            unknown += 1
            continue
        opens = datetime.combine(t.business_day, scenario.opens)
        arrival = max(0.0, (t.arrived_at - opens).total_seconds())
        by_day.setdefault(t.business_day, []).append(
            (arrival, t.tier, t.service, service_s, no_show))
    days = sorted(by_day)
    customers = [[Customer(i + 1, *row) for i, row in enumerate(sorted(by_day[d]))]
                 for d in days]
    return RealDays(days, customers, left_out, unknown)
