"""The branch's figures: waits, service levels, counters, overrides, from plain rows.

Pure arithmetic (no SQLAlchemy, no Qt): the loader (`kiosk.queue.figures_read`) reads the
tickets, events and audit rows of a day or a range into the plain `Facts` below;
`compute` turns them into `Figures`, `compute_bank` several branches into `BankFigures`.
Percentiles and means are `kiosk.queue.stats`' (the simulator's), so a simulated day and
a real day read the same.

How a ticket counts:
- its wait runs from arrival to its first call (a transfer keeps the arrival time); only
  called tickets have a wait, no-shows included;
- it was called within target when that wait is at most the target the rules give its
  service and tier at that call (the smallest of `rules.max_wait_s`, the service's and
  the tier's `target_wait_s`; no target counts as within, as in the simulator);
- its service time runs from start to finish (from the call when the teller finished
  without starting), served tickets only;
- by service: it arrived for the service it was issued for (its number's letter), was
  transferred out of each service it left, waited for the service it was first called
  for, and ended (served, no-show, cancelled) in the service it ended in;
- by tier: under the tier it ended with (a manager's tier change corrects the tier);
- by day: under its business day; by half hour: it arrived in the half hour of its
  arrival and was called in the half hour of its first call (summed over the days).
Counters: open time runs from `counter_open` to `counter_pause`/`counter_close`, within
each business day's activity (from its first to its last row: a counter left open
overnight is not open all night); serving time is the start-to-finish of the tickets it
served, and of services cut short by a transfer, a suspension or a cancellation.
Overrides are the audit log's rows: every one of them signed, with its reason.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from kiosk.queue.stats import mean, percentile

SLOT_S = 1800  # a half hour
BUSIEST = 5

# --- the figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitStats:
    """Seconds; arrival -> first call, of the tickets that were called."""

    count: int
    mean_s: float
    p50_s: float
    p90_s: float
    p95_s: float
    max_s: float


@dataclass(frozen=True)
class GroupRow:
    """One row of a by-service / by-tier / by-day / by-branch table, or the total."""

    key: str  # "A" | tier key as stored on tickets | "2026-11-03" | branch name | "all"
    label_zh: str
    label_en: str
    arrived: int
    served: int
    no_show: int
    cancelled: int
    transferred: int  # transferred out to another service
    no_show_pct: float  # no_show / (served + no_show) * 100, 0.0 when nobody was called
    wait: WaitStats
    service_mean_s: float  # started -> finished, served tickets
    service_p90_s: float
    service_level_pct: float | None  # % of called tickets called within target; None: none
    transferred_in: int = 0  # transferred in from another service
    expired: int = 0  # still open when their business day closed
    still_open: int = 0  # waiting, called, being served or suspended (today's figures)
    within_target: int = 0  # called within their target (the service level's numerator)


@dataclass(frozen=True)
class CounterFigures:
    number: int
    label_zh: str
    label_en: str
    served: int
    serving_s: float  # time spent serving
    open_s: float  # time open
    utilisation_pct: float | None  # serving / open * 100; None when never open
    no_show: int = 0  # called here and marked no-show


@dataclass(frozen=True)
class Slot:
    """One half hour of the day (summed over the period's days); in `Figures.busiest`, one
    dated half hour (`day` set)."""

    start: time  # 09:00, 09:30, ...
    arrivals: int
    called: int
    mean_wait_s: float  # of tickets called in this half hour
    service_level_pct: float | None
    day: date | None = None  # the date, for one dated half hour (the busiest)


@dataclass(frozen=True)
class OverrideRow:
    at: datetime
    kind: str  # the event kind of the override: pin | tier_changed | cancel | restored | ...
    ticket: str  # ticket number, e.g. "A012" ("" for a counter or a notice)
    staff_id: str
    staff_name: str
    reason: str
    detail: str  # e.g. "普通 → 黄金", "→ 1"
    action: str = ""  # the audit log's name: pin | change_tier | cancel | restore_no_show ...
    label_zh: str = ""  # 置顶, 更改等级, ...
    label_en: str = ""  # Pinned, Tier changed, ...
    detail_en: str = ""  # e.g. "Regular → Gold"


@dataclass(frozen=True)
class BookingRow:
    """Appointments (预约) of one service, or of all ("all"), over the period."""

    key: str
    label_zh: str
    label_en: str
    made: int  # bookings for the period's days, cancelled ones included
    cancelled: int
    kept: int  # checked in by the end of the grace window: a booked number
    late: int  # checked in after the slot began (within the grace or past it)
    missed: int  # not checked in by the end of the grace window (or checked in later)
    punctual_base: int  # kept, checked in by their slot, and called
    punctual: int  # of those, called no later than PUNCTUAL_S after their slot
    punctuality_pct: float | None  # punctual / punctual_base * 100; None when no base


PUNCTUAL_S = 300.0  # a booked customer called within 5 minutes of the slot was on time


@dataclass(frozen=True)
class Figures:
    branch_zh: str
    branch_en: str
    first_day: date
    last_day: date
    days_with_data: int
    generated_at: datetime
    total: GroupRow
    by_service: tuple[GroupRow, ...]
    by_tier: tuple[GroupRow, ...]
    by_day: tuple[GroupRow, ...]  # one row per business day with data
    by_counter: tuple[CounterFigures, ...]
    slots: tuple[Slot, ...]  # every half hour from the first to the last with data
    busiest: tuple[Slot, ...]  # up to 5 dated half hours, most arrivals first
    overrides: tuple[OverrideRow, ...]
    overrides_by_kind: tuple[tuple[str, int], ...]
    overrides_by_staff: tuple[tuple[str, str, int], ...]  # (staff id, name, count)
    branch_key: str = ""  # the branch's name in a bank-wide report
    skipped_rows: int = 0  # database rows left out: unreadable (see `skipped`)
    skipped: tuple[str, ...] = ()  # the first few of them, one phrase each
    bookings: tuple[BookingRow, ...] = ()  # per service with bookings, then "all"

    @property
    def skipped_message(self) -> str:
        """One sentence on the rows left out, or "" when none was."""
        return skipped_sentence(self.skipped_rows, self.skipped)


@dataclass(frozen=True)
class BankFigures:
    """Several branches: a row per branch and the total."""

    first_day: date
    last_day: date
    generated_at: datetime
    branches: tuple[Figures, ...]
    by_branch: tuple[GroupRow, ...]  # key = branch name
    total: GroupRow

    @property
    def skipped_rows(self) -> int:
        return sum(f.skipped_rows for f in self.branches)

    @property
    def skipped_message(self) -> str:
        parts = [f"{f.branch_key or f.branch_en}: {f.skipped_message}"
                 for f in self.branches if f.skipped_rows]
        return " ".join(parts)


def skipped_sentence(count: int, examples: Sequence[str]) -> str:
    if not count:
        return ""
    rows = "1 row" if count == 1 else f"{count} rows"
    shown = "; ".join(examples)
    return (f"{rows} of the database could not be read and {'was' if count == 1 else 'were'}"
            f" left out of these figures ({shown}{'; ...' if count > len(examples) else ''}).")


# --- what is read ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketFact:
    """A ticket as it stands (the tickets table's row)."""

    id: int
    business_day: date
    number: str
    service: str  # as it ended, after any transfer
    tier: str  # as it ended, after any tier change
    status: str
    arrived_at: datetime
    called_at: datetime | None  # its last call (the events hold its first)
    started_at: datetime | None
    finished_at: datetime | None
    counter: int | None


@dataclass(frozen=True)
class EventFact:
    """A row of the events table (payload already decoded)."""

    id: int
    at: datetime
    kind: str
    ticket_id: int | None
    counter: int | None
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class BookingFact:
    """A booking of the period as the figures need it."""

    service: str
    slot_at: datetime
    state: str  # booked | checked_in | served | missed | cancelled
    checked_in_at: datetime | None
    called_at: datetime | None  # its ticket's call, when a booked number was called


@dataclass(frozen=True)
class AuditFact:
    """A row of the audit log: one override."""

    at: datetime
    actor: str  # "M001 张经理"
    action: str
    ticket_number: str
    reason: str
    staff_no: str
    before: Mapping[str, Any]
    after: Mapping[str, Any]
    counter: int | None = None


@dataclass(frozen=True)
class Names:
    """What a branch calls its things, and the targets its rules give each ticket."""

    branch_zh: str
    branch_en: str
    services: Mapping[str, tuple[str, str]]  # prefix -> (zh, en), in the branch's order
    tiers: Mapping[str, tuple[str, str]]  # key -> (zh, en), in the branch's order
    counters: Mapping[int, tuple[str, str]]  # number -> (zh, en)
    targets: Mapping[tuple[str, str], float | None]  # (service, tier) -> seconds
    fallback_target_s: float | None = None  # for a (service, tier) not in `targets`
    business_day_start_hour: int = 4
    key: str = ""  # the branch's name in a bank-wide report

    def target_s(self, service: str, tier: str) -> float | None:
        if (service, tier) in self.targets:
            return self.targets[(service, tier)]
        return self.fallback_target_s

    def service_label(self, prefix: str) -> tuple[str, str]:
        return self.services.get(prefix, (prefix, prefix))

    def tier_label(self, key: str) -> tuple[str, str]:
        return self.tiers.get(key, (key, key))

    def counter_label(self, number: int) -> tuple[str, str]:
        zh, en = self.counters.get(number, ("", ""))
        return zh or f"{number}号窗口", en or f"Counter {number}"


@dataclass(frozen=True)
class Facts:
    """Everything the figures of a period are made of, as plain rows."""

    first_day: date
    last_day: date
    names: Names
    tickets: Sequence[TicketFact]  # the tickets of the period's business days
    events: Sequence[EventFact]  # their events, and the counters' (open, pause, close)
    audits: Sequence[AuditFact] = ()  # the overrides of the period
    skipped_rows: int = 0  # rows the loader could not read
    skipped: tuple[str, ...] = ()  # the first few, one phrase each
    # the counters open when the period began (their last open/pause/close before it was
    # an open); None: not known (a counter whose first row is a pause or a close was open)
    open_at_start: frozenset[int] | None = None
    bookings: Sequence[BookingFact] = ()  # the bookings of the period's days
    booking_grace_s: float = 600.0  # appointments.grace_min: later is missed


# The event kinds the queue writes (kiosk/queue/tickets.py, overrides.py, counters.py, txn.py).
TICKET_KINDS = frozenset({
    "issued", "vip_arrival", "print_job", "reprint", "called", "recall", "start", "finish",
    "no_show", "suspend", "resume", "cancel", "transfer", "hand_back", "pin", "tier_changed",
    "restored"})
COUNTER_KINDS = {"counter_open": "open", "counter_pause": "paused", "counter_close": "closed"}
OTHER_KINDS = frozenset({"counter_services", "notice", "alert_ack", "day_rollover",
                         "booking_made", "booking_moved", "booking_cancelled",
                         "booking_code_reissued", "booking_checked_in"})
KNOWN_KINDS = TICKET_KINDS | frozenset(COUNTER_KINDS) | OTHER_KINDS
# the events the figures do not need (the loader does not read them)
UNUSED_KINDS = ("issued", "vip_arrival", "print_job", "reprint", "recall", "finish")

# Ticket states (as kiosk.queue.models, which this module does not import: no SQLAlchemy)
DONE, NO_SHOW, CANCELLED, EXPIRED = "done", "no_show", "cancelled", "expired"
OPEN_STATES = frozenset({"waiting", "called", "serving", "suspended"})

# audit action -> (event kind, zh, en)
OVERRIDE_KINDS: dict[str, tuple[str, str, str]] = {
    "pin": ("pin", "置顶", "Moved up the queue"),
    "change_tier": ("tier_changed", "更改等级", "Tier changed"),
    "call_ticket": ("called", "插队叫号", "Called out of turn"),
    "transfer": ("transfer", "转业务（优先）", "Transferred ahead of the rule"),
    "cancel": ("cancel", "取消号码", "Cancelled"),
    "restore_no_show": ("restored", "恢复过号", "No-show restored"),
    "issue_for": ("issued", "主动派号", "Issued for a customer"),
    "reprint": ("print_job", "补打", "Reprinted"),
    "notice": ("notice", "公告", "Notice posted"),
    "counter_open": ("counter_open", "开启窗口", "Counter opened"),
    "counter_pause": ("counter_pause", "暂停窗口", "Counter paused"),
    "counter_close": ("counter_close", "关闭窗口", "Counter closed"),
    "counter_services": ("counter_services", "调整窗口业务", "Counter's services changed"),
}

# audit rows of a customer's own action (离开排队 from the ticket's link): audited, but no
# staff member's override, so not in the overrides the report lists
CUSTOMER_ACTIONS = ("leave",)

_WEEKDAYS_ZH = "一二三四五六日"


# --- one branch --------------------------------------------------------------------------------


@dataclass
class _Ticket:
    """One ticket's life, as the figures count it."""

    fact: TicketFact
    issued_service: str
    wait_s: float | None = None
    called_at: datetime | None = None
    call_service: str = ""
    within: bool = False
    service_s: float | None = None
    transfers_out: list[str] = field(default_factory=list)
    transfers_in: list[str] = field(default_factory=list)


@dataclass
class _Branch:
    """A branch's rows read into tickets' lives, counters' times and overrides."""

    names: Names
    tickets: list[_Ticket]
    counters: list[CounterFigures]
    overrides: list[OverrideRow]
    skipped_rows: int
    skipped: tuple[str, ...]


class Skips:
    """Rows left out: how many, and the first few named."""

    def __init__(self, count: int, examples: Sequence[str]) -> None:
        self.count = count
        self.examples = list(examples)

    def add(self, what: str) -> None:
        self.count += 1
        if len(self.examples) < 5:
            self.examples.append(what)


def compute(facts: Facts, *, generated_at: datetime) -> Figures:
    """The figures of one branch over `facts`' period."""
    branch = _read(facts)
    return _figures(facts, branch, generated_at)


def compute_bank(facts: Sequence[Facts], *, generated_at: datetime) -> BankFigures:
    """Several branches' figures, a row per branch and the total (its percentiles from
    every branch's tickets pooled, not averaged)."""
    if not facts:
        raise ValueError("a bank's figures need at least one branch")
    branches = [_read(f) for f in facts]
    figures = tuple(_figures(f, b, generated_at) for f, b in zip(facts, branches, strict=True))
    rows = tuple(
        _group(f.branch_key or f.branch_en, (f.branch_zh, f.branch_en), b.tickets, b.names)
        for f, b in zip(figures, branches, strict=True))
    pooled = [t for b in branches for t in b.tickets]
    return BankFigures(
        first_day=min(f.first_day for f in facts), last_day=max(f.last_day for f in facts),
        generated_at=generated_at, branches=figures, by_branch=rows,
        total=_group("all", ("全行合计", "All branches"), pooled, branches[0].names))


def _figures(facts: Facts, branch: _Branch, generated_at: datetime) -> Figures:
    names, tickets = branch.names, branch.tickets
    services = _ordered(names.services, {t.issued_service for t in tickets}
                        | {t.fact.service for t in tickets})
    tiers = _ordered(names.tiers, {t.fact.tier for t in tickets})
    days = sorted({t.fact.business_day for t in tickets})
    by_day = defaultdict(list)
    for t in tickets:
        by_day[t.fact.business_day].append(t)
    slots, busiest = _slots(tickets, names)
    overrides = sorted(branch.overrides, key=lambda o: o.at)
    by_staff: Counter[tuple[str, str]] = Counter((o.staff_id, o.staff_name) for o in overrides)
    return Figures(
        branch_zh=names.branch_zh, branch_en=names.branch_en,
        first_day=facts.first_day, last_day=facts.last_day, days_with_data=len(days),
        generated_at=generated_at,
        total=_group("all", ("合计", "All"), tickets, names),
        by_service=tuple(_group(s, names.service_label(s), tickets, names, service=s)
                         for s in services),
        by_tier=tuple(_group(k, names.tier_label(k), [t for t in tickets if t.fact.tier == k],
                             names) for k in tiers),
        by_day=tuple(_group(d.isoformat(), _day_label(d), by_day[d], names) for d in days),
        by_counter=tuple(branch.counters),
        slots=slots, busiest=busiest,
        overrides=tuple(overrides),
        overrides_by_kind=tuple(sorted(Counter(o.kind for o in overrides).items(),
                                       key=lambda kv: (-kv[1], kv[0]))),
        overrides_by_staff=tuple((sid, name, n) for (sid, name), n in sorted(
            by_staff.items(), key=lambda kv: (-kv[1], kv[0][0]))),
        branch_key=names.key, skipped_rows=branch.skipped_rows, skipped=branch.skipped,
        bookings=booking_rows(facts.bookings, names, facts.booking_grace_s, generated_at),
    )


def booking_rows(bookings: Sequence[BookingFact], names: Names, grace_s: float,
                 now: datetime) -> tuple[BookingRow, ...]:
    """Per service with bookings (the branch's order), then all: made, kept, late, missed
    and the punctuality (the share of those who came by their slot called within
    PUNCTUAL_S of it). A booking still waiting for its customer at `now`, within its grace
    window, is neither kept nor missed yet."""
    if not bookings:
        return ()
    seen = {b.service for b in bookings}
    services = [s for s in _ordered(names.services, seen) if s in seen]
    rows = [_booking_row(s, names.service_label(s),
                         [b for b in bookings if b.service == s], grace_s, now)
            for s in services]
    return (*rows, _booking_row("all", ("合计", "All"), bookings, grace_s, now))


def _booking_row(key: str, label: tuple[str, str], bookings: Sequence[BookingFact],
                 grace_s: float, now: datetime) -> BookingRow:
    grace = timedelta(seconds=grace_s)
    live = [b for b in bookings if b.state != "cancelled"]
    kept = [b for b in live if b.checked_in_at is not None
            and b.checked_in_at <= b.slot_at + grace]
    missed = [b for b in live if b not in kept and (
        b.state == "missed" or b.checked_in_at is not None or now > b.slot_at + grace)]
    late = [b for b in live if b.checked_in_at is not None and b.checked_in_at > b.slot_at]
    base = [b for b in kept if b.called_at is not None and b.checked_in_at is not None
            and b.checked_in_at <= b.slot_at]
    on_time = [b for b in base if b.called_at is not None
               and (b.called_at - b.slot_at).total_seconds() <= PUNCTUAL_S]
    return BookingRow(key, label[0], label[1], made=len(bookings),
                      cancelled=len(bookings) - len(live), kept=len(kept), late=len(late),
                      missed=len(missed), punctual_base=len(base), punctual=len(on_time),
                      punctuality_pct=100.0 * len(on_time) / len(base) if base else None)


def _ordered(known: Mapping[str, Any], seen: Iterable[str]) -> list[str]:
    """The branch's own order, then anything the rows hold that it no longer names."""
    seen = set(seen)
    return [k for k in known] + sorted(seen - set(known))


def _read(facts: Facts) -> _Branch:
    names = facts.names
    skips = Skips(facts.skipped_rows, facts.skipped)
    by_id = {t.id: _Ticket(t, issued_service=t.number[:1] or t.service) for t in facts.tickets}
    counter_events: list[EventFact] = []
    ticket_events: dict[int, list[EventFact]] = defaultdict(list)
    for e in sorted(facts.events, key=lambda e: e.id):
        if e.kind in COUNTER_KINDS:
            if e.counter is None:
                skips.add(f"event {e.id}: {e.kind} without a counter")
            else:
                counter_events.append(e)
        elif e.kind not in KNOWN_KINDS:
            skips.add(f"event {e.id}: unknown kind {e.kind[:32]!r}")
        elif e.kind in TICKET_KINDS:
            if e.ticket_id is None or e.ticket_id not in by_id:
                skips.add(f"event {e.id}: {e.kind} of a missing ticket {e.ticket_id}")
            else:
                ticket_events[e.ticket_id].append(e)
    intervals: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    for tid, t in by_id.items():
        _follow(t, ticket_events.get(tid, ()), names, intervals)
    tickets = list(by_id.values())
    counters = _counters(names, tickets, counter_events, intervals, facts.open_at_start)
    overrides = [_override(a, names) for a in facts.audits]
    return _Branch(names, tickets, counters, overrides, skips.count, tuple(skips.examples))


def _follow(t: _Ticket, events: Iterable[EventFact], names: Names,
            intervals: dict[int, list[tuple[datetime, datetime]]]) -> None:
    """A ticket's first call, its transfers and its services cut short, from its events."""
    f = t.fact
    service, tier = t.issued_service, f.tier
    at_counter: tuple[int, datetime] | None = None  # called here at; started: the start
    for e in events:
        p = e.payload
        if e.kind == "called":
            service = _text(p.get("service")) or service
            tier = _text(p.get("tier")) or tier
            if t.called_at is None:
                t.called_at, t.call_service = e.at, service
                t.wait_s = (e.at - f.arrived_at).total_seconds()
                target = names.target_s(service, tier)
                t.within = target is None or t.wait_s <= target
            at_counter = (e.counter, e.at) if e.counter is not None else None
        elif e.kind == "start":
            if e.counter is not None:
                at_counter = (e.counter, e.at)
        elif e.kind in ("transfer", "suspend", "cancel"):
            if at_counter is not None:
                intervals[at_counter[0]].append((at_counter[1], e.at))
            at_counter = None
            if e.kind == "transfer":
                to = _text(p.get("to")) or _text(p.get("service")) or f.service
                t.transfers_out.append(service)
                t.transfers_in.append(to)
                service = to
        elif e.kind in ("no_show", "hand_back"):
            at_counter = None
        elif e.kind == "tier_changed":
            tier = _text(p.get("to")) or tier
    if t.called_at is None and f.called_at is not None:  # its call event was unreadable
        t.called_at, t.call_service = f.called_at, f.service
        t.wait_s = (f.called_at - f.arrived_at).total_seconds()
        target = names.target_s(f.service, f.tier)
        t.within = target is None or t.wait_s <= target
    if f.status == DONE and f.finished_at is not None:
        began = f.started_at or f.called_at or f.finished_at
        t.service_s = max(0.0, (f.finished_at - began).total_seconds())
        if f.counter is not None:
            intervals[f.counter].append((began, f.finished_at))


def _group(key: str, label: tuple[str, str], tickets: Sequence[_Ticket], names: Names, *,
           service: str | None = None) -> GroupRow:
    """A table row: every ticket given, or (`service`) what each ticket did there."""
    if service is None:
        arrived = len(tickets)
        ended = tickets
        called = [t for t in tickets if t.wait_s is not None]
        out = sum(len(t.transfers_out) for t in tickets)
        into = sum(len(t.transfers_in) for t in tickets)
    else:
        arrived = sum(1 for t in tickets if t.issued_service == service)
        ended = [t for t in tickets if t.fact.service == service]
        called = [t for t in tickets if t.wait_s is not None and t.call_service == service]
        out = sum(t.transfers_out.count(service) for t in tickets)
        into = sum(t.transfers_in.count(service) for t in tickets)
    status = Counter(t.fact.status for t in ended)
    served, no_show = status[DONE], status[NO_SHOW]
    waits = [t.wait_s for t in called if t.wait_s is not None]
    service_times = [t.service_s for t in ended if t.service_s is not None]
    within = sum(1 for t in called if t.within)
    return GroupRow(
        key=key, label_zh=label[0], label_en=label[1], arrived=arrived, served=served,
        no_show=no_show, cancelled=status[CANCELLED], transferred=out,
        no_show_pct=100.0 * no_show / (served + no_show) if served + no_show else 0.0,
        wait=wait_stats(waits),
        service_mean_s=mean(service_times), service_p90_s=percentile(service_times, 90),
        service_level_pct=100.0 * within / len(called) if called else None,
        transferred_in=into, expired=status[EXPIRED],
        still_open=sum(n for s, n in status.items() if s in OPEN_STATES),
        within_target=within,
    )


def wait_stats(waits: Sequence[float]) -> WaitStats:
    """Count, mean, p50/p90/p95 and max of these waits (the project's percentile)."""
    return WaitStats(count=len(waits), mean_s=mean(waits), p50_s=percentile(waits, 50),
                     p90_s=percentile(waits, 90), p95_s=percentile(waits, 95),
                     max_s=max(waits, default=0.0))


def _slot_of(at: datetime) -> time:
    return time(at.hour, 30 if at.minute >= 30 else 0)


def _slots(tickets: Sequence[_Ticket], names: Names) -> tuple[tuple[Slot, ...], tuple[Slot, ...]]:
    """Every half hour of the business day from the first to the last with data (summed
    over the days; a day that runs past midnight goes on after 23:30), and the busiest
    half hours, dated by business day."""
    day_of = _business_day(names)
    opens = names.business_day_start_hour * 3600

    def place(start: time) -> int:  # seconds into the business day
        return (start.hour * 3600 + start.minute * 60 - opens) % 86_400

    arrivals: Counter[time] = Counter()
    dated: Counter[tuple[date, time]] = Counter()
    called: dict[time, list[_Ticket]] = defaultdict(list)
    called_dated: dict[tuple[date, time], list[_Ticket]] = defaultdict(list)
    for t in tickets:
        at = t.fact.arrived_at
        arrivals[_slot_of(at)] += 1
        dated[(day_of(at), _slot_of(at))] += 1
        if t.called_at is not None:
            called[_slot_of(t.called_at)].append(t)
            called_dated[(day_of(t.called_at), _slot_of(t.called_at))].append(t)
    seen = set(arrivals) | set(called)
    if not seen:
        return (), ()
    first, last = min(map(place, seen)), max(map(place, seen))
    slots = []
    for offset in range(first, last + 1, SLOT_S):
        second = (offset + opens) % 86_400
        start = time(second // 3600, second % 3600 // 60)
        slots.append(_slot(start, arrivals[start], called.get(start, [])))
    ranked = sorted(dated.items(), key=lambda kv: (-kv[1], kv[0][0], place(kv[0][1])))[:BUSIEST]
    busiest = tuple(_slot(start, n, called_dated.get((day, start), []), day)
                    for (day, start), n in ranked)
    return tuple(slots), busiest


def _slot(start: time, arrivals: int, called: Sequence[_Ticket], day: date | None = None) -> Slot:
    waits = [t.wait_s for t in called if t.wait_s is not None]
    return Slot(start=start, arrivals=arrivals, called=len(called), mean_wait_s=mean(waits),
                service_level_pct=100.0 * sum(t.within for t in called) / len(called)
                if called else None, day=day)


def _counters(names: Names, tickets: Sequence[_Ticket], events: Sequence[EventFact],
              serving: Mapping[int, Sequence[tuple[datetime, datetime]]],
              open_at_start: frozenset[int] | None) -> list[CounterFigures]:
    """Each counter's served tickets, serving time and open time."""
    windows = _day_windows(names, tickets, events)
    day_of = _business_day(names)
    first = min(windows.values())[0] if windows else None
    opened: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    since: dict[int, datetime | None] = {n: first for n in open_at_start or ()}
    for e in events:
        assert e.counter is not None
        number, state = e.counter, COUNTER_KINDS[e.kind]
        if number not in since:
            # its state before the period unknown: its first row being a pause or a close
            # means it was open from the start of that day
            window = windows.get(day_of(e.at)) if open_at_start is None else None
            since[number] = window[0] if state != "open" and window else None
        began = since[number]
        if state == "open":
            if began is None:
                since[number] = e.at
        else:
            if began is not None:
                opened[number].append((began, e.at))
            since[number] = None
    for number, began in since.items():
        if began is not None:
            opened[number].append((began, datetime.max))
    served = Counter(t.fact.counter for t in tickets if t.fact.status == DONE)
    missed = Counter(t.fact.counter for t in tickets if t.fact.status == NO_SHOW)
    numbers = sorted({n for n in names.counters} | set(opened) | set(serving)
                     | {n for n in served if n is not None})
    out = []
    for n in numbers:
        # at work: open, or still serving the last customer after a pause (a teller may
        # pause "no more customers" and serve on): so utilisation is at most 100 %
        busy = [(a, b) for a, b in serving.get(n, ()) if b > a]
        at_work = [(max(span[0], w[0]), min(span[1], w[1])) for span in opened.get(n, ())
                   for w in windows.values() if _overlap(span, w)]
        open_s = _union_s(at_work + busy)
        serving_s = _union_s(busy)
        if not (open_s or serving_s or served[n] or missed[n]) and n not in names.counters:
            continue
        zh, en = names.counter_label(n)
        out.append(CounterFigures(
            number=n, label_zh=zh, label_en=en, served=served[n], serving_s=serving_s,
            open_s=open_s, utilisation_pct=100.0 * serving_s / open_s if open_s else None,
            no_show=missed[n]))
    return out


def _business_day(names: Names) -> Any:
    shift = timedelta(hours=names.business_day_start_hour)
    return lambda at: (at - shift).date()


def _day_windows(names: Names, tickets: Sequence[_Ticket],
                 events: Sequence[EventFact]) -> dict[date, tuple[datetime, datetime]]:
    """Each business day's activity: from its first row to its last."""
    day_of = _business_day(names)
    lo: dict[date, datetime] = {}
    hi: dict[date, datetime] = {}

    def see(day: date, at: datetime | None) -> None:
        if at is None:
            return
        if day not in lo or at < lo[day]:
            lo[day] = at
        if day not in hi or at > hi[day]:
            hi[day] = at

    for t in tickets:
        f = t.fact
        for at in (f.arrived_at, t.called_at, f.called_at, f.started_at, f.finished_at):
            see(f.business_day, at)
    for e in events:
        see(day_of(e.at), e.at)
    return {d: (lo[d], hi[d]) for d in lo}


def _union_s(spans: Sequence[tuple[datetime, datetime]]) -> float:
    """Seconds covered by any of the spans (overlaps counted once)."""
    total, end = 0.0, None
    for a, b in sorted(spans):
        if end is None or a > end:
            total += (b - a).total_seconds()
            end = b
        elif b > end:
            total += (b - end).total_seconds()
            end = b
    return total


def _overlap(a: tuple[datetime, datetime], b: tuple[datetime, datetime]) -> float:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (end - start).total_seconds() if end > start else 0.0


def _override(a: AuditFact, names: Names) -> OverrideRow:
    kind, zh, en = OVERRIDE_KINDS.get(a.action, (a.action, a.action, a.action))
    staff_no = a.staff_no or a.actor.split(" ", 1)[0]
    name = a.actor[len(staff_no):].strip() if a.actor.startswith(staff_no) else a.actor
    detail, detail_en = _detail(a, names)
    return OverrideRow(at=a.at, kind=kind, ticket=a.ticket_number, staff_id=staff_no,
                       staff_name=name, reason=a.reason, detail=detail, action=a.action,
                       label_zh=zh, label_en=en, detail_en=detail_en)


def _detail(a: AuditFact, names: Names) -> tuple[str, str]:
    """What the override changed, in a few words (zh, en)."""
    before, after = a.before, a.after
    if a.action == "change_tier":
        was, now = names.tier_label(str(before.get("tier"))), names.tier_label(
            str(after.get("tier")))
        return f"{was[0]} → {now[0]}", f"{was[1]} → {now[1]}"
    if a.action == "pin":
        return f"第 {after.get('position')} 位", f"to position {after.get('position')}"
    if a.action == "call_ticket":
        zh, en = names.counter_label(_int(after.get("counter")) or 0)
        return f"→ {zh}", f"to {en}"
    if a.action == "transfer":
        old, new = str(before.get("service", "")), str(after.get("service", ""))
        placement = str(after.get("placement", ""))
        return f"{old} → {new}（{placement}）", f"{old} → {new} ({placement})"
    if a.action == "issue_for":
        service, tier = str(after.get("service", "")), str(after.get("tier", ""))
        label = names.tier_label(tier)
        return f"{service} · {label[0]}", f"{service} · {label[1]}"
    if a.action == "counter_services":
        old = ",".join(str(s) for s in before.get("services") or ())
        new = ",".join(str(s) for s in after.get("services") or ())
        return f"{old} → {new}", f"{old} → {new}"
    if a.action.startswith("counter_") and a.counter is not None:
        zh, en = names.counter_label(a.counter)
        return zh, en
    if a.action == "reprint":
        return str(after.get("kiosk", "")), str(after.get("kiosk", ""))
    if a.action == "notice":
        return str(after.get("zh", ""))[:40], str(after.get("en", ""))[:60]
    return "", ""


def _day_label(d: date) -> tuple[str, str]:
    return (f"{d.month}月{d.day}日 周{_WEEKDAYS_ZH[d.weekday()]}",
            f"{d:%a} {d.day} {d:%b}")


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
