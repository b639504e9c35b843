"""The transaction frame every queue operation runs in, and the branch's clock and day.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Table, insert, text, update
from sqlalchemy import func as sqlfunc
from sqlalchemy.orm import Session

from kiosk.config import Service, Settings, Tier
from kiosk.errors import ClockSkew, IllegalTransition, NotFound, QueueError
from kiosk.queue import models as m
from kiosk.queue import rules
from kiosk.queue.db import Database
from kiosk.queue.views import CounterView, TicketView

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

# A station whose clock is further than this from the database's is refused (writes).
MAX_CLOCK_SKEW_S = 120.0

# The PostgreSQL channel every event is announced on (feed.PgWaker listens to it).
FEED_CHANNEL = "kiosk_events"

STATE_WORDS = {
    m.WAITING: "waiting", m.CALLED: "called", m.SERVING: "being served",
    m.SUSPENDED: "suspended", m.DONE: "finished", m.NO_SHOW: "marked no-show",
    m.CANCELLED: "cancelled", m.EXPIRED: "closed at the end of its business day",
}


class Branch:
    """What every part of the queue shares: the database, the settings, the clock, the
    calling policy, the business day, and the transaction frame (`write`, `read`)."""

    def __init__(self, db: Database, settings: Settings, clock: Clock, *,
                 max_clock_skew_s: float | None = None) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.max_clock_skew_s = max_clock_skew_s
        self.policy = rules.Policy.from_settings(settings)
        self.tiers: dict[str, Tier] = {t.key: t for t in settings.tiers}
        self.services: dict[str, Service] = {s.prefix: s for s in settings.services}
        self._day_confirmed: date | None = None  # the business day a read last found current

    # --- time ----------------------------------------------------------------------------

    def now(self) -> datetime:
        """The branch's local wall-clock time, without a zone (as stored)."""
        at = self.clock()
        if at.tzinfo is not None:
            at = at.astimezone(self.settings.branch.tz).replace(tzinfo=None)
        return at

    def business_day(self, at: datetime) -> date:
        return (at - timedelta(hours=self.settings.branch.business_day_start_hour)).date()

    def day_start(self, day: date) -> datetime:
        return datetime.combine(day, datetime.min.time()) + timedelta(
            hours=self.settings.branch.business_day_start_hour)

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

    @contextmanager
    def write(self, now: datetime | None = None) -> Iterator[Op]:
        """One writing transaction: the feed lock taken, the business day current."""
        with self.db.begin() as s:
            yield self.begin_op(s, self.now() if now is None else now)

    def begin_op(self, s: Session, now: datetime) -> Op:
        """Take the feed lock and roll the business day over if needed.

        The business day only moves forward: a station whose clock says an earlier day
        than the branch's is refused, instead of dating tickets yesterday.
        """
        op = Op(self, s, now)
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
            for c in self.settings.counters:  # a manager's change of services lasted a day
                s.execute(update(m.CounterRow).where(m.CounterRow.number == c.number)
                          .values(services=",".join(c.services)))
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
                with self.write(now):
                    pass
            except ClockSkew:
                log.warning("not rolling the business day over: this station's clock is off")
        # a clock behind the branch's day reads what is there; its writes are refused

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A reading transaction on the current business day."""
        self._roll_over_if_due()
        with self.db.read() as s:
            yield s

    # --- look-ups inside a transaction -----------------------------------------------------

    def service(self, prefix: str) -> Service:
        svc = self.services.get(prefix)
        if svc is None:
            known = ", ".join(f"{s.prefix} ({s.name_en})" for s in self.settings.services)
            raise NotFound(f"There is no service {prefix!r}; this branch has {known}.")
        return svc

    @staticmethod
    def ticket_row(s: Session, ticket_id: int) -> m.Ticket:
        ticket = s.get(m.Ticket, ticket_id)
        if ticket is None:
            raise NotFound(f"There is no ticket {ticket_id}.")
        return ticket

    @staticmethod
    def counter_row(s: Session, number: int) -> m.CounterRow:
        crow = s.get(m.CounterRow, number)
        if crow is None:
            raise NotFound(f"There is no counter {number}.")
        return crow

    @staticmethod
    def require(ticket: m.Ticket, allowed: tuple[str, ...], verb: str) -> None:
        if ticket.status not in allowed:
            raise IllegalTransition(f"{ticket.number} is {STATE_WORDS[ticket.status]} "
                                    f"and cannot be {verb}.")

    def view(self, t: Any, *, existing: bool = False,
             forecast: rules.Forecast | None = None) -> TicketView:
        """A ticket as callers see it, from an `m.Ticket` or a plain row of the tickets
        table's columns (`reads.LIGHT_COLUMNS`, for thousands of tickets at once), with
        its place and wait when a `forecast` is given."""
        svc = self.services.get(t.service)
        tier = self.tiers.get(t.tier, self.settings.regular_tier)
        return TicketView(
            id=t.id, number=t.number, service=t.service,
            service_name_zh=svc.name_zh if svc else t.service,
            service_name_en=svc.name_en if svc else t.service,
            tier=t.tier, tier_name_zh=tier.name_zh, tier_name_en=tier.name_en,
            status=t.status, business_day=t.business_day, arrived_at=t.arrived_at,
            customer_masked=t.customer_masked or "", counter=t.counter,
            called_at=t.called_at, recalls=t.recalls, outcome=t.outcome or "",
            existing=existing, pin=t.pin,
            booked_slot_at=getattr(t, "booked_slot_at", None),
            ahead=forecast.ahead if forecast else None,
            estimated_wait_s=round(forecast.wait_s) if forecast else None,
            beyond=bool(forecast and forecast.beyond),
        )

    def counter_view(self, s: Session, c: m.CounterRow) -> CounterView:
        current = None
        if c.current_ticket_id is not None:
            t = s.get(m.Ticket, c.current_ticket_id)
            if t is not None and t.status in (m.CALLED, m.SERVING):
                current = self.view(t)
        return CounterView(c.number, c.name_zh, c.name_en, c.service_list, c.green_channel,
                           c.status, current, c.staff)


class Op:
    """One writing transaction: holds the feed lock and writes the events.

    The lock is taken with the statement that reserves the operation's event id
    (UPDATE ... RETURNING), before anything is read: every later read in the transaction
    sees what the previous writer committed, and event ids follow commit order.
    """

    def __init__(self, branch: Branch, s: Session, now: datetime) -> None:
        self.branch, self.s, self.now = branch, s, now
        self._pg = not branch.db.sqlite
        self.conn = s.connection()  # Core statements on the hot paths: compiled once
        # SQLite: the hot statements (the feed lock, the events, a new number) go straight
        # to the driver inside this transaction, stored as SQLAlchemy stores them
        # (`sqlite_value`), less its work (about a third of a number's CPU)
        self.driver: Any = None if self._pg else self.conn.connection.driver_connection
        row = self._lock_feed()
        if row is None:
            raise QueueError("The database is not prepared; run `kiosk db upgrade`.")
        self._reserved: int | None = int(row[0])
        self.business_day: date | None = row[1]
        self.database_utc = database_utc(row[2])
        self.last_event_id = 0  # the id of the last event this operation wrote

    def _lock_feed(self) -> Any:
        """Reserve the operation's event id, taking the feed lock: (id, business day, the
        database's time). SQLite: to the driver (the transaction has begun, with BEGIN
        IMMEDIATE)."""
        if self._pg:
            return self.conn.execute(_LOCK_FEED).one_or_none()
        rows = self.driver.execute(SQLITE_LOCK_FEED).fetchall()
        if not rows:
            return None
        event_id, day, at = rows[0]
        return event_id, date.fromisoformat(day) if day else None, at

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
        if self._pg:
            self.conn.execute(_EVENT_INSERT, {"id": event_id, "at": self.now, "kind": kind,
                                              "ticket_id": ticket_id, "counter": counter,
                                              "payload": payload or {}})
            self.conn.execute(_NOTIFY, {"id": str(event_id)})
        else:
            self.driver.execute(SQLITE_EVENT, (event_id, sqlite_value(self.now), kind,
                                               ticket_id, counter, json.dumps(payload or {})))
        self.last_event_id = event_id
        return event_id


class NothingToDo(Exception):
    """Raised inside a transaction to roll it back (and give back its event id)."""


def database_utc(at: datetime | str) -> datetime:
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


_FEED = cast(Table, m.BranchState.__table__)
_EVENTS = cast(Table, m.Event.__table__)
_BUMP_FEED = (update(_FEED).where(_FEED.c.id == 1)
              .values(last_event_id=_FEED.c.last_event_id + 1)
              .returning(_FEED.c.last_event_id))
_LOCK_FEED = (update(_FEED).where(_FEED.c.id == 1)
              .values(last_event_id=_FEED.c.last_event_id + 1)
              .returning(_FEED.c.last_event_id, _FEED.c.business_day,
                         sqlfunc.current_timestamp()))
_EVENT_INSERT = insert(_EVENTS)
# SQLite's hot statements, sent to the driver (`Op.driver`); the raw-SQL bench sends the same
SQLITE_LOCK_FEED = ("UPDATE branch_state SET last_event_id = last_event_id + 1 WHERE id = 1 "
                    "RETURNING last_event_id, business_day, CURRENT_TIMESTAMP")
SQLITE_EVENT = ("INSERT INTO events (id, at, kind, ticket_id, counter, payload) "
                "VALUES (?, ?, ?, ?, ?, ?)")


def sqlite_value(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types store it: dates as ISO text, times with their
    microseconds (JSON is `json.dumps`'s text, as its JSON type makes it)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value

_NOTIFY = text(f"SELECT pg_notify('{FEED_CHANNEL}', :id)")
