"""Booked customers at the real kiosk window: a card or the six-digit code finds today's
booking and prints a booked number; a wrong code (another day's is one too) and a
cancelled booking each get one calm message; a second check-in reprints; a late one gets a
walk-in number."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from kiosk.devices.printer import PreviewPrinter
from kiosk.devices.ticket import encode_text
from kiosk.identity import identify
from kiosk.queue.appointments import BookingView
from kiosk.queue.service import QueueService
from kiosk.ui.kiosk_window import KioskWindow
from tests.conftest import FakeClock
from tests.support.identifiers import card
from tests.support.kiosk_ui import click, wait_screen

GOLD_CARD = "6228483000000030004"  # 欧阳建国, gold (customers-example.csv)
GOLD_TRACK2 = f";{GOLD_CARD}=28121010000?"
TODAY, TOMORROW = date(2026, 11, 24), date(2026, 11, 25)


def book(branch: QueueService, number: str = GOLD_CARD, day: date = TODAY,
         at: time = time(10, 30)) -> BookingView:
    actor = branch.login("M001", "2468", role="manager")
    return branch.appointments.book("V", identify(number, branch.settings.hash_secret), day,
                                    at, purpose="consultation", actor=actor)


def swipe(window: KioskWindow, text: str) -> None:
    QTest.keyClicks(window, text)
    QTest.keyClick(window, Qt.Key.Key_Return)


def type_code(qtbot: QtBot, kiosk: KioskWindow, code: str) -> None:
    click(qtbot, kiosk.home.manual_button)
    wait_screen(qtbot, kiosk, "manual")
    for key in code:
        click(qtbot, kiosk.manual.keypad.buttons[key])
    click(qtbot, kiosk.manual.ok)


def test_card_finds_the_booking_and_prints_a_booked_number(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService,
        preview_printer: PreviewPrinter) -> None:
    book(branch)
    swipe(kiosk, GOLD_TRACK2)
    wait_screen(qtbot, kiosk, "result")
    assert kiosk.result.booked.text() == "您预约了 10:30 贵宾理财"
    assert kiosk.result.ahead.text() == "到 10:30 时优先为您叫号，请在大厅稍候"
    number = kiosk.result.number.text()
    assert number == "V001" and encode_text(number) in preview_printer.last_bytes
    assert encode_text("预约 10:30 Booked") in preview_printer.last_bytes
    [ticket] = branch.waiting()
    assert ticket.booked_slot_at is not None and ticket.tier == "gold"
    click(qtbot, kiosk.result.done_button)
    wait_screen(qtbot, kiosk, "home")
    swipe(kiosk, GOLD_TRACK2)  # a second check-in: the same number again
    wait_screen(qtbot, kiosk, "result")
    assert kiosk.result.number.text() == "V001"
    assert kiosk.result.take.text() == "已为您重新打印号票，请取票"
    assert len(branch.waiting()) == 1


def test_code_typed_on_the_keypad_gives_the_number_in_english_too(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService) -> None:
    b = book(branch, card("6222061"))
    type_code(qtbot, kiosk, b.code)
    wait_screen(qtbot, kiosk, "result")
    assert kiosk.result.booked.text() == "您预约了 10:30 贵宾理财"
    kiosk.toggle_language()
    assert kiosk.result.booked.text() == "You booked 10:30 VIP wealth management"
    assert branch.appointments.by_code(b.code).state == "checked_in"


def test_wrong_code_another_days_code_and_a_cancelled_booking_each_get_a_calm_message(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService) -> None:
    other_day = book(branch, card("6222062"), TOMORROW)
    cancelled = book(branch, card("6222063"))
    actor = branch.login("M001", "2468", role="manager")
    branch.appointments.cancel(cancelled.id, actor=actor, reason="customer rang")
    taken = {other_day.code, cancelled.code}
    wrong = next(c for c in ("123456", "654321", "111111") if c not in taken)
    for code, title in ((wrong, "没有找到今天的预约"), (other_day.code, "没有找到今天的预约"),
                        (cancelled.code, "这个预约已取消")):
        type_code(qtbot, kiosk, code)
        wait_screen(qtbot, kiosk, "message")
        assert kiosk.message.title.text() == title
        click(qtbot, kiosk.message.home_button)
        wait_screen(qtbot, kiosk, "home")
    assert branch.waiting() == []


def test_later_than_the_grace_window_is_a_walk_in_number_said_kindly(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService, clock: FakeClock) -> None:
    b = book(branch, card("6222064"))
    clock.advance(minutes=45)  # 10:45: the slot was 10:30, grace 10 minutes
    type_code(qtbot, kiosk, b.code)
    wait_screen(qtbot, kiosk, "result")
    assert kiosk.result.booked.text().startswith("您预约的 10:30 已过时")
    [ticket] = branch.waiting()
    assert ticket.booked_slot_at is None


def test_codes_typed_one_after_another_rest_code_entry_and_a_card_still_checks_in(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService) -> None:
    b = book(branch)
    wrong = [c for c in ("123456", "234567", "345678", "456789", "567890", "678901")
             if c != b.code][:5]
    for code in [*wrong, b.code]:
        type_code(qtbot, kiosk, code)
        wait_screen(qtbot, kiosk, "message")
        title = kiosk.message.title.text()
        click(qtbot, kiosk.message.home_button)
        wait_screen(qtbot, kiosk, "home")
    assert title == "请稍后再输入预约码"  # even the right code, once five were wrong
    assert branch.waiting() == []
    swipe(kiosk, GOLD_TRACK2)
    wait_screen(qtbot, kiosk, "result")
    assert kiosk.result.booked.text() == "您预约了 10:30 贵宾理财"
    click(qtbot, kiosk.result.done_button)
    wait_screen(qtbot, kiosk, "home")
    type_code(qtbot, kiosk, wrong[0])
    wait_screen(qtbot, kiosk, "message")
    assert kiosk.message.title.text() == "请稍后再输入预约码"
    kiosk.toggle_language()
    assert kiosk.message.title.text() == "Please type a booking code later"



def test_the_rest_from_codes_holds_when_the_kiosk_is_restarted(
        qtbot: QtBot, qapp, ui_font, branch: QueueService, kiosk_settings,  # noqa: ANN001
        preview_printer: PreviewPrinter, clock: FakeClock) -> None:
    from kiosk.queue.db import Database
    from tests.support.kiosk_ui import close_kiosk, make_kiosk

    b = book(branch)
    first = make_kiosk(qapp, branch, kiosk_settings, preview_printer)
    try:
        for code in [c for c in ("123456", "234567", "345678", "456789", "567890",
                                 "678901") if c != b.code][:5]:
            type_code(qtbot, first, code)
            wait_screen(qtbot, first, "message")
            click(qtbot, first.message.home_button)
            wait_screen(qtbot, first, "home")
    finally:
        close_kiosk(first)  # the kiosk PC restarts: a new process, a new connection
    restarted = QueueService(Database(branch.db.url), kiosk_settings, clock)
    window = make_kiosk(qapp, restarted, kiosk_settings, preview_printer)
    try:
        type_code(qtbot, window, b.code)
        wait_screen(qtbot, window, "message")
        assert window.message.title.text() == "请稍后再输入预约码"
        assert branch.waiting() == []
    finally:
        close_kiosk(window)
        restarted.db.dispose()
