"""The console's Appointments tab, the real window on a real SQLite branch: book from the
form (the code shown once, ****** in the list), follow another PC's booking live, cancel
with a reason (and not without one), re-issue a lost code."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, time

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from kiosk.config import Settings, load_settings
from kiosk.errors import NotFound
from kiosk.identity import identify
from kiosk.queue.appointments import BookingView
from kiosk.queue.service import QueueService
from kiosk.ui.console_window import ConsoleWindow
from tests.conftest import EXAMPLE_CONFIG
from tests.support.console_ui import close_console, open_manager_console
from tests.support.identifiers import card

WAIT_MS = 10_000
GOLD_CARD = "6228483000000030004"


@pytest.fixture
def console(qapp: QApplication, ui_font, branch: QueueService, settings: Settings,  # noqa: ANN001
            qtbot: QtBot) -> Iterator[ConsoleWindow]:
    window = open_manager_console(branch, settings, qtbot)
    window.tabs.setCurrentWidget(window.bookings_pane)
    yield window
    close_console(window)


def book_on_another_pc(branch: QueueService) -> BookingView:
    """The gold customer booked at 11:00 today by the demo manager on another PC."""
    actor = branch.login("M001", "2468", role="manager")
    return branch.appointments.book("V", identify(GOLD_CARD, branch.settings.hash_secret),
                                    date(2026, 11, 24), time(11, 0), purpose="other",
                                    actor=actor)


def test_book_from_the_form_and_follow_another_pc(console: ConsoleWindow, qtbot: QtBot,
                                                  branch: QueueService) -> None:
    pane = console.bookings_pane
    pane.service.setCurrentIndex(pane.service.findData("V"))
    pane.identifier.setText(GOLD_CARD)
    pane.time.setCurrentText("11:00")
    pane.reason.setText("客户经理电话预约")
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS,
                          check_params_cb=lambda name, _r: name == "book"):
        pane.book_button.click()
    qtbot.waitUntil(lambda: pane.table.rowCount() == 1, timeout=WAIT_MS)
    assert pane.table.item(0, 0).text() == "11:00–11:30"
    assert pane.table.item(0, 2).text() == "欧**国 6228 **** **** 0004"
    assert pane.table.item(0, 5).text() == "******"
    assert pane.table.item(0, 6).text() == "已预约"
    code = shown_code(pane)  # on the card, this once; and it is the customer's code
    assert "已预约：预约码只显示这一次" in pane.code_title.text()
    assert "11:00–11:30" in pane.code_detail.text() and "******" in pane.code_detail.text()
    assert code not in console.banner.text()
    assert branch.appointments.by_code(code).customer_masked == "6228 **** **** 0004"
    console.set_language("en")
    assert pane.code_title.text() == "Booked: the booking code is shown only this once"
    assert pane.code_done.text() == "The customer has it: hide"
    console.set_language("zh")
    pane.code_done.click()
    assert pane.code_card.isHidden() and pane.code_value.text() == ""
    other = branch.login("M001", "2468", role="manager")  # another PC books
    branch.appointments.book("V", identify(card("6222051"), branch.settings.hash_secret),
                             date(2026, 11, 24), time(10, 30), purpose="other", actor=other)
    qtbot.waitUntil(lambda: pane.table.rowCount() == 2, timeout=WAIT_MS)
    assert pane.table.item(0, 0).text() == "10:30–11:00"  # slot order
    assert "今日预约 2" in pane.summary.text()


def test_cancel_needs_a_reason_and_is_shown_live(console: ConsoleWindow, qtbot: QtBot,
                                                 branch: QueueService) -> None:
    b = book_on_another_pc(branch)
    pane = console.bookings_pane
    qtbot.waitUntil(lambda: pane.select(b.id), timeout=WAIT_MS)
    pane.reason.clear()
    with qtbot.waitSignal(console.action_failed, timeout=WAIT_MS):
        pane.cancel_button.click()
    assert console.last_problem is not None and console.last_problem.kind == "reason"
    pane.reason.setText("客户来电取消")
    with qtbot.waitSignal(console.bookings_shown, timeout=WAIT_MS):
        pane.cancel_button.click()
    qtbot.waitUntil(lambda: pane.table.item(0, 6).text() == "已取消", timeout=WAIT_MS)
    assert branch.audit_log()[0].action == "cancel_booking"


def shown_code(pane) -> str:  # noqa: ANN001
    """The code on the tab's card ("204 617" on screen), as the customer types it."""
    assert pane.code_card.isVisible()
    shown = pane.code_value.text()
    assert len(shown) == 7 and shown[3] == " "
    return shown.replace(" ", "")


def test_a_lost_code_is_reissued_with_a_reason_and_the_old_one_stops(
        console: ConsoleWindow, qtbot: QtBot, branch: QueueService) -> None:
    b = book_on_another_pc(branch)
    pane = console.bookings_pane
    qtbot.waitUntil(lambda: pane.select(b.id), timeout=WAIT_MS)
    assert pane.code_card.isHidden()  # another PC's booking: its code is not shown here
    pane.reason.clear()
    with qtbot.waitSignal(console.action_failed, timeout=WAIT_MS):
        pane.reissue_button.click()
    assert console.last_problem is not None and console.last_problem.kind == "reason"
    pane.reason.setText("客户遗失预约码")
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS,
                          check_params_cb=lambda name, _r: name == "reissue_code"):
        pane.reissue_button.click()
    code = shown_code(pane)
    assert code != b.code and "原预约码已失效" in pane.code_title.text()
    assert console.banner.text() == "已重发预约码，原预约码已失效"
    assert branch.appointments.by_code(code).id == b.id
    with pytest.raises(NotFound, match="no booking with that code"):
        branch.appointments.by_code(b.code)
    [log] = branch.audit_log(action="reissue_code")
    assert log.reason == "客户遗失预约码" and code not in str(log.details)
    with branch.db.read() as s:
        assert not any(code in str(tuple(r)) for r in s.execute(text("SELECT * FROM audit")))
    console.logout()  # the code does not outlive the manager's session
    assert pane.code_card.isHidden() and pane.code_value.text() == ""


def test_a_move_to_another_day_shows_the_new_code(console: ConsoleWindow, qtbot: QtBot,
                                                  branch: QueueService) -> None:
    b = book_on_another_pc(branch)
    pane = console.bookings_pane
    qtbot.waitUntil(lambda: pane.select(b.id), timeout=WAIT_MS)
    pane.time.setCurrentText("11:30")
    pane.reason.setText("客户要求")
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS):
        pane.move_button.click()
    assert pane.code_card.isHidden()  # the same day: the same code, nothing to show
    pane.day.setDate(pane.day.date().addDays(1))
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS):
        pane.move_button.click()
    code = shown_code(pane)
    assert "已改到另一天" in pane.code_title.text() and "2026-11-25 11:30" in \
        pane.code_detail.text()
    assert branch.appointments.by_code(code, date(2026, 11, 25)).id == b.id


def test_the_figures_tab_counts_bookings(console: ConsoleWindow, qtbot: QtBot,
                                         branch: QueueService) -> None:
    b = book_on_another_pc(branch)
    branch.appointments.check_in(code=b.code)
    console.tabs.setCurrentWidget(console.figures_pane)
    table = console.figures_pane.booking_table
    qtbot.waitUntil(lambda: table.rowCount() == 2 and table.item(1, 2) is not None
                    and table.item(1, 2).text() == "1", timeout=WAIT_MS)
    assert table.item(0, 0).text() == "贵宾理财" and table.item(0, 1).text() == "1"
    assert not table.isHidden()


def _refused_in_the_form(console: ConsoleWindow, qtbot: QtBot, hhmm: str, kind: str,
                         next_free: str, zh: str, en: str) -> None:
    """Cash at `hhmm`, a slot the form does not offer, typed in all the same: refused with
    `kind` and the next free slot, in one sentence in Chinese (`zh`) and English (`en`)."""
    pane = console.bookings_pane
    pane.service.setCurrentIndex(pane.service.findData("A"))
    assert pane.time.findText(hhmm) == -1  # the form does not offer it
    assert pane.time.findText(next_free) >= 0
    pane.identifier.setText(GOLD_CARD)
    pane.time.setCurrentText(hhmm)  # typed in all the same
    with qtbot.waitSignal(console.action_failed, timeout=WAIT_MS,
                          check_params_cb=lambda name, _p: name == "book"):
        pane.book_button.click()
    p = console.last_problem
    assert p is not None and (p.kind, p.next_free) == (kind, next_free)
    assert console.banner.text() == zh
    assert pane.table.rowCount() == 0
    console.set_language("en")
    try:
        assert console.problem_text(p) == en
        assert console.problem_text(replace(p, next_free="")).endswith(
            "no later slot that day is free.")
    finally:
        console.set_language("zh")


def test_a_slot_at_the_counters_lunch_is_refused_with_the_next_free_one(
        console: ConsoleWindow, qtbot: QtBot) -> None:
    _refused_in_the_form(
        console, qtbot, "12:00", "break", "14:00",
        "操作未执行：该时段是窗口休息时间，不再接受此业务的预约；下一个可预约时段是 14:00。",
        "Not done: that slot is during the counters' break and takes no more bookings of "
        "this service; the next free slot is 14:00.")


def _busy_morning(settings: Settings) -> Settings:
    """The example branch expecting its counters over-full from 10:00 to 11:00, where a
    slot keeps half its capacity (cash: 1 × 0.5, none)."""
    return replace(settings, appointments=replace(
        settings.appointments, expected_load={"10:00": 1.10, "11:00": 0.98},
        busy_above=1.0, busy_share=0.5))


@pytest.mark.parametrize("settings", [_busy_morning(load_settings(EXAMPLE_CONFIG, environ={}))])
def test_a_slot_in_the_busiest_hour_is_refused_with_the_next_free_one(
        console: ConsoleWindow, qtbot: QtBot) -> None:
    _refused_in_the_form(
        console, qtbot, "10:30", "busy", "11:00",
        "操作未执行：该时段在网点最繁忙的时间，此业务的预约名额已满；下一个可预约时段是 11:00。",
        "Not done: that slot is in one of the branch's busiest hours and its bookings of "
        "this service are taken; the next free slot is 11:00.")
