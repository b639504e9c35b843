"""Bookings in the branch's busiest hours, on SQLite and PostgreSQL: a slot whose expected
load is above appointments.busy_above holds only busy_share of its capacity, and a
booking, a move or an import row beyond that is refused with the next free slot."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time
from pathlib import Path

import pytest

from kiosk.config import Settings, load_settings
from kiosk.identity import identify
from kiosk.queue.booking_rules import BookingRefused
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from tests.conftest import EXAMPLE_CONFIG
from tests.support.identifiers import CARD, card

DAY = date(2026, 11, 25)  # the day after the FakeClock's


@pytest.fixture
def settings() -> Settings:
    """The example branch taking two cash bookings a slot, with the busy day's expected
    load: 10:00-11:00 and 15:00-16:00 above 1.0, where a slot keeps half."""
    s = load_settings(EXAMPLE_CONFIG, environ={})
    return replace(s, appointments=replace(
        s.appointments, capacity={**s.appointments.capacity, "A": 2},
        expected_load={"09:00": 0.70, "10:00": 1.10, "11:00": 0.98, "15:00": 1.05},
        busy_above=1.0, busy_share=0.5))


def _id(queue: QueueService, number: str = CARD):
    return identify(number, queue.settings.hash_secret)


def test_a_busy_slot_takes_half_and_names_the_next_free_one(
        queue: QueueService, manager: Actor) -> None:
    book = queue.appointments.book
    book("A", _id(queue), DAY, time(10, 0), purpose="other", actor=manager)
    book("A", _id(queue, card("6222201")), DAY, time(10, 30), purpose="other", actor=manager)
    with pytest.raises(BookingRefused) as exc:
        book("A", _id(queue, card("6222202")), DAY, time(10, 0), purpose="other",
             actor=manager)
    assert exc.value.code == "busy" and exc.value.next_free == time(11, 0)
    assert str(exc.value) == (
        "The 10:00 slot of service A on 2026-11-25 is in one of the branch's busiest hours "
        "(expected load 110% of the counters at work, above 100%): it takes 1 booking "
        "instead of 2, all taken; the next free slot is 11:00.")
    # an hour below the threshold keeps both places
    book("A", _id(queue, card("6222202")), DAY, time(11, 0), purpose="other", actor=manager)
    book("A", _id(queue, card("6222203")), DAY, time(11, 0), purpose="other", actor=manager)
    assert len(queue.appointments.day(DAY)) == 4


def test_a_move_and_an_import_row_into_a_full_busy_slot_are_refused(
        queue: QueueService, manager: Actor, tmp_path: Path) -> None:
    book = queue.appointments.book
    book("A", _id(queue), DAY, time(15, 0), purpose="other", actor=manager)
    b = book("A", _id(queue, card("6222211")), DAY, time(14, 0), purpose="other",
             actor=manager)
    with pytest.raises(BookingRefused, match="busiest hours .*the next free slot is 15:30"):
        queue.appointments.move(b.id, DAY, time(15, 0), actor=manager, reason="asked")
    assert queue.appointments.get(b.id).slot_at.time() == time(14, 0)  # where it was
    path = tmp_path / "bookings.csv"
    path.write_text("证件号码,业务,日期,时间,目的\n"
                    f"{card('6222212')},A,2026-11-25,15:00,其他\n"
                    f"{card('6222213')},A,2026-11-25,15:30,其他\n", encoding="utf-8")
    report = queue.appointments.import_csv(path, actor=manager)
    assert len(report.booked) == 1 and [r.line for r in report.bad] == [2]
    assert "is in one of the branch's busiest hours" in report.bad[0].message
    assert report.bad[0].message.endswith("the next free slot is 15:30.")
