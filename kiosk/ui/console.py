"""The lobby manager's console (大堂经理), as plain state and calls (no Qt).

`ConsoleModel` holds what every pane shows: the hall (every waiting ticket), today's
no-shows, the counters, the stations, the notice and the alerts. It is moved by the
change feed (`apply(events)`, one event at a time, so a call or a pin shows at once
without reading the whole hall again) and by full reloads (`load(state)`, read by
`read_console_state` on the feed's thread). Its intents (`pin`, `call_ticket`, ...) are
plain calls into the queue service that the window runs on its worker; the queue checks
the manager's login and writes the audit row, this module only asks.

Alerts stay until a manager acknowledges them. An acknowledgement is an `alert_ack`
event written through the queue, so it holds on every console of the branch and in a
console started later the same day. Alert keys are the same on every console: a VIP
arrival is keyed by its event, a device state by the station and the time the kiosk
reported it began, a silent station by its last heartbeat, a long wait by its ticket.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError  # the driver's errors, told apart by type only

from kiosk.config import Settings
from kiosk.errors import DatabaseUnavailable, InvalidIdentifier, QueueError
from kiosk.identity import identify
from kiosk.queue import rules
from kiosk.queue.audit_csv import write_audit_csv
from kiosk.queue.booking_rules import BookingRefused
from kiosk.queue.feed import ChangeFeed
from kiosk.queue.figures import Figures
from kiosk.queue.forecast import ServiceWaits
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor, AuthError
from kiosk.queue.views import (
    AuditRecord,
    CounterView,
    FeedEvent,
    StationRecord,
    TicketView,
)
from kiosk.ui.console_bookings import BookingsBoard
from kiosk.ui.console_figures import LiveFigures

log = logging.getLogger(__name__)

MANAGER = "manager"
CALLED_TOO_LONG_S = 300.0  # a counter holding a called ticket this long may have crashed
ALERT_EVENT_KINDS = ("vip_arrival", "alert_ack")
# every override the audit log holds (the audit pane's action filter)
AUDIT_ACTIONS = ("pin", "change_tier", "call_ticket", "transfer", "cancel", "restore_no_show",
                 "issue_for", "reprint", "notice", "counter_open", "counter_pause",
                 "counter_close", "counter_services", "leave", "book", "move_booking",
                 "cancel_booking", "reissue_code")
_LEAVE_HALL = {"called", "cancel", "no_show", "finish", "expired"}
_BACK_TO_HALL = {"hand_back", "resume", "restored"}


# --- what the panes show --------------------------------------------------------------


@dataclass(frozen=True)
class HallRow:
    """One waiting ticket in the hall table."""

    ticket_id: int
    number: str
    service: str
    tier: str
    customer: str  # masked (王*明), "" for a walk-in without a card
    arrived_at: datetime
    pin: int | None = None
    ahead: int | None = None
    wait_s: float | None = None  # estimated, None: no open counter reaches it (yet)
    beyond: bool = False  # ahead and wait_s are lower bounds (beyond the forecast's horizon)

    @classmethod
    def from_view(cls, v: TicketView) -> HallRow:
        return cls(v.id, v.number, v.service, v.tier, v.customer_masked, v.arrived_at, v.pin)


@dataclass(frozen=True)
class Alert:
    key: str
    kind: str  # vip | paper_out | printer_offline | reader_offline | silent | wait_near | wait_past
    at: datetime
    subject: str  # the ticket number or the station name
    detail: dict[str, Any] = field(default_factory=dict)
    resolved: bool = False  # the condition is over; the alert stays until acknowledged


@dataclass(frozen=True)
class ConsoleState:
    """Everything the console reloads at once (on the feed's thread)."""

    last_event_id: int
    hall: tuple[TicketView, ...] | None  # None: not read this time (see ConsoleStateReader)
    no_shows: tuple[TicketView, ...]
    counters: tuple[CounterView, ...]
    stations: tuple[StationRecord, ...]
    notice_zh: str
    notice_en: str
    alert_events: tuple[FeedEvent, ...]  # today's VIP arrivals and acknowledgements
    business_day: date | None = None


def read_console_state(service: QueueService, *, with_hall: bool = True) -> ConsoleState:
    """The console's state: light reads only (no forecast; see `estimates`). Without the
    hall (`hall` is None), the model keeps the hall it follows event by event."""
    last = service.last_event_id()
    notice_zh, notice_en = service.notice()
    return ConsoleState(
        last_event_id=last, hall=tuple(service.hall()) if with_hall else None,
        no_shows=tuple(service.tickets_today("no_show")),
        counters=tuple(service.counters()), stations=tuple(service.stations()),
        notice_zh=notice_zh, notice_en=notice_en,
        alert_events=tuple(service.events_today(ALERT_EVENT_KINDS)),
        business_day=service.business_day(service.now()))


class ConsoleStateReader:
    """The feed's state reader for the console. The feed reloads the state after every
    batch of events; the hall (thousands of rows) is read again only on connecting and
    every `full_every_s`, since the model follows it event by event. The small parts
    (counters, no-shows, stations, notice, alerts) are read every time."""

    def __init__(self, full_every_s: float = 30.0) -> None:
        self.full_every_s = full_every_s
        self.force_full = True
        self._full_at: float | None = None

    def __call__(self, service: QueueService) -> ConsoleState:
        now = time.monotonic()
        full = self.force_full or self._full_at is None or \
            now - self._full_at >= self.full_every_s
        state = read_console_state(service, with_hall=full)
        if full:
            self.force_full, self._full_at = False, now
        return state


class ConsoleFeed(ChangeFeed):
    """The change feed whose state reader reads the whole hall again on every (re)connect
    (notifications missed while offline are gone)."""

    def __init__(self, service: QueueService, reader: ConsoleStateReader | None = None
                 ) -> None:
        self.state_reader = reader or ConsoleStateReader()
        super().__init__(service, state=self.state_reader)

    def open(self) -> list[FeedEvent]:
        self.state_reader.force_full = True
        return super().open()


# --- errors as one clear message ---------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """What went wrong, for one message on screen: `kind` picks the sentence, `detail`
    is the queue's own sentence (shown under it)."""

    kind: str  # wrong_pin | locked | not_manager | reason | refused | break | busy |
    # invalid_id | offline | error
    detail: str = ""
    # break, busy: the next free slot of the day ("14:00"; "": none later)
    next_free: str = ""


class ReasonNeeded(QueueError):
    """An override without a reason (refused before asking the queue, which refuses too)."""


def problem(exc: BaseException) -> Problem:
    text = str(exc)
    if isinstance(exc, AuthError):
        if "locked" in text:
            return Problem("locked", text)
        if "needs a" in text or "no longer allowed" in text:
            return Problem("not_manager", text)
        return Problem("wrong_pin", text)
    if isinstance(exc, ReasonNeeded) or (isinstance(exc, QueueError) and "needs a reason" in text):
        return Problem("reason", text)
    if isinstance(exc, InvalidIdentifier):
        return Problem("invalid_id", text)
    if isinstance(exc, DatabaseUnavailable | ConnectionError | SQLAlchemyError):
        return Problem("offline", text.splitlines()[0] if text else "")
    if isinstance(exc, BookingRefused) and exc.code in ("break", "busy"):
        return Problem(exc.code, text,
                       "" if exc.next_free is None else f"{exc.next_free:%H:%M}")
    if isinstance(exc, QueueError):
        return Problem("refused", text)
    log.error("console action failed", exc_info=exc)
    return Problem("error", type(exc).__name__)


def need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonNeeded("An override needs a reason; it is written to the audit log.")
    return reason


# --- the model -----------------------------------------------------------------------------


class ConsoleModel:
    """The console's state and its calls into the queue (no Qt; the window draws it)."""

    def __init__(self, service: QueueService, settings: Settings,
                 actor: Actor | None = None) -> None:
        self.service = service
        self.settings = settings
        self.policy = rules.Policy.from_settings(settings)
        self.actor = actor
        self.online = True
        self.last_event_id = 0
        self.hall: dict[int, HallRow] = {}
        self._left: dict[int, HallRow] = {}  # tickets that left the hall, to come back
        self.no_shows: list[TicketView] = []
        self.counters: list[CounterView] = []
        self.stations: list[StationRecord] = []
        self.notice = ("", "")
        self.alerts: dict[str, Alert] = {}
        self.acknowledged: set[str] = set()
        self.estimates_at: datetime | None = None
        self.business_day: date | None = None
        self.figures = LiveFigures()  # the Figures tab: today's figures, coalesced
        self.bookings = BookingsBoard(service, settings, lambda: self.actor)  # 预约 tab

    # --- who is logged in ----------------------------------------------------------------

    def login(self, staff_no: str, pin: str) -> Actor:
        """A manager's (or admin's) login; a teller is refused (AuthError)."""
        return self.service.login(staff_no, pin, role=MANAGER)

    def set_actor(self, actor: Actor | None) -> None:
        self.actor = actor

    @property
    def signed_in(self) -> str:
        return self.actor.signature if self.actor else ""

    # --- time ----------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.service.now()

    def waited_s(self, row: HallRow, now: datetime | None = None) -> float:
        return max(0.0, ((now or self.now()) - row.arrived_at).total_seconds())

    def target_s(self, service: str, tier: str) -> float | None:
        """The ticket's target wait: the smallest of rules.max_wait_s, the service's and
        the tier's target_wait_s (as the rules apply them)."""
        return self.policy.target_s(service, tier)

    def counter_held_too_long(self, c: CounterView, now: datetime | None = None) -> bool:
        """A counter that has held a called customer for long (a crashed counter?)."""
        cur = c.current
        if cur is None or cur.status != "called" or cur.called_at is None:
            return False
        return ((now or self.now()) - cur.called_at).total_seconds() >= CALLED_TOO_LONG_S

    # --- loading and following the feed ---------------------------------------------------

    def load(self, state: ConsoleState) -> set[str]:
        """A full reload: every pane (estimates already known are kept)."""
        if state.business_day != self.business_day and self.business_day is not None:
            self.alerts = {k: a for k, a in self.alerts.items() if not k.startswith("wait")}
            self.figures.reset()
        self.business_day = state.business_day
        old = self.hall
        if state.hall is not None:
            self._load_hall(state.hall, old)
        self.no_shows = list(state.no_shows)
        self.counters = list(state.counters)
        self.notice = (state.notice_zh, state.notice_en)
        self.last_event_id = max(self.last_event_id, state.last_event_id)
        for e in state.alert_events:
            self._alert_event(e)
        self.set_stations(state.stations)
        self.check_waits()
        return {"hall", "no_shows", "counters", "stations", "notice", "alerts"}

    def _load_hall(self, views: Sequence[TicketView], old: dict[int, HallRow]) -> None:
        self.hall = {}
        for v in views:
            row = HallRow.from_view(v)
            was = old.get(v.id)
            if was is not None:
                row = replace(row, ahead=was.ahead, wait_s=was.wait_s, beyond=was.beyond)
                if row == was:
                    row = was  # unchanged: the table need not redraw it
            self.hall[v.id] = row

    def apply(self, events: Iterable[FeedEvent]) -> set[str]:
        """Events from the feed, in order: the panes they changed."""
        events = list(events)
        changed: set[str] = set()
        for e in events:
            self.last_event_id = max(self.last_event_id, e.id)
            changed |= self._apply_one(e)
        if "hall" in changed:
            changed |= self.check_waits()
        if self.figures.note(events):
            changed.add("figures")
        return changed

    def _apply_one(self, e: FeedEvent) -> set[str]:
        p, tid, kind = e.payload, e.ticket_id, e.kind
        if kind == "issued" and tid is not None:
            if tid in self.hall:
                return set()
            self.hall[tid] = HallRow(tid, str(p.get("number") or ""), str(p.get("service") or ""),
                                     str(p.get("tier") or ""), str(p.get("customer") or ""), e.at)
            return {"hall"}
        if tid is not None and kind in _LEAVE_HALL:
            row = self.hall.pop(tid, None)
            if row is not None:
                self._left[tid] = row
            out = {"hall"} if row is not None else set()
            if kind == "no_show":
                out.add("no_shows")  # the reload brings the row (time, counter)
            return out | {"counters"}
        if tid is not None and kind == "pin" and tid in self.hall:
            self.hall[tid] = replace(self.hall[tid], pin=p.get("position"))
            return {"hall"}
        if tid is not None and kind == "tier_changed" and tid in self.hall:
            self.hall[tid] = replace(self.hall[tid], tier=str(p.get("to") or ""))
            return {"hall"}
        if tid is not None and kind == "transfer":
            row = self.hall.pop(tid, None) or self._left.pop(tid, None)
            if row is not None:
                self.hall[tid] = replace(row, service=str(p.get("to") or row.service), pin=None)
            return {"hall", "counters"}
        if tid is not None and kind in _BACK_TO_HALL:
            row = self._left.pop(tid, None)
            if row is not None:
                self.hall[tid] = replace(row, pin=None)
            self.no_shows = [v for v in self.no_shows if v.id != tid]
            return {"hall", "no_shows", "counters"}
        if kind in ALERT_EVENT_KINDS:
            return self._alert_event(e)
        if kind == "notice":
            self.notice = (str(p.get("zh") or ""), str(p.get("en") or ""))
            return {"notice"}
        if kind == "day_rollover":
            self.hall.clear()
            self._left.clear()
            self.no_shows = []
            self.figures.reset()
            return {"hall", "no_shows", "counters"}
        if kind.startswith("counter_") or kind in ("start", "recall", "suspend"):
            return {"counters"}
        return set()

    def _alert_event(self, e: FeedEvent) -> set[str]:
        p = e.payload
        if e.kind == "alert_ack":
            key = str(p.get("key") or "")
            self.acknowledged.add(key)
            return {"alerts"} if self.alerts.pop(key, None) is not None else set()
        key = f"vip:{e.id}"
        if key in self.acknowledged or key in self.alerts:
            return set()
        self.alerts[key] = Alert(key, "vip", e.at, str(p.get("number") or ""), {
            "tier": p.get("tier") or "", "customer": p.get("customer") or "",
            "relationship_manager": p.get("relationship_manager") or "",
            "service": p.get("service") or "", "station": p.get("station") or ""})
        return {"alerts"}

    def set_estimates(self, estimates: dict[int, tuple[int, float, bool]]) -> set[str]:
        """Forecasts for the waiting tickets (computed on the worker, now and then)."""
        for tid, row in self.hall.items():
            ahead, wait, beyond = estimates.get(tid, (None, None, False))
            if row.ahead != ahead or row.wait_s != wait or row.beyond != beyond:
                self.hall[tid] = replace(row, ahead=ahead, wait_s=wait, beyond=beyond)
        self.estimates_at = self.now()
        return {"hall"}

    # --- alerts ----------------------------------------------------------------------------

    def _raise(self, alert: Alert) -> bool:
        if alert.key in self.acknowledged:
            return False
        was = self.alerts.get(alert.key)
        if was is not None and not was.resolved:
            return False
        self.alerts[alert.key] = alert
        return True

    def _resolve(self, keep: set[str], prefixes: tuple[str, ...]) -> bool:
        changed = False
        for key, a in list(self.alerts.items()):
            if key.startswith(prefixes) and key not in keep and not a.resolved:
                self.alerts[key] = replace(a, resolved=True)
                changed = True
        return changed

    def set_stations(self, stations: Sequence[StationRecord]) -> set[str]:
        """Heartbeats: paper out, printer or reader offline, a silent station."""
        self.stations = list(stations)
        active: set[str] = set()
        changed = False
        for st in self.stations:
            for alert in station_alerts(st):
                active.add(alert.key)
                changed |= self._raise(alert)
        changed |= self._resolve(active, ("paper_out:", "printer_offline:", "reader_offline:",
                                          "silent:"))
        return {"stations", "alerts"} if changed else {"stations"}

    def check_waits(self, now: datetime | None = None) -> set[str]:
        """Tickets near (within rules.deadline_lead_s) or past their target wait."""
        now = now or self.now()
        lead = self.settings.rules.deadline_lead_s
        active: set[str] = set()
        changed = False
        for row in self.hall.values():
            target = self.target_s(row.service, row.tier)
            if target is None:
                continue
            waited = self.waited_s(row, now)
            level = "past" if waited >= target else "near" if waited >= target - lead else ""
            if not level:
                continue
            key = f"wait_{level}:{row.ticket_id}"
            active.add(key)
            if level == "past":
                near = self.alerts.get(f"wait_near:{row.ticket_id}")
                if near is not None and not near.resolved:  # the later alert replaces it
                    del self.alerts[near.key]
                    changed = True
                active.add(f"wait_near:{row.ticket_id}")
            changed |= self._raise(Alert(key, f"wait_{level}", now, row.number, {
                "service": row.service, "tier": row.tier, "customer": row.customer,
                "target_s": target, "waited_s": round(waited)}))
        changed |= self._resolve(active, ("wait_",))
        return {"alerts"} if changed else set()

    def open_alerts(self) -> list[Alert]:
        """Unacknowledged alerts, open ones first, newest first."""
        return sorted(self.alerts.values(), key=lambda a: (a.resolved, -a.at.timestamp(), a.key))

    def acknowledge(self, keys: Sequence[str]) -> list[int]:
        """Acknowledge alerts through the queue (one `alert_ack` event each)."""
        return [self.service.acknowledge_alert(k, actor=self.actor) for k in keys]

    def mark_acknowledged(self, keys: Iterable[str]) -> set[str]:
        for k in keys:
            self.acknowledged.add(k)
            self.alerts.pop(k, None)
        return {"alerts"}

    # --- reads the window runs on its worker ---------------------------------------------

    def read_estimates(self) -> dict[int, tuple[int, float, bool]]:
        return self.service.estimates()

    def read_stations(self) -> list[StationRecord]:
        return self.service.stations()

    def read_figures(self) -> Figures:
        """Today's figures (the business day), from the events and tickets tables."""
        day = self.service.business_day(self.service.now())
        return self.service.figures(day, day)

    def waiting_now(self) -> list[tuple[str, str]]:
        """(service, tier) of every ticket waiting now, as the hall follows them."""
        return [(r.service, r.tier) for r in self.hall.values()]

    def kiosks(self) -> list[str]:
        return [s.name for s in self.stations if s.kind == "kiosk"]

    def what_if(self, counter: int, action: str,
                services: Sequence[str] | None = None) -> list[ServiceWaits]:
        return self.service.what_if(counter, action, services)

    def audit(self, staff_no: str = "", action: str = "", since: date | None = None,
              until: date | None = None, limit: int = 1000) -> list[AuditRecord]:
        """Overrides, newest first; `until` is the last day included."""
        start = datetime.combine(since, datetime.min.time()) if since else None
        end = datetime.combine(until + timedelta(days=1), datetime.min.time()) if until else None
        return self.service.audit_log(limit, staff_no=staff_no.strip() or None,
                                      action=action or None, since=start, until=end)

    @staticmethod
    def export_audit(rows: Sequence[AuditRecord], path: str | Path) -> int:
        return write_audit_csv(rows, path)

    # --- the manager's actions (each audited by the queue) ---------------------------------

    def pin(self, ticket_id: int, position: int, reason: str) -> TicketView:
        return self.service.pin(ticket_id, position, actor=self.actor, reason=need_reason(reason))

    def change_tier(self, ticket_id: int, tier: str, reason: str) -> TicketView:
        return self.service.change_tier(ticket_id, tier, actor=self.actor,
                                        reason=need_reason(reason))

    def call_ticket(self, ticket_id: int, counter: int, reason: str) -> TicketView:
        return self.service.call_ticket(counter, ticket_id, actor=self.actor,
                                        reason=need_reason(reason))

    def transfer(self, ticket_id: int, service: str, placement: str,
                 reason: str) -> TicketView:
        return self.service.transfer(ticket_id, service, placement, actor=self.actor,
                                     reason=need_reason(reason))

    def cancel(self, ticket_id: int, reason: str) -> TicketView:
        return self.service.cancel(ticket_id, actor=self.actor, reason=need_reason(reason))

    def restore_no_show(self, ticket_id: int, reason: str) -> TicketView:
        return self.service.restore_no_show(ticket_id, actor=self.actor,
                                            reason=need_reason(reason))

    def reprint(self, ticket_id: int, kiosk: str, reason: str) -> TicketView:
        return self.service.reprint(ticket_id, kiosk, actor=self.actor,
                                    reason=need_reason(reason))

    def counter_action(self, counter: int, action: str, reason: str,
                       services: Sequence[str] | None = None) -> CounterView:
        """Open, pause or close a counter, or change its services (a manager's, audited
        when the counter is someone else's)."""
        if action == "services":
            return self.service.set_counter_services(counter, services or (), actor=self.actor,
                                                     reason=need_reason(reason))
        op = {"open": self.service.open_counter, "pause": self.service.pause_counter,
              "close": self.service.close_counter}[action]
        return op(counter, actor=self.actor, reason=(reason or "").strip())

    def issue_for(self, service: str, reason: str, *, tier: str | None = None,
                  identifier: str = "", kiosk: str | None = None) -> TicketView:
        """主动派号: a number on a customer's behalf, printed on `kiosk` or only shown."""
        identity = identify(identifier, self.settings.hash_secret) if identifier.strip() \
            else None
        return self.service.issue_for(service, actor=self.actor, reason=need_reason(reason),
                                      identity=identity, tier=tier or None, kiosk=kiosk or None)

    def set_notice(self, zh: str, en: str, reason: str = "") -> int:
        return self.service.set_notice(zh, en, actor=self.actor, reason=reason)


def station_alerts(st: StationRecord) -> list[Alert]:
    """What a station's heartbeat asks the manager to see to."""
    at = st.heartbeat_at or datetime.min
    state = st.state or {}
    out: list[Alert] = []
    if not st.alive:
        out.append(Alert(f"silent:{st.name}:{at.isoformat(timespec='seconds')}", "silent", at,
                         st.name, {"kind": st.kind}))
        return out  # what it said last is stale
    if st.kind != "kiosk":
        return out
    printer = str(state.get("printer") or "")
    since = str(state.get("printer_since") or "")
    if printer == "paper_out":
        out.append(Alert(f"paper_out:{st.name}:{since}", "paper_out", at, st.name,
                         {"detail": state.get("printer_detail") or ""}))
    elif printer in ("offline", "cover_open"):
        out.append(Alert(f"printer_offline:{st.name}:{since}", "printer_offline", at, st.name,
                         {"detail": state.get("printer_detail") or "", "state": printer}))
    if state.get("reader") == "offline":
        out.append(Alert(f"reader_offline:{st.name}:{state.get('reader_since') or ''}",
                         "reader_offline", at, st.name, {}))
    return out
