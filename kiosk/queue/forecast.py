"""The forecast adapter: the queue as the rules see it, fast-forwarded for estimates."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

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


class Forecasts:
    def __init__(self, branch: Branch) -> None:
        self.branch = branch

    def inputs(self, s: Session) -> ForecastInputs:
        """The queue as the rules see it: waiting tickets, open counters, service means."""
        now = self.branch.now()
        waiting = [rules.Candidate(r.id, r.service, r.tier, r.rank_at, r.pin) for r in s.execute(
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

    def all(self, s: Session) -> dict[int, rules.Forecast]:
        q = self.inputs(s)
        if not q.waiting:
            return {}
        return rules.forecast(q.now, q.counters, q.waiting, q.means, self.branch.policy)

    def new_tickets(self, s: Session, tier: str | None = None) -> dict[str, rules.Forecast | None]:
        """Per service: where a number taken now would stand (None: no open counter serves it).

        Fast-forwards the policy with one more ticket of `tier` (default regular) arriving
        now, once per service: what the kiosk buttons and the hall display show.
        """
        q = self.inputs(s)
        tier = tier or self.branch.settings.regular_tier.key
        out: dict[str, rules.Forecast | None] = {}
        for svc in self.branch.settings.services:
            probe = rules.Candidate(-1, svc.prefix, tier, q.now, None)
            out[svc.prefix] = rules.forecast(q.now, q.counters, [*q.waiting, probe], q.means,
                                             self.branch.policy).get(-1)
        return out

    def attach(self, s: Session, views: list[TicketView]) -> list[TicketView]:
        """The views with people ahead and estimated wait."""
        forecasts = self.all(s)
        out = []
        for v in views:
            f = forecasts.get(v.id)
            out.append(replace(v, ahead=f.ahead if f else None,
                                estimated_wait_s=round(f.wait_s) if f else None))
        return out
