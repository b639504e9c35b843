"""Bookings against misuse, on SQLite and PostgreSQL: one open number per customer and
service, capacity held by every booking that overlaps a slot, one booking of a customer
at a time, and a kiosk that does not let booking codes be tried one after another."""

from __future__ import annotations

from datetime import date, time

import pytest

from kiosk.identity import identify
from kiosk.queue.appointments import MAX_IMPORT_LINES
from kiosk.queue.booking_rules import BookingRefused
from kiosk.queue.customers import CustomerImportError
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from tests.conftest import FakeClock
from tests.support.identifiers import CARD, card

TODAY = date(2026, 11, 24)  # the FakeClock's day (10:00)


def _id(queue: QueueService, number: str = CARD):
    return identify(number, queue.settings.hash_secret)


def _open_tickets(queue: QueueService, service: str) -> list[str]:
    return [t.number for t in queue.waiting() if t.number.startswith(service)]


def test_a_walk_in_number_and_then_the_booking_make_one_number(
        queue: QueueService, manager: Actor, clock: FakeClock) -> None:
    b = queue.appointments.book("V", _id(queue), TODAY, time(10, 30), purpose="consultation",
                                actor=manager)
    walk_in = queue.issue("V", _id(queue), station="KIOSK-1")
    clock.advance(minutes=5)
    got = queue.appointments.check_in(code=b.code, station="KIOSK-1")
    assert got.ticket.id == walk_in.id  # the number the customer holds, now booked
    assert got.ticket.booked_slot_at is not None and got.booking.state == "checked_in"
    assert _open_tickets(queue, "V") == [walk_in.number]
    again = queue.appointments.check_in(identity=_id(queue))
    assert again.kind == "reprint" and again.ticket.id == walk_in.id


def test_a_late_booking_with_a_walk_in_number_reprints_that_number(
        queue: QueueService, manager: Actor, clock: FakeClock) -> None:
    b = queue.appointments.book("V", _id(queue), TODAY, time(10, 30), purpose="other",
                                actor=manager)
    clock.advance(minutes=50)  # 10:50: past the grace window
    walk_in = queue.issue("V", _id(queue), station="KIOSK-1")
    got = queue.appointments.check_in(code=b.code, station="KIOSK-1")
    assert got.ticket.id == walk_in.id and got.ticket.booked_slot_at is None
    assert _open_tickets(queue, "V") == [walk_in.number]


def test_capacity_counts_a_longer_booking_that_began_earlier(queue: QueueService,
                                                             manager: Actor) -> None:
    book = queue.appointments.book
    book("A", _id(queue, card("6222101")), date(2026, 11, 25), time(10, 0), purpose="other",
         length_min=60, actor=manager)  # A holds one booking a slot: 10:00-11:00 taken
    with pytest.raises(BookingRefused, match="is full"):
        book("A", _id(queue, card("6222102")), date(2026, 11, 25), time(10, 30),
             purpose="other", actor=manager)
    with pytest.raises(BookingRefused, match="is full"):
        book("A", _id(queue, card("6222103")), date(2026, 11, 25), time(10, 15),
             purpose="other", actor=manager)
    book("A", _id(queue, card("6222104")), date(2026, 11, 25), time(11, 0), purpose="other",
         actor=manager)  # the hour is over: free


def test_a_customer_is_not_booked_twice_into_the_same_time(queue: QueueService,
                                                          manager: Actor) -> None:
    book = queue.appointments.book
    book("V", _id(queue), TODAY, time(11, 0), purpose="other", actor=manager)
    with pytest.raises(BookingRefused, match="already booked"):
        book("V", _id(queue), TODAY, time(11, 0), purpose="other", actor=manager)
    with pytest.raises(BookingRefused, match="already booked"):
        book("V", _id(queue), TODAY, time(11, 15), purpose="other", actor=manager)
    assert len([b for b in queue.appointments.day(TODAY) if b.state == "booked"]) == 1
    book("V", _id(queue), TODAY, time(14, 0), purpose="other", actor=manager)  # later: fine


def test_a_row_sent_twice_in_the_export_is_booked_once(queue: QueueService, manager: Actor,
                                                       tmp_path) -> None:
    path = tmp_path / "bookings.csv"
    row = f"{card('6222111')},V,2026-11-24,14:00,consultation\n"
    path.write_text("identifier,service,date,time,purpose\n" + row + row, encoding="utf-8")
    report = queue.appointments.import_csv(path, actor=manager)
    assert len(report.booked) == 1
    assert [b.line for b in report.bad] == [3] and "already booked" in report.bad[0].message


def test_codes_tried_one_after_another_lock_code_entry_at_that_kiosk(
        queue: QueueService, manager: Actor, clock: FakeClock) -> None:
    b = queue.appointments.book("V", _id(queue), TODAY, time(10, 30), purpose="other",
                                actor=manager)
    wrong = [c for c in (f"{n:06d}" for n in range(100000, 100020)) if c != b.code]
    refusals = []
    for code in wrong[:8]:
        with pytest.raises(BookingRefused) as exc:
            queue.appointments.check_in(code=code, station="KIOSK-1")
        refusals.append(exc.value.code)
    assert refusals[:5] == ["not_found"] * 5 and set(refusals[5:]) == {"locked"}
    with pytest.raises(BookingRefused) as exc:  # even the right code, while locked
        queue.appointments.check_in(code=b.code, station="KIOSK-1")
    assert exc.value.code == "locked"
    other = queue.appointments.check_in(code=b.code, station="KIOSK-2")  # another kiosk
    assert other.kind == "booked"
    card_in = queue.appointments.check_in(identity=_id(queue), station="KIOSK-1")
    assert card_in.kind == "reprint"  # a card still works at the locked kiosk
    clock.advance(minutes=16)  # the lock is over
    assert queue.appointments.check_in(code=b.code, station="KIOSK-1").kind == "reprint"


def test_an_export_far_too_long_for_one_branch_is_refused_whole(
        queue: QueueService, manager: Actor, tmp_path) -> None:
    path = tmp_path / "bookings.csv"
    row = f"{card('6222121')},V,2026-11-25,10:00,other\n"
    path.write_text("identifier,service,date,time,purpose\n" + row * (MAX_IMPORT_LINES + 1),
                    encoding="utf-8")
    with pytest.raises(CustomerImportError, match="more than 20,000 lines"):
        queue.appointments.import_csv(path, actor=manager)
    assert queue.appointments.day(date(2026, 11, 25)) == []


def test_a_shifted_column_does_not_put_a_card_number_into_the_report(
        queue: QueueService, manager: Actor, tmp_path) -> None:
    number, rid = card("6222131"), "11010519491231002X"
    path = tmp_path / "bookings.csv"
    path.write_text("identifier,service,date,time,purpose\n"
                    f"{number},V,{number},10:00,other\n"  # the card again in the date
                    f"{number},{rid},2026-11-25,10:00,other\n"  # the ID in the service
                    f"{number},V,2026-11-25,{number},{rid}\n", encoding="utf-8")
    report = queue.appointments.import_csv(path, actor=manager)
    assert [b.line for b in report.bad] == [2, 3, 4]
    for bad in report.bad:
        assert number not in bad.message and rid not in bad.message.upper()
        assert "not shown" in bad.message


def test_a_large_cash_booking_moves_within_its_day(queue: QueueService, manager: Actor,
                                                   clock: FakeClock) -> None:
    b = queue.appointments.book("A", _id(queue), date(2026, 11, 25), time(14, 0),
                                purpose="large_cash", amount_band="200k-500k", actor=manager)
    clock.advance(days=1)  # the day itself: the cash is at the branch
    moved = queue.appointments.move(b.id, date(2026, 11, 25), time(15, 0), actor=manager,
                                    reason="customer rang: later")
    assert moved.slot_at.hour == 15 and moved.code == "******"  # the code stays
    assert queue.appointments.by_code(b.code, date(2026, 11, 25)).id == b.id
    with pytest.raises(BookingRefused, match="at least 1 day ahead"):  # a new one: not
        queue.appointments.book("A", _id(queue, card("6222141")), date(2026, 11, 25),
                                time(16, 0), purpose="large_cash", amount_band="50k-200k",
                                actor=manager)


def test_a_slot_at_the_counters_lunch_takes_fewer_bookings_and_names_the_next_free_one(
        queue: QueueService, manager: Actor) -> None:
    book = queue.appointments.book
    # cash holds one booking a slot; at 12:00 counters 1 and 2 are at lunch in turn
    with pytest.raises(BookingRefused, match="during a break .*the next free slot is "
                       "14:00") as exc:
        book("A", _id(queue), TODAY, time(12, 0), purpose="other", actor=manager)
    assert exc.value.code == "break" and exc.value.next_free == time(14, 0)
    assert queue.appointments.day(TODAY) == []
    book("V", _id(queue), TODAY, time(12, 0), purpose="other", actor=manager)  # no break
    # a move into the lunch is refused the same way, and the booking stays where it was
    b = book("C", _id(queue, card("6222111")), TODAY, time(11, 0), purpose="other",
             actor=manager)
    with pytest.raises(BookingRefused, match="the next free slot is 13:00"):
        queue.appointments.move(b.id, TODAY, time(11, 30), actor=manager, reason="asked")
    assert queue.appointments.by_code(b.code).slot_at.time() == time(11, 0)
    moved = queue.appointments.move(b.id, TODAY, time(13, 0), actor=manager, reason="asked")
    assert moved.slot_at.time() == time(13, 0)
