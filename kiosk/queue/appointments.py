"""Appointments (预约) in the branch database: booked, moved and cancelled by logged-in
staff (audited), checked in at the kiosk by card, ID or six-digit code.

Each operation is one transaction under the feed lock (txn.py) and writes one event
(`booking_made`, `booking_moved`, `booking_cancelled`, `booking_code_reissued`,
`booking_checked_in`), so the manager console follows bookings live and capacity and codes
are decided with no race between two PCs. The decisions themselves are the pure functions
of `booking_rules`.

A booking code checks its customer in without a card, so it is a credential: the database
keeps only its keyed hash (`kiosk.identity.booking_code_hash`, over the code and its day),
events and audit rows never hold it, and it is in clear in one place only: the view that
`book`, a move to another day and `reissue_code` return, shown once to the staff member
who made it. Every view read back shows HIDDEN_CODE. The codes a kiosk refused are rows
of `code_refusals`, so its rest after too many (booking_rules.code_entry_rests) holds on
every restart.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kiosk.errors import InvalidIdentifier, NotFound, QueueError
from kiosk.identity import Identity, booking_code_hash, compact, identify
from kiosk.queue import booking_rules as br
from kiosk.queue import models as m
from kiosk.queue.customers import (
    BadRow,
    CustomerImportError,
    lookup,
    read_export_text,
    read_header,
)
from kiosk.queue.staff import Actor, StaffDirectory, need_reason, write_audit
from kiosk.queue.tickets import Tickets
from kiosk.queue.txn import Branch, Op
from kiosk.queue.views import TicketView

log = logging.getLogger(__name__)

LIVE_STATES = (m.BOOKED, m.CHECKED_IN)  # a booking that still holds its slot
# a booking export's lines at most: a branch books ~100 a day, and each row is booked in a
# transaction of its own (300,000 rows took 6 minutes)
MAX_IMPORT_LINES = 20_000


HIDDEN_CODE = "******"  # a booking code as every list shows it


@dataclass(frozen=True)
class BookingView:
    """A booking as callers see it: masked forms only. `code` is HIDDEN_CODE, except in
    the view that made a new code (book, a move to another day, reissue_code): the code in
    clear, to be shown that once to the staff member, for the customer."""

    id: int
    code: str
    day: date
    slot_at: datetime
    length_min: int
    service: str
    service_name_zh: str
    service_name_en: str
    customer_masked: str
    name_masked: str
    tier: str
    tier_name_zh: str
    tier_name_en: str
    purpose: str
    amount_band: str
    state: str  # booked | checked_in | served | missed | cancelled (missed once past grace)
    booked_by: str
    booked_at: datetime
    checked_in_at: datetime | None
    ticket_id: int | None
    ticket_number: str = ""
    ticket_status: str = ""
    called_at: datetime | None = None
    note: str = ""

    @property
    def late(self) -> bool:
        """Checked in after the slot began."""
        return self.checked_in_at is not None and self.checked_in_at > self.slot_at

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {**asdict(self), "late": self.late}


@dataclass(frozen=True)
class CheckInResult:
    """A check-in: the booking, the ticket and what happened ("booked": a number due at
    the slot; "late": a walk-in number, past the grace window; "reprint")."""

    booking: BookingView
    ticket: TicketView
    kind: str
    arrival: str  # early | in_grace | late


@dataclass
class BookingImportReport:
    """The booked rows (a code drawn here in clear in its view, shown this once; a code
    from the file hidden: the customer has it from the booking system) and the bad ones."""

    booked: list[BookingView] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)

    @property
    def drawn(self) -> int:
        """How many booked rows got a code drawn here (the file gave none)."""
        return sum(1 for b in self.booked if b.code != HIDDEN_CODE)

    def summary(self) -> str:
        text = f"booked {len(self.booked)}"
        if self.drawn:
            text += f" ({self.drawn} with a new booking code, shown only now)"
        return text + (f"; {len(self.bad)} bad rows" if self.bad else "")


class Appointments:
    def __init__(self, branch: Branch, staff: StaffDirectory, tickets: Tickets) -> None:
        self.branch = branch
        self.staff = staff
        self.tickets = tickets

    # --- booking, moving, cancelling (staff) ---------------------------------------------

    def book(self, service: str, identity: Identity, day: date, start: time, *,
             purpose: str, actor: Actor | None, amount_band: str = "",
             length_min: int | None = None, reason: str = "",
             code: str = "") -> BookingView:
        """Book a slot for a customer (card or ID; tier from the directory). The booking
        code is drawn here and is in the view returned, shown this once; `code` (an
        import): the booking system's own, already the customer's, kept as its hash."""
        actor = self.staff.authorize(actor, m.TELLER, "booking an appointment")
        b = self.branch
        svc = b.service(service)
        amount_band = br.check_purpose(purpose, amount_band)
        code = compact(code)
        if code and not br.is_code(code):
            raise QueueError("A booking code has six digits.")
        length = length_min or b.settings.appointments.slot_min
        slot = br.slot_from(day, start, length, opens=svc.opens, closes=svc.closes)
        reason = (reason or "").strip()[:500] or "booked"
        with b.write() as op:
            s = op.s
            br.check_lead_time(purpose, slot, op.now, b.business_day(op.now),
                               b.settings.appointments.large_cash_lead_days)
            self._check_capacity(service, slot, self._live(s, day, service=service))
            br.check_customer_free(slot, self._live(s, day, customer=identity.digest))
            customer = lookup(s, identity.digest)
            if code:
                digest = self._code_digest(day, code)
                if self._by_digest(s, day, digest) is not None:
                    raise br.BookingRefused(f"That booking code is another booking's on "
                                            f"{day:%Y-%m-%d} already.", "code_taken")
                shown = HIDDEN_CODE  # the customer has it from the booking system
            else:
                shown, digest = self._new_code(s, day)
            row = m.Booking(
                slot_day=day, slot_at=slot.at, length_min=length, service=service,
                customer_hash=identity.digest, customer_kind=identity.kind,
                customer_masked=identity.masked,
                name_masked=customer.name_masked if customer else "",
                tier=customer.tier if customer and customer.tier in b.tiers
                else b.settings.regular_tier.key,
                purpose=purpose, amount_band=amount_band,
                code_hash=digest, state=m.BOOKED,
                booked_by=actor.signature, booked_at=op.now, note="")
            s.add(row)
            s.flush()
            event_id = self._emit(op, "booking_made", row, actor=actor.signature)
            write_audit(s, op.now, actor, "book", None, reason, event_id,
                        after=self._audit_fields(row), booking=row.id)
            return self._view(s, row, code=shown)

    def move(self, booking_id: int, day: date, start: time, *, actor: Actor | None,
             reason: str) -> BookingView:
        """Move a booking to another slot (same service). The code stays within its day;
        moved to another day the booking gets a new one (a code is one day's), in the
        view returned, shown this once; the old one stops working."""
        actor = self.staff.authorize(actor, m.TELLER, "moving a booking")
        reason = need_reason(reason)
        b = self.branch
        with b.write() as op:
            s = op.s
            row = self._row(s, booking_id)
            if row.state != m.BOOKED:
                raise QueueError(f"Booking {row.id} is {row.state.replace('_', ' ')} and "
                                 "cannot be moved.")
            svc = b.service(row.service)
            slot = br.slot_from(day, start, row.length_min, opens=svc.opens,
                                closes=svc.closes)
            br.check_lead_time(row.purpose, slot, op.now, b.business_day(op.now),
                               b.settings.appointments.large_cash_lead_days,
                               cash_ordered_for=row.slot_day)
            others = self._live(s, day, service=row.service, leave_out=row.id)
            self._check_capacity(row.service, slot, others)
            br.check_customer_free(slot, self._live(s, day, customer=row.customer_hash,
                                                    leave_out=row.id))
            before = self._audit_fields(row)
            shown = HIDDEN_CODE
            if day != row.slot_day:
                shown, row.code_hash = self._new_code(s, day)
            row.slot_day, row.slot_at, row.note = day, slot.at, reason
            event_id = self._emit(op, "booking_moved", row, actor=actor.signature,
                                  reason=reason)
            write_audit(s, op.now, actor, "move_booking", None, reason, event_id, before,
                        self._audit_fields(row), booking=row.id,
                        new_code=shown != HIDDEN_CODE)
            return self._view(s, row, code=shown)

    def cancel(self, booking_id: int, *, actor: Actor | None, reason: str) -> BookingView:
        actor = self.staff.authorize(actor, m.TELLER, "cancelling a booking")
        reason = need_reason(reason)
        with self.branch.write() as op:
            s = op.s
            row = self._row(s, booking_id)
            if row.state != m.BOOKED:
                raise QueueError(f"Booking {row.id} is {row.state.replace('_', ' ')} and "
                                 "cannot be cancelled.")
            before = self._audit_fields(row)
            row.state, row.note = m.BOOKING_CANCELLED, reason
            event_id = self._emit(op, "booking_cancelled", row, actor=actor.signature,
                                  reason=reason)
            write_audit(s, op.now, actor, "cancel_booking", None, reason, event_id, before,
                        self._audit_fields(row), booking=row.id)
            return self._view(s, row)

    def reissue_code(self, booking_id: int, *, actor: Actor | None,
                     reason: str) -> BookingView:
        """A new code for a booking whose customer lost theirs (audited, with a reason):
        the old code stops working at once; the new one is in the view returned, shown
        this once."""
        actor = self.staff.authorize(actor, m.TELLER, "re-issuing a booking code")
        reason = need_reason(reason)
        with self.branch.write() as op:
            s = op.s
            row = self._row(s, booking_id)
            br.check_code_reissue(row.id, row.state, row.slot_day, op.day)
            shown, row.code_hash = self._new_code(s, row.slot_day)
            fields = self._audit_fields(row)
            event_id = self._emit(op, "booking_code_reissued", row, actor=actor.signature,
                                  reason=reason)
            write_audit(s, op.now, actor, "reissue_code", None, reason, event_id, fields,
                        fields, booking=row.id, new_code=True)
            return self._view(s, row, code=shown)

    # --- reading ---------------------------------------------------------------------------

    def day(self, day: date | None = None) -> list[BookingView]:
        """A day's bookings (today by default) in slot order, cancelled ones included;
        their codes read HIDDEN_CODE (only their hashes are kept)."""
        b = self.branch
        with b.read() as s:
            day = day or b.business_day(b.now())
            rows = s.scalars(select(m.Booking).where(m.Booking.slot_day == day)
                             .order_by(m.Booking.slot_at, m.Booking.id)).all()
            return [self._view(s, r) for r in rows]

    def by_code(self, code: str, day: date | None = None) -> BookingView:
        """The booking of `day` (today by default) whose code the customer tells."""
        b = self.branch
        code = compact(code)
        with b.read() as s:
            day = day or b.business_day(b.now())
            row = self._by_digest(s, day, self._code_digest(day, code)) \
                if br.is_code(code) else None
            if row is None:
                raise NotFound(f"There is no booking with that code on {day:%Y-%m-%d}.")
            return self._view(s, row)

    def get(self, booking_id: int) -> BookingView:
        """A booking by its number (as lists show it: #42)."""
        with self.branch.read() as s:
            return self._view(s, self._row(s, booking_id))

    def today_for(self, identity: Identity) -> BookingView | None:
        """The customer's booking today the kiosk can check in (or reprint), if any."""
        b = self.branch
        with b.read() as s:
            row = self._today_row(s, identity.digest, b.business_day(b.now()))
            return None if row is None else self._view(s, row)

    # --- checking in (the kiosk) ------------------------------------------------------------

    def check_in(self, *, identity: Identity | None = None, code: str = "",
                 station: str = "") -> CheckInResult:
        """A card, an ID or a booking code at the kiosk: today's booking gets its number.

        Before the slot or within the grace window the number is booked (due at the slot);
        later it is a walk-in number and the booking counts as missed. A second check-in
        reprints. A wrong code, another day's, a cancelled or used booking is one
        `BookingRefused`."""
        if identity is None:
            return self._check_in_code(code, station)
        return self._check_in(identity, "", station)

    def _check_in_code(self, code: str, station: str) -> CheckInResult:
        """A typed code. A kiosk where codes keep being refused takes none for a while
        (`_check_in` asks the station's refusals of the database before the code)."""
        try:
            return self._check_in(None, code, station)
        except br.BookingRefused as exc:
            if exc.code != "locked":
                self._write_refusal(station)
            raise

    def _write_refusal(self, station: str) -> None:
        """A code refused at `station`, written in a transaction of its own (the check-in's
        was rolled back); every station's refusals older than REFUSALS_KEPT go."""
        now = self.branch.now()
        with self.branch.db.begin() as s:
            s.execute(delete(m.CodeRefusal).where(m.CodeRefusal.at < now - br.REFUSALS_KEPT))
            s.add(m.CodeRefusal(station=station, at=now))
            s.flush()
            refused = self._refusals(s, station, now)
        if br.code_entry_rests(refused, now):
            log.warning("booking codes rest at station %r: %d refused since %s",
                        station or "-", len(refused), f"{refused[0]:%H:%M:%S}")

    @staticmethod
    def _refusals(s: Session, station: str, now: datetime) -> list[datetime]:
        """When codes were refused at `station` within the rule's look-back, in order."""
        return list(s.scalars(select(m.CodeRefusal.at)
                              .where(m.CodeRefusal.station == station,
                                     m.CodeRefusal.at >= now - br.CODE_LOOKBACK)
                              .order_by(m.CodeRefusal.at)))

    def _check_in(self, identity: Identity | None, code: str,
                  station: str) -> CheckInResult:
        b = self.branch
        with b.write() as op:
            s, now = op.s, op.now
            today = op.day
            if identity is None and br.code_entry_rests(self._refusals(s, station, now), now):
                raise br.BookingRefused("Too many booking codes were refused here; please "
                                        "use a card or an ID, or ask the lobby manager.",
                                        "locked")
            row = self._find(s, identity, code, today)
            ticket = s.get(m.Ticket, row.ticket_id) if row.ticket_id is not None else None
            ticket_open = ticket is not None and ticket.status in m.OPEN_STATES \
                and ticket.business_day == today
            decision = br.check_in(row.state, row.slot_day, today, row.slot_at,
                                   b.settings.appointments.grace_min, now, ticket_open)
            if decision.kind == "reprint":
                assert ticket is not None
                op.emit("reprint", ticket, payload={"station": station, "booking": row.id})
                return CheckInResult(self._view(s, row), b.view(ticket, existing=True),
                                     "reprint", decision.arrival)
            booked = decision.kind == "booked"
            held = self._held_ticket(s, row.customer_hash, row.service, today)
            if held is not None:  # a walk-in number of the service already: that one
                if booked:  # keeps its place (taken before now) and is due at the slot too
                    held.booked_slot_at = row.slot_at
                view = b.view(held, existing=True)
            else:
                if not booked:
                    self._open_now(row.service, now)
                view = self._issue(op, row, station, booked)
            row.checked_in_at, row.ticket_id = now, view.id
            row.state = m.CHECKED_IN if booked else m.MISSED
            self._emit(op, "booking_checked_in", row, ticket_id=view.id, number=view.number,
                       arrival=decision.arrival, late=not booked)
            return CheckInResult(self._view(s, row), view, decision.kind, decision.arrival)

    def _find(self, s: Session, identity: Identity | None, code: str,
              today: date) -> m.Booking:
        if identity is not None:
            row = self._today_row(s, identity.digest, today)
            if row is None:
                raise br.BookingRefused("No booking today for this card.", "not_found")
            return row
        code = compact(code)
        if not br.is_code(code):
            raise br.BookingRefused("A booking code has six digits.", "not_found")
        # a code is its day's: another day's code is as unknown as a wrong one (saying
        # "your booking is on the 27th" would tell someone trying codes they hit one)
        row = self._by_digest(s, today, self._code_digest(today, code))
        if row is None:
            raise br.BookingRefused("There is no booking with that code today.", "not_found")
        return row

    def _today_row(self, s: Session, digest: str, today: date) -> m.Booking | None:
        """Today's booking of a customer: a live one first (the earliest slot), else the
        latest of the others (a cancelled one, to say so)."""
        rows = s.scalars(select(m.Booking).where(m.Booking.customer_hash == digest,
                                                 m.Booking.slot_day == today)
                         .order_by(m.Booking.slot_at, m.Booking.id)).all()
        live = [r for r in rows if r.state in LIVE_STATES or r.state == m.MISSED
                and r.ticket_id is not None]
        checked = [r for r in live if r.state != m.BOOKED]
        waiting = [r for r in live if r.state == m.BOOKED]
        if waiting:
            return waiting[0]
        if checked:
            return checked[-1]
        return rows[-1] if rows else None

    @staticmethod
    def _held_ticket(s: Session, digest: str, service: str, today: date) -> m.Ticket | None:
        """The customer's open number of the service today (taken as a walk-in before the
        check-in): the booking uses it rather than giving the customer a second one."""
        return s.scalars(select(m.Ticket).where(m.Ticket.customer_hash == digest,
                                                m.Ticket.service == service,
                                                m.Ticket.business_day == today,
                                                m.Ticket.status.in_(m.OPEN_STATES))
                         .order_by(m.Ticket.id)).first()

    def _open_now(self, service: str, now: datetime) -> None:
        svc = self.branch.service(service)
        if not (svc.opens <= now.time() < svc.closes):
            raise QueueError(f"{svc.name_en} ({svc.name_zh}) is open "
                             f"{svc.opens:%H:%M}-{svc.closes:%H:%M}; no numbers now.")

    def _issue(self, op: Op, row: m.Booking, station: str, booked: bool) -> TicketView:
        """The booking's number: due at its slot when booked, a walk-in's when late."""
        b, now = self.branch, op.now
        rank_at, slot_at = br.booked_ticket("booked" if booked else "late", now, row.slot_at)
        payload: dict[str, Any] = {"service": row.service, "tier": row.tier,
                                   "station": station, "booking": row.id}
        if booked:
            payload["booked"] = row.slot_at.isoformat(timespec="minutes")
        if row.name_masked:
            payload["customer"] = row.name_masked
        ticket_row = {"business_day": op.day, "service": row.service, "tier": row.tier,
                      "status": m.WAITING, "customer_hash": row.customer_hash,
                      "customer_masked": row.name_masked, "arrived_at": now,
                      "rank_at": rank_at, "station": station, "recalls": 0, "outcome": ""}
        ticket_id, _number = self.tickets.insert_ticket(op, ticket_row, payload)
        ticket = b.ticket_row(op.s, ticket_id)
        if slot_at is not None:
            ticket.booked_slot_at = slot_at
        if b.tiers[row.tier].priority:
            op.emit("vip_arrival", ticket, payload={
                "number": ticket.number, "tier": row.tier, "customer": row.name_masked,
                "station": station, "service": row.service, "relationship_manager": "",
                "booked": payload.get("booked", "")})
        op.s.flush()
        return b.view(ticket)

    # --- the bank's booking system (CSV) ------------------------------------------------------

    def import_csv(self, path: str | Path, *, actor: Actor | None) -> BookingImportReport:
        """Book every good row of a booking-system export; bad rows are reported by line
        (a full slot, a late large-cash booking, a bad card number, an unknown service),
        the good ones kept. Columns: identifier, service, date, time, purpose, and
        optionally amount (band), length (minutes) and code: the booking system's own
        booking code, which its customer already has (hashed on the way in, never shown
        again); a row without one gets a code drawn here, in the report this once."""
        actor = self.staff.authorize(actor, m.TELLER, "importing bookings")
        report = BookingImportReport()
        path = Path(path)
        text = read_export_text(path)
        if text.count("\n") > MAX_IMPORT_LINES:  # not one branch's bookings: the wrong file
            raise CustomerImportError(
                f"{path}: more than {MAX_IMPORT_LINES:,} lines; one branch's booking export is "
                "far shorter (split the file if it really is that long).")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = _header(path, list(reader.fieldnames or []))
        secret = self.branch.settings.hash_secret
        try:
            for record in reader:
                line = reader.line_num
                values = {ours: (record.get(theirs) or "").strip()
                          for theirs, ours in header.items()}
                if not any(values.values()):
                    continue
                try:
                    identity = identify(values["identifier"], secret)
                    day, start = _parse_day(values["date"]), _parse_time(values["time"])
                    length = _parse_length(values.get("length", ""))
                    report.booked.append(self.book(
                        values["service"].upper(), identity, day, start,
                        purpose=_purpose(values.get("purpose", "")),
                        amount_band=values.get("amount", ""), length_min=length,
                        actor=actor, reason=f"imported from {path.name}"[:500],
                        code=values.get("code", "")))
                except (QueueError, InvalidIdentifier) as exc:
                    report.bad.append(BadRow(line, _unnumbered(str(exc))))
        except csv.Error as exc:
            report.bad.append(BadRow(reader.line_num, f"not valid CSV ({exc}); the rest of "
                                     "the file was not read."))
        return report

    # --- parts -----------------------------------------------------------------------------

    def _check_capacity(self, service: str, slot: br.Slot, others: list[br.Slot]) -> None:
        """The slot's capacity, fewer while the service's counters are on a break and in
        the branch's busiest hours; a refusal names the next free slot of the day."""
        settings = self.branch.settings
        br.check_capacity(service, slot, others, settings.appointments.capacity,
                          br.staffing_of(settings, service),
                          step_min=settings.appointments.slot_min,
                          closes=self.branch.service(service).closes,
                          load=br.load_of(settings))

    @staticmethod
    def _row(s: Session, booking_id: int) -> m.Booking:
        row = s.get(m.Booking, booking_id)
        if row is None:
            raise NotFound(f"There is no booking {booking_id}.")
        return row

    @staticmethod
    def _live(s: Session, day: date, *, service: str | None = None,
              customer: str | None = None, leave_out: int | None = None) -> list[br.Slot]:
        """The day's live bookings, of a service (what capacity counts) or of a customer
        (any service), as slots."""
        q = select(m.Booking.slot_at, m.Booking.length_min).where(
            m.Booking.slot_day == day, m.Booking.state.in_(LIVE_STATES))
        if service is not None:
            q = q.where(m.Booking.service == service)
        if customer is not None:
            q = q.where(m.Booking.customer_hash == customer)
        if leave_out is not None:
            q = q.where(m.Booking.id != leave_out)
        return [br.Slot(day, at.time(), length) for at, length in s.execute(q)]

    def _code_digest(self, day: date, code: str) -> str:
        return booking_code_hash(day, code, self.branch.settings.hash_secret)

    @staticmethod
    def _by_digest(s: Session, day: date, digest: str) -> m.Booking | None:
        return s.scalars(select(m.Booking).where(m.Booking.slot_day == day,
                                                 m.Booking.code_hash == digest)).first()

    def _new_code(self, s: Session, day: date) -> tuple[str, str]:
        """A code no booking of `day` has, and its hash (under the feed lock: no other
        booking of the day can take it before this transaction commits)."""
        taken = set(s.scalars(select(m.Booking.code_hash).where(m.Booking.slot_day == day)))
        code = br.new_code(lambda c: self._code_digest(day, c) in taken)
        return code, self._code_digest(day, code)

    @staticmethod
    def _audit_fields(row: m.Booking) -> dict[str, object]:
        """What an audit row says of a booking (never its code)."""
        return {"service": row.service, "state": row.state,
                "slot": row.slot_at.isoformat(timespec="minutes"), "purpose": row.purpose,
                "amount_band": row.amount_band}

    @staticmethod
    def _emit(op: Op, kind: str, row: m.Booking, **extra: Any) -> int:
        """The booking's event (never its code: the feed is read by every station)."""
        return op.emit_raw(kind, extra.pop("ticket_id", None), None, {
            "booking": row.id, "service": row.service,
            "slot": row.slot_at.isoformat(timespec="minutes"), "state": row.state, **extra})

    def _view(self, s: Session, r: m.Booking, code: str = HIDDEN_CODE) -> BookingView:
        b = self.branch
        svc = b.services.get(r.service)
        tier = b.tiers.get(r.tier, b.settings.regular_tier)
        t = s.get(m.Ticket, r.ticket_id) if r.ticket_id is not None else None
        state = br.effective_state(r.state, r.slot_at, b.settings.appointments.grace_min,
                                   b.now())
        if state == m.CHECKED_IN and t is not None and t.status == m.DONE:
            state = m.SERVED
        return BookingView(
            id=r.id, code=code, day=r.slot_day, slot_at=r.slot_at, length_min=r.length_min,
            service=r.service, service_name_zh=svc.name_zh if svc else r.service,
            service_name_en=svc.name_en if svc else r.service,
            customer_masked=r.customer_masked, name_masked=r.name_masked, tier=r.tier,
            tier_name_zh=tier.name_zh, tier_name_en=tier.name_en, purpose=r.purpose,
            amount_band=r.amount_band, state=state, booked_by=r.booked_by,
            booked_at=r.booked_at, checked_in_at=r.checked_in_at, ticket_id=r.ticket_id,
            ticket_number=t.number if t else "", ticket_status=t.status if t else "",
            called_at=t.called_at if t else None, note=r.note)


# --- the booking system's CSV -------------------------------------------------------------

_COLUMNS = ("identifier", "service", "date", "time", "purpose")
_ALIASES = {
    "identifier": "identifier", "id": "identifier", "card": "identifier",
    "card_number": "identifier", "id_number": "identifier", "证件号码": "identifier",
    "卡号": "identifier", "身份证号": "identifier", "客户标识": "identifier",
    "service": "service", "业务": "service", "业务类型": "service",
    "date": "date", "日期": "date", "预约日期": "date",
    "time": "time", "start": "time", "时间": "time", "预约时间": "time",
    "purpose": "purpose", "目的": "purpose", "预约事项": "purpose",
    "amount": "amount", "amount_band": "amount", "金额": "amount",
    "length": "length", "length_min": "length", "时长": "length",
    "code": "code", "booking_code": "code", "预约码": "code",
}
_PURPOSES = {"consultation": "consultation", "理财咨询": "consultation", "咨询": "consultation",
             "large_cash": "large_cash", "大额取现": "large_cash", "other": "other",
             "其他": "other", "": "other"}


def _header(path: Path, fields: list[str]) -> dict[str, str]:
    return read_header(path, fields, _ALIASES, _COLUMNS[:4], "identifier, service, date and time")


def _unnumbered(message: str) -> str:
    """A bad row's message without a card or ID number a shifted column put in it (the
    report goes to the screen and to files)."""
    return re.sub(r"[0-9]{12,}[0-9Xx]*", "(a card or ID number, not shown)", message)


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise QueueError(f"{text!r} is not a date like 2026-11-25.") from None


def _parse_time(text: str) -> time:
    match = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise QueueError(f"{text!r} is not a time like 10:30.")
    return time(int(match.group(1)), int(match.group(2)))


def _parse_length(text: str) -> int | None:
    if not text:
        return None
    if not re.fullmatch(r"[0-9]{1,3}", text) or not 5 <= int(text) <= 240:
        raise QueueError(f"a slot's length is 5 to 240 minutes, not {text!r}.")
    return int(text)


def _purpose(text: str) -> str:
    purpose = _PURPOSES.get(text.strip().lower())
    if purpose is None:
        raise QueueError(f"unknown purpose {text!r} (consultation, large_cash or other).")
    return purpose


def parse_slot(day_text: str, time_text: str) -> tuple[date, time]:
    """A day and a start as typed on the command line or in the console."""
    return _parse_day(day_text), _parse_time(time_text)

