"""The console's Appointments tab without Qt: who is due, late, missed; the day's counts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from kiosk.config import Settings
from kiosk.queue.appointments import BookingView
from kiosk.queue.views import FeedEvent
from kiosk.ui.console_bookings import BookingsBoard, row_status

SLOT = datetime(2026, 11, 24, 10, 30)


def booking(state: str, checked_in_at: datetime | None = None, code: str = "123456",
            slot: datetime = SLOT) -> BookingView:
    return BookingView(
        id=int(code), code=code, day=date(2026, 11, 24), slot_at=slot, length_min=30,
        service="V", service_name_zh="贵宾理财", service_name_en="VIP wealth management",
        customer_masked="6222 **** **** 0128", name_masked="王*明", tier="gold",
        tier_name_zh="黄金", tier_name_en="Gold", purpose="consultation", amount_band="",
        state=state, booked_by="M001 张经理", booked_at=datetime(2026, 11, 23, 9, 0),
        checked_in_at=checked_in_at, ticket_id=None)


def test_status_follows_the_clock_and_the_check_in() -> None:
    assert row_status(booking("booked"), datetime(2026, 11, 24, 10, 0), 10) == "booked"
    assert row_status(booking("booked"), datetime(2026, 11, 24, 10, 35), 10) == "due"
    assert row_status(booking("booked"), datetime(2026, 11, 24, 10, 41), 10) == "missed"
    late = booking("checked_in", datetime(2026, 11, 24, 10, 36))
    assert row_status(late, datetime(2026, 11, 24, 10, 40), 10) == "late"
    early = booking("checked_in", datetime(2026, 11, 24, 10, 20))
    assert row_status(early, datetime(2026, 11, 24, 10, 40), 10) == "checked_in"


def test_counts_of_the_day(settings: Settings) -> None:
    board = BookingsBoard(None, settings, lambda: None)  # type: ignore[arg-type]
    board.load([booking("checked_in", datetime(2026, 11, 24, 10, 20), "000001"),
                booking("checked_in", datetime(2026, 11, 24, 10, 36), "000002"),
                booking("booked", code="000003"),
                booking("booked", code="000004", slot=datetime(2026, 11, 24, 10, 0)),
                booking("cancelled", code="000005")], datetime(2026, 11, 24, 10, 40))
    c = board.counts()
    assert (c.booked, c.checked_in, c.late, c.missed) == (4, 2, 2, 1)


def test_booking_events_wake_the_tab(settings: Settings) -> None:
    def event(kind: str) -> FeedEvent:
        return FeedEvent(1, datetime(2026, 11, 24, 10, 0), kind, None, None, {})

    assert BookingsBoard.wants([event("issued"), event("booking_made")])
    assert not BookingsBoard.wants([event("issued"), event("notice")])


def test_slot_times_follow_the_service_hours(settings: Settings) -> None:
    board = BookingsBoard(None, settings, lambda: None)  # type: ignore[arg-type]
    times = board.slot_times("V")
    assert times[0] == "09:00" and times[-1] == "16:30" and "10:30" in times
    assert board.bookable_services() == ["A", "C", "V"]


def test_the_form_offers_no_slot_whose_counters_are_all_taken_by_their_break(
        settings: Settings) -> None:
    board = BookingsBoard(None, settings, lambda: None)  # type: ignore[arg-type]
    cash = board.slot_times("A")  # one booking a slot; a cash counter at lunch 11:30-13:45
    assert "11:00" in cash and "14:00" in cash
    assert not {"11:30", "12:00", "12:30", "13:00", "13:30"} & set(cash)
    assert {"11:30", "12:00", "13:30"} <= set(board.slot_times("V"))  # counter 6: no break
    two = replace(settings, appointments=replace(settings.appointments, capacity={"A": 2}))
    assert "12:00" in BookingsBoard(None, two, lambda: None).slot_times("A")  # one of two
    off = replace(settings, appointments=replace(settings.appointments, follow_breaks=False))
    assert "12:00" in BookingsBoard(None, off, lambda: None).slot_times("A")
