"""Bookings in the branch database, on SQLite and PostgreSQL: booked by a logged-in staff
member (audited), checked in by card or code, capacity and lead time held."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from kiosk.identity import identify
from kiosk.queue import models as m
from kiosk.queue.booking_rules import BookingRefused
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor, AuthError
from tests.conftest import FakeClock
from tests.support.identifiers import CARD, card

TODAY = date(2026, 11, 24)  # the FakeClock's day (10:00)
TOMORROW = date(2026, 11, 25)
GOLD_CARD = "6228483000000030004"  # 欧阳建国, 黄金 in the example directory


def _directory(queue: QueueService) -> None:
    from kiosk.queue.customers import import_csv
    from tests.conftest import ROOT

    with queue.db.begin() as s:
        import_csv(s, ROOT / "config" / "customers-example.csv", queue.settings.hash_secret,
                   queue.settings.tiers, queue.now())


def _id(queue: QueueService, number: str = CARD):
    return identify(number, queue.settings.hash_secret)


def test_book_takes_the_tier_from_the_directory_and_audits(queue: QueueService,
                                                           manager: Actor) -> None:
    _directory(queue)
    b = queue.appointments.book("V", _id(queue, GOLD_CARD), TODAY, time(10, 30),
                                purpose="consultation", actor=manager)
    assert (b.tier, b.name_masked, b.state) == ("gold", "欧**国", "booked")
    assert b.customer_masked == "6228 **** **** 0004" and len(b.code) == 6
    assert b.booked_by == "M001 张经理"
    log = queue.audit_log()
    assert log[0].action == "book" and log[0].actor == "M001 张经理"
    assert [e.kind for e in queue.events_since(0)][-1] == "booking_made"


def test_nobody_books_without_a_login(queue: QueueService) -> None:
    with pytest.raises(AuthError):
        queue.appointments.book("V", _id(queue), TODAY, time(10, 30), purpose="other",
                                actor=None)


def test_capacity_holds_and_cancelled_bookings_free_the_slot(queue: QueueService,
                                                             manager: Actor) -> None:
    book = queue.appointments.book
    first = book("V", _id(queue, card("6222001")), TODAY, time(11, 0), purpose="other",
                 actor=manager)
    book("V", _id(queue, card("6222002")), TODAY, time(11, 0), purpose="other", actor=manager)
    with pytest.raises(BookingRefused, match="is full"):
        book("V", _id(queue, card("6222003")), TODAY, time(11, 0), purpose="other",
             actor=manager)
    queue.appointments.cancel(first.id, actor=manager, reason="customer rang")
    third = book("V", _id(queue, card("6222003")), TODAY, time(11, 0), purpose="other",
                 actor=manager)
    assert len(queue.appointments.day(TODAY)) == 3
    assert queue.appointments.by_code(third.code).id == third.id


def test_large_cash_needs_the_day_before(queue: QueueService, manager: Actor) -> None:
    with pytest.raises(BookingRefused, match="at least 1 day ahead"):
        queue.appointments.book("A", _id(queue), TODAY, time(14, 0), purpose="large_cash",
                                amount_band="200k-500k", actor=manager)
    b = queue.appointments.book("A", _id(queue), TOMORROW, time(14, 0),
                                purpose="large_cash", amount_band="200k-500k", actor=manager)
    assert (b.purpose, b.amount_band) == ("large_cash", "200k-500k")


def test_check_in_early_by_code_is_a_booked_number_that_waits_from_its_slot(
        queue: QueueService, manager: Actor, clock: FakeClock) -> None:
    b = queue.appointments.book("V", _id(queue), TODAY, time(10, 30), purpose="consultation",
                                actor=manager)
    clock.advance(minutes=5)
    got = queue.appointments.check_in(code=b.code, station="KIOSK-1")
    assert (got.kind, got.arrival) == ("booked", "early")
    assert got.ticket.number == "V001"
    assert got.ticket.booked_slot_at is not None and got.ticket.booked_slot_at.hour == 10
    assert got.booking.state == "checked_in" and not got.booking.late
    with queue.db.read() as s:
        t = s.get(m.Ticket, got.ticket.id)
        assert t is not None and t.rank_at == t.booked_slot_at  # not gaining before its time
    again = queue.appointments.check_in(identity=_id(queue))
    assert again.kind == "reprint" and again.ticket.id == got.ticket.id


def test_check_in_in_grace_and_late(queue: QueueService, manager: Actor,
                                    clock: FakeClock) -> None:
    one = queue.appointments.book("V", _id(queue, card("6222011")), TODAY, time(10, 30),
                                  purpose="other", actor=manager)
    two = queue.appointments.book("V", _id(queue, card("6222012")), TODAY, time(10, 30),
                                  purpose="other", actor=manager)
    clock.advance(minutes=38)  # 10:38, within the 10-minute grace
    got = queue.appointments.check_in(code=one.code)
    assert (got.kind, got.arrival) == ("booked", "in_grace") and got.booking.late
    clock.advance(minutes=5)  # 10:43: too late
    late = queue.appointments.check_in(code=two.code)
    assert late.kind == "late" and late.ticket.booked_slot_at is None
    assert late.booking.state == "missed"


def test_wrong_code_other_day_and_cancelled(queue: QueueService, manager: Actor) -> None:
    """Another day's code is as unknown today as a wrong one: a code is its day's."""
    tomorrow = queue.appointments.book("V", _id(queue, card("6222021")), TOMORROW,
                                       time(10, 0), purpose="other", actor=manager)
    today = queue.appointments.book("V", _id(queue, card("6222022")), TODAY, time(11, 0),
                                    purpose="other", actor=manager)
    queue.appointments.cancel(today.id, actor=manager, reason="customer rang")
    codes = {tomorrow.code, today.code}
    wrong = next(c for c in ("123456", "654321", "111111") if c not in codes)
    for code, why in ((wrong, "not_found"), (tomorrow.code, "not_found"),
                      (today.code, "cancelled")):
        with pytest.raises(BookingRefused) as exc:
            queue.appointments.check_in(code=code)
        assert exc.value.code == why
    assert not any(t.number.startswith("V") for t in queue.waiting())


def test_move_and_served_when_the_ticket_is_finished(queue: QueueService, manager: Actor,
                                                     clock: FakeClock) -> None:
    b = queue.appointments.book("V", _id(queue), TODAY, time(10, 30), purpose="other",
                                actor=manager)
    moved = queue.appointments.move(b.id, TODAY, time(11, 0), actor=manager,
                                    reason="customer asked")
    assert moved.slot_at.time() == time(11, 0)
    assert moved.code == "******"  # within its day the code stays: not shown again
    assert queue.audit_log()[0].action == "move_booking"
    got = queue.appointments.check_in(code=b.code)
    queue.open_counter(6)
    called = queue.call_next(6)
    assert called is not None and called.id == got.ticket.id
    queue.finish(called.id)
    assert queue.appointments.by_code(b.code).state == "served"


def test_a_booking_not_checked_in_by_the_end_of_grace_reads_missed(
        queue: QueueService, manager: Actor, clock: FakeClock) -> None:
    queue.appointments.book("V", _id(queue), TODAY, time(10, 30), purpose="other",
                            actor=manager)
    clock.advance(minutes=41)
    assert [b.state for b in queue.appointments.day()] == ["missed"]


def test_import_keeps_good_rows_and_reports_bad_ones_by_line(
        queue: QueueService, manager: Actor, tmp_path: Path) -> None:
    path = tmp_path / "bookings.csv"
    path.write_text(
        "证件号码,业务,日期,时间,目的,金额\n"
        f"{card('6222031')},V,2026-11-24,14:00,理财咨询,\n"  # line 2: good
        "6222021234567890121,V,2026-11-24,14:00,consultation,\n"  # 3: bad check digit
        f"{card('6222032')},A,2026-11-24,15:00,大额取现,200k-500k\n"  # 4: too late to book
        f"{card('6222033')},A,2026-11-25,15:00,大额取现,200k-500k\n"  # 5: good
        f"{card('6222034')},V,2026-11-24,25:00,other,\n"  # 6: not a time
        f"{card('6222035')},B,2026-11-24,14:00,other,\n", encoding="utf-8")  # 7: no bookings
    report = queue.appointments.import_csv(path, actor=manager)
    assert len(report.booked) == 2
    assert [b.line for b in report.bad] == [3, 4, 6, 7]
    assert "day ahead" in report.bad[1].message and "takes no bookings" in report.bad[3].message


def test_the_days_figures_count_bookings_by_service(queue: QueueService, manager: Actor,
                                                    clock: FakeClock) -> None:
    from kiosk.report.export import branch_tables

    b = queue.appointments.book("V", _id(queue, card("6222071")), TODAY, time(10, 30),
                                purpose="other", actor=manager)
    queue.appointments.book("V", _id(queue, card("6222072")), TODAY, time(10, 30),
                            purpose="other", actor=manager)
    clock.advance(minutes=20)
    queue.appointments.check_in(code=b.code)
    queue.open_counter(6)
    clock.advance(minutes=11)  # 10:31: the booked number is due
    queue.call_next(6)
    clock.advance(minutes=30)  # 11:01: the other booking is missed
    figs = queue.figures(TODAY, TODAY)
    v = figs.bookings[0]
    assert (v.key, v.made, v.kept, v.missed, v.punctual, v.punctuality_pct) == (
        "V", 2, 1, 1, 1, 100.0)
    [table] = [t for t in branch_tables(figs) if t.name == "bookings"]
    assert table.rows[-1][:8] == ("all", "合计", "All", 2, 0, 1, 0, 1)


def test_call_next_calls_a_booked_customer_in_grace_before_a_walk_in(
        queue: QueueService, manager: Actor, clock: FakeClock) -> None:
    b = queue.appointments.book("A", _id(queue, card("6222081")), TOMORROW, time(10, 30),
                                purpose="large_cash", amount_band="50k-200k", actor=manager)
    clock.advance(days=1, minutes=20)  # 10:20 the next day
    walk_ins = [queue.issue("A") for _ in range(3)]
    clock.advance(minutes=12)  # 10:32: in grace
    got = queue.appointments.check_in(code=b.code)
    assert got.kind == "booked"
    queue.open_counter(1)
    assert queue.ticket(got.ticket.id).ahead == 0  # the forecast knows it goes first
    called = queue.call_next(1)
    assert called is not None and called.id == got.ticket.id
    queue.finish(called.id)
    nxt = queue.call_next(1)
    assert nxt is not None and nxt.id == walk_ins[0].id


def test_walk_ins_waits_count_the_booked_customers_still_to_come(
        queue: QueueService, clock: FakeClock, manager: Actor) -> None:
    """A booking at 10:10 at the only counter serving V: a walk-in taking a V number at
    10:00 behind one other is told a longer wait than without it (the booked customer
    is due at 10:10, ahead of them); cancelled, it no longer counts."""
    queue.open_counter(6)  # the green channel: V first
    queue.issue("V")
    clock.advance(5)

    def wait_for_v() -> float:
        [v] = [s for s in queue.service_summary() if s.service == "V"]
        assert v.estimated_wait_s is not None
        return v.estimated_wait_s

    without = wait_for_v()
    b = queue.appointments.book("V", _id(queue, card("6222009")), TODAY, time(10, 10),
                                purpose="other", actor=manager)
    mean_v = next(s.mean_service_s for s in queue.service_summary() if s.service == "V")
    assert wait_for_v() == without + mean_v  # one booked customer served first
    queue.appointments.cancel(b.id, actor=manager, reason="customer rang")
    assert wait_for_v() == without
