"""The forecast adapter: the queue as the rules see it, fast-forwarded for estimates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
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
    would reach."""

    service: str
    waiting: int
    new_before: float | None
    new_after: float | None
    longest_before: float | None
    longest_after: float | None
    unserved_before: int
    unserved_after: int


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
            services: Sequence[str], tier: str) -> list[ServiceWaits]:
    """The estimated waits per service now and after `change`: the queue fast-forwarded
    as it is and with the counter changed (`rules.forecast_with_new`, each with a new
    ticket of `tier` per service). Pure."""
    after = changed_counters(q.counters, change)
    probes = [(prefix, tier) for prefix in services]
    all_b, found_b = rules.forecast_with_new(q.now, q.counters, q.waiting, q.means, policy,
                                             probes)
    all_a, found_a = rules.forecast_with_new(q.now, after, q.waiting, q.means, policy, probes)
    new_b = {prefix: found_b[(prefix, tier)] for prefix in services}
    new_a = {prefix: found_a[(prefix, tier)] for prefix in services}
    out = []
    for prefix in services:
        ids = [c.ticket_id for c in q.waiting if c.service == prefix]

        def longest(found: dict[int, rules.Forecast], ids: list[int] = ids) -> float | None:
            waits = [found[i].wait_s for i in ids if i in found]
            return max(waits) if waits else None

        def wait(f: rules.Forecast | None) -> float | None:
            return None if f is None else f.wait_s

        out.append(ServiceWaits(
            service=prefix, waiting=len(ids),
            new_before=wait(new_b.get(prefix)), new_after=wait(new_a.get(prefix)),
            longest_before=longest(all_b), longest_after=longest(all_a),
            unserved_before=sum(1 for i in ids if i not in all_b),
            unserved_after=sum(1 for i in ids if i not in all_a)))
    return out


WHAT_IF_ACTIONS = ("open", "pause", "close", "services")
_FEED_HEAD = select(m.BranchState.last_event_id).where(m.BranchState.id == 1)


# A forecast is reused while the queue is as it was (the feed's last event id) and the
# clock has moved less than this: the readers of one change (the kiosk's buttons, the
# hall display, `kiosk status`, a ticket) share one fast-forward, and an idle hall's
# waits still age with its 30-second refresh.
REUSE_S = 5.0


@dataclass(frozen=True)
class QueueForecast:
    """The queue fast-forwarded once, at the feed's event `event_id`, at `now`: every
    waiting ticket's place and wait, and where a ticket of each (service, tier) taken
    now would stand (None: no open counter serves it)."""

    event_id: int
    now: datetime
    tickets: dict[int, rules.Forecast]
    new: dict[tuple[str, str], rules.Forecast | None]


def placed(view: TicketView, f: rules.Forecast | None) -> TicketView:
    """The ticket with its people ahead and estimated wait from `f` (None: unknown)."""
    return replace(view, ahead=f.ahead if f else None,
                   estimated_wait_s=round(f.wait_s) if f else None)


class Forecasts:
    def __init__(self, branch: Branch) -> None:
        self.branch = branch
        self._last: QueueForecast | None = None

    def inputs(self, s: Session, now: datetime | None = None) -> ForecastInputs:
        """The queue as the rules see it: waiting tickets, open counters, service means."""
        now = now or self.branch.now()
        waiting = [rules.Candidate(r[0], r[1], r[2], r[3], r[4]) for r in s.execute(
            select(m.Ticket.id, m.Ticket.service, m.Ticket.tier, m.Ticket.rank_at, m.Ticket.pin)
            .where(m.Ticket.status == m.WAITING))]
        means = {k: float(v) for k, v in s.execute(
            select(m.ServiceRow.prefix, m.ServiceRow.mean_service_s)).all()}
        counters = []
        for crow in s.scalars(select(m.CounterRow).where(m.CounterRow.status == m.COUNTER_OPEN)):
            busy = 0.0
            if crow.current_ticket_id is not None:
                cur = s.get(m.Ticket, crow.current_ticket_id)
                if cur is not None and cur.status in (m.CALLED, m.SERVING):
                    began = cur.started_at or cur.called_at or now
                    busy = rules.remaining_service_s(means.get(cur.service, 300.0),
                                                     (now - began).total_seconds())
            state = rules.CounterState(crow.number, crow.service_list, crow.green_channel,
                                       crow.consecutive_priority)
            counters.append((state, busy))
        return ForecastInputs(now, counters, waiting, means)

    def current(self, s: Session) -> QueueForecast:
        """The forecast of the queue as it is: the last one made in this process when the
        feed has not moved since (and the clock hardly), else one new fast-forward."""
        now = self.branch.now()
        # the event id first: a change committed while the rows are read makes the next
        # reader compute again, never a forecast labelled newer than what it saw
        event_id = int(s.execute(_FEED_HEAD).scalar() or 0)
        last = self._last
        if last is not None and last.event_id == event_id \
                and 0 <= (now - last.now).total_seconds() < REUSE_S:
            return last
        q = self.inputs(s, now)
        b = self.branch
        new = [(svc.prefix, tier) for svc in b.settings.services for tier in b.tiers]
        tickets, found = rules.forecast_with_new(now, q.counters, q.waiting, q.means,
                                                 b.policy, new)
        self._last = QueueForecast(event_id, now, tickets, found)
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
        """The forecast of the queue as it was just before event `event_id` (the queue a
        ticket issued with that event joined, what the kiosk's button showed), when this
        process made it; else None (the caller fast-forwards the queue as it is now)."""
        last = self._last
        return last if last is not None and last.event_id == event_id - 1 else None

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
                       b.settings.regular_tier.key)

    def attach(self, s: Session, views: list[TicketView]) -> list[TicketView]:
        """The views with people ahead and estimated wait."""
        forecasts = self.current(s).tickets
        return [placed(v, forecasts.get(v.id)) for v in views]
