"""The console's Appointments tab (预约), without Qt: today's bookings, who has checked in,
who is late, and booking, moving, cancelling and re-issuing a code with a reason (the
queue checks the login and writes the audit row). The view a booking, a move to another
day or a re-issue returns holds the new code in clear, for the tab to show once; the
day's list holds every code as ******.

The window reads `BookingsBoard.read` on its worker when the feed brings a booking's
change (or a call or finish of a booked number) and draws the rows this gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from kiosk.config import Settings
from kiosk.identity import identify
from kiosk.queue.appointments import BookingView, parse_slot
from kiosk.queue.booking_rules import Slot, load_of, slot_limit, staffing_of
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor, need_reason
from kiosk.queue.views import FeedEvent

# events after which today's bookings are read again
BOOKING_EVENTS = frozenset({"booking_made", "booking_moved", "booking_cancelled",
                            "booking_checked_in", "called", "finish", "no_show",
                            "day_rollover"})


@dataclass(frozen=True)
class BookingRow:
    """One booking as the tab lists it. `status` is what the manager needs to know now:
    booked (not yet due), due (slot begun, not checked in, within grace), checked_in,
    late (checked in after the slot), served, missed, cancelled."""

    view: BookingView
    status: str

    @property
    def id(self) -> int:
        return self.view.id


def row_status(b: BookingView, now: datetime, grace_min: int) -> str:
    if b.state == "booked" and now >= b.slot_at:
        return "due" if now <= b.slot_at + timedelta(minutes=grace_min) else "missed"
    if b.state == "checked_in" and b.late:
        return "late"
    return b.state


@dataclass(frozen=True)
class Counts:
    booked: int  # every booking of the day but the cancelled ones
    checked_in: int  # checked in (on time, late within grace, or served)
    late: int  # checked in after their slot, or not in yet with the slot begun
    missed: int


class BookingsBoard:
    def __init__(self, service: QueueService, settings: Settings,
                 actor: Callable[[], Actor | None]) -> None:
        self.service = service
        self.settings = settings
        self.actor = actor
        self.rows: list[BookingRow] = []
        self.day: date | None = None

    @staticmethod
    def wants(events: Iterable[FeedEvent]) -> bool:
        """Whether these events may have changed today's bookings."""
        return any(e.kind in BOOKING_EVENTS for e in events)

    # --- on the worker -------------------------------------------------------------------

    def read(self) -> list[BookingView]:
        return self.service.appointments.day()

    def book(self, service: str, identifier: str, day_text: str, time_text: str,
             purpose: str, amount_band: str, reason: str) -> BookingView:
        identity = identify(identifier, self.settings.hash_secret)
        day, start = parse_slot(day_text, time_text)
        return self.service.appointments.book(service, identity, day, start, purpose=purpose,
                                              amount_band=amount_band, actor=self.actor(),
                                              reason=reason)

    def move(self, booking_id: int, day_text: str, time_text: str,
             reason: str) -> BookingView:
        day, start = parse_slot(day_text, time_text)
        return self.service.appointments.move(booking_id, day, start, actor=self.actor(),
                                              reason=need_reason(reason))

    def cancel(self, booking_id: int, reason: str) -> BookingView:
        return self.service.appointments.cancel(booking_id, actor=self.actor(),
                                                reason=need_reason(reason))

    def reissue(self, booking_id: int, reason: str) -> BookingView:
        return self.service.appointments.reissue_code(booking_id, actor=self.actor(),
                                                      reason=need_reason(reason))

    # --- on the GUI thread ---------------------------------------------------------------

    def load(self, views: Iterable[BookingView], now: datetime) -> None:
        grace = self.settings.appointments.grace_min
        self.rows = [BookingRow(v, row_status(v, now, grace)) for v in views]
        self.day = self.rows[0].view.day if self.rows else self.day

    def counts(self) -> Counts:
        live = [r for r in self.rows if r.status != "cancelled"]
        return Counts(
            booked=len(live),
            checked_in=sum(1 for r in live if r.status in ("checked_in", "late", "served")),
            late=sum(1 for r in live if r.status in ("late", "due")),
            missed=sum(1 for r in live if r.status == "missed"))

    def slot_times(self, service: str) -> list[str]:
        """The slot starts of a service's day ("09:00", "09:30", ...), for the form; a
        slot that takes none of its bookings while its counters are on a break or in the
        branch's busiest hours is left out (typed in, it is refused with the next free
        slot)."""
        svc = self.settings.service(service)
        step = self.settings.appointments.slot_min
        limit = self.settings.appointments.capacity.get(service, 0)
        staffing = staffing_of(self.settings, service)
        load = load_of(self.settings)
        at = datetime.combine(date(2000, 1, 1), svc.opens)
        end = datetime.combine(date(2000, 1, 1), svc.closes) - timedelta(minutes=step)
        out = []
        while at <= end:
            if slot_limit(limit, Slot(at.date(), at.time(), step), staffing, load) > 0:
                out.append(at.strftime("%H:%M"))
            at += timedelta(minutes=step)
        return out

    def bookable_services(self) -> list[str]:
        return [s.prefix for s in self.settings.services
                if self.settings.appointments.capacity.get(s.prefix, 0) > 0]
