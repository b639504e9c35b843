"""The console's Appointments tab, the real window on a real SQLite branch: book from the
form, follow another PC's booking live, cancel with a reason (and not without one)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, time

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from kiosk.identity import identify
from kiosk.queue.service import QueueService
from kiosk.ui.console_window import ConsoleWindow
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
    assert pane.table.item(0, 6).text() == "已预约"
    other = branch.login("M001", "2468", role="manager")  # another PC books
    branch.appointments.book("V", identify(card("6222051"), branch.settings.hash_secret),
                             date(2026, 11, 24), time(10, 30), purpose="other", actor=other)
    qtbot.waitUntil(lambda: pane.table.rowCount() == 2, timeout=WAIT_MS)
    assert pane.table.item(0, 0).text() == "10:30–11:00"  # slot order
    assert "今日预约 2" in pane.summary.text()


def test_cancel_needs_a_reason_and_is_shown_live(console: ConsoleWindow, qtbot: QtBot,
                                                 branch: QueueService) -> None:
    actor = branch.login("M001", "2468", role="manager")
    b = branch.appointments.book("V", identify(GOLD_CARD, branch.settings.hash_secret),
                                 date(2026, 11, 24), time(11, 0), purpose="other",
                                 actor=actor)
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


def test_the_figures_tab_counts_bookings(console: ConsoleWindow, qtbot: QtBot,
                                         branch: QueueService) -> None:
    actor = branch.login("M001", "2468", role="manager")
    b = branch.appointments.book("V", identify(GOLD_CARD, branch.settings.hash_secret),
                                 date(2026, 11, 24), time(11, 0), purpose="other",
                                 actor=actor)
    branch.appointments.check_in(code=b.code)
    console.tabs.setCurrentWidget(console.figures_pane)
    table = console.figures_pane.booking_table
    qtbot.waitUntil(lambda: table.rowCount() == 2 and table.item(1, 2) is not None
                    and table.item(1, 2).text() == "1", timeout=WAIT_MS)
    assert table.item(0, 0).text() == "贵宾理财" and table.item(0, 1).text() == "1"
    assert not table.isHidden()


def test_a_slot_at_the_counters_lunch_is_refused_with_the_next_free_one(
        console: ConsoleWindow, qtbot: QtBot) -> None:
    pane = console.bookings_pane
    pane.service.setCurrentIndex(pane.service.findData("A"))
    assert pane.time.findText("12:00") == -1  # the form does not offer it
    pane.identifier.setText(GOLD_CARD)
    pane.time.setCurrentText("12:00")  # typed in all the same
    with qtbot.waitSignal(console.action_failed, timeout=WAIT_MS,
                          check_params_cb=lambda name, _p: name == "book"):
        pane.book_button.click()
    p = console.last_problem
    assert p is not None and (p.kind, p.next_free) == ("break", "14:00")
    assert console.banner.text() == ("操作未执行：该时段是窗口休息时间，不再接受此业务的预约；"
                                     "下一个可预约时段是 14:00。")
    assert pane.table.rowCount() == 0
    console.set_language("en")
    try:
        assert console.problem_text(p) == (
            "Not done: that slot is during the counters' break and takes no more bookings "
            "of this service; the next free slot is 14:00.")
        assert console.problem_text(replace(p, next_free="")).endswith(
            "no later slot that day is free.")
    finally:
        console.set_language("zh")
