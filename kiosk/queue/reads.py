"""What the queue shows: tickets with their forecasts, counters, services, calls, the feed,
the audit log, the notice and the customer directory. Reads only (a read on a new
business day rolls it over first, see txn.Branch.read)."""

from __future__ import annotations

from sqlalchemy import func, select

from kiosk.identity import Identity
from kiosk.queue import models as m
from kiosk.queue.forecast import Forecasts
from kiosk.queue.txn import Branch
from kiosk.queue.views import (
    AuditRecord,
    CounterView,
    CustomerRecord,
    FeedEvent,
    RecentCall,
    ServiceSummary,
    TicketView,
)


class Reads:
    def __init__(self, branch: Branch, forecasts: Forecasts) -> None:
        self.branch = branch
        self.forecasts = forecasts

    def ticket(self, ticket_id: int, *, with_forecast: bool = True) -> TicketView:
        b = self.branch
        with b.read() as s:
            ticket = b.ticket_row(s, ticket_id)
            view = b.view(ticket)
            if with_forecast and ticket.status == m.WAITING:
                view = self.forecasts.attach(s, [view])[0]
            return view

    def with_forecast(self, view: TicketView) -> TicketView:
        """The ticket with people ahead and estimated wait (read after it was issued)."""
        if view.status != m.WAITING:
            return view
        with self.branch.read() as s:
            return self.forecasts.attach(s, [view])[0]

    def waiting(self) -> list[TicketView]:
        b = self.branch
        with b.read() as s:
            rows = s.scalars(select(m.Ticket).where(m.Ticket.status == m.WAITING)
                             .order_by(m.Ticket.rank_at, m.Ticket.id)).all()
            views = self.forecasts.attach(s, [b.view(t) for t in rows])
            return sorted(views, key=lambda v: (v.estimated_wait_s is None,
                                                v.estimated_wait_s or 0, v.ahead or 0))

    def counters(self) -> list[CounterView]:
        b = self.branch
        with b.read() as s:
            rows = s.scalars(select(m.CounterRow).order_by(m.CounterRow.number)).all()
            return [b.counter_view(s, c) for c in rows]

    def service_summary(self) -> list[ServiceSummary]:
        """Per service: people waiting, open counters serving it, and, for a number taken
        now, people ahead and the estimated wait (fast-forwarded, not "ahead x mean")."""
        b = self.branch
        with b.read() as s:
            counts = dict(s.execute(select(m.Ticket.service, func.count())
                                    .where(m.Ticket.status == m.WAITING)
                                    .group_by(m.Ticket.service)).all())
            open_rows = s.scalars(select(m.CounterRow)
                                  .where(m.CounterRow.status == m.COUNTER_OPEN)).all()
            means = dict(s.execute(select(m.ServiceRow.prefix, m.ServiceRow.mean_service_s))
                         .all())
            estimates = self.forecasts.new_tickets(s)
        now = b.now()
        out = []
        for svc in b.settings.services:
            new = estimates.get(svc.prefix)
            out.append(ServiceSummary(
                service=svc.prefix, name_zh=svc.name_zh, name_en=svc.name_en,
                waiting=counts.get(svc.prefix, 0),
                open_counters=tuple(c.number for c in open_rows
                                    if svc.prefix in c.service_list),
                ahead=new.ahead if new else None,
                estimated_wait_s=round(new.wait_s) if new else None,
                mean_service_s=round(means.get(svc.prefix, svc.default_service_s)),
                open_now=svc.opens <= now.time() < svc.closes,
                opens=svc.opens.strftime("%H:%M"), closes=svc.closes.strftime("%H:%M"),
            ))
        return out

    def recent_calls(self, limit: int = 10) -> list[RecentCall]:
        """Today's latest calls and recalls (yesterday's are not shown the next morning)."""
        b = self.branch
        with b.read() as s:
            since = b.day_start(b.business_day(b.now()))
            rows = s.scalars(select(m.Event).where(m.Event.kind.in_(("called", "recall")),
                                                   m.Event.at >= since)
                             .order_by(m.Event.id.desc()).limit(limit)).all()
            return [RecentCall(e.id, e.at, e.kind, e.ticket_id, _text(e.payload.get("number")),
                               e.counter) for e in rows]

    def events_since(self, since: int, limit: int = 1000) -> list[FeedEvent]:
        with self.branch.db.read() as s:
            rows = s.scalars(select(m.Event).where(m.Event.id > since)
                             .order_by(m.Event.id).limit(limit)).all()
            return [FeedEvent(e.id, e.at, e.kind, e.ticket_id, e.counter, dict(e.payload or {}))
                    for e in rows]

    def last_event_id(self) -> int:
        with self.branch.db.read() as s:
            return int(s.scalar(select(func.coalesce(func.max(m.Event.id), 0))) or 0)

    def audit_log(self, limit: int = 100) -> list[AuditRecord]:
        with self.branch.db.read() as s:
            rows = s.scalars(select(m.Audit).order_by(m.Audit.id.desc()).limit(limit)).all()
            return [AuditRecord(a.at, a.actor, a.action, a.ticket_id, a.reason, a.event_id,
                                a.details) for a in rows]

    def notice(self) -> tuple[str, str]:
        with self.branch.db.read() as s:
            state = s.get(m.BranchState, 1)
            return (state.notice_zh, state.notice_en) if state else ("", "")

    def customer(self, identity: Identity) -> CustomerRecord | None:
        """The directory entry for an identified customer (tier, masked name), if any."""
        with self.branch.db.read() as s:
            c = s.scalars(select(m.Customer).where(m.Customer.id_hash == identity.digest)
                          ).first()
            if c is None:
                return None
            return CustomerRecord(c.tier, c.name_masked, c.id_kind, c.id_masked,
                                  c.relationship_manager)


def _text(value: object) -> str | None:
    return None if value is None else str(value)
