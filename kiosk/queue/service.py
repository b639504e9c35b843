"""The ticket lifecycle: one transaction and one event per operation.

Every writing operation first bumps the feed head (`branch_state.last_event_id`) with
UPDATE ... RETURNING. That row lock serialises writers on PostgreSQL (SQLite serialises
them with BEGIN IMMEDIATE), so:
- event ids are handed out in commit order (feed readers never miss one);
- numbers and calls are decided under the lock: no duplicates, no double calls.
A refused operation raises before commit: it changes nothing and writes no event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, insert, select, text, union_all, update
from sqlalchemy.orm import Session

from kiosk.config import Service, Settings
from kiosk.errors import ClockSkew, IllegalTransition, NotFound, QueueError
from kiosk.identity import Identity
from kiosk.queue import models as m
from kiosk.queue import rules
from kiosk.queue.db import Database

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# Where each operation may start from.
_CAN_RECALL = (m.CALLED,)
_CAN_START = (m.CALLED,)
_CAN_FINISH = (m.CALLED, m.SERVING)
_CAN_NO_SHOW = (m.CALLED,)
_CAN_SUSPEND = (m.CALLED, m.SERVING)
_CAN_RESUME = (m.SUSPENDED,)
_CAN_TRANSFER = (m.WAITING, m.CALLED, m.SERVING, m.SUSPENDED)
_CAN_CANCEL = (m.WAITING, m.CALLED, m.SERVING, m.SUSPENDED)
_CAN_CALL = (m.WAITING,)
_CAN_HAND_BACK = (m.CALLED,)

# A station whose clock is further than this from the database's is refused (writes).
MAX_CLOCK_SKEW_S = 120.0

_STATE_WORDS = {
    m.WAITING: "waiting", m.CALLED: "called", m.SERVING: "being served",
    m.SUSPENDED: "suspended", m.DONE: "finished", m.NO_SHOW: "marked no-show",
    m.CANCELLED: "cancelled", m.EXPIRED: "closed at the end of its business day",
}


@dataclass(frozen=True)
class TicketView:
    """A ticket as callers see it: no identifiers in clear, only masked forms."""

    id: int
    number: str
    service: str
    service_name_zh: str
    service_name_en: str
    tier: str
    tier_name_zh: str
    tier_name_en: str
    status: str
    business_day: date
    arrived_at: datetime
    customer_masked: str
    counter: int | None
    called_at: datetime | None
    recalls: int
    outcome: str
    ahead: int | None = None
    estimated_wait_s: float | None = None
    existing: bool = False  # issue() returned an open ticket the customer already had

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ticket_id"] = data.pop("id")
        return data


@dataclass(frozen=True)
class CounterView:
    number: int
    name_zh: str
    name_en: str
    services: tuple[str, ...]
    green_channel: bool
    status: str
    current: TicketView | None


class QueueService:
    """The branch queue. `clock` returns the branch's local time (naive datetime).

    `max_clock_skew_s` (None: no check) refuses writes from a station whose clock is
    further than that from the database server's: stations on the real clock are checked;
    an injected clock (tests, KIOSK_NOW scripts, the demo's shifted hours) is not.
    """

    def __init__(self, db: Database, settings: Settings, clock: Clock, *,
                 max_clock_skew_s: float | None = None) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.max_clock_skew_s = max_clock_skew_s
        self.policy = rules.Policy.from_settings(settings)
        self._tiers = {t.key: t for t in settings.tiers}
        self._services = {s.prefix: s for s in settings.services}
        self._day_confirmed: date | None = None  # the business day a read last found current

    # --- set-up --------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create/upgrade the schema and bring services and counters in line with config."""
        self.db.ensure_schema()
        with self.db.begin() as s:
            if s.get(m.BranchState, 1) is None:
                s.add(m.BranchState(id=1, last_event_id=0, business_day=None,
                                    notice_zh="", notice_en=""))
                s.flush()
            for i, svc in enumerate(self.settings.services):
                row = s.get(m.ServiceRow, svc.prefix)
                if row is None:
                    s.add(m.ServiceRow(prefix=svc.prefix, name_zh=svc.name_zh, name_en=svc.name_en,
                                       sort=i, enabled=True, mean_service_s=svc.default_service_s,
                                       served=0))
                else:
                    row.name_zh, row.name_en, row.sort = svc.name_zh, svc.name_en, i
            for c in self.settings.counters:
                crow = s.get(m.CounterRow, c.number)
                if crow is None:
                    crow = m.CounterRow(number=c.number, status=m.COUNTER_CLOSED,
                                        consecutive_priority=0)
                    s.add(crow)
                crow.name_zh, crow.name_en = c.label_zh, c.label_en
                crow.services, crow.green_channel = ",".join(c.services), c.green_channel

    # --- time ----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The branch's local wall-clock time, without a zone (as stored)."""
        at = self.clock()
        if at.tzinfo is not None:
            at = at.astimezone(self.settings.branch.tz).replace(tzinfo=None)
        return at

    def business_day(self, at: datetime) -> date:
        return (at - timedelta(hours=self.settings.branch.business_day_start_hour)).date()

    def clock_skew_s(self, database_utc: datetime) -> float:
        """How far this station's clock is ahead (+) or behind (-) the database's."""
        local = self.now().replace(tzinfo=self.settings.branch.tz).astimezone(UTC)
        return (local.replace(tzinfo=None) - database_utc).total_seconds()

    def _check_clock(self, database_utc: datetime) -> None:
        if self.max_clock_skew_s is None:
            return
        skew = self.clock_skew_s(database_utc)
        if abs(skew) > self.max_clock_skew_s:
            raise ClockSkew(
                f"This station's clock is {_duration(abs(skew))} "
                f"{'ahead of' if skew > 0 else 'behind'} the branch database's; set the "
                "PC's clock (NTP) before it issues or calls numbers.")

    # --- the transaction frame -------------------------------------------------------------

    def _write(self, s: Session, now: datetime) -> _Op:
        """Take the feed lock and roll the business day over if needed.

        The business day only moves forward: a station whose clock says an earlier day
        than the branch's is refused, instead of dating tickets yesterday.
        """
        op = _Op(self, s, now)
        self._check_clock(op.database_utc)
        today = self.business_day(now)
        if op.business_day is not None and today < op.business_day:
            raise ClockSkew(
                f"The branch is on business day {op.business_day:%Y-%m-%d} but this "
                f"station's clock says {now:%Y-%m-%d %H:%M}; set the PC's clock before it "
                "issues or calls numbers.")
        if op.business_day != today:
            state = op.state
            expired = cast(CursorResult[Any], s.execute(
                update(m.Ticket)
                .where(m.Ticket.status.in_(m.OPEN_STATES), m.Ticket.business_day < today)
                .values(status=m.EXPIRED, outcome="business day closed", finished_at=now)
            )).rowcount
            s.execute(update(m.CounterRow).values(current_ticket_id=None, consecutive_priority=0))
            previous = state.business_day
            state.business_day = op.business_day = today
            op.emit("day_rollover", payload={"day": today.isoformat(),
                                             "previous": previous.isoformat() if previous else None,
                                             "expired": expired})
        self._day_confirmed = today
        return op

    def _roll_over_if_due(self) -> None:
        """Roll the business day over on read too, so nothing reads yesterday's queue.

        Cheap when the day is known current (no query); otherwise one read and, on the
        first read of a new day, the rollover's own write transaction.
        """
        now = self.now()
        today = self.business_day(now)
        if self._day_confirmed == today:
            return
        with self.db.read() as s:
            state = s.get(m.BranchState, 1)
            current = state.business_day if state is not None else None
        if current == today:
            self._day_confirmed = today
        elif current is None or current < today:
            try:
                with self.db.begin() as s:
                    self._write(s, now)
            except ClockSkew:
                log.warning("not rolling the business day over: this station's clock is off")
        # a clock behind the branch's day reads what is there; its writes are refused

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A reading transaction on the current business day."""
        self._roll_over_if_due()
        with self.db.read() as s:
            yield s

    # --- issuing -------------------------------------------------------------------------

    def issue(self, service: str, identity: Identity | None = None, *, tier: str | None = None,
              station: str = "", on_behalf_of: str | None = None, customer_masked: str = "",
              check_hours: bool = True) -> TicketView:
        """A new number for `service` (or the customer's open one, for a reprint).

        The tier comes from the customer directory when the customer is identified;
        `tier` overrides it (a lobby manager issuing on a customer's behalf).
        """
        svc = self._service(service)
        now = self.now()
        if check_hours and not (svc.opens <= now.time() < svc.closes):
            raise QueueError(f"{svc.name_en} ({svc.name_zh}) is open "
                             f"{svc.opens:%H:%M}-{svc.closes:%H:%M}; no numbers now.")
        if tier is not None and tier not in self._tiers:
            raise NotFound(f"There is no customer tier {tier!r}.")
        with self.db.begin() as s:
            op = self._write(s, now)
            digest = identity.digest if identity else None
            masked = customer_masked
            if identity is not None:
                existing = s.scalars(
                    select(m.Ticket).where(m.Ticket.customer_hash == digest,
                                           m.Ticket.service == service,
                                           m.Ticket.status.in_(m.OPEN_STATES))
                ).first()
                if existing is not None:
                    op.emit("reprint", existing, payload={"station": station})
                    return self._view(existing, existing=True)
                customer = s.scalars(select(m.Customer).where(m.Customer.id_hash == digest)).first()
                if customer is not None:
                    tier = tier or customer.tier
                    masked = masked or customer.name_masked
            if tier not in self._tiers:
                tier = self.settings.regular_tier.key
            payload: dict[str, Any] = {"service": service, "tier": tier, "station": station}
            if on_behalf_of:
                payload["on_behalf_of"] = on_behalf_of
            row = {"business_day": op.day, "service": service, "tier": tier,
                   "status": m.WAITING, "customer_hash": digest, "customer_masked": masked,
                   "arrived_at": now, "rank_at": now, "station": station, "recalls": 0,
                   "outcome": ""}
            ticket_id, number = self._insert_ticket(s, op, row, payload)
            if identity is not None and self._tiers[tier].priority:
                op.emit_raw("vip_arrival", ticket_id, None,
                            {"number": number, "tier": tier, "customer": masked,
                             "station": station})
        tier_row = self._tiers[tier]
        return TicketView(
            id=ticket_id, number=number, service=service, service_name_zh=svc.name_zh,
            service_name_en=svc.name_en, tier=tier, tier_name_zh=tier_row.name_zh,
            tier_name_en=tier_row.name_en, status=m.WAITING, business_day=op.day,
            arrived_at=now, customer_masked=masked, counter=None, called_at=None, recalls=0,
            outcome="")

    def _insert_ticket(self, s: Session, op: _Op, row: dict[str, Any],
                       payload: dict[str, Any]) -> tuple[int, str]:
        """Take the next number and insert the ticket and its "issued" event.

        This is the hot path of every kiosk: on PostgreSQL it is one round trip (the
        number, the ticket, the event and the notification in one statement); on SQLite,
        three short statements under the write lock.
        """
        if not self.db.sqlite:
            event_id = op.next_event_id()
            result = op.conn.execute(_PG_ISSUE, {
                **row, "event_id": event_id, "event_id_text": str(event_id),
                "payload": json.dumps(payload, ensure_ascii=False)}).one()
            return int(result.id), str(result.number)
        seq = int(op.conn.execute(_SEQ_UPSERT, {"day": row["business_day"],
                                                "service": row["service"]}).scalar_one())
        number = f"{row['service']}{seq:03d}"
        ticket_id = int(op.conn.execute(_TICKET_INSERT,
                                        {**row, "seq": seq, "number": number}).scalar_one())
        op.emit_raw("issued", ticket_id, None, {"number": number, **payload})
        return ticket_id, number

    # --- calling -------------------------------------------------------------------------

    def call_next(self, counter: int) -> TicketView | None:
        """Call the ticket the rules choose for this counter; None when none waits."""
        now = self.now()
        try:
            with self.db.begin() as s:
                op = self._write(s, now)
                crow = self._open_counter(s, counter)
                state = rules.CounterState(number=crow.number, services=crow.service_list,
                                           green_channel=crow.green_channel,
                                           consecutive_priority=crow.consecutive_priority)
                heads = self._heads(s, crow.service_list)
                choice = rules.pick_next(state, now, heads, self.policy)
                if choice is None:
                    raise _NothingToDo
                ticket = self._ticket(s, choice.ticket_id)
                self._do_call(op, crow, ticket, "called")
                return self._view(ticket)
        except _NothingToDo:
            return None

    def call_ticket(self, counter: int, ticket_id: int, *, actor: str, reason: str) -> TicketView:
        """Call a specific ticket out of the rules' order (audited: who and why)."""
        reason = self._need_reason(reason)
        now = self.now()
        with self.db.begin() as s:
            op = self._write(s, now)
            crow = self._open_counter(s, counter)
            ticket = self._ticket(s, ticket_id)
            self._require(ticket, _CAN_CALL, "called")
            if ticket.service not in crow.service_list:
                raise IllegalTransition(f"Counter {counter} does not serve {ticket.number}'s "
                                        f"service ({ticket.service}).")
            event_id = self._do_call(op, crow, ticket, "called",
                                     extra={"actor": actor, "reason": reason, "override": True})
            self._audit(s, now, actor, "call_ticket", ticket, reason, event_id,
                        {"counter": counter})
            return self._view(ticket)

    def _do_call(self, op: _Op, crow: m.CounterRow, ticket: m.Ticket, kind: str,
                 extra: dict[str, Any] | None = None) -> int:
        ticket.status = m.CALLED
        ticket.counter = crow.number
        ticket.called_at = op.now
        ticket.pin = None
        crow.current_ticket_id = ticket.id
        crow.updated_at = op.now
        if self.policy.is_priority(ticket.tier):
            crow.consecutive_priority += 1
        else:
            crow.consecutive_priority = 0
        payload = {"number": ticket.number, "service": ticket.service, "tier": ticket.tier,
                   "waited_s": round((op.now - ticket.arrived_at).total_seconds(), 1)}
        return op.emit(kind, ticket, crow.number, {**payload, **(extra or {})})

    def _heads(self, s: Session, services: Sequence[str]) -> list[rules.Candidate]:
        """The head of each (service, tier) group plus every pinned ticket (see rules.py)."""
        t = m.Ticket.__table__.c
        cols = (t.id, t.service, t.tier, t.rank_at, t.pin)
        parts = [
            select(*cols)
            .where(t.status == m.WAITING, t.service == svc, t.tier == tier, t.pin.is_(None))
            .order_by(t.rank_at, t.id).limit(1)
            .subquery().select()
            for svc in services for tier in self._tiers
        ]
        parts.append(
            select(*cols).where(t.status == m.WAITING, t.pin.is_not(None),
                                t.service.in_(services)).subquery().select()
        )
        rows = s.execute(union_all(*parts)).all()
        return [rules.Candidate(r.id, r.service, r.tier, r.rank_at, r.pin) for r in rows]

    # --- the ticket's life at the counter --------------------------------------------------

    def recall(self, ticket_id: int) -> TicketView:
        return self._step(ticket_id, _CAN_RECALL, "recalled", "recall",
                          lambda s, t, now: setattr(t, "recalls", t.recalls + 1))

    def start(self, ticket_id: int) -> TicketView:
        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            t.status, t.started_at = m.SERVING, now
        return self._step(ticket_id, _CAN_START, "started", "start", apply)

    def finish(self, ticket_id: int) -> TicketView:
        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            t.status, t.finished_at, t.outcome = m.DONE, now, "served"
            t.started_at = t.started_at or t.called_at or now
        return self._step(ticket_id, _CAN_FINISH, "finished", "finish", apply, free=True,
                          learn=True)

    def no_show(self, ticket_id: int) -> TicketView:
        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            t.status, t.finished_at, t.outcome = m.NO_SHOW, now, "no-show"
        return self._step(ticket_id, _CAN_NO_SHOW, "marked no-show", "no_show", apply, free=True)

    def suspend(self, ticket_id: int) -> TicketView:
        """挂起: the customer leaves the counter to fetch a document; the counter is freed."""
        return self._step(ticket_id, _CAN_SUSPEND, "suspended", "suspend",
                          lambda s, t, now: setattr(t, "status", m.SUSPENDED), free=True)

    def resume(self, ticket_id: int) -> TicketView:
        """The suspended customer is back: waiting again, ahead of everyone of the service."""
        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            t.status, t.counter = m.WAITING, None
            t.rank_at = self._placement_rank(s, t.service, t, "first", now)
        return self._step(ticket_id, _CAN_RESUME, "resumed", "resume", apply)

    def cancel(self, ticket_id: int, *, reason: str = "") -> TicketView:
        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            t.status, t.finished_at, t.outcome = m.CANCELLED, now, reason or "cancelled"
        return self._step(ticket_id, _CAN_CANCEL, "cancelled", "cancel", apply, free=True,
                          extra={"reason": reason} if reason else None)

    def transfer(self, ticket_id: int, service: str, placement: str | None = None) -> TicketView:
        """Move a ticket to another service; it keeps its number, arrival time and tier."""
        target = self._service(service)
        placement = placement or self.settings.rules.transfer_placement
        if placement not in ("first", "last", "priority"):
            raise QueueError(f"Placement must be first, last or priority, not {placement!r}.")

        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            if t.service == target.prefix and t.status == m.WAITING:
                raise IllegalTransition(f"{t.number} is already waiting for {target.name_en}.")
            t.rank_at = self._placement_rank(s, target.prefix, t, placement, now)
            t.transferred_from, t.service = t.service, target.prefix
            t.status, t.counter, t.called_at, t.started_at = m.WAITING, None, None, None
        return self._step(ticket_id, _CAN_TRANSFER, "transferred", "transfer", apply, free=True,
                          extra={"to": target.prefix, "placement": placement})

    def hand_back(self, ticket_id: int) -> TicketView:
        """A called customer who never came up goes back to their place in the queue.

        For a counter restarted after a crash, or a teller who called the wrong service:
        the ticket keeps its arrival time, tier and rank (the rules place it where it was),
        and the counter is free to call again.
        """
        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            t.status, t.counter, t.called_at = m.WAITING, None, None
        return self._step(ticket_id, _CAN_HAND_BACK, "handed back", "hand_back", apply,
                          free=True)

    def _placement_rank(self, s: Session, service: str, ticket: m.Ticket, placement: str,
                        now: datetime) -> datetime:
        if placement == "last":
            return now
        if placement == "priority":
            return ticket.arrived_at
        earliest = s.scalar(select(func.min(m.Ticket.rank_at))
                            .where(m.Ticket.status == m.WAITING, m.Ticket.service == service,
                                   m.Ticket.id != ticket.id))
        first = min(earliest, ticket.arrived_at) if earliest else ticket.arrived_at
        return first - timedelta(seconds=1)

    def _step(self, ticket_id: int, allowed: tuple[str, ...], verb: str, kind: str,
              apply: Callable[[Session, m.Ticket, datetime], Any], *, free: bool = False,
              learn: bool = False, extra: dict[str, Any] | None = None) -> TicketView:
        now = self.now()
        with self.db.begin() as s:
            op = self._write(s, now)
            ticket = self._ticket(s, ticket_id)
            self._require(ticket, allowed, verb)
            counter = ticket.counter
            apply(s, ticket, now)
            if learn:
                self._learn_service_time(s, ticket)
            if free and counter is not None:
                crow = s.get(m.CounterRow, counter)
                if crow is not None and crow.current_ticket_id == ticket.id:
                    crow.current_ticket_id = None
                    crow.updated_at = now
            payload = {"number": ticket.number, "service": ticket.service, "tier": ticket.tier,
                       **(extra or {})}
            op.emit(kind, ticket, counter, payload)
            return self._view(ticket)

    def _learn_service_time(self, s: Session, ticket: m.Ticket) -> None:
        if ticket.started_at is None or ticket.finished_at is None:
            return
        took = (ticket.finished_at - ticket.started_at).total_seconds()
        if took <= 0:
            return
        row = s.get(m.ServiceRow, ticket.service)
        if row is not None:
            a = self.settings.rules.service_time_smoothing
            row.mean_service_s = (1 - a) * row.mean_service_s + a * took
            row.served += 1

    # --- manager overrides (always signed, always audited) ---------------------------------

    def pin(self, ticket_id: int, position: int, *, actor: str, reason: str) -> TicketView:
        """Put a waiting ticket at a fixed position (1 = next); beats every rule."""
        reason = self._need_reason(reason)
        if position < 1:
            raise QueueError("The position must be 1 or more.")
        now = self.now()
        with self.db.begin() as s:
            op = self._write(s, now)
            ticket = self._ticket(s, ticket_id)
            self._require(ticket, (m.WAITING,), "moved")
            ticket.pin = position
            event_id = op.emit("pin", ticket, payload={"number": ticket.number,
                                                       "position": position, "actor": actor,
                                                       "reason": reason})
            self._audit(s, now, actor, "pin", ticket, reason, event_id, {"position": position})
            return self._view(ticket)

    def change_tier(self, ticket_id: int, tier: str, *, actor: str, reason: str) -> TicketView:
        reason = self._need_reason(reason)
        if tier not in self._tiers:
            raise NotFound(f"There is no customer tier {tier!r}.")
        now = self.now()
        with self.db.begin() as s:
            op = self._write(s, now)
            ticket = self._ticket(s, ticket_id)
            self._require(ticket, (m.WAITING,), "re-prioritised")
            before, ticket.tier = ticket.tier, tier
            event_id = op.emit("tier_changed", ticket, payload={
                "number": ticket.number, "from": before, "to": tier, "actor": actor,
                "reason": reason})
            self._audit(s, now, actor, "change_tier", ticket, reason, event_id,
                        {"from": before, "to": tier})
            return self._view(ticket)

    def set_notice(self, zh: str, en: str, *, actor: str) -> int:
        now = self.now()
        with self.db.begin() as s:
            op = self._write(s, now)
            op.state.notice_zh, op.state.notice_en = zh, en
            return op.emit("notice", payload={"zh": zh, "en": en, "actor": actor})

    @staticmethod
    def _need_reason(reason: str) -> str:
        reason = (reason or "").strip()
        if not reason:
            raise QueueError("An override needs a reason; it is written to the audit log.")
        return reason

    def _audit(self, s: Session, now: datetime, actor: str, action: str, ticket: m.Ticket | None,
               reason: str, event_id: int, details: dict[str, Any]) -> None:
        if not actor.strip():
            raise QueueError("An override must be signed: give the manager's name or staff id.")
        s.add(m.Audit(at=now, actor=actor, action=action,
                      ticket_id=ticket.id if ticket else None, reason=reason,
                      event_id=event_id, details=details))

    # --- counters ------------------------------------------------------------------------

    def open_counter(self, number: int, staff: str | None = None) -> CounterView:
        return self._counter_to(number, m.COUNTER_OPEN, (m.COUNTER_CLOSED, m.COUNTER_PAUSED),
                                "counter_open", staff=staff)

    def pause_counter(self, number: int) -> CounterView:
        return self._counter_to(number, m.COUNTER_PAUSED, (m.COUNTER_OPEN,), "counter_pause")

    def close_counter(self, number: int) -> CounterView:
        return self._counter_to(number, m.COUNTER_CLOSED, (m.COUNTER_OPEN, m.COUNTER_PAUSED),
                                "counter_close")

    def counter(self, number: int) -> CounterView:
        """One counter and the ticket it holds: what a restarted counter resumes with."""
        with self._read() as s:
            return self._counter_view(s, self._counter(s, number))

    def _counter_to(self, number: int, status: str, allowed: tuple[str, ...], kind: str,
                    staff: str | None = None) -> CounterView:
        now = self.now()
        with self.db.begin() as s:
            op = self._write(s, now)
            crow = self._counter(s, number)
            if crow.status not in allowed:
                raise IllegalTransition(f"Counter {number} is already {crow.status}.")
            if status == m.COUNTER_CLOSED and crow.current_ticket_id is not None:
                current = s.get(m.Ticket, crow.current_ticket_id)
                if current is not None and current.status in (m.CALLED, m.SERVING):
                    raise IllegalTransition(f"Counter {number} still has {current.number}: "
                                            "finish or transfer it before closing.")
            crow.status, crow.updated_at = status, now
            if staff is not None:
                crow.staff = staff
            if status != m.COUNTER_OPEN:
                crow.consecutive_priority = 0
            op.emit(kind, counter=number, payload={"status": status})
            return self._counter_view(s, crow)

    # --- reading -------------------------------------------------------------------------

    def ticket(self, ticket_id: int, *, with_forecast: bool = True) -> TicketView:
        with self._read() as s:
            ticket = self._ticket(s, ticket_id)
            view = self._view(ticket)
            if with_forecast and ticket.status == m.WAITING:
                view = self._with_forecast(s, [view])[0]
            return view

    def with_forecast(self, view: TicketView) -> TicketView:
        """The ticket with people ahead and estimated wait (read after it was issued)."""
        if view.status != m.WAITING:
            return view
        with self._read() as s:
            return self._with_forecast(s, [view])[0]

    def waiting(self) -> list[TicketView]:
        with self._read() as s:
            rows = s.scalars(select(m.Ticket).where(m.Ticket.status == m.WAITING)
                             .order_by(m.Ticket.rank_at, m.Ticket.id)).all()
            views = self._with_forecast(s, [self._view(t) for t in rows])
            return sorted(views, key=lambda v: (v.estimated_wait_s is None,
                                                v.estimated_wait_s or 0, v.ahead or 0))

    def _forecast_inputs(self, s: Session) -> _ForecastInputs:
        """The queue as the rules see it: waiting tickets, open counters, service means."""
        now = self.now()
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
                    mean = means.get(cur.service, 300.0)
                    # a customer already past the mean still needs a little while
                    busy = max(mean - (now - began).total_seconds(), 0.1 * mean)
            state = rules.CounterState(crow.number, crow.service_list, crow.green_channel,
                                       crow.consecutive_priority)
            counters.append((state, busy))
        return _ForecastInputs(now, counters, waiting, means)

    def forecast_all(self, s: Session) -> dict[int, rules.Forecast]:
        q = self._forecast_inputs(s)
        if not q.waiting:
            return {}
        return rules.forecast(q.now, q.counters, q.waiting, q.means, self.policy)

    def new_ticket_forecasts(self, s: Session,
                             tier: str | None = None) -> dict[str, rules.Forecast | None]:
        """Per service: where a number taken now would stand (None: no open counter serves it).

        Fast-forwards the policy with one more ticket of `tier` (default regular) arriving
        now, once per service: what the kiosk buttons and the hall display show.
        """
        q = self._forecast_inputs(s)
        tier = tier or self.settings.regular_tier.key
        out: dict[str, rules.Forecast | None] = {}
        for svc in self.settings.services:
            probe = rules.Candidate(-1, svc.prefix, tier, q.now, None)
            out[svc.prefix] = rules.forecast(q.now, q.counters, [*q.waiting, probe], q.means,
                                             self.policy).get(-1)
        return out

    def _with_forecast(self, s: Session, views: list[TicketView]) -> list[TicketView]:
        forecasts = self.forecast_all(s)
        out = []
        for v in views:
            f = forecasts.get(v.id)
            out.append(replace(v, ahead=f.ahead if f else None,
                                estimated_wait_s=round(f.wait_s) if f else None))
        return out

    def counters(self) -> list[CounterView]:
        with self._read() as s:
            rows = s.scalars(select(m.CounterRow).order_by(m.CounterRow.number)).all()
            return [self._counter_view(s, c) for c in rows]

    def service_summary(self) -> list[dict[str, Any]]:
        """Per service: people waiting, open counters serving it, and, for a number taken
        now, people ahead and the estimated wait (fast-forwarded, not "ahead x mean")."""
        with self._read() as s:
            counts = dict(s.execute(select(m.Ticket.service, func.count())
                                    .where(m.Ticket.status == m.WAITING)
                                    .group_by(m.Ticket.service)).all())
            open_rows = s.scalars(select(m.CounterRow)
                                  .where(m.CounterRow.status == m.COUNTER_OPEN)).all()
            means = dict(s.execute(select(m.ServiceRow.prefix, m.ServiceRow.mean_service_s))
                         .all())
            estimates = self.new_ticket_forecasts(s)
        now = self.now()
        out = []
        for svc in self.settings.services:
            serving = [c.number for c in open_rows if svc.prefix in c.service_list]
            new = estimates.get(svc.prefix)
            out.append({
                "service": svc.prefix, "name_zh": svc.name_zh, "name_en": svc.name_en,
                "waiting": counts.get(svc.prefix, 0), "open_counters": serving,
                "ahead": new.ahead if new else None,
                "estimated_wait_s": round(new.wait_s) if new else None,
                "mean_service_s": round(means.get(svc.prefix, svc.default_service_s)),
                "open_now": svc.opens <= now.time() < svc.closes,
                "opens": svc.opens.strftime("%H:%M"), "closes": svc.closes.strftime("%H:%M"),
            })
        return out

    def recent_calls(self, limit: int = 10) -> list[dict[str, Any]]:
        """Today's latest calls and recalls (yesterday's are not shown the next morning)."""
        with self._read() as s:
            day_start = datetime.combine(
                self.business_day(self.now()),
                datetime.min.time()) + timedelta(hours=self.settings.branch.business_day_start_hour)
            rows = s.scalars(select(m.Event).where(m.Event.kind.in_(("called", "recall")),
                                                   m.Event.at >= day_start)
                             .order_by(m.Event.id.desc()).limit(limit)).all()
            return [{"event_id": e.id, "at": e.at, "kind": e.kind, "ticket_id": e.ticket_id,
                     "number": e.payload.get("number"), "counter": e.counter} for e in rows]

    def events_since(self, since: int, limit: int = 1000) -> list[dict[str, Any]]:
        with self.db.read() as s:
            rows = s.scalars(select(m.Event).where(m.Event.id > since)
                             .order_by(m.Event.id).limit(limit)).all()
            return [{"id": e.id, "at": e.at, "kind": e.kind, "ticket_id": e.ticket_id,
                     "counter": e.counter, "payload": e.payload} for e in rows]

    def last_event_id(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.coalesce(func.max(m.Event.id), 0))) or 0)

    def audit_log(self, limit: int = 100) -> list[dict[str, Any]]:
        with self.db.read() as s:
            rows = s.scalars(select(m.Audit).order_by(m.Audit.id.desc()).limit(limit)).all()
            return [{"at": a.at, "actor": a.actor, "action": a.action, "ticket_id": a.ticket_id,
                     "reason": a.reason, "event_id": a.event_id, "details": a.details}
                    for a in rows]

    def notice(self) -> tuple[str, str]:
        with self.db.read() as s:
            state = s.get(m.BranchState, 1)
            return (state.notice_zh, state.notice_en) if state else ("", "")

    def customer(self, identity: Identity) -> m.Customer | None:
        """The directory entry for an identified customer (tier, masked name), if any."""
        with self.db.read() as s:
            return s.scalars(select(m.Customer).where(m.Customer.id_hash == identity.digest)
                             ).first()

    # --- stations --------------------------------------------------------------------------

    def heartbeat(self, station: str, kind: str, state: dict[str, Any]) -> None:
        """A station's pulse and device states (not a queue change: no event)."""
        now = self.now()
        with self.db.begin() as s:
            if self.max_clock_skew_s is not None:
                skew = self.clock_skew_s(_utc(s.execute(select(func.current_timestamp()))
                                              .scalar_one()))
                state = {**state, "clock_skew_s": round(skew, 1),
                         "clock_ok": abs(skew) <= self.max_clock_skew_s}
            row = s.get(m.Station, station)
            if row is None:
                s.add(m.Station(name=station, kind=kind, heartbeat_at=now, state=state))
            else:
                row.kind, row.heartbeat_at, row.state = kind, now, state

    def stations(self) -> list[dict[str, Any]]:
        now = self.now()
        with self.db.read() as s:
            rows = s.scalars(select(m.Station).order_by(m.Station.name)).all()
            return [{"name": r.name, "kind": r.kind, "heartbeat_at": r.heartbeat_at,
                     "alive": r.heartbeat_at is not None
                     and (now - r.heartbeat_at).total_seconds() < 15,
                     "state": r.state} for r in rows]

    # --- helpers -------------------------------------------------------------------------

    def _service(self, prefix: str) -> Service:
        svc = self._services.get(prefix)
        if svc is None:
            known = ", ".join(f"{s.prefix} ({s.name_en})" for s in self.settings.services)
            raise NotFound(f"There is no service {prefix!r}; this branch has {known}.")
        return svc

    @staticmethod
    def _ticket(s: Session, ticket_id: int) -> m.Ticket:
        ticket = s.get(m.Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"There is no ticket {ticket_id}.")
        return ticket

    @staticmethod
    def _counter(s: Session, number: int) -> m.CounterRow:
        crow = s.get(m.CounterRow, number)
        if crow is None:
            raise NotFound(f"There is no counter {number}.")
        return crow

    def _open_counter(self, s: Session, number: int) -> m.CounterRow:
        """The counter, open and free to call: else the call is refused."""
        crow = self._counter(s, number)
        if crow.status != m.COUNTER_OPEN:
            raise IllegalTransition(f"Counter {number} is {crow.status}: open it before calling.")
        if crow.current_ticket_id is not None:
            current = s.get(m.Ticket, crow.current_ticket_id)
            if current is not None and current.status in (m.CALLED, m.SERVING):
                what = ("recall it, mark it no-show or hand it back to the queue"
                        if current.status == m.CALLED else "finish, suspend or transfer it")
                raise IllegalTransition(
                    f"Counter {number} still has {current.number} "
                    f"({_STATE_WORDS[current.status]}): {what} first.")
        return crow

    @staticmethod
    def _require(ticket: m.Ticket, allowed: tuple[str, ...], verb: str) -> None:
        if ticket.status not in allowed:
            raise IllegalTransition(f"{ticket.number} is {_STATE_WORDS[ticket.status]} "
                                    f"and cannot be {verb}.")

    def _view(self, t: m.Ticket, *, existing: bool = False) -> TicketView:
        svc = self._services.get(t.service)
        tier = self._tiers.get(t.tier, self.settings.regular_tier)
        return TicketView(
            id=t.id, number=t.number, service=t.service,
            service_name_zh=svc.name_zh if svc else t.service,
            service_name_en=svc.name_en if svc else t.service,
            tier=t.tier, tier_name_zh=tier.name_zh, tier_name_en=tier.name_en,
            status=t.status, business_day=t.business_day, arrived_at=t.arrived_at,
            customer_masked=t.customer_masked, counter=t.counter, called_at=t.called_at,
            recalls=t.recalls, outcome=t.outcome, existing=existing,
        )

    def _counter_view(self, s: Session, c: m.CounterRow) -> CounterView:
        current = None
        if c.current_ticket_id is not None:
            t = s.get(m.Ticket, c.current_ticket_id)
            if t is not None and t.status in (m.CALLED, m.SERVING):
                current = self._view(t)
        return CounterView(c.number, c.name_zh, c.name_en, c.service_list, c.green_channel,
                           c.status, current)


@dataclass(frozen=True)
class _ForecastInputs:
    now: datetime
    counters: list[tuple[rules.CounterState, float]]
    waiting: list[rules.Candidate]
    means: dict[str, float]


class _Op:
    """One writing transaction: holds the feed lock and writes the events.

    The lock is taken with the statement that reserves the operation's event id
    (UPDATE ... RETURNING), before anything is read: every later read in the transaction
    sees what the previous writer committed, and event ids follow commit order.
    """

    def __init__(self, service: QueueService, s: Session, now: datetime) -> None:
        self.service, self.s, self.now = service, s, now
        self._pg = not service.db.sqlite
        self.conn = s.connection()  # Core statements on the hot paths: compiled once
        row = self.conn.execute(_LOCK_FEED).one_or_none()
        if row is None:
            raise QueueError("The database is not prepared; run `kiosk db upgrade`.")
        self._reserved: int | None = int(row[0])
        self.business_day: date | None = row[1]
        self.database_utc = _utc(row[2])

    @property
    def day(self) -> date:
        assert self.business_day is not None
        return self.business_day

    @property
    def state(self) -> m.BranchState:
        state = self.s.get(m.BranchState, 1)
        assert state is not None
        return state

    def next_event_id(self) -> int:
        if self._reserved is not None:
            event_id, self._reserved = self._reserved, None
            return event_id
        return int(self.conn.execute(_BUMP_FEED).scalar_one())

    def emit(self, kind: str, ticket: m.Ticket | None = None, counter: int | None = None,
             payload: dict[str, Any] | None = None) -> int:
        if counter is None and ticket is not None:
            counter = ticket.counter
        return self.emit_raw(kind, ticket.id if ticket is not None else None, counter, payload)

    def emit_raw(self, kind: str, ticket_id: int | None, counter: int | None,
                 payload: dict[str, Any] | None) -> int:
        self.s.flush()  # ORM changes first, so the event follows them
        event_id = self.next_event_id()
        self.conn.execute(_EVENT_INSERT, {"id": event_id, "at": self.now, "kind": kind,
                                          "ticket_id": ticket_id, "counter": counter,
                                          "payload": payload or {}})
        if self._pg:
            self.conn.execute(_NOTIFY, {"id": str(event_id)})
        return event_id


_FEED = cast(Table, m.BranchState.__table__)
_EVENTS = cast(Table, m.Event.__table__)
_TICKETS = cast(Table, m.Ticket.__table__)
_BUMP_FEED = (update(_FEED).where(_FEED.c.id == 1)
              .values(last_event_id=_FEED.c.last_event_id + 1)
              .returning(_FEED.c.last_event_id))
_LOCK_FEED = (update(_FEED).where(_FEED.c.id == 1)
              .values(last_event_id=_FEED.c.last_event_id + 1)
              .returning(_FEED.c.last_event_id, _FEED.c.business_day,
                         func.current_timestamp()))
_EVENT_INSERT = insert(_EVENTS)
_TICKET_INSERT = insert(_TICKETS).returning(_TICKETS.c.id)
# The PostgreSQL channel every event is announced on (feed.PgWaker listens to it).
FEED_CHANNEL = "kiosk_events"
_NOTIFY = text(f"SELECT pg_notify('{FEED_CHANNEL}', :id)")

_SEQ_UPSERT = text(
    "INSERT INTO sequences (business_day, service, last) VALUES (:day, :service, 1) "
    "ON CONFLICT (business_day, service) DO UPDATE SET last = sequences.last + 1 "
    "RETURNING last")

# PostgreSQL: number, ticket, event and notification in one round trip (see _insert_ticket).
_PG_ISSUE = text(f"""
WITH seq AS (
    INSERT INTO sequences (business_day, service, last) VALUES (:business_day, :service, 1)
    ON CONFLICT (business_day, service) DO UPDATE SET last = sequences.last + 1
    RETURNING last
), t AS (
    INSERT INTO tickets (business_day, service, seq, number, tier, status, customer_hash,
                         customer_masked, arrived_at, rank_at, station, recalls, outcome)
    SELECT :business_day, :service, seq.last,
           :service || CASE WHEN seq.last < 1000 THEN lpad(seq.last::text, 3, '0')
                            ELSE seq.last::text END,
           :tier, :status, :customer_hash, :customer_masked, :arrived_at, :rank_at, :station,
           :recalls, :outcome
    FROM seq
    RETURNING id, number
), ev AS (
    INSERT INTO events (id, at, kind, ticket_id, counter, payload)
    SELECT :event_id, :arrived_at, 'issued', t.id, NULL,
           (jsonb_build_object('number', t.number) || CAST(:payload AS jsonb))::json
    FROM t
)
SELECT t.id, t.number, pg_notify('{FEED_CHANNEL}', :event_id_text) FROM t
""")


def _utc(at: datetime | str) -> datetime:
    """The database's CURRENT_TIMESTAMP as naive UTC (SQLite: UTC text; PostgreSQL: aware)."""
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 7200:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 60:.0f} minutes"


class _NothingToDo(Exception):
    """Raised inside a transaction to roll it back (and give back its event id)."""
