"""What the queue hands its callers: frozen values, masked, never ORM rows."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any


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
    pin: int | None = None  # a manager's position (1 = next), while waiting
    # ahead and estimated_wait_s are lower bounds: the ticket stands beyond the forecast's
    # horizon ("more than 600 ahead, over 3 hours")
    beyond: bool = False
    booked_slot_at: datetime | None = None  # a booked customer's slot (预约)

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
    staff: str | None = None  # the staff number working the counter


@dataclass(frozen=True)
class CounterPanel:
    """What a teller's panel shows about its counter, read in one transaction."""

    counter: CounterView  # status, staff number and the ticket it holds
    staff_name: str | None  # the name of the staff member working it
    started_at: datetime | None  # when service of the held ticket started (None: not yet)
    waiting: int  # tickets waiting for the services this counter serves
    next: TicketView | None  # the ticket call_next would call now (peek_next)
    next_vip: bool  # that ticket's tier is a priority (VIP) tier
    suspended: tuple[TicketView, ...]  # this counter's suspended tickets, oldest first
    last_event_id: int  # the feed head when this was read


@dataclass(frozen=True)
class ServiceSummary:
    """One service as the kiosk buttons and the hall display show it: people waiting,
    open counters serving it, and, for a number taken now, people ahead and the wait."""

    service: str
    name_zh: str
    name_en: str
    waiting: int
    open_counters: tuple[int, ...]
    ahead: int | None
    estimated_wait_s: float | None
    mean_service_s: float
    open_now: bool
    opens: str
    closes: str
    beyond: bool = False  # ahead and the wait are lower bounds (see TicketView.beyond)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["open_counters"] = list(self.open_counters)
        return data


@dataclass(frozen=True)
class RecentCall:
    """A call or recall from the feed (what the hall display lists)."""

    event_id: int
    at: datetime
    kind: str
    ticket_id: int | None
    number: str | None
    counter: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


CALL_KINDS = ("called", "recall")


@dataclass(frozen=True)
class FeedEvent:
    """One row of the events table (the change feed), as a reader sees it."""

    id: int
    at: datetime
    kind: str
    ticket_id: int | None
    counter: int | None
    payload: dict[str, Any] = field(default_factory=dict)

    @property
    def number(self) -> str | None:
        value = self.payload.get("number")
        return str(value) if value is not None else None

    @property
    def is_call(self) -> bool:
        return self.kind in CALL_KINDS and self.number is not None and self.counter is not None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AuditRecord:
    """One override: who, when, what, on which ticket, before and after, and why."""

    at: datetime
    actor: str
    action: str
    ticket_id: int | None
    reason: str
    event_id: int | None
    details: dict[str, Any]

    @property
    def staff_no(self) -> str:
        return str(self.details.get("staff_no") or self.actor.split(" ")[0])

    @property
    def number(self) -> str:
        return str(self.details.get("number") or "")

    @property
    def before(self) -> dict[str, Any]:
        return dict(self.details.get("before") or {})

    @property
    def after(self) -> dict[str, Any]:
        return dict(self.details.get("after") or {})

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class StationRecord:
    """A station's last heartbeat and the device states it reported."""

    name: str
    kind: str
    heartbeat_at: datetime | None
    alive: bool
    state: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CustomerRecord:
    """A directory entry as the queue may show it: masked forms and the tier only."""

    tier: str
    name_masked: str
    id_kind: str
    id_masked: str
    relationship_manager: str
