"""Booking codes as credentials, on SQLite and PostgreSQL: kept only as keyed hashes (no
table, event or audit row holds one in clear), shown once by what made them (a booking, a
move to another day, a re-issue), unique within their day; a re-issue retires the old
code; a kiosk's rest after refused codes is in the database, so a restart keeps it."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import date, time

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from kiosk.config import Settings
from kiosk.errors import NotFound, QueueError
from kiosk.identity import booking_code_hash, identify
from kiosk.queue import booking_rules as br
from kiosk.queue import models as m
from kiosk.queue.appointments import HIDDEN_CODE, BookingView
from kiosk.queue.booking_rules import BookingRefused
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor, AuthError
from tests.conftest import EXAMPLE_CONFIG, FakeClock
from tests.support.identifiers import card

TODAY, TOMORROW = date(2026, 11, 24), date(2026, 11, 25)  # the FakeClock's day (10:00)


def _book(queue: QueueService, actor: Actor, n: int, day: date = TODAY,
          at: time = time(11, 0)) -> BookingView:
    identity = identify(card(f"62220{n:02d}9"), queue.settings.hash_secret)
    return queue.appointments.book("V", identity, day, at, purpose="other", actor=actor)


def _all_text(queue: QueueService) -> str:
    """Every row of the bookings, events, audit and code_refusals tables, as text."""
    with queue.db.read() as s:
        rows = [str(tuple(r)) for table in ("bookings", "events", "audit", "code_refusals")
                for r in s.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608 - fixed names
    return "\n".join(rows)


def test_no_table_event_or_audit_row_holds_a_code_in_clear(
        queue: QueueService, manager: Actor, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    shown = []
    a = _book(queue, manager, 1)
    b = _book(queue, manager, 2, at=time(11, 30))
    c = _book(queue, manager, 3, at=time(14, 0))
    shown += [a.code, b.code, c.code]
    shown.append(queue.appointments.move(b.id, TOMORROW, time(10, 0), actor=manager,
                                         reason="customer asked").code)
    shown.append(queue.appointments.reissue_code(c.id, actor=manager,
                                                 reason="lost the slip").code)
    queue.appointments.cancel(a.id, actor=manager, reason="customer rang")
    queue.appointments.check_in(code=shown[-1], station="KIOSK-1")
    with pytest.raises(BookingRefused):
        queue.appointments.check_in(code=a.code, station="KIOSK-1")  # cancelled
    assert all(br.is_code(code) for code in shown) and len(set(shown)) == 5
    everything = _all_text(queue)
    assert "booking_made" in everything and "reissue_code" in everything  # read them all
    for code in shown:
        assert code not in everything
        assert code not in caplog.text
    with queue.db.read() as s:
        stored = dict(s.execute(select(m.Booking.id, m.Booking.code_hash)).all())
    secret = queue.settings.hash_secret
    assert stored[b.id] == booking_code_hash(TOMORROW, shown[3], secret)
    assert stored[c.id] == booking_code_hash(TODAY, shown[4], secret)


def test_lists_and_look_ups_show_the_code_masked(queue: QueueService, manager: Actor) -> None:
    b = _book(queue, manager, 1)
    assert br.is_code(b.code)  # what book returns: shown this once
    assert [v.code for v in queue.appointments.day(TODAY)] == [HIDDEN_CODE]
    assert queue.appointments.by_code(b.code).code == HIDDEN_CODE
    assert queue.appointments.get(b.id).code == HIDDEN_CODE
    got = queue.appointments.check_in(code=b.code, station="KIOSK-1")
    assert got.booking.code == HIDDEN_CODE


def test_a_move_to_another_day_gives_a_new_code_and_the_old_one_stops(
        queue: QueueService, manager: Actor, clock: FakeClock) -> None:
    b = _book(queue, manager, 1)
    moved = queue.appointments.move(b.id, TOMORROW, time(10, 0), actor=manager,
                                    reason="customer asked")
    assert br.is_code(moved.code)
    with pytest.raises(NotFound):
        queue.appointments.by_code(b.code, TOMORROW)
    assert queue.appointments.by_code(moved.code, TOMORROW).id == b.id
    log = queue.audit_log()[0]
    assert log.action == "move_booking" and log.details["new_code"] is True
    clock.advance(days=1, minutes=-15)  # 09:45 the next day
    with pytest.raises(BookingRefused):
        queue.appointments.check_in(code=b.code, station="KIOSK-1")
    assert queue.appointments.check_in(code=moved.code, station="KIOSK-1").kind == "booked"


def test_a_reissued_code_retires_the_old_one_and_is_audited_with_its_reason(
        queue: QueueService, manager: Actor, teller: Actor) -> None:
    b = _book(queue, manager, 1)
    with pytest.raises(QueueError, match="needs a reason"):
        queue.appointments.reissue_code(b.id, actor=teller, reason=" ")
    with pytest.raises(AuthError):
        queue.appointments.reissue_code(b.id, actor=None, reason="lost")
    new = queue.appointments.reissue_code(b.id, actor=teller, reason="客户遗失预约码")
    assert br.is_code(new.code) and new.code != b.code and new.id == b.id
    log = queue.audit_log()[0]
    assert (log.action, log.actor, log.reason) == ("reissue_code", "T002 李柜员", "客户遗失预约码")
    assert [e.kind for e in queue.events_since(0)][-1] == "booking_code_reissued"
    with pytest.raises(BookingRefused) as refused:
        queue.appointments.check_in(code=b.code, station="KIOSK-1")
    assert refused.value.code == "not_found"
    assert queue.appointments.check_in(code=new.code, station="KIOSK-1").kind == "booked"
    with pytest.raises(BookingRefused, match="only a booking still to be checked in"):
        queue.appointments.reissue_code(b.id, actor=teller, reason="again")


def test_the_same_code_on_two_days_does_not_collide_and_one_day_holds_it_once(
        queue: QueueService, manager: Actor) -> None:
    book = queue.appointments.book
    secret = queue.settings.hash_secret
    for n, day in ((1, TODAY), (2, TOMORROW)):
        book("V", identify(card(f"62221{n}"), secret), day, time(11, 0), purpose="other",
             actor=manager, code="731902")
    assert queue.appointments.by_code("731902", TODAY).day == TODAY
    assert queue.appointments.by_code("731902", TOMORROW).day == TOMORROW
    with pytest.raises(BookingRefused, match="another booking's on 2026-11-24") as exc:
        book("V", identify(card("622213"), secret), TODAY, time(14, 0), purpose="other",
             actor=manager, code="731902")
    assert exc.value.code == "code_taken"
    with queue.db.begin() as s:  # the database itself holds one code a day
        row = s.scalars(select(m.Booking).where(m.Booking.slot_day == TODAY)).one()
        copy = {c.name: getattr(row, c.name) for c in m.Booking.__table__.columns
                if c.name != "id"}
        s.add(m.Booking(**{**copy, "customer_hash": "0" * 64}))
        with pytest.raises(IntegrityError):
            s.flush()
        s.rollback()


def _refuse(queue: QueueService, station: str, n: int) -> list[str]:
    out = []
    for i in range(n):
        with pytest.raises(BookingRefused) as exc:
            queue.appointments.check_in(code=f"{900000 + i:06d}", station=station)
        out.append(exc.value.code)
    return out


def test_the_rest_after_five_refused_codes_holds_on_a_new_service(
        queue: QueueService, manager: Actor, clock: FakeClock, db_url: str,
        settings: Settings) -> None:
    b = _book(queue, manager, 1)
    assert _refuse(queue, "KIOSK-1", 5) == ["not_found"] * 5
    restarted = QueueService(Database(db_url), settings, clock)  # the kiosk, restarted
    try:
        restarted.prepare()
        with pytest.raises(BookingRefused) as exc:
            restarted.appointments.check_in(code=b.code, station="KIOSK-1")
        assert exc.value.code == "locked"
        other = restarted.appointments.check_in(code=b.code, station="KIOSK-2")
        assert other.kind == "booked"  # another kiosk's refusals are its own
        clock.advance(minutes=15)
        assert restarted.appointments.check_in(code=b.code, station="KIOSK-1").kind \
            == "reprint"
    finally:
        restarted.db.dispose()


def test_refusals_older_than_the_rule_looks_back_are_pruned(
        queue: QueueService, clock: FakeClock) -> None:
    _refuse(queue, "KIOSK-1", 3)
    _refuse(queue, "KIOSK-2", 2)
    clock.advance(seconds=br.REFUSALS_KEPT.total_seconds() + 60)
    _refuse(queue, "KIOSK-3", 1)
    with queue.db.read() as s:
        assert s.scalars(select(m.CodeRefusal.station)).all() == ["KIOSK-3"]
        assert s.scalar(select(func.count()).select_from(m.CodeRefusal)) == 1


# A kiosk in a process of its own (another PC, or the same one restarted) typing codes.
_KIOSK = """
import sys
from datetime import datetime
from kiosk.config import load_settings
from kiosk.queue.booking_rules import BookingRefused
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
q = QueueService(Database(sys.argv[1]), load_settings(sys.argv[2], environ={}),
                 lambda: datetime(2026, 11, 24, 10, 0))
for code in sys.argv[4:]:
    try:
        print(q.appointments.check_in(code=code, station=sys.argv[3]).kind)
    except BookingRefused as exc:
        print(exc.code)
"""


def _kiosk(db_url: str, station: str, *codes: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", _KIOSK, db_url, str(EXAMPLE_CONFIG), station,
                           *codes], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


@pytest.mark.slow
def test_the_rest_holds_across_kiosk_processes(queue: QueueService, manager: Actor,
                                               db_url: str) -> None:
    b = _book(queue, manager, 1)
    assert _kiosk(db_url, "KIOSK-1", "900001", "900002", "900003") == ["not_found"] * 3
    assert _refuse(queue, "KIOSK-1", 2) == ["not_found"] * 2  # the fifth, in this process
    assert _kiosk(db_url, "KIOSK-1", b.code) == ["locked"]  # restarted: still resting
    assert _kiosk(db_url, "KIOSK-2", b.code) == ["booked"]


def test_a_code_is_six_digits_when_the_booking_system_gives_one(
        queue: QueueService, manager: Actor) -> None:
    identity = identify(card("622231"), queue.settings.hash_secret)
    with pytest.raises(QueueError, match="six digits"):
        queue.appointments.book("V", identity, TODAY, time(11, 0), purpose="other",
                                actor=manager, code="73190")
    b = queue.appointments.book("V", identity, TODAY, time(11, 0), purpose="other",
                                actor=manager, code="７３１９０２")  # typed full-width
    assert b.code == HIDDEN_CODE  # the customer has it from the booking system
    assert queue.appointments.check_in(code="731902", station="KIOSK-1").booking.id == b.id
