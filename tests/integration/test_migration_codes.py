"""Migration 0004 on a branch that kept booking codes in clear (revision 0003), on SQLite
and PostgreSQL: the codes are hashed in place and still check their customers in, the
change feed and the audit rows lose them, and SQLite's file keeps no old copy."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.identity import booking_code_hash
from kiosk.queue.db import MIGRATIONS, Database
from kiosk.queue.service import QueueService
from tests.conftest import FakeClock

TODAY, TOMORROW = date(2026, 11, 24), date(2026, 11, 25)  # the FakeClock's day (10:00)
# (code, day, hour): the same code on two days was allowed, and is still
OLD = (("204617", TODAY, 11), ("731902", TODAY, 14), ("731902", TOMORROW, 11))

_BOOKINGS = sa.table(
    "bookings", *(sa.column(c) for c in (
        "id", "length_min", "service", "customer_hash", "customer_kind", "customer_masked",
        "name_masked", "tier", "purpose", "amount_band", "code", "state", "booked_by",
        "note")),
    sa.column("slot_day", sa.Date()), sa.column("slot_at", sa.DateTime()),
    sa.column("booked_at", sa.DateTime()))
_EVENTS = sa.table("events", sa.column("id"), sa.column("at", sa.DateTime()),
                   sa.column("kind"), sa.column("payload", sa.JSON()))
_AUDIT = sa.table("audit", sa.column("at", sa.DateTime()), sa.column("actor"),
                  sa.column("action"), sa.column("reason"), sa.column("event_id"),
                  sa.column("details", sa.JSON()))


def _branch_at_0003(url: str) -> Database:
    """A branch database at revision 0003 with three bookings, their events and audit rows
    as that version wrote them (codes in clear), and one ticket's event."""
    db = Database(url)
    if db.sqlite:  # as SQLite builds without SECURE_DELETE leave freed pages (Debian's zero them)
        sa.event.listen(db.engine, "connect",
                        lambda conn, _record: conn.execute("PRAGMA secure_delete=OFF"))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    booked_at = datetime(2026, 11, 23, 9, 0)
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO services (prefix, name_zh, name_en, sort, enabled, "
                             "mean_service_s, served) VALUES ('V', '贵宾理财', "
                             "'VIP wealth management', 0, true, 600, 0)"))
        for n, (code, day, hour) in enumerate(OLD, start=1):
            slot = datetime(day.year, day.month, day.day, hour)
            conn.execute(sa.insert(_BOOKINGS).values(
                id=n, slot_day=day, slot_at=slot, length_min=30, service="V",
                customer_hash=f"{n:064x}", customer_kind="card",
                customer_masked="6222 **** **** 0128", name_masked="", tier="regular",
                purpose="other", amount_band="", code=code, state="booked",
                booked_by="M001 张经理", booked_at=booked_at, note=""))
            conn.execute(sa.insert(_EVENTS).values(
                id=n, at=booked_at, kind="booking_made",
                payload={"booking": n, "code": code, "service": "V", "state": "booked"}))
            conn.execute(sa.insert(_AUDIT).values(
                at=booked_at, actor="M001 张经理", action="book", reason="booked", event_id=n,
                details={"staff_no": "M001", "before": {},
                         "after": {"code": code, "service": "V"}, "booking": n}))
        conn.execute(sa.insert(_EVENTS).values(id=9, at=booked_at, kind="issued",
                                               payload={"number": "V001", "code": "keep"}))
        conn.execute(sa.text("INSERT INTO branch_state (id, last_event_id, notice_zh, "
                             "notice_en) VALUES (1, 9, '', '')"))
    return db


def _on_disk(url: str) -> bytes:
    path = Path(sa.make_url(url).database or "")
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


def test_clear_codes_are_hashed_in_place_and_still_check_in(
        db_url: str, settings: Settings, clock: FakeClock) -> None:
    db = _branch_at_0003(db_url)
    if db.sqlite:
        assert b"204617" in _on_disk(db_url)  # the old version's file holds it
    try:
        assert db.upgrade(settings.hash_secret) == "0004"
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("bookings")}
            hashes = dict(conn.execute(sa.text("SELECT id, code_hash FROM bookings")).all())
            payloads = dict(conn.execute(sa.select(_EVENTS.c.id, _EVENTS.c.payload)).all())
            details = conn.execute(sa.select(_AUDIT.c.details)).scalars().all()
            rows = [str(tuple(r)) for t in ("bookings", "events", "audit")
                    for r in conn.execute(sa.text(f"SELECT * FROM {t}"))]  # noqa: S608
    finally:
        db.dispose()
    assert "code" not in columns and "code_hash" in columns
    assert hashes == {n: booking_code_hash(day, code, settings.hash_secret)
                      for n, (code, day, _hour) in enumerate(OLD, start=1)}
    assert all("code" not in payloads[n] for n in (1, 2, 3))
    assert payloads[9] == {"number": "V001", "code": "keep"}  # not a booking's event
    assert all("code" not in d["after"] and d["booking"] for d in details)
    assert not any(code in row for row in rows for code, _day, _hour in OLD)
    if db.sqlite:
        on_disk = _on_disk(db_url)
        assert b"204617" not in on_disk and b"731902" not in on_disk
    queue = QueueService(Database(db_url), settings, clock)
    try:
        queue.prepare()
        got = queue.appointments.check_in(code="204617", station="KIOSK-1")
        assert got.booking.id == 1 and got.kind == "booked"
        assert queue.appointments.by_code("731902", TOMORROW).id == 3
        assert queue.appointments.check_in(code="731902", station="KIOSK-1").booking.id == 2
    finally:
        queue.db.dispose()


def test_without_the_branch_secret_the_migration_stops_and_changes_nothing(
        db_url: str) -> None:
    db = _branch_at_0003(db_url)
    try:
        with pytest.raises(KioskError, match="needs the branch's hash secret"):
            db.upgrade()
        assert db.current_revision() == "0003"
        with db.engine.connect() as conn:
            codes = conn.execute(sa.text("SELECT code FROM bookings ORDER BY id")).scalars()
            assert list(codes) == [code for code, _day, _hour in OLD]
    finally:
        db.dispose()
