"""What the queue shows: tickets with their forecasts, counters, services, calls, the feed,
the audit log, the notice and the customer directory. Reads only (a read on a new
business day rolls it over first, see txn.Branch.read)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select

from kiosk.errors import NotFound, QueueError
from kiosk.identity import Identity
from kiosk.queue import models as m
from kiosk.queue.forecast import Forecasts, placed
from kiosk.queue.tickets import Tickets
from kiosk.queue.txn import Branch
from kiosk.queue.views import (
    AuditRecord,
    CounterPanel,
    CounterView,
    CustomerRecord,
    FeedEvent,
    RecentCall,
    ServiceSummary,
    TicketView,
)

_T = m.Ticket.__table__.c
# What a TicketView needs, without loading whole ORM objects (the console's thousands).
LIGHT_COLUMNS = (_T.id, _T.number, _T.service, _T.tier, _T.status, _T.business_day,
                 _T.arrived_at, _T.customer_masked, _T.counter, _T.called_at, _T.recalls,
                 _T.outcome, _T.pin, _T.booked_slot_at)


class Reads:
    def __init__(self, branch: Branch, forecasts: Forecasts, tickets: Tickets) -> None:
        self.branch = branch
        self.forecasts = forecasts
        self.tickets = tickets

    def ticket_id(self, ref: str) -> int:
        """A ticket's id from what a teller types: the id, or today's printed number (B006)."""
        ref = (ref or "").strip().upper()
        if ref.isascii() and ref.isdigit():
            if len(ref) > 18:
                raise NotFound(f"There is no ticket {ref}.")
            return int(ref)
        b = self.branch
        if not (0 < len(ref) <= 16 and ref.isascii() and ref.isalnum()):
            raise NotFound(f"{ref[:20]!r} is neither a ticket number like B006 nor an id.")
        with b.read() as s:
            found = s.scalar(select(m.Ticket.id).where(
                m.Ticket.business_day == b.business_day(b.now()), m.Ticket.number == ref))
        if found is None:
            raise NotFound(f"There is no ticket {ref} today.")
        return int(found)

    def ticket(self, ticket_id: int, *, with_forecast: bool = True) -> TicketView:
        b = self.branch
        with b.read() as s:
            ticket = b.ticket_row(s, ticket_id)
            view = b.view(ticket)
            if with_forecast and ticket.status == m.WAITING:
                view = self.forecasts.attach(s, [view])[0]
            return view

    def tickets_now(self, ids: Iterable[int], chunk: int = 500) -> dict[int, TicketView]:
        """These tickets as they are now, the waiting ones with people ahead and estimated
        wait: one reading transaction and one fast-forward of the queue however many
        (the web station's pages, after every batch of feed events)."""
        wanted = sorted(set(ids))
        b, t = self.branch, _T
        with b.read() as s:
            rows = [r for i in range(0, len(wanted), chunk) for r in s.execute(
                select(*LIGHT_COLUMNS).where(t.id.in_(wanted[i:i + chunk]))).all()]
            found = self.forecasts.all(s) if any(r.status == m.WAITING for r in rows) else {}
            return {r.id: b.view(r, forecast=found.get(r.id)) for r in rows}

    def with_forecast(self, view: TicketView) -> TicketView:
        """The ticket with people ahead and estimated wait (read after it was issued).

        A ticket this process has just issued gets the estimate of the queue it joined,
        the one the kiosk's button showed (`Forecasts.joined`): the same fast-forward, made
        once for that queue state, not again for the ticket."""
        if view.status != m.WAITING:
            return view
        event_id = None if view.existing else self.tickets.issued_event(view.id)
        joined = None if event_id is None else self.forecasts.joined(event_id)
        if joined is not None:
            return placed(view, joined.new.get((view.service, view.tier)))
        with self.branch.read() as s:
            return self.forecasts.attach(s, [view])[0]

    def waiting(self, limit: int | None = None) -> list[TicketView]:
        """The waiting tickets in the order they are forecast to be called (those no open
        counter reaches last), the first `limit` of them (None: all): a hall of 10,000
        costs `kiosk status` its forecast, not 10,000 views."""
        b, t = self.branch, _T
        with b.read() as s:
            forecast = self.forecasts.current(s)
            found = forecast.tickets
            if limit is None:
                rows = s.execute(select(*LIGHT_COLUMNS).where(t.status == m.WAITING)).all()
            else:
                unknown = (1, 0.0, 0)

                def place(tid: int) -> tuple[int, float, int]:
                    f = found.get(tid)
                    return unknown if f is None else (0, f.wait_s, f.ahead)

                first = sorted(forecast.candidates, key=lambda tid: (*place(tid), tid))[:limit]
                rows = [r for i in range(0, len(first), 500) for r in s.execute(
                    select(*LIGHT_COLUMNS).where(t.id.in_(first[i:i + 500]),
                                                 t.status == m.WAITING)).all()]
            views = [b.view(r, forecast=found.get(r.id)) for r in rows]
        views.sort(key=lambda v: (v.estimated_wait_s is None, v.estimated_wait_s or 0,
                                  v.ahead or 0, v.id))
        return views

    def hall(self) -> list[TicketView]:
        """Every waiting ticket, oldest first, without forecasts: one light read, fast with
        thousands waiting (the console's hall; `estimates` adds the waits)."""
        b, t = self.branch, _T
        with b.read() as s:
            rows = s.execute(select(*LIGHT_COLUMNS)
                             .where(t.status == m.WAITING).order_by(t.rank_at, t.id)).all()
        return [self.branch.view(r) for r in rows]

    def tickets_today(self, status: str, limit: int = 500) -> list[TicketView]:
        """Today's tickets in one state, latest first (the console's no-shows)."""
        b, t = self.branch, _T
        with b.read() as s:
            day = b.business_day(b.now())
            rows = s.execute(select(*LIGHT_COLUMNS)
                             .where(t.status == status, t.business_day == day)
                             .order_by(t.finished_at.desc(), t.id.desc()).limit(limit)).all()
        return [self.branch.view(r) for r in rows]

    def estimates(self) -> dict[int, tuple[int, float, bool]]:
        """Every waiting ticket's (people ahead, estimated wait in seconds, whether both
        are lower bounds), from the same fast-forward as the kiosk; a ticket no open
        counter reaches is left out."""
        with self.branch.read() as s:
            return {tid: (f.ahead, f.wait_s, f.beyond)
                    for tid, f in self.forecasts.all(s).items()}

    def events_today(self, kinds: tuple[str, ...], limit: int = 2000) -> list[FeedEvent]:
        """Today's events of these kinds, oldest first (a console rebuilding its alerts)."""
        b = self.branch
        with b.read() as s:
            since = b.day_start(b.business_day(b.now()))
            rows = s.scalars(select(m.Event).where(m.Event.kind.in_(kinds), m.Event.at >= since)
                             .order_by(m.Event.id.desc()).limit(limit)).all()
            return [FeedEvent(e.id, e.at, e.kind, e.ticket_id, e.counter, dict(e.payload or {}))
                    for e in reversed(rows)]

    def counters(self) -> list[CounterView]:
        b = self.branch
        with b.read() as s:
            rows = s.scalars(select(m.CounterRow).order_by(m.CounterRow.number)).all()
            return [b.counter_view(s, c) for c in rows]

    def counter_panel(self, number: int) -> CounterPanel:
        """A teller panel's view of its counter: what it holds, who works it, how many
        wait for its services, who `call_next` would call now (and whether a VIP), and
        its suspended tickets. One reading transaction; nothing is written."""
        b = self.branch
        with b.read() as s:
            last = int(s.scalar(select(func.coalesce(func.max(m.Event.id), 0))) or 0)
            crow = b.counter_row(s, number)
            view = b.counter_view(s, crow)
            started_at = None
            if view.current is not None:
                held = s.get(m.Ticket, view.current.id)
                started_at = held.started_at if held is not None else None
            staff = s.get(m.Staff, crow.staff) if crow.staff else None
            services = crow.service_list
            waiting = int(s.scalar(select(func.count()).select_from(m.Ticket).where(
                m.Ticket.status == m.WAITING, m.Ticket.service.in_(services))) or 0)
            choice = self.tickets.choose(s, crow, b.now())
            nxt = b.view(b.ticket_row(s, choice.ticket_id)) if choice is not None else None
            suspended = s.scalars(select(m.Ticket).where(
                m.Ticket.status == m.SUSPENDED, m.Ticket.counter == number)
                .order_by(m.Ticket.id)).all()
            return CounterPanel(
                counter=view, staff_name=staff.name if staff is not None else None,
                started_at=started_at, waiting=waiting, next=nxt,
                next_vip=nxt is not None and nxt.tier in b.tiers and b.tiers[nxt.tier].priority,
                suspended=tuple(b.view(t) for t in suspended), last_event_id=last)

    def service_summary(self) -> list[ServiceSummary]:
        """Per service: people waiting, open counters serving it, and, for a number taken
        now, people ahead and the estimated wait (fast-forwarded, not "ahead x mean")."""
        b = self.branch
        regular = b.settings.regular_tier.key
        with b.read() as s:
            forecast = self.forecasts.current(s)
        now = b.now()
        out = []
        for svc in b.settings.services:
            new = forecast.new.get((svc.prefix, regular))
            out.append(ServiceSummary(
                service=svc.prefix, name_zh=svc.name_zh, name_en=svc.name_en,
                waiting=forecast.waiting.get(svc.prefix, 0),
                open_counters=tuple(c.number for c in forecast.projection.counters
                                    if svc.prefix in c.services),
                ahead=new.ahead if new else None,
                estimated_wait_s=round(new.wait_s) if new else None,
                beyond=bool(new and new.beyond),
                mean_service_s=round(forecast.means.get(svc.prefix, svc.default_service_s)),
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

    def audit_log(self, limit: int = 100, *, staff_no: str | None = None,
                  action: str | None = None, since: datetime | None = None,
                  until: datetime | None = None) -> list[AuditRecord]:
        """Overrides, newest first, optionally of one staff member, one action, a period."""
        if not 1 <= limit <= 100_000:
            raise QueueError("The audit limit is from 1 to 100000 rows.")
        q = select(m.Audit).order_by(m.Audit.id.desc()).limit(limit)
        if staff_no:
            q = q.where(m.Audit.actor.like(f"{staff_no.strip().upper()} %")
                        | (m.Audit.actor == staff_no.strip().upper()))
        if action:
            q = q.where(m.Audit.action == action)
        if since is not None:
            q = q.where(m.Audit.at >= since)
        if until is not None:
            q = q.where(m.Audit.at < until)
        with self.branch.db.read() as s:
            rows = s.scalars(q).all()
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
