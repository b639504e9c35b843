"""What the kiosk asks of the queue and the printer, as plain calls (no Qt).

The window runs every method here on a worker thread (`kiosk.ui.worker`). Nothing here
decides queue order or tiers: the queue service does; this module only reads its answers
into the shapes the screens show and prints the ticket.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from PIL import Image

from kiosk.config import Settings, Tier
from kiosk.devices.errors import CardReadError, PrinterError
from kiosk.devices.magstripe import parse_swipe
from kiosk.devices.preview import preview_png
from kiosk.devices.printer import PrinterState, TicketPrinter, print_checked
from kiosk.devices.ticket import LayoutOptions, TicketData, qr_image, ticket_data
from kiosk.errors import InvalidIdentifier
from kiosk.identity import Identity, compact, identify
from kiosk.queue.appointments import BookingView, CheckInResult
from kiosk.queue.service import QueueService
from kiosk.queue.views import FeedEvent, TicketView

BOOKING_CODE = re.compile(r"[0-9]{6}")  # six digits typed on the keypad: a booking code

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Greeting:
    """A customer the kiosk has identified (masked forms only)."""

    identity: Identity
    name_masked: str
    tier: Tier
    known: bool  # found in the customer directory
    booking: BookingView | None = None  # today's booking to check in (or reprint)

    @property
    def vip(self) -> bool:
        return self.tier.priority


@dataclass(frozen=True)
class ServiceOption:
    """One button on the service screen."""

    prefix: str
    name_zh: str
    name_en: str
    waiting: int
    wait_s: float | None  # a rough guide before issuing; the ticket has the real forecast
    available: bool
    reason: str  # why not available: "closed_until" | "closed_since" | "paused" | ""
    at: str  # the time in the reason (opens / closes), "HH:MM"
    hint_zh: str
    hint_en: str
    beyond: bool = False  # wait_s is a lower bound: "over 3 hours"


@dataclass(frozen=True)
class IssueOutcome:
    view: TicketView  # with people ahead and estimated wait
    ticket: TicketData
    preview_png: bytes  # what the paper shows (also shown when the paper is out)
    printer_error: PrinterError | None
    printer_state: str
    qr_png: bytes = b""  # the ticket's QR alone, large on screen when nothing was printed
    booking: BookingView | None = None  # a check-in: the booking it was for
    check_in: str = ""  # booked (due at the slot) | late (a walk-in number) | reprint
    arrival: str = ""  # early | in_grace | late

    @property
    def reprint(self) -> bool:
        return self.view.existing


class KioskFlow:
    """The kiosk station's calls into the queue and its printer."""

    def __init__(self, service: QueueService, printer: TicketPrinter, settings: Settings,
                 station: str, reader_state: str = "wedge") -> None:
        self.service = service
        self.printer = printer
        self.settings = settings
        self.station = station
        self._reader_state = reader_state
        self._last_printer_state = PrinterState.READY.value
        # when the printer's and the reader's states began (branch time): the manager
        # console tells one paper-out from the next by it
        self._printer_since = self._reader_since = service.now()
        self.jobs_printed: list[int] = []  # event ids of the print jobs done here

    # --- identifying -----------------------------------------------------------------

    def identify_swipe(self, text: str) -> Greeting:
        """A keyboard-wedge burst: a magstripe track, or an ID/card number typed by a reader."""
        try:
            if re.fullmatch(r"[0-9]{13,19}|[0-9]{17}[0-9Xx]", compact(text)):  # a typed number
                identity = identify(text, self.settings.hash_secret)
            else:
                identity = parse_swipe(text).identify(self.settings.hash_secret)
        except InvalidIdentifier as exc:  # a misread stripe fails its check digit
            raise CardReadError("The card could not be read; please swipe it again.") from exc
        return self.greet(identity)

    def identify_typed(self, text: str) -> Greeting:
        """Manual entry on the keypad: a resident ID or a card number."""
        return self.greet(identify(text, self.settings.hash_secret))

    @staticmethod
    def is_booking_code(text: str) -> bool:
        return bool(BOOKING_CODE.fullmatch(compact(text)))

    def greet(self, identity: Identity, name_on_card: str = "") -> Greeting:
        """The customer as the directory knows them (the card's own name otherwise), with
        today's booking when there is one to check in."""
        entry = self.service.customer(identity)
        name, tier_key = (entry.name_masked, entry.tier) if entry else ("", "")
        name = name or name_on_card
        tier = next((t for t in self.settings.tiers if t.key == tier_key),
                    self.settings.regular_tier)
        booking = self.service.appointments.today_for(identity)
        if booking is not None and not (booking.state == "booked" or booking.ticket_status in (
                "waiting", "called", "serving", "suspended")):
            booking = None  # cancelled, served: the customer takes a number as anyone
        return Greeting(identity, name, tier, entry is not None, booking)

    # --- appointments ------------------------------------------------------------------

    def check_in(self, greeting: Greeting) -> IssueOutcome:
        """A booked customer's card or ID: today's booking gets its number, printed."""
        got = self.service.appointments.check_in(identity=greeting.identity,
                                                 station=self.station)
        return self._checked_in(got)

    def check_in_code(self, code: str) -> IssueOutcome:
        """The six-digit booking code typed on the keypad (`BookingRefused` when it finds
        no booking of today that can be checked in)."""
        got = self.service.appointments.check_in(code=compact(code), station=self.station)
        return self._checked_in(got)

    def _checked_in(self, got: CheckInResult) -> IssueOutcome:
        outcome = self._print(self.service.with_forecast(got.ticket))
        return replace(outcome, booking=got.booking, check_in=got.kind, arrival=got.arrival)

    # --- services --------------------------------------------------------------------

    def options(self) -> list[ServiceOption]:
        out = []
        for row in self.service.service_summary():
            svc = self.settings.service(row.service)
            now = self.service.now().strftime("%H:%M")
            counters = len(row.open_counters)
            reason, at = "", ""
            if not row.open_now:
                reason, at = ("closed_until", row.opens) if now < row.opens \
                    else ("closed_since", row.closes)
            elif counters == 0:
                reason = "paused"
            wait_s = row.estimated_wait_s  # fast-forwarded for a number taken now
            out.append(ServiceOption(
                prefix=svc.prefix, name_zh=svc.name_zh, name_en=svc.name_en,
                waiting=row.waiting, wait_s=wait_s, available=not reason, reason=reason,
                at=at, hint_zh=svc.self_service_hint_zh, hint_en=svc.self_service_hint_en,
                beyond=row.beyond))
        return out

    # --- the ticket ------------------------------------------------------------------

    def take_ticket(self, prefix: str, greeting: Greeting | None) -> IssueOutcome:
        """Issue (or reprint the customer's open ticket) and print it.

        The ticket is stored before printing: a printer that fails leaves a valid ticket,
        and the outcome carries the error for the screen.
        """
        identity = greeting.identity if greeting else None
        masked = greeting.name_masked if greeting else ""
        view = self.service.issue(prefix, identity, station=self.station, customer_masked=masked)
        return self._print(self.service.with_forecast(view))

    def _print(self, view: TicketView) -> IssueOutcome:
        """Print the ticket; a failed printer leaves it valid and the outcome says so."""
        data = self.ticket_data(view)
        error: PrinterError | None = None
        try:
            self._set_printer(print_checked(self.printer, data).state.value)
        except PrinterError as exc:
            log.warning("ticket %s not printed: %s", view.number, exc)
            error = exc
            self._set_printer(self.printer.status().state.value)
            self.heartbeat()  # the manager sees the paper-out now, not in a few seconds
        png = getattr(self.printer, "last_png", b"") if error is None else b""
        if not png:
            png = preview_png(data, LayoutOptions.from_settings(self.settings.printer))
        qr = _png(qr_image(data.qr, 10, border=2)) if error is not None and data.qr else b""
        return IssueOutcome(view, data, png, error, self._last_printer_state, qr)

    def ticket_data(self, view: TicketView) -> TicketData:
        return ticket_data(view, self.settings)

    # --- print jobs from the manager console ------------------------------------------

    def staff_letters(self) -> list[str]:
        """The letters the managers' staff numbers start with (the exit keypad shows them)."""
        return sorted({r.staff_no[0] for r in self.service.staff.all()
                       if r.role != "teller" and not r.disabled and r.staff_no[:1].isalpha()})

    def manager_exit(self, staff_no: str, pin: str) -> str:
        """A manager's staff number and PIN end kiosk mode (the same login, lockout and
        audit trail as everywhere else; no PIN lives in the branch file)."""
        actor = self.service.login(staff_no, pin, role="manager")
        log.info("%s ended kiosk mode at %s", actor.signature, self.station)
        return actor.signature

    def wants_job(self, event: FeedEvent) -> bool:
        """A `print_job` event for this kiosk (a number issued on a customer's behalf, or a
        reprint), not done yet."""
        return (event.kind == "print_job" and event.ticket_id is not None
                and str(event.payload.get("kiosk") or "") == self.station
                and event.id not in self.jobs_printed)

    def print_job(self, event: FeedEvent) -> IssueOutcome:
        """Print the ticket of a print job with this kiosk's printer (the paper shows the
        wait now). A printer that fails leaves the ticket valid; the outcome says so and
        the heartbeat tells the manager at once."""
        assert event.ticket_id is not None
        self.jobs_printed.append(event.id)
        view = self.service.ticket(event.ticket_id)
        data = self.ticket_data(view)
        error: PrinterError | None = None
        try:
            self._set_printer(print_checked(self.printer, data).state.value)
        except PrinterError as exc:
            log.warning("print job %s (%s) not printed: %s", event.id, view.number, exc)
            error = exc
            self._set_printer(self.printer.status().state.value)
            self.heartbeat()
        png = getattr(self.printer, "last_png", b"") if error is None else b""
        return IssueOutcome(view, data, png, error, self._last_printer_state)

    # --- station status --------------------------------------------------------------

    @property
    def reader_state(self) -> str:
        return self._reader_state

    @reader_state.setter
    def reader_state(self, state: str) -> None:
        if state != self._reader_state:
            self._reader_since = self.service.now()
        self._reader_state = state

    def _set_printer(self, state: str) -> None:
        if state != self._last_printer_state:
            self._printer_since = self.service.now()
        self._last_printer_state = state

    def device_state(self) -> dict[str, Any]:
        try:
            status = self.printer.status()
            self._set_printer(status.state.value)
            detail = status.detail
        except Exception as exc:  # a device that fails its status is offline, not fatal
            log.warning("printer status failed: %s", exc)
            self._set_printer(PrinterState.OFFLINE.value)
            detail = str(exc)
        return {"printer": self._last_printer_state, "printer_detail": detail,
                "printer_since": self._printer_since.isoformat(timespec="seconds"),
                "reader": self.reader_state,
                "reader_since": self._reader_since.isoformat(timespec="seconds")}

    def heartbeat(self, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        state = {**self.device_state(), **(extra or {})}
        self.service.heartbeat(self.station, "kiosk", state)
        return state

    def ping(self) -> datetime:
        """A cheap read: raises while the database is unreachable."""
        self.service.last_event_id()
        return self.service.now()


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
