"""The ticket's life: issued, called by the rules, and its steps at the counter.

One transaction and one event per operation (see txn.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    String,
    func,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import TextualSelect

from kiosk.errors import IllegalTransition, NotFound, QueueError
from kiosk.identity import Identity
from kiosk.links import token_matches
from kiosk.queue import models as m
from kiosk.queue import rules
from kiosk.queue.counters import free_counter
from kiosk.queue.staff import Actor, StaffDirectory, need_reason, write_audit
from kiosk.queue.txn import FEED_CHANNEL, STATE_WORDS, Branch, NothingToDo, Op, sqlite_value
from kiosk.queue.views import TicketView

# Where each operation may start from.
CAN_CALL = (m.WAITING,)
_CAN_RECALL = (m.CALLED,)
_CAN_START = (m.CALLED,)
_CAN_FINISH = (m.CALLED, m.SERVING)
_CAN_NO_SHOW = (m.CALLED,)
_CAN_SUSPEND = (m.CALLED, m.SERVING)
_CAN_RESUME = (m.SUSPENDED,)
_CAN_TRANSFER = (m.WAITING, m.CALLED, m.SERVING, m.SUSPENDED)
_CAN_CANCEL = (m.WAITING, m.CALLED, m.SERVING, m.SUSPENDED)
_CAN_HAND_BACK = (m.CALLED,)
_CAN_LEAVE = (m.WAITING,)

# who the audit names when a customer leaves the queue through their ticket's link
CUSTOMER_ACTOR = "customer (ticket link)"
LEFT_OUTCOME = "left the queue (离开排队)"


# How far ahead a transfer places the customer; ahead of the branch's rule needs a manager.
_PLACEMENT_ORDER = {"last": 0, "priority": 1, "first": 2}


class Tickets:
    def __init__(self, branch: Branch, staff: StaffDirectory) -> None:
        self.branch = branch
        self.staff = staff
        self._head_queries: dict[tuple[str, ...], TextualSelect] = {}  # per service set
        self._issued_events: dict[int, int] = {}  # ticket id -> its "issued" event id

    def issued_event(self, ticket_id: int) -> int | None:
        """The event that issued `ticket_id`, when this process issued it lately."""
        return self._issued_events.get(ticket_id)

    # --- issuing -------------------------------------------------------------------------

    def issue(self, service: str, identity: Identity | None = None, *, station: str = "",
              customer_masked: str = "", check_hours: bool = True) -> TicketView:
        """A walk-in's number for `service` (or the customer's open one, for a reprint).

        The tier comes from the customer directory when the customer is identified.
        """
        return self._issue(service, identity, station=station, customer_masked=customer_masked,
                           check_hours=check_hours)

    def issue_for(self, service: str, *, actor: Actor | None, reason: str,
                  identity: Identity | None = None, tier: str | None = None,
                  kiosk: str | None = None, customer_masked: str = "",
                  outside_hours: bool = False) -> TicketView:
        """主动派号: a manager issues a number on a customer's behalf, optionally with a
        chosen tier or outside the service's hours, printed on `kiosk`'s printer (the
        kiosk takes the job from the feed) or only shown, to write down. Audited."""
        actor = self.staff.authorize(actor, m.MANAGER, "issuing on a customer's behalf")
        reason = need_reason(reason)
        return self._issue(service, identity, tier=tier, station=f"manager:{actor.staff_no}",
                           customer_masked=customer_masked, check_hours=not outside_hours,
                           actor=actor, reason=reason, kiosk=kiosk)

    def _issue(self, service: str, identity: Identity | None, *, tier: str | None = None,
               station: str = "", customer_masked: str = "", check_hours: bool = True,
               actor: Actor | None = None, reason: str = "",
               kiosk: str | None = None) -> TicketView:
        b = self.branch
        svc = b.service(service)
        now = b.now()
        if check_hours and not (svc.opens <= now.time() < svc.closes):
            raise QueueError(f"{svc.name_en} ({svc.name_zh}) is open "
                             f"{svc.opens:%H:%M}-{svc.closes:%H:%M}; no numbers now.")
        if tier is not None and tier not in b.tiers:
            raise NotFound(f"There is no customer tier {tier!r}.")
        with b.write(now) as op:
            s = op.s
            digest = identity.digest if identity else None
            masked = customer_masked
            manager = ""  # the customer's relationship manager, from the directory
            if identity is not None:
                existing = s.scalars(
                    select(m.Ticket).where(m.Ticket.customer_hash == digest,
                                           m.Ticket.service == service,
                                           m.Ticket.status.in_(m.OPEN_STATES))
                ).first()
                if existing is not None:
                    op.emit("reprint", existing, payload={"station": station})
                    return b.view(existing, existing=True)
                customer = s.scalars(select(m.Customer).where(m.Customer.id_hash == digest)).first()
                if customer is not None:
                    tier = tier or customer.tier
                    masked = masked or customer.name_masked
                    manager = customer.relationship_manager or ""
            if tier not in b.tiers:
                tier = b.settings.regular_tier.key
            payload: dict[str, Any] = {"service": service, "tier": tier, "station": station}
            if masked:
                payload["customer"] = masked  # masked (王*明): what the console's hall lists
            if actor is not None:
                payload["on_behalf_of"] = actor.signature
            row = {"business_day": op.day, "service": service, "tier": tier,
                   "status": m.WAITING, "customer_hash": digest, "customer_masked": masked,
                   "arrived_at": now, "rank_at": now, "station": station, "recalls": 0,
                   "outcome": ""}
            ticket_id, number = self.insert_ticket(op, row, payload)
            issued_event_id = op.last_event_id
            self._issued_events[ticket_id] = issued_event_id
            while len(self._issued_events) > 64:  # a kiosk asks for its last one
                del self._issued_events[next(iter(self._issued_events))]
            if identity is not None and b.tiers[tier].priority:
                op.emit_raw("vip_arrival", ticket_id, None,
                            {"number": number, "tier": tier, "customer": masked,
                             "station": station, "service": service,
                             "relationship_manager": manager})
            if actor is not None:
                ticket = b.ticket_row(op.s, ticket_id)
                if kiosk:
                    op.emit("print_job", ticket, payload={"number": number, "kiosk": kiosk,
                                                          "actor": actor.signature})
                write_audit(op.s, now, actor, "issue_for", ticket, reason,
                            issued_event_id, after={"service": service, "tier": tier,
                                                     "kiosk": kiosk or ""})
        tier_row = b.tiers[tier]
        return TicketView(
            id=ticket_id, number=number, service=service, service_name_zh=svc.name_zh,
            service_name_en=svc.name_en, tier=tier, tier_name_zh=tier_row.name_zh,
            tier_name_en=tier_row.name_en, status=m.WAITING, business_day=op.day,
            arrived_at=now, customer_masked=masked, counter=None, called_at=None, recalls=0,
            outcome="")

    def insert_ticket(self, op: Op, row: dict[str, Any],
                       payload: dict[str, Any]) -> tuple[int, str]:
        """Take the next number and insert the ticket and its "issued" event.

        This is the hot path of every kiosk: on PostgreSQL it is one round trip (the
        number, the ticket, the event and the notification in one statement); on SQLite,
        three short statements under the write lock.
        """
        if not self.branch.db.sqlite:
            event_id = op.next_event_id()
            result = op.conn.execute(_PG_ISSUE, {
                **row, "event_id": event_id, "event_id_text": str(event_id),
                "payload": json.dumps(payload, ensure_ascii=False)}).one()
            op.last_event_id = event_id
            return int(result.id), str(result.number)
        # SQLite: the same statements, to the driver inside the operation's transaction
        seq = int(op.driver.execute(SQLITE_SEQ, (sqlite_value(row["business_day"]),
                                                 row["service"])).fetchall()[0][0])
        number = f"{row['service']}{seq:03d}"
        values = {**row, "seq": seq, "number": number}
        ticket_id = int(op.driver.execute(
            _sqlite_insert(tuple(values)), [sqlite_value(v) for v in values.values()]
        ).fetchall()[0][0])
        op.emit_raw("issued", ticket_id, None, {"number": number, **payload})
        return ticket_id, number

    # --- calling -------------------------------------------------------------------------

    def call_next(self, counter: int) -> TicketView | None:
        """Call the ticket the rules choose for this counter; None when none waits."""
        b = self.branch
        try:
            with b.write() as op:
                crow = free_counter(b, op.s, counter)
                choice = self.choose(op.s, crow, op.now)
                if choice is None:
                    raise NothingToDo
                ticket = b.ticket_row(op.s, choice.ticket_id)
                self.do_call(op, crow, ticket, "called")
                return b.view(ticket)
        except NothingToDo:
            return None

    def peek_next(self, counter: int) -> TicketView | None:
        """The ticket `call_next(counter)` would call now, without calling it (a read).

        The same choice as `call_next` (`choose`), whatever the counter's state: a paused
        counter's teller sees who would come next once it opens."""
        b = self.branch
        with b.read() as s:
            choice = self.choose(s, b.counter_row(s, counter), b.now())
            return None if choice is None else b.view(b.ticket_row(s, choice.ticket_id))

    def choose(self, s: Session, crow: m.CounterRow, now: datetime) -> rules.Candidate | None:
        """What the rules pick for this counter from the waiting tickets (no writes)."""
        state = rules.CounterState(number=crow.number, services=crow.service_list,
                                   green_channel=crow.green_channel,
                                   consecutive_priority=crow.consecutive_priority)
        return rules.pick_next(state, now, self._heads(s, crow.service_list),
                               self.branch.policy)

    def do_call(self, op: Op, crow: m.CounterRow, ticket: m.Ticket, kind: str,
                extra: dict[str, Any] | None = None) -> int:
        ticket.status = m.CALLED
        ticket.counter = crow.number
        ticket.called_at = op.now
        ticket.pin = None
        crow.current_ticket_id = ticket.id
        crow.updated_at = op.now
        if self.branch.policy.is_priority(ticket.tier):
            crow.consecutive_priority += 1
        else:
            crow.consecutive_priority = 0
        payload = {"number": ticket.number, "service": ticket.service, "tier": ticket.tier,
                   "waited_s": round((op.now - ticket.arrived_at).total_seconds(), 1)}
        return op.emit(kind, ticket, crow.number, {**payload, **(extra or {})})

    def _heads(self, s: Session, services: Sequence[str]) -> list[rules.Candidate]:
        """The head of each (service, tier) group plus every pinned ticket (see rules.py)."""
        key = tuple(services)
        query = self._head_queries.get(key)
        if query is None:
            query = self._head_queries[key] = head_query(key, tuple(self.branch.tiers))
        found = {r.id: rules.Candidate(r.id, r.service, r.tier, r.rank_at, r.pin,
                                       booked_at=r.booked_slot_at)
                 for r in s.execute(query) if r.pin is None or r.service in key}
        return list(found.values())  # a booked ticket may also be its group's head

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
            if t.booked_slot_at is not None:  # a booked customer: the booking is served
                s.execute(update(m.Booking).where(m.Booking.ticket_id == t.id,
                                                  m.Booking.state == m.CHECKED_IN)
                          .values(state=m.SERVED))
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
            t.rank_at = placement_rank(s, t.service, t, "first", now)
        return self._step(ticket_id, _CAN_RESUME, "resumed", "resume", apply)

    def cancel(self, ticket_id: int, *, actor: Actor | None, reason: str) -> TicketView:
        """A manager takes a ticket out of the queue (audited)."""
        actor = self.staff.authorize(actor, m.MANAGER, "cancelling a ticket")
        reason = need_reason(reason)

        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            t.status, t.finished_at, t.outcome = m.CANCELLED, now, reason
        return self._step(ticket_id, _CAN_CANCEL, "cancelled", "cancel", apply, free=True,
                          extra={"reason": reason}, audit=(actor, reason))

    def leave(self, ticket_id: int, mac: str) -> TicketView:
        """离开排队: the customer gives up their own place, from their ticket's link.

        No staff login: the link's MAC (kiosk.links) is the customer's proof that the
        ticket is theirs. Only today's ticket and only while it waits; a wrong MAC, another
        day's ticket and an unknown id are the same `NotFound`, so nothing about a ticket
        is told to someone without its link. An event like any other, and an audit row
        naming the customer as the one who acted."""
        b = self.branch
        with b.write() as op:
            s, now = op.s, op.now
            ticket = s.get(m.Ticket, ticket_id)
            if ticket is None or ticket.business_day != b.business_day(now) or not \
                    token_matches(ticket.id, ticket.arrived_at, mac, b.settings.hash_secret):
                raise NotFound("This ticket link is not valid.")
            if ticket.status not in _CAN_LEAVE:
                raise IllegalTransition(f"{ticket.number} is {STATE_WORDS[ticket.status]}: "
                                        "only a waiting number can leave the queue.")
            before = {"status": ticket.status, "service": ticket.service}
            ticket.status, ticket.finished_at, ticket.outcome = m.CANCELLED, now, LEFT_OUTCOME
            event_id = op.emit("cancel", ticket, None, {
                "number": ticket.number, "service": ticket.service, "tier": ticket.tier,
                "reason": LEFT_OUTCOME, "actor": CUSTOMER_ACTOR, "by_customer": True})
            s.add(m.Audit(at=now, actor=CUSTOMER_ACTOR, action="leave", ticket_id=ticket.id,
                          reason=LEFT_OUTCOME, event_id=event_id,
                          details={"staff_no": "", "role": "customer", "number": ticket.number,
                                   "before": before,
                                   "after": {"status": ticket.status,
                                             "service": ticket.service}}))
            return b.view(ticket)

    def transfer(self, ticket_id: int, service: str, placement: str | None = None, *,
                 actor: Actor | None = None, reason: str = "") -> TicketView:
        """Move a ticket to another service; it keeps its number, arrival time and tier.

        The branch's rule (`rules.transfer_placement`) is the teller's; placing the
        customer further ahead than the rule (last < priority < first) is a manager's
        override, signed and audited.
        """
        target = self.branch.service(service)
        rule = self.branch.settings.rules.transfer_placement
        placement = placement or rule
        if placement not in _PLACEMENT_ORDER:
            raise QueueError(f"Placement must be first, last or priority, not {placement!r}.")
        audit = None
        if _PLACEMENT_ORDER[placement] > _PLACEMENT_ORDER.get(rule, 0):
            actor = self.staff.authorize(actor, m.MANAGER,
                                         f"a transfer placed {placement} (the rule is {rule})")
            audit = (actor, need_reason(reason))

        def apply(s: Session, t: m.Ticket, now: datetime) -> None:
            if t.service == target.prefix and t.status == m.WAITING:
                raise IllegalTransition(f"{t.number} is already waiting for {target.name_en}.")
            t.rank_at = placement_rank(s, target.prefix, t, placement, now)
            t.transferred_from, t.service = t.service, target.prefix
            t.status, t.counter, t.called_at, t.started_at = m.WAITING, None, None, None
        return self._step(ticket_id, _CAN_TRANSFER, "transferred", "transfer", apply, free=True,
                          extra={"to": target.prefix, "placement": placement}, audit=audit)

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

    def _step(self, ticket_id: int, allowed: tuple[str, ...], verb: str, kind: str,
              apply: Callable[[Session, m.Ticket, datetime], Any], *, free: bool = False,
              learn: bool = False, extra: dict[str, Any] | None = None,
              audit: tuple[Actor, str] | None = None) -> TicketView:
        b = self.branch
        with b.write() as op:
            s, now = op.s, op.now
            ticket = b.ticket_row(s, ticket_id)
            b.require(ticket, allowed, verb)
            counter = ticket.counter
            before = {"status": ticket.status, "service": ticket.service}
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
            if audit is not None:
                payload.update(actor=audit[0].signature, reason=audit[1])
            event_id = op.emit(kind, ticket, counter, payload)
            if audit is not None:
                write_audit(s, now, audit[0], kind, ticket, audit[1], event_id, before,
                            {"status": ticket.status, "service": ticket.service,
                             **(extra or {})})
            return b.view(ticket)

    def _learn_service_time(self, s: Session, ticket: m.Ticket) -> None:
        if ticket.started_at is None or ticket.finished_at is None:
            return
        took = (ticket.finished_at - ticket.started_at).total_seconds()
        if took <= 0:
            return
        row = s.get(m.ServiceRow, ticket.service)
        if row is not None:
            a = self.branch.settings.rules.service_time_smoothing
            row.mean_service_s = (1 - a) * row.mean_service_s + a * took
            row.served += 1


def placement_rank(s: Session, service: str, ticket: m.Ticket, placement: str,
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


_EPOCH = datetime(1900, 1, 1)  # before any slot: `booked_slot_at >= _EPOCH` is "booked"


def head_query(services: tuple[str, ...], tiers: tuple[str, ...]) -> TextualSelect:
    """Call-next's read, as plain SQL made once per set of services: the head of each
    (service, tier) group of unpinned waiting tickets, and every pinned waiting ticket
    (of any service: they are few; `_heads` keeps those of the counter's services), and
    every unpinned booked waiting ticket (due at their slot, out of rank order; few, and
    one range of ix_ticket_booked).

    Building the same query with SQLAlchemy's constructs took 1.4 ms a call. Each part is
    written so that only one index fits it, whatever PostgreSQL's statistics say: with
    statistics older than a burst of tickets the planner took `pin IS NULL` to the pin
    index and sorted every waiting row (78 ms at 50,000 waiting). A head is one probe of
    ix_ticket_queue (`coalesce(pin, 0) = 0` is "not pinned": pins are positions from 1),
    the pinned tickets one range of ix_ticket_pin (`pin >= 1`), the booked ones one range
    of ix_ticket_booked (`booked_slot_at >= 1900-01-01`): ranges on the index's second
    column, not `IS NOT NULL`, which the planner without statistics took to the other
    (status, ...) index and filtered every waiting row (17 ms at 50,000 waiting)."""
    cols = "id, service, tier, rank_at, pin, booked_slot_at"
    params: dict[str, str] = {"waiting": m.WAITING}
    parts = []
    for i, (svc, tier) in enumerate((svc, tier) for svc in services for tier in tiers):
        params[f"s{i}"], params[f"t{i}"] = svc, tier
        parts.append(f"SELECT * FROM (SELECT {cols} FROM tickets WHERE status = :waiting "
                     f"AND service = :s{i} AND tier = :t{i} AND coalesce(pin, 0) = 0 "
                     f"ORDER BY rank_at, id LIMIT 1) AS h{i}")
    parts.append(f"SELECT {cols} FROM tickets WHERE status = :waiting AND pin >= 1")
    parts.append(f"SELECT {cols} FROM tickets WHERE status = :waiting "
                 "AND booked_slot_at >= :epoch AND coalesce(pin, 0) = 0")
    return (text("\nUNION ALL\n".join(parts)).bindparams(**params, epoch=_EPOCH)
            .columns(id=BigInteger, service=String, tier=String, rank_at=DateTime,
                     pin=Integer, booked_slot_at=DateTime))


# SQLite: the number and the ticket, sent to the driver (`Op.driver`, `sqlite_value`)
SQLITE_SEQ = (
    "INSERT INTO sequences (business_day, service, last) VALUES (?, ?, 1) "
    "ON CONFLICT (business_day, service) DO UPDATE SET last = sequences.last + 1 "
    "RETURNING last")
_TICKET_COLUMNS = frozenset(m.Ticket.__table__.c.keys())


@lru_cache(maxsize=8)
def _sqlite_insert(columns: tuple[str, ...]) -> str:
    assert _TICKET_COLUMNS.issuperset(columns), columns  # names from our code, not input
    return (f"INSERT INTO tickets ({', '.join(columns)}) "
            f"VALUES ({', '.join('?' * len(columns))}) RETURNING id")

# PostgreSQL: number, ticket, event and notification in one round trip (see insert_ticket).
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
