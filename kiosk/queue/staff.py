"""Staff accounts, logins and roles.

PINs are stored only as scrypt hashes (hashlib.scrypt, from the standard library):
N = 2**14, r = 8, p = 1, a 16-byte random salt, 32-byte key (about 16 MiB and some tens of
milliseconds per check on a branch PC, so guessing offline is slow). Five wrong PINs lock
the account for five minutes; the count and the lock live in the database, so the lock
holds on every PC of the branch.

A successful login gives an `Actor`. Every action that changes the queue order, a
ticket's tier or someone else's counter takes one, and the queue checks it
(`StaffDirectory.authorize`): it was issued by this process's login, the account is still
enabled, and its role allows the action. A hand-made Actor is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.errors import NotFound, QueueError
from kiosk.queue import models as m
from kiosk.queue.txn import Branch

SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN = 2**14, 8, 1, 32
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=5)
PIN_PATTERN = re.compile(r"^[0-9]{4,12}$")
STAFF_NO_PATTERN = re.compile(r"^[A-Za-z0-9]{1,16}$")

# What each role may do beyond a teller's own counter work.
_RANK = {m.TELLER: 0, m.MANAGER: 1, m.ADMIN: 2}


class AuthError(QueueError):
    """A login or an action refused for who is asking (wrong PIN, locked, wrong role).

    `code` says which, for screens that word it in their own language: "wrong_pin",
    "locked" (`minutes` left), "role" (logged in, but the role is not enough) or
    "not_allowed" (no valid login, or the account was disabled)."""

    def __init__(self, message: str, code: str = "not_allowed", minutes: int = 0) -> None:
        super().__init__(message)
        self.code = code
        self.minutes = minutes


@dataclass(frozen=True)
class Actor:
    """A logged-in staff member. Only `StaffDirectory.login` makes valid ones."""

    staff_no: str
    name: str
    role: str
    token: str = field(repr=False, compare=False)

    @property
    def signature(self) -> str:
        """How audit rows and event payloads name them: "M001 张经理"."""
        return f"{self.staff_no} {self.name}".strip()

    def at_least(self, role: str) -> bool:
        return _RANK.get(self.role, -1) >= _RANK[role]


@dataclass(frozen=True)
class StaffRecord:
    staff_no: str
    name: str
    role: str
    disabled: bool
    locked_until: datetime | None
    failures: int


def hash_pin(pin: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                         dklen=SCRYPT_DKLEN, maxmem=64 * 1024 * 1024)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def pin_matches(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(key) // 2, maxmem=64 * 1024 * 1024)
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), key)


def check_pin_rules(pin: str) -> str:
    if not PIN_PATTERN.match(pin or ""):
        raise QueueError("A PIN is 4 to 12 digits.")
    return pin


def check_staff_no(staff_no: str) -> str:
    staff_no = (staff_no or "").strip()
    if not STAFF_NO_PATTERN.match(staff_no):
        raise QueueError("A staff number is 1 to 16 letters and digits, e.g. M001.")
    return staff_no.upper()


class StaffDirectory:
    def __init__(self, branch: Branch) -> None:
        self.branch = branch
        self._key = secrets.token_bytes(32)  # signs this process's actors

    # --- accounts ------------------------------------------------------------------------

    def add(self, staff_no: str, name: str, role: str, pin: str) -> StaffRecord:
        staff_no, name = check_staff_no(staff_no), (name or "").strip()
        if role not in m.ROLES:
            raise QueueError(f"A role is one of {', '.join(m.ROLES)}, not {role!r}.")
        if not name or len(name) > 64:
            raise QueueError("A staff member needs a name (at most 64 characters).")
        pin_hash = hash_pin(check_pin_rules(pin))
        with self.branch.db.begin() as s:
            if s.get(m.Staff, staff_no) is not None:
                raise QueueError(f"Staff number {staff_no} is taken.")
            row = m.Staff(id=staff_no, name=name, role=role, pin_hash=pin_hash, failures=0,
                          locked_until=None, disabled=False, created_at=self.branch.now())
            s.add(row)
            return _record(row)

    def set_pin(self, staff_no: str, pin: str) -> StaffRecord:
        """A new PIN (also unlocks the account)."""
        pin_hash = hash_pin(check_pin_rules(pin))
        with self.branch.db.begin() as s:
            row = self._row(s, staff_no)
            row.pin_hash, row.failures, row.locked_until = pin_hash, 0, None
            return _record(row)

    def disable(self, staff_no: str) -> StaffRecord:
        with self.branch.db.begin() as s:
            row = self._row(s, staff_no)
            row.disabled = True
            return _record(row)

    def all(self) -> list[StaffRecord]:
        with self.branch.db.read() as s:
            return [_record(r) for r in s.scalars(select(m.Staff).order_by(m.Staff.id))]

    def has_manager(self) -> bool:
        with self.branch.db.read() as s:
            return s.scalars(select(m.Staff.id).where(
                m.Staff.role.in_((m.MANAGER, m.ADMIN)), m.Staff.disabled.is_(False))
            ).first() is not None

    # --- logging in ----------------------------------------------------------------------

    def login(self, staff_no: str, pin: str, *, role: str = m.TELLER) -> Actor:
        """The staff member, if the PIN is right, the account open and the role enough.

        The PIN is checked inside the transaction that holds the account's row, so two PCs
        guessing at once still count every wrong PIN.
        """
        staff_no = (staff_no or "").strip().upper()
        now = self.branch.now()
        refused: AuthError | None = None
        actor: Actor | None = None
        with self.branch.db.begin() as s:  # commits the failure count even when refusing
            row = s.get(m.Staff, staff_no, with_for_update=True) \
                if STAFF_NO_PATTERN.match(staff_no) else None
            if row is None or row.disabled:
                refused = AuthError("Wrong staff number or PIN.", "wrong_pin")
            elif row.locked_until is not None and row.locked_until > now:
                minutes = max(1, round((row.locked_until - now).total_seconds() / 60))
                refused = AuthError(f"Staff {staff_no} is locked after {MAX_FAILURES} wrong "
                                    f"PINs; try again in {minutes} min or ask an administrator.",
                                    "locked", minutes)
            elif not pin_matches(pin or "", row.pin_hash):
                row.failures += 1
                refused = AuthError("Wrong staff number or PIN.", "wrong_pin")
                if row.failures >= MAX_FAILURES:
                    row.failures, row.locked_until = 0, now + LOCK_FOR
                    minutes = int(LOCK_FOR.total_seconds() // 60)
                    refused = AuthError(
                        f"Wrong PIN {MAX_FAILURES} times: staff {staff_no} is locked for "
                        f"{minutes} min.", "locked", minutes)
            else:
                row.failures, row.locked_until = 0, None
                actor = self._actor(row.id, row.name, row.role)
        if refused is not None or actor is None:
            raise refused or AuthError("Wrong staff number or PIN.", "wrong_pin")
        if not actor.at_least(role):
            raise AuthError(f"{actor.signature} is a {actor.role}; this needs a {role}.",
                            "role")
        return actor

    def authorize(self, actor: Actor | None, role: str, what: str) -> Actor:
        """The actor, if it was logged in here and may do `what` (needs `role`)."""
        if actor is None or not isinstance(actor, Actor) or not hmac.compare_digest(
                actor.token, self._sign(actor.staff_no, actor.role)):
            raise AuthError(f"{what.capitalize()} needs a staff login.")
        with self.branch.db.read() as s:
            row = s.get(m.Staff, actor.staff_no)
            if row is None or row.disabled or row.role != actor.role:
                raise AuthError(f"Staff {actor.staff_no} is no longer allowed to work the queue.")
        if not actor.at_least(role):
            raise AuthError(f"{what.capitalize()} needs a {role}; "
                            f"{actor.signature} is a {actor.role}.", "role")
        return actor

    def _actor(self, staff_no: str, name: str, role: str) -> Actor:
        return Actor(staff_no, name, role, self._sign(staff_no, role))

    def _sign(self, staff_no: str, role: str) -> str:
        return hmac.new(self._key, f"{staff_no}|{role}".encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _row(s: Session, staff_no: str) -> m.Staff:
        row = s.get(m.Staff, (staff_no or "").strip().upper())
        if row is None:
            raise NotFound(f"There is no staff number {staff_no!r}.")
        return row


def _record(row: m.Staff) -> StaffRecord:
    return StaffRecord(row.id, row.name, row.role, row.disabled, row.locked_until,
                       row.failures)


# --- the audit record ---------------------------------------------------------------------


def need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise QueueError("An override needs a reason; it is written to the audit log.")
    if len(reason) > 500:
        raise QueueError("A reason is at most 500 characters.")
    return reason


def write_audit(s: Session, now: datetime, actor: Actor, action: str, ticket: m.Ticket | None,
                reason: str, event_id: int, before: Mapping[str, object] | None = None,
                after: Mapping[str, object] | None = None, **details: object) -> None:
    """One audit row: who, when, what, the ticket, before and after, and why."""
    s.add(m.Audit(at=now, actor=actor.signature, action=action,
                  ticket_id=ticket.id if ticket else None, reason=reason, event_id=event_id,
                  details={"staff_no": actor.staff_no, "role": actor.role,
                           "number": ticket.number if ticket else None,
                           "before": dict(before or {}), "after": dict(after or {}),
                           **details}))
