"""The branch database: SQLAlchemy 2 typed models.

Times are the branch's local wall-clock time, stored without a zone (one branch is one
database and has one time zone, from config).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Ticket states
WAITING = "waiting"
CALLED = "called"
SERVING = "serving"
SUSPENDED = "suspended"
DONE = "done"
NO_SHOW = "no_show"
CANCELLED = "cancelled"
EXPIRED = "expired"  # left open at the end of a business day
OPEN_STATES = (WAITING, CALLED, SERVING, SUSPENDED)

# Counter states
COUNTER_OPEN = "open"
COUNTER_PAUSED = "paused"
COUNTER_CLOSED = "closed"


class Base(DeclarativeBase):
    pass


class BranchState(Base):
    """One row: the feed head and the current business day.

    Every writing transaction updates this row first. That serialises writers on both
    SQLite and PostgreSQL, so event ids are handed out in commit order and a reader that
    keeps "the last id I have seen" can never miss an event committed later with a
    smaller id.
    """

    __tablename__ = "branch_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigInteger, default=0)
    business_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    notice_zh: Mapped[str] = mapped_column(Text, default="")
    notice_en: Mapped[str] = mapped_column(Text, default="")


class ServiceRow(Base):
    __tablename__ = "services"
    prefix: Mapped[str] = mapped_column(String(1), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(128))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    mean_service_s: Mapped[float] = mapped_column(Float)
    served: Mapped[int] = mapped_column(Integer, default=0)


class CounterRow(Base):
    __tablename__ = "counters"
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64), default="")
    name_en: Mapped[str] = mapped_column(String(128), default="")
    services: Mapped[str] = mapped_column(String(64))  # "A,B": preference order
    green_channel: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=COUNTER_CLOSED)
    current_ticket_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    consecutive_priority: Mapped[int] = mapped_column(Integer, default=0)
    staff: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    @property
    def service_list(self) -> tuple[str, ...]:
        return tuple(p for p in self.services.split(",") if p)


class Customer(Base):
    """A directory entry from the bank's CRM export. Identifiers only as keyed hashes."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_kind: Mapped[str] = mapped_column(String(16))  # card | resident_id
    id_masked: Mapped[str] = mapped_column(String(32))
    name_masked: Mapped[str] = mapped_column(String(64), default="")
    tier: Mapped[str] = mapped_column(String(32))
    relationship_manager: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("business_day", "number", name="uq_ticket_day_number"),
        # call-next reads the head of each (service, tier) group of waiting tickets
        Index("ix_ticket_queue", "status", "service", "tier", "rank_at", "id"),
        Index("ix_ticket_pin", "status", "pin"),
        Index("ix_ticket_customer", "customer_hash", "service", "status"),
        Index("ix_ticket_day", "business_day", "status"),
        Index("ix_ticket_booked", "status", "booked_slot_at"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    business_day: Mapped[date] = mapped_column(Date)
    service: Mapped[str] = mapped_column(String(1), ForeignKey("services.prefix"))
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(8))
    tier: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=WAITING)
    customer_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    customer_masked: Mapped[str] = mapped_column(String(64), default="")
    arrived_at: Mapped[datetime] = mapped_column(DateTime)
    rank_at: Mapped[datetime] = mapped_column(DateTime)
    pin: Mapped[int | None] = mapped_column(Integer, nullable=True)
    counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    called_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    recalls: Mapped[int] = mapped_column(Integer, default=0)
    transferred_from: Mapped[str | None] = mapped_column(String(1), nullable=True)
    outcome: Mapped[str] = mapped_column(String(64), default="")
    station: Mapped[str] = mapped_column(String(64), default="")
    estimate_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    # a booked customer's slot (their deadline under every policy); None for a walk-in
    booked_slot_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Event(Base):
    """The change feed: one row per state change, in the same transaction as the change."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    counter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class Sequence(Base):
    """Daily number sequence per service: UPDATE ... RETURNING hands out the next number."""

    __tablename__ = "sequences"
    business_day: Mapped[date] = mapped_column(Date, primary_key=True)
    service: Mapped[str] = mapped_column(String(1), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Station(Base):
    """A running station (kiosk, counter panel, display, console) and its device states."""

    __tablename__ = "stations"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    state: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


# Staff roles
TELLER = "teller"
MANAGER = "manager"
ADMIN = "admin"
ROLES = (TELLER, MANAGER, ADMIN)


class Staff(Base):
    """A staff account. The PIN only as a slow salted hash (see queue/staff.py); the
    failure count and the lock live here, so a lockout holds on every PC of the branch."""

    __tablename__ = "staff"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the staff number
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # teller | manager | admin
    pin_hash: Mapped[str] = mapped_column(String(200), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class Audit(Base):
    """Who overrode what and why: every manager override, signed."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    event_id: Mapped[int] = mapped_column(BigInteger)
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


# Booking states and purposes
BOOKED = "booked"
CHECKED_IN = "checked_in"
SERVED = "served"
MISSED = "missed"
BOOKING_CANCELLED = "cancelled"
BOOKING_STATES = (BOOKED, CHECKED_IN, SERVED, MISSED, BOOKING_CANCELLED)
PURPOSES = ("consultation", "large_cash", "other")


class Booking(Base):
    """An appointment (预约): a customer, a service and a slot. The customer only as a
    keyed hash and masked forms; the six-digit code only as its keyed hash over the code
    and the day (`kiosk.identity.booking_code_hash`), unique within its day."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("slot_day", "code_hash", name="uq_booking_day_code_hash"),
        Index("ix_booking_slot", "slot_day", "service", "slot_at"),
        Index("ix_booking_customer", "customer_hash", "slot_day"),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    slot_day: Mapped[date] = mapped_column(Date)
    slot_at: Mapped[datetime] = mapped_column(DateTime)  # the slot's start
    length_min: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(1), ForeignKey("services.prefix"))
    customer_hash: Mapped[str] = mapped_column(String(64))
    customer_kind: Mapped[str] = mapped_column(String(16))  # card | resident_id
    customer_masked: Mapped[str] = mapped_column(String(32))  # 6222 **** **** 1234
    name_masked: Mapped[str] = mapped_column(String(64), default="")
    tier: Mapped[str] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(16))  # consultation | large_cash | other
    amount_band: Mapped[str] = mapped_column(String(16), default="")  # large cash only
    code_hash: Mapped[str] = mapped_column(String(64))  # the code's keyed hash, hex
    state: Mapped[str] = mapped_column(String(16), default=BOOKED)
    booked_by: Mapped[str] = mapped_column(String(64))  # "M001 张经理"
    booked_at: Mapped[datetime] = mapped_column(DateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")  # why cancelled or moved


class CodeRefusal(Base):
    """A booking code a kiosk refused: where and when, not what was typed. A station's
    refusals of the last minutes decide whether it takes codes (booking_rules.
    code_entry_rests), on every PC and across restarts; older rows are pruned
    (booking_rules.REFUSALS_KEPT)."""

    __tablename__ = "code_refusals"
    __table_args__ = (Index("ix_code_refusal_station", "station", "at"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True, autoincrement=True)
    station: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)
