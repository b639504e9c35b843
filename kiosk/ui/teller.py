"""The teller panel (柜员窗口) as plain Python: its state, its intents, the feed applied.

No Qt. The window asks for an intent (`model.call_next()`, ...); the model answers with
an `Action` whose `run` the window hands to its worker thread (plain queue-service calls,
nothing else), or with None when the intent is not possible now (busy, offline, not
logged in, a blank reason: the model then says why in `notice`). The answer comes back
through `finished(action, result)` or `failed(action, exc)` on the GUI thread.

One action at a time: a second click or shortcut while one is in flight is ignored, so
nothing is ever applied twice. A failed action is never retried by itself; the model asks
for a reload (`reload_requested`), so the panel shows what the database really holds.

The change feed moves the model on (`apply(events)`: a call made for this counter
elsewhere, a manager closing it, the held ticket cancelled) and reloads it (`load(panel)`
with a `CounterPanel`). A reload read before an action's result is older than what the
action wrote and is skipped (`floor`).

Messages are `Notice`s: a kind and its values; the window words them in the language
shown (Chinese first, English one tap away).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from kiosk.config import Settings
from kiosk.errors import IllegalTransition, NotFound, QueueError
from kiosk.queue import models as m
from kiosk.queue.db import is_database_error
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor, AuthError
from kiosk.queue.views import CounterPanel, CounterView, FeedEvent, TicketView

log = logging.getLogger(__name__)

# Intents (also the names of the buttons and their shortcuts).
LOGIN = "login"
CALL_NEXT = "call_next"
RECALL = "recall"
START = "start"
FINISH = "finish"
NO_SHOW = "no_show"
TRANSFER = "transfer"
SUSPEND = "suspend"
RESUME = "resume"
CALL_TICKET = "call_ticket"
HAND_BACK = "hand_back"
PAUSE = "pause"
OPEN = "open"
CLOSE = "close"

PLACEMENTS = ("last", "priority", "first")  # further ahead to the right
_RELEASE_KINDS = ("finish", "no_show", "suspend", "cancel", "transfer", "hand_back")
_OWN_RELEASES = {FINISH: "finish", NO_SHOW: "no_show", SUSPEND: "suspend",
                 TRANSFER: "transfer", HAND_BACK: "hand_back"}
_COUNTER_KINDS = {"counter_open": m.COUNTER_OPEN, "counter_pause": m.COUNTER_PAUSED,
                  "counter_close": m.COUNTER_CLOSED}


@dataclass(frozen=True)
class HeldTicket:
    """The ticket called to (or served at) this counter, as the panel shows it."""

    id: int
    number: str
    service: str
    service_zh: str
    service_en: str
    tier: str
    tier_zh: str
    tier_en: str
    vip: bool
    customer_masked: str  # "" until known (a call seen on the feed, before the reload)
    status: str  # called | serving
    arrived_at: datetime
    called_at: datetime
    started_at: datetime | None = None
    recalls: int = 0

    @property
    def waited_s(self) -> float:
        """How long the customer waited before the call."""
        return max(0.0, (self.called_at - self.arrived_at).total_seconds())

    def at_counter_s(self, now: datetime) -> float:
        """How long since the call (the customer's time at this counter)."""
        return max(0.0, (now - self.called_at).total_seconds())


@dataclass(frozen=True)
class Notice:
    """One message on the panel: `kind` names the words, `args` fill them in."""

    kind: str
    level: str = "info"  # info | warn | error
    args: dict[str, Any] = field(default_factory=dict)
    detail: str = ""  # the queue's own sentence, for refusals the panel has no words for


@dataclass(frozen=True)
class Approval:
    """A manager's approval typed into a dialog: staff number, PIN and the reason."""

    staff_no: str
    pin: str
    reason: str


@dataclass(frozen=True)
class Action:
    """An intent under way: `run` goes to the worker thread."""

    intent: str
    run: Callable[[], Any]
    number: str = ""  # the ticket it is about, for messages


@dataclass(frozen=True)
class Outcome:
    """What an action's `run` returns: its result and the feed head after it."""

    result: Any
    head: int


@dataclass(frozen=True)
class LoginResult:
    actor: Actor
    panel: CounterPanel
    opened: bool  # the counter was closed and this login opened it


class TakenElsewhere(QueueError):
    """The ticket was called by another counter before this one could."""

    def __init__(self, number: str, counter: int | None, status: str) -> None:
        super().__init__(f"{number} is already {status} at counter {counter}.")
        self.number, self.counter, self.status = number, counter, status


def format_duration(seconds: float) -> str:
    """"4:05" / "1:02:03": minutes and seconds, hours when needed."""
    total = int(max(0.0, seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TellerModel:
    """One counter's teller panel. `listeners` are called after every change;
    `reload_requested` after an action, so the feed reloads the full state."""

    def __init__(self, service: QueueService, settings: Settings, counter: int,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.service = service
        self.settings = settings
        self.counter = counter
        self.clock = clock or service.now
        config = settings.counter(counter)
        self.services: tuple[str, ...] = tuple(config.services)
        self.label_zh, self.label_en = config.label_zh, config.label_en
        self.actor: Actor | None = None
        self.status = m.COUNTER_CLOSED
        self.staff: str | None = None  # staff number working the counter
        self.staff_name: str | None = None
        self.current: HeldTicket | None = None
        self.waiting = 0
        self.next: TicketView | None = None
        self.next_vip = False
        self.suspended: tuple[TicketView, ...] = ()
        self.online = False
        self.loaded = False
        self.busy: str | None = None  # the intent under way
        self.notice: Notice | None = None
        self.seen_id = 0  # the newest event the state reflects
        self.floor = 0  # reloads read before this feed head are stale
        self.listeners: list[Callable[[], None]] = []
        self.reload_requested: list[Callable[[], None]] = []

    # --- reading -------------------------------------------------------------------------

    @property
    def logged_in(self) -> bool:
        return self.actor is not None

    @property
    def blocked_by(self) -> str | None:
        """Who works this counter, when it is not the logged-in teller ("T001 柜员1")."""
        if self.actor is None or self.staff is None or self.status == m.COUNTER_CLOSED:
            return None
        if self.staff == self.actor.staff_no:
            return None
        return f"{self.staff} {self.staff_name or ''}".strip()

    @property
    def transfer_rule(self) -> str:
        return self.settings.rules.transfer_placement

    def needs_approval(self, placement: str) -> bool:
        """A transfer placed further ahead than the branch's rule is a manager's."""
        rule = self.transfer_rule
        rank = {p: i for i, p in enumerate(PLACEMENTS)}
        return rank.get(placement, 0) > rank.get(rule, 0)

    def can(self, intent: str) -> bool:
        """Whether the button for `intent` does something now."""
        if intent == LOGIN:
            return self.actor is None and self.busy is None
        if self.actor is None or self.busy is not None or not self.online or self.blocked_by:
            return False
        held = self.current
        status = held.status if held is not None else None
        return {
            CALL_NEXT: self.status == m.COUNTER_OPEN and held is None,
            CALL_TICKET: self.status == m.COUNTER_OPEN and held is None,
            RECALL: status == m.CALLED,
            START: status == m.CALLED,
            FINISH: status in (m.CALLED, m.SERVING),
            NO_SHOW: status == m.CALLED,
            HAND_BACK: status == m.CALLED,
            SUSPEND: status in (m.CALLED, m.SERVING),
            TRANSFER: held is not None,
            RESUME: bool(self.suspended),
            PAUSE: self.status == m.COUNTER_OPEN,
            OPEN: self.status in (m.COUNTER_PAUSED, m.COUNTER_CLOSED),
            CLOSE: self.status in (m.COUNTER_OPEN, m.COUNTER_PAUSED) and held is None,
        }.get(intent, False)

    def transfer_targets(self) -> list[tuple[str, str, str]]:
        """(prefix, zh, en) of every service a ticket can be moved to."""
        return [(s.prefix, s.name_zh, s.name_en) for s in self.settings.services]

    # --- intents -------------------------------------------------------------------------

    def login(self, staff_no: str, pin: str) -> Action | None:
        if self.busy is not None:
            return None
        if not (staff_no or "").strip() or not pin:
            return self._refuse("login_incomplete")
        return self._begin(LOGIN, lambda: self._login(staff_no, pin))

    def logout(self) -> None:
        """Leave the panel (the counter keeps its state and its ticket)."""
        self.actor = None
        self.notice = None
        self._changed()

    def call_next(self) -> Action | None:
        return self._act(CALL_NEXT, lambda: self.service.call_next(self.counter))

    def recall(self) -> Action | None:
        return self._held_step(RECALL, self.service.recall)

    def start(self) -> Action | None:
        return self._held_step(START, self.service.start)

    def finish(self) -> Action | None:
        return self._held_step(FINISH, self.service.finish)

    def no_show(self) -> Action | None:
        return self._held_step(NO_SHOW, self.service.no_show)

    def suspend(self) -> Action | None:
        return self._held_step(SUSPEND, self.service.suspend)

    def hand_back(self) -> Action | None:
        return self._held_step(HAND_BACK, self.service.hand_back)

    def resume(self, ticket_id: int) -> Action | None:
        found = next((t for t in self.suspended if t.id == ticket_id), None)
        number = found.number if found is not None else str(ticket_id)
        return self._act(RESUME, lambda: self.service.resume(ticket_id), number)

    def transfer(self, service: str, placement: str,
                 approval: Approval | None = None) -> Action | None:
        held = self.current
        if held is None or not self.can(TRANSFER):
            return None
        if placement not in PLACEMENTS:
            return self._refuse("refused", detail=f"unknown placement {placement!r}")
        if service == held.service:
            return self._refuse("same_service", number=held.number)
        if self.needs_approval(placement):
            if approval is None:
                return self._refuse("needs_approval")
            if not approval.reason.strip():
                return self._refuse("blank_reason")
            if not approval.staff_no.strip() or not approval.pin:
                return self._refuse("approver_missing")
        else:
            approval = None
        ticket_id = held.id

        def run() -> TicketView:
            actor, reason = None, ""
            if approval is not None:
                actor = self.service.login(approval.staff_no, approval.pin, role=m.MANAGER)
                reason = approval.reason
            return self.service.transfer(ticket_id, service, placement, actor=actor,
                                         reason=reason)
        return self._act(TRANSFER, run, held.number)

    def call_ticket(self, ref: str, approval: Approval) -> Action | None:
        """Call a specific ticket out of turn, approved by a manager (audited with the
        manager's name and the reason; the teller's own login is untouched)."""
        ref = (ref or "").strip().upper()
        if not self.can(CALL_TICKET):
            return None
        if not ref:
            return self._refuse("ticket_missing")
        if not approval.reason.strip():
            return self._refuse("blank_reason")
        if not approval.staff_no.strip() or not approval.pin:
            return self._refuse("approver_missing")

        def run() -> TicketView:
            ticket_id = self.service.ticket_id(ref)  # before the PIN: a typo costs no try
            manager = self.service.login(approval.staff_no, approval.pin, role=m.MANAGER)
            try:
                return self.service.call_ticket(self.counter, ticket_id, actor=manager,
                                                reason=approval.reason)
            except IllegalTransition:
                ticket = self.service.ticket(ticket_id, with_forecast=False)
                if ticket.status in (m.CALLED, m.SERVING) and ticket.counter != self.counter:
                    raise TakenElsewhere(ticket.number, ticket.counter, ticket.status) from None
                raise
        return self._act(CALL_TICKET, run, ref)

    def pause(self) -> Action | None:
        return self._counter_step(PAUSE, self.service.pause_counter)

    def open(self) -> Action | None:
        return self._counter_step(OPEN, self.service.open_counter)

    def close(self) -> Action | None:
        return self._counter_step(CLOSE, self.service.close_counter)

    def dismiss(self) -> None:
        if self.notice is not None:
            self.notice = None
            self._changed()

    # --- the worker's answers ------------------------------------------------------------

    def finished(self, action: Action, outcome: Any) -> None:
        """`action.run` returned `outcome` (GUI thread)."""
        if self.busy == action.intent:
            self.busy = None
        if isinstance(outcome, Outcome):
            # the action's own events are in the result: the feed need not apply them again
            # (later ones come with the reload asked for below)
            self.floor = max(self.floor, outcome.head)
            self.seen_id = max(self.seen_id, outcome.head)
            result = outcome.result
        else:
            result = outcome
        intent = action.intent
        self.notice = None
        if intent == LOGIN:
            self._logged_in(result)
        elif isinstance(result, CounterView):
            self._set_counter(result)
        elif intent == CALL_NEXT and result is None:
            self.notice = Notice("nobody_waiting")
        elif isinstance(result, TicketView):
            self._ticket_result(intent, result)
        self._changed()
        self._ask_reload()

    def failed(self, action: Action, exc: BaseException) -> None:
        """`action.run` raised `exc` (GUI thread): one clear message, then the truth."""
        if self.busy == action.intent:
            self.busy = None
        self.notice = self.describe(action, exc)
        if self.notice.kind == "error":
            log.error("teller action %s failed", action.intent, exc_info=exc)
        self._changed()
        if action.intent != LOGIN or is_database_error(exc):
            self._ask_reload()

    def describe(self, action: Action, exc: BaseException) -> Notice:
        number = action.number
        if isinstance(exc, AuthError):
            approving = action.intent in (TRANSFER, CALL_TICKET)
            if exc.code == "wrong_pin":
                return Notice("approver_wrong_pin" if approving else "wrong_pin", "warn")
            if exc.code == "locked":
                return Notice("locked", "warn", {"minutes": exc.minutes or 5})
            if exc.code == "role":
                return Notice("not_manager" if approving else "not_allowed", "warn")
            return Notice("not_allowed", "warn", detail=str(exc))
        if isinstance(exc, TakenElsewhere):
            return Notice("taken", "warn", {"number": exc.number, "counter": exc.counter})
        if isinstance(exc, NotFound):
            return Notice("not_found", "warn", {"number": number}, detail=str(exc))
        if isinstance(exc, QueueError):
            if "needs a reason" in str(exc):
                return Notice("blank_reason", "warn")
            return Notice("refused", "warn", {"number": number}, detail=str(exc))
        if is_database_error(exc):
            return Notice("db_lost", "error")
        return Notice("error", "error", detail=type(exc).__name__)

    # --- the change feed -----------------------------------------------------------------

    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self._changed()

    def load(self, panel: CounterPanel) -> None:
        """The full state, reloaded (after events, an action, a reconnect)."""
        if panel.last_event_id < self.floor:
            return  # read before the last action wrote: the next reload is newer
        self._set_counter(panel.counter)
        self.staff_name = panel.staff_name
        held = panel.counter.current
        if held is None:
            self.current = None
        else:
            self.current = held_from_view(self.settings, held, panel.started_at,
                                          self._tier_vip(held.tier))
        self.waiting = panel.waiting
        self.next, self.next_vip = panel.next, panel.next_vip
        self.suspended = panel.suspended
        self.seen_id = max(self.seen_id, panel.last_event_id)
        self.loaded = True
        self._changed()

    def apply(self, events: Sequence[FeedEvent]) -> None:
        """Apply new events in order (ids already reflected are skipped)."""
        changed = False
        for e in events:
            if e.id <= self.seen_id:
                continue
            self.seen_id = e.id
            changed = self._apply_one(e) or changed
        if changed:
            self._changed()

    def _apply_one(self, e: FeedEvent) -> bool:
        held = self.current
        if e.is_call and e.counter == self.counter:
            if e.kind == "recall" and held is not None and held.id == e.ticket_id:
                self.current = replace(held, recalls=held.recalls + 1)
                return True
            self.current = self._held_from_event(e)
            if self.busy not in (CALL_NEXT, CALL_TICKET):
                by = str(e.payload.get("actor") or "")
                self.notice = Notice("called_here", "info", {"number": e.number, "by": by})
            return True
        if held is not None and e.ticket_id == held.id:
            if e.kind == "start":
                self.current = replace(held, status=m.SERVING, started_at=e.at)
                return True
            if e.kind in _RELEASE_KINDS:
                self.current = None
                if _OWN_RELEASES.get(self.busy or "") != e.kind:
                    self.notice = Notice("released", "warn",
                                         {"number": held.number, "kind": e.kind,
                                          "by": str(e.payload.get("actor") or "")})
                return True
        if e.kind in _COUNTER_KINDS and e.counter == self.counter:
            status = _COUNTER_KINDS[e.kind]
            actor = str(e.payload.get("actor") or "")
            staff_no = actor.split(" ")[0] if actor else None
            mine = self.actor is not None and staff_no == self.actor.staff_no
            self.status = status
            if status == m.COUNTER_CLOSED:
                self.staff = self.staff_name = None
            elif staff_no and self.staff is None:
                self.staff, self.staff_name = staff_no, actor.partition(" ")[2] or None
            if not mine and self.actor is not None and self.busy not in (PAUSE, OPEN, CLOSE):
                self.notice = Notice("counter_changed", "warn", {"status": status, "by": actor})
            return True
        if e.kind == "day_rollover":
            self.current = None
            self.suspended = ()
            return True
        return False

    def _held_from_event(self, e: FeedEvent) -> HeldTicket:
        service = str(e.payload.get("service") or "")
        tier = str(e.payload.get("tier") or self.settings.regular_tier.key)
        svc = next((s for s in self.settings.services if s.prefix == service), None)
        tier_row = next((t for t in self.settings.tiers if t.key == tier),
                        self.settings.regular_tier)
        waited = float(e.payload.get("waited_s") or 0.0)
        return HeldTicket(
            id=int(e.ticket_id or 0), number=e.number or "", service=service,
            service_zh=svc.name_zh if svc else service, service_en=svc.name_en if svc else service,
            tier=tier, tier_zh=tier_row.name_zh, tier_en=tier_row.name_en,
            vip=tier_row.priority, customer_masked="", status=m.CALLED,
            arrived_at=e.at - timedelta(seconds=waited), called_at=e.at)

    # --- inside ----------------------------------------------------------------------------

    def _login(self, staff_no: str, pin: str) -> Outcome:
        actor = self.service.login(staff_no, pin)
        panel = self.service.counter_panel(self.counter)
        opened = False
        if panel.counter.status == m.COUNTER_CLOSED:
            self.service.open_counter(self.counter, actor=actor)
            panel = self.service.counter_panel(self.counter)
            opened = True
        return Outcome(LoginResult(actor, panel, opened), panel.last_event_id)

    def _logged_in(self, result: LoginResult) -> None:
        self.actor = result.actor
        self.load(result.panel)
        if self.blocked_by:
            self.notice = Notice("worked_by_other", "warn", {"by": self.blocked_by})
        elif self.current is not None:
            self.notice = Notice("resumed", "info", {"number": self.current.number})
        elif result.opened:
            self.notice = Notice("opened", "info")

    def _ticket_result(self, intent: str, view: TicketView) -> None:
        if view.status in (m.CALLED, m.SERVING) and view.counter == self.counter:
            before = self.current
            started = None
            if view.status == m.SERVING:
                started = before.started_at if before and before.started_at else self.clock()
            held = held_from_view(self.settings, view, started, self._tier_vip(view.tier))
            if before is not None and before.id == view.id and not held.customer_masked:
                held = replace(held, customer_masked=before.customer_masked)
            self.current = held
            if self.next is not None and self.next.id == view.id:  # until the reload says
                self.next, self.next_vip = None, False
                self.waiting = max(0, self.waiting - 1)
        elif self.current is not None and self.current.id == view.id:
            self.current = None
        if intent == RESUME:
            self.suspended = tuple(t for t in self.suspended if t.id != view.id)
            self.notice = Notice("resumed_ticket", "info", {"number": view.number})
        elif intent == TRANSFER:
            self.notice = Notice("transferred", "info",
                                 {"number": view.number, "service": view.service})
        elif intent == SUSPEND:
            self.suspended = (*self.suspended, view)

    def _set_counter(self, view: CounterView) -> None:
        self.status = view.status
        if view.staff != self.staff:
            self.staff_name = None
        self.staff = view.staff

    def _tier_vip(self, key: str) -> bool:
        tier = next((t for t in self.settings.tiers if t.key == key), None)
        return tier is not None and tier.priority

    def _held_step(self, intent: str, step: Callable[[int], TicketView]) -> Action | None:
        held = self.current
        if held is None or not self.can(intent):
            return None
        ticket_id = held.id
        return self._act(intent, lambda: step(ticket_id), held.number)

    def _counter_step(self, intent: str, step: Callable[..., CounterView]) -> Action | None:
        actor = self.actor
        if actor is None or not self.can(intent):
            return None
        return self._act(intent, lambda: step(self.counter, actor=actor))

    def _act(self, intent: str, run: Callable[[], Any], number: str = "") -> Action | None:
        if not self.can(intent):
            return None

        def with_head() -> Outcome:
            result = run()
            return Outcome(result, self.service.last_event_id())
        return self._begin(intent, with_head, number)

    def _begin(self, intent: str, run: Callable[[], Any], number: str = "") -> Action:
        self.busy = intent
        self.notice = None
        self._changed()
        return Action(intent, run, number)

    def _refuse(self, kind: str, detail: str = "", **args: Any) -> Action | None:
        """Say why an intent cannot be done now (no action)."""
        self.notice = Notice(kind, "warn", dict(args), detail)
        self._changed()
        return None

    def _ask_reload(self) -> None:
        for ask in list(self.reload_requested):
            ask()

    def _changed(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:  # one broken view must not stop the others
                log.exception("teller panel listener failed")


def held_from_view(settings: Settings, view: TicketView, started_at: datetime | None,
                   vip: bool) -> HeldTicket:
    return HeldTicket(
        id=view.id, number=view.number, service=view.service,
        service_zh=view.service_name_zh, service_en=view.service_name_en, tier=view.tier,
        tier_zh=view.tier_name_zh, tier_en=view.tier_name_en, vip=vip,
        customer_masked=view.customer_masked, status=view.status,
        arrived_at=view.arrived_at, called_at=view.called_at or view.arrived_at,
        started_at=started_at, recalls=view.recalls)
