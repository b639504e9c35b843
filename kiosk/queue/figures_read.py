"""Reading a period's figures from the branch database: the SQL half of the figures.

Light reads in one reading transaction, each on an index: the tickets of the business
days (`ix_ticket_day`), the events of those tickets (by ticket id, without the kinds the
figures do not use), the counters' open/pause/close events (by kind) of the period and
the last one of each counter before it, the audit log's overrides of the period, and the
names of the services and counters. Rows come back as plain typed values
(`kiosk.queue.figures.TicketFact`, ...); the arithmetic is `figures.compute`'s.

Nothing is written: no schema upgrade, no business-day rollover, no refresh of the
services and counters from the branch file (a bank-wide report reads other branches'
databases, whose names are their own).

A row that cannot be read (a payload that is not a JSON object, a time that is not a
time) is left out and counted (`Facts.skipped_rows`), never a crash; `compute` does the
same for an event of an unknown kind or of a missing ticket.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, Text, cast, func, select, type_coerce
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kiosk.config import Settings
from kiosk.errors import DatabaseUnavailable, KioskError, QueueError
from kiosk.queue import figures as fig
from kiosk.queue import models as m
from kiosk.queue.db import SCHEMA_REVISION, Database, describe_database_error
from kiosk.queue.txn import Branch

log = logging.getLogger(__name__)

MAX_DAYS = 366  # the longest period one report reads

_T = m.Ticket.__table__.c
_E = m.Event.__table__.c
_A = m.Audit.__table__.c


class FigureReads:
    """The figures of a day or a range, read from one branch database."""

    def __init__(self, branch: Branch, *, key: str = "") -> None:
        self.branch = branch
        self.key = key

    def figures(self, first_day: date, last_day: date) -> fig.Figures:
        """The branch's figures over [first_day, last_day] (business days)."""
        return fig.compute(self.facts(first_day, last_day), generated_at=self.branch.now())

    def facts(self, first_day: date, last_day: date) -> fig.Facts:
        """The period's rows, read in one transaction."""
        check_period(first_day, last_day)
        b = self.branch
        since, until = b.day_start(first_day), b.day_start(last_day + timedelta(days=1))
        text_times = b.db.sqlite  # SQLite keeps times as text: parsed here, row by row
        skips = fig.Skips(0, ())
        with b.db.read() as s:
            names = self._names(s)
            tickets = _tickets(s, first_day, last_day, text_times, skips)
            events: list[fig.EventFact] = []
            if tickets:
                lo, hi = min(t.id for t in tickets), max(t.id for t in tickets)
                events += _events(s, _E.ticket_id.between(lo, hi)
                                  & _E.kind.not_in(fig.UNUSED_KINDS), text_times, skips)
            events += _events(s, _E.kind.in_(tuple(fig.COUNTER_KINDS)) & (_E.at >= since)
                              & (_E.at < until), text_times, skips)
            audits = _audits(s, since, until, text_times, skips)
            open_at_start = _open_at(s, since)
            bookings = _bookings(s, first_day, last_day, text_times, skips)
        return fig.Facts(first_day=first_day, last_day=last_day, names=names, tickets=tickets,
                         events=events, audits=audits, skipped_rows=skips.count,
                         skipped=tuple(skips.examples), open_at_start=open_at_start,
                         bookings=bookings,
                         booking_grace_s=b.settings.appointments.grace_min * 60.0)

    def _names(self, s: Session) -> fig.Names:
        """The branch's names: services and counters as its own database has them (so
        another branch's database reads with its own names), tiers and targets from the
        branch file's rules."""
        settings, policy = self.branch.settings, self.branch.policy
        services = {r.prefix: (r.name_zh, r.name_en) for r in s.execute(
            select(m.ServiceRow.prefix, m.ServiceRow.name_zh, m.ServiceRow.name_en)
            .order_by(m.ServiceRow.sort, m.ServiceRow.prefix))}
        for svc in settings.services:
            services.setdefault(svc.prefix, (svc.name_zh, svc.name_en))
        counters = {int(r.number): (r.name_zh or "", r.name_en or "") for r in s.execute(
            select(m.CounterRow.number, m.CounterRow.name_zh, m.CounterRow.name_en)
            .order_by(m.CounterRow.number))}
        tiers = {t.key: (t.name_zh, t.name_en) for t in settings.tiers}
        # the targets the rules call by (under fifo: not the tiers'), as the console's
        targets = {(svc, tier): policy.target_s(svc, tier)
                   for svc in services for tier in tiers}
        max_wait = settings.rules.max_wait_s
        return fig.Names(
            branch_zh=settings.branch.name_zh, branch_en=settings.branch.name_en,
            services=services, tiers=tiers, counters=counters, targets=targets,
            fallback_target_s=max_wait if max_wait and max_wait > 0 else None,
            business_day_start_hour=settings.branch.business_day_start_hour,
            key=self.key or settings.branch.code)


def check_period(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise QueueError(f"The period ends ({last_day:%Y-%m-%d}) before it starts "
                         f"({first_day:%Y-%m-%d}).")
    if (last_day - first_day).days >= MAX_DAYS:
        raise QueueError(f"A report covers at most {MAX_DAYS} days; "
                         f"{first_day:%Y-%m-%d} to {last_day:%Y-%m-%d} is "
                         f"{(last_day - first_day).days + 1}.")


# --- the reads -------------------------------------------------------------------------------


def _time(value: Any, text_times: bool) -> datetime | None:
    if value is None or not text_times:
        return value
    return datetime.fromisoformat(value)


def _tickets(s: Session, first_day: date, last_day: date, text_times: bool,
             skips: fig.Skips) -> list[fig.TicketFact]:
    def col(c: Any) -> Any:
        return type_coerce(c, String) if text_times else c

    rows = s.execute(select(
        _T.id, col(_T.business_day), _T.number, _T.service, _T.tier, _T.status,
        col(_T.arrived_at), col(_T.called_at), col(_T.started_at), col(_T.finished_at),
        _T.counter).where(_T.business_day.between(first_day, last_day))).all()
    out = []
    for r in rows:
        try:
            day = date.fromisoformat(r[1]) if text_times else r[1]
            out.append(fig.TicketFact(
                id=int(r[0]), business_day=day, number=str(r[2] or ""), service=str(r[3]),
                tier=str(r[4]), status=str(r[5]), arrived_at=_need(_time(r[6], text_times)),
                called_at=_time(r[7], text_times), started_at=_time(r[8], text_times),
                finished_at=_time(r[9], text_times),
                counter=int(r[10]) if r[10] is not None else None))
        except (TypeError, ValueError):
            skips.add(f"ticket {r[0]}: a time that is not a time")
    return out


def _bookings(s: Session, first_day: date, last_day: date, text_times: bool,
              skips: fig.Skips) -> list[fig.BookingFact]:
    """The bookings of the period's days, with their booked number's call."""
    def col(c: Any) -> Any:
        return type_coerce(c, String) if text_times else c

    b = m.Booking
    t = m.Ticket
    rows = s.execute(select(b.id, b.service, col(b.slot_at), b.state, col(b.checked_in_at),
                            col(t.called_at))
                     .select_from(b).outerjoin(t, t.id == b.ticket_id)
                     .where(b.slot_day.between(first_day, last_day))).all()
    out = []
    for r in rows:
        try:
            out.append(fig.BookingFact(service=str(r[1]), slot_at=_need(_time(r[2], text_times)),
                                       state=str(r[3]), checked_in_at=_time(r[4], text_times),
                                       called_at=_time(r[5], text_times)))
        except (TypeError, ValueError):
            skips.add(f"booking {r[0]}: a time that is not a time")
    return out


def _need(at: datetime | None) -> datetime:
    if at is None:
        raise ValueError("no time")
    return at


def _events(s: Session, where: Any, text_times: bool, skips: fig.Skips) -> list[fig.EventFact]:
    at = type_coerce(_E.at, String) if text_times else _E.at
    rows = s.execute(select(_E.id, at, _E.kind, _E.ticket_id, _E.counter,
                            cast(_E.payload, Text)).where(where)).all()
    out = []
    for r in rows:
        try:
            when = _need(_time(r[1], text_times))
        except (TypeError, ValueError):
            skips.add(f"event {r[0]}: a time that is not a time")
            continue
        payload = _object(r[5])
        if payload is None:
            skips.add(f"event {r[0]}: its payload is not a JSON object")
            continue
        out.append(fig.EventFact(id=int(r[0]), at=when, kind=str(r[2]),
                                 ticket_id=int(r[3]) if r[3] is not None else None,
                                 counter=int(r[4]) if r[4] is not None else None,
                                 payload=payload))
    return out


def _audits(s: Session, since: datetime, until: datetime, text_times: bool,
            skips: fig.Skips) -> list[fig.AuditFact]:
    at = type_coerce(_A.at, String) if text_times else _A.at
    rows = s.execute(select(_A.id, at, _A.actor, _A.action, _A.reason, cast(_A.details, Text))
                     .where(_A.at >= since, _A.at < until,
                            _A.action.not_in(fig.CUSTOMER_ACTIONS)).order_by(_A.id)).all()
    out = []
    for r in rows:
        details = _object(r[5])
        try:
            when = _need(_time(r[1], text_times))
        except (TypeError, ValueError):
            details = None
        if details is None:
            skips.add(f"audit row {r[0]}: unreadable")
            continue
        counter = details.get("counter")
        out.append(fig.AuditFact(
            at=when, actor=str(r[2] or ""), action=str(r[3] or ""),
            ticket_number=str(details.get("number") or ""), reason=str(r[4] or ""),
            staff_no=str(details.get("staff_no") or ""),
            before=_mapping(details.get("before")), after=_mapping(details.get("after")),
            counter=counter if isinstance(counter, int) else None))
    return out


def _open_at(s: Session, since: datetime) -> frozenset[int]:
    """The counters whose last open/pause/close before `since` was an open."""
    last = (select(func.max(_E.id)).where(_E.kind.in_(tuple(fig.COUNTER_KINDS)), _E.at < since)
            .group_by(_E.counter))
    rows = s.execute(select(_E.counter, _E.kind).where(_E.id.in_(last))).all()
    return frozenset(int(r[0]) for r in rows if r[0] is not None and r[1] == "counter_open")


def _object(raw: Any) -> dict[str, Any] | None:
    if isinstance(raw, dict):
        return raw
    if not isinstance(raw, str | bytes):
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


# --- several branches --------------------------------------------------------------------------


@dataclass(frozen=True)
class BranchSource:
    """A branch database to read: its name in the report and its URL."""

    name: str
    url: str


def open_branch(url: str, settings: Settings, clock: Callable[[], datetime]) -> Branch:
    """A branch database opened for reading only: it must exist and hold the schema this
    code knows (nothing is created, upgraded or refreshed)."""
    db = Database(url, create=False)
    try:
        revision = db.current_revision()
    except SQLAlchemyError as exc:
        db.dispose()
        raise DatabaseUnavailable(describe_database_error(exc)
                                  or f"cannot read the database at {db.where}") from None
    if revision is None:
        db.dispose()
        raise db.missing()
    if revision != SCHEMA_REVISION:
        db.dispose()
        raise DatabaseUnavailable(f"the database at {db.where} is at schema {revision}, this "
                                  f"program reads {SCHEMA_REVISION}; run `kiosk db upgrade` "
                                  "with the matching version")
    return Branch(db, settings, clock)


def read_facts(source: BranchSource, settings: Settings, clock: Callable[[], datetime],
               first_day: date, last_day: date) -> fig.Facts:
    """One branch's rows over the period, on an engine of its own (closed afterwards)."""
    named = f"branch {source.name}: " if source.name else ""
    try:
        branch = open_branch(source.url, settings, clock)
    except KioskError as exc:
        raise DatabaseUnavailable(f"{named}{exc}") from None
    try:
        return FigureReads(branch, key=source.name).facts(first_day, last_day)
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(
            f"{named}{describe_database_error(exc) or 'database error: ' + type(exc).__name__}"
        ) from None
    finally:
        branch.db.dispose()


def read_bank(sources: Sequence[BranchSource], settings: Settings,
              clock: Callable[[], datetime], first_day: date,
              last_day: date) -> list[fig.Facts]:
    """Every branch's rows, read concurrently (a thread and an engine per branch), in the
    order given. The first branch that cannot be read stops the report with its name."""
    check_period(first_day, last_day)
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(sources))),
                            thread_name_prefix="figures") as pool:
        futures = [pool.submit(read_facts, src, settings, clock, first_day, last_day)
                   for src in sources]
        return [f.result() for f in futures]
