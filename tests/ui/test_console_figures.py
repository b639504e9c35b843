"""The console's Figures tab (数据): the real window offscreen on a real SQLite branch,
moved by tickets issued, called and finished through the queue service."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication, QTableWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from kiosk.errors import DatabaseUnavailable
from kiosk.identity import identify
from kiosk.queue.figures import Figures
from kiosk.queue.service import QueueService
from kiosk.ui.console_window import ConsoleWindow
from tests.conftest import FakeClock
from tests.support.console_ui import close_console, open_manager_console

WAIT_MS = 10_000
GOLD_CARD = "6228483000000030004"  # gold in the example directory
COLUMNS = ("name", "arrived", "served", "waiting", "no_show", "mean", "p95", "level")


def _row(table: QTableWidget, i: int) -> dict[str, str]:
    return {name: (table.item(i, j).text() if table.item(i, j) else "")
            for j, name in enumerate(COLUMNS)}


def _cards(window: ConsoleWindow) -> dict[str, str]:
    return {name: value.text() for name, (value, _caption) in window.figures_pane.cards.items()}


def _morning(service: QueueService, clock: FakeClock) -> None:
    """Worked out by hand below: five customers, three called (one missed its target),
    one no-show, two still waiting."""
    clock.now = clock.now.replace(hour=10, minute=0)
    service.issue("A", station="test")  # A001 10:00
    clock.advance(minutes=1)
    service.issue("B", station="test")  # B001 10:01
    clock.advance(minutes=1)
    service.issue("A", station="test")  # A002 10:02
    clock.advance(minutes=3)
    assert service.call_next(1).number == "A001"  # 10:05: waited 5:00
    clock.advance(minutes=3)
    service.finish(service.ticket_id("A001"))
    clock.advance(minutes=7)
    assert service.call_next(3).number == "B001"  # 10:15: waited 14:00
    clock.advance(minutes=1)
    service.no_show(service.ticket_id("B001"))
    clock.advance(minutes=19)
    assert service.call_next(1).number == "A002"  # 10:35: waited 33:00, target 25:00
    clock.advance(minutes=5)
    service.finish(service.ticket_id("A002"))
    clock.advance(minutes=1)
    service.issue("V", identify(GOLD_CARD, service.settings.hash_secret),
                  station="test")  # V001 10:41, gold, waiting
    clock.advance(minutes=1)
    service.issue("C", station="test")  # C001 10:42, waiting
    clock.advance(seconds=30)


@pytest.fixture
def console(qapp: QApplication, ui_font, branch: QueueService, settings: Settings,  # noqa: ANN001
            clock: FakeClock, qtbot: QtBot) -> Iterator[ConsoleWindow]:
    _morning(branch, clock)
    window = open_manager_console(branch, settings, qtbot, "figures-test")
    yield window
    close_console(window)


@pytest.fixture
def any_branch(queue: QueueService) -> QueueService:
    """The example branch on SQLite and on PostgreSQL (the feed wakes by LISTEN there)."""
    from kiosk.ui.demo import prepare_demo_branch

    prepare_demo_branch(queue)
    return queue


@pytest.fixture
def any_console(qapp: QApplication, ui_font, any_branch: QueueService,  # noqa: ANN001
                settings: Settings, clock: FakeClock, qtbot: QtBot) -> Iterator[ConsoleWindow]:
    _morning(any_branch, clock)
    window = open_manager_console(any_branch, settings, qtbot, "figures-test")
    yield window
    close_console(window)


def test_the_figures_tab_shows_the_day_worked_out_by_hand_and_follows_a_new_call(
        any_console: ConsoleWindow, any_branch: QueueService, clock: FakeClock,
        qtbot: QtBot) -> None:
    console, branch = any_console, any_branch
    pane = console.figures_pane
    assert console.model.figures.started == 0  # hidden: nothing computed yet
    console.tabs.setCurrentWidget(console.figures_page)
    qtbot.waitUntil(lambda: _cards(console)["arrived"] == "5", timeout=WAIT_MS)
    assert _cards(console) == {
        "arrived": "5", "served": "2", "waiting": "2",
        "mean_wait": "17:20",  # (5:00 + 14:00 + 33:00) / 3
        "p95_wait": "33:00", "service_level": "67%", "no_show": "33%"}
    services = pane.service_table
    assert services.rowCount() == 5  # A, B, C, V and the total
    assert _row(services, 0) == {"name": "个人现金", "arrived": "2", "served": "2",
                                 "waiting": "0", "no_show": "0%", "mean": "19:00",
                                 "p95": "33:00", "level": "50%"}
    assert _row(services, 1) == {"name": "个人非现金", "arrived": "1", "served": "0",
                                 "waiting": "0", "no_show": "100%", "mean": "14:00",
                                 "p95": "14:00", "level": "100%"}
    assert _row(services, 2) == {"name": "对公业务", "arrived": "1", "served": "0",
                                 "waiting": "1", "no_show": "—", "mean": "—", "p95": "—",
                                 "level": "—"}
    assert _row(services, 4)["name"] == "合计" and _row(services, 4)["arrived"] == "5"
    tiers = {_row(pane.tier_table, i)["name"]: _row(pane.tier_table, i)
             for i in range(pane.tier_table.rowCount())}
    assert tiers["黄金"]["arrived"] == "1" and tiers["黄金"]["waiting"] == "1"
    assert tiers["普通"]["arrived"] == "4" and tiers["普通"]["served"] == "2"
    arrivals = pane.chart_views["arrivals"].chart()
    assert arrivals.series() and arrivals.axes()  # the shared chart code drew it
    computed = console.model.figures.started

    # a call at a counter, made elsewhere: the tab follows without anyone refreshing it
    clock.advance(minutes=2, seconds=30)
    assert branch.call_next(5).number == "C001"  # 10:45: waited 3:00
    qtbot.waitUntil(lambda: _cards(console)["waiting"] == "1", timeout=WAIT_MS)
    assert _cards(console)["mean_wait"] == "13:45"  # (5 + 14 + 33 + 3) / 4 minutes
    assert _cards(console)["service_level"] == "75%"
    assert _row(services, 2)["waiting"] == "0" and _row(services, 2)["mean"] == "3:00"
    assert console.model.figures.started == computed + 1


def test_the_figures_tab_speaks_english_with_the_console(
        console: ConsoleWindow, qtbot: QtBot) -> None:
    console.tabs.setCurrentWidget(console.figures_page)
    qtbot.waitUntil(lambda: console.model.figures.figures is not None, timeout=WAIT_MS)
    console.set_language("en")
    pane = console.figures_pane
    assert console.tabs.tabText(console.tabs.indexOf(console.figures_page)) == "Figures"
    assert pane.service_table.horizontalHeaderItem(1).text() == "Arrived"
    assert _row(pane.service_table, 0)["name"] == "Personal cash"
    assert _row(pane.service_table, 4)["name"] == "Total"
    assert pane.cards["waiting"][1].text() == "Waiting now"
    console.set_language("zh")
    assert pane.service_table.horizontalHeaderItem(1).text() == "取号"


def test_a_morning_before_the_first_ticket_shows_zeros_and_empty_charts(
        qapp: QApplication, ui_font, branch: QueueService, settings: Settings,  # noqa: ANN001
        qtbot: QtBot) -> None:
    window = open_manager_console(branch, settings, qtbot, "figures-test")
    try:
        window.tabs.setCurrentWidget(window.figures_page)
        qtbot.waitUntil(lambda: window.figures_pane.draws >= 1, timeout=WAIT_MS)
        assert _cards(window) == {"arrived": "0", "served": "0", "waiting": "0",
                                  "mean_wait": "—", "p95_wait": "—", "service_level": "—",
                                  "no_show": "—"}
        assert _row(window.figures_pane.service_table, 0)["mean"] == "—"
        assert not window.figures_pane.problem.isVisible()
        branch.issue("B", station="test")  # the first customer of the day
        qtbot.waitUntil(lambda: _cards(window)["arrived"] == "1", timeout=WAIT_MS)
        assert _cards(window)["waiting"] == "1"
    finally:
        close_console(window)


def test_unreadable_rows_are_left_out_and_said_and_a_lost_database_keeps_the_last_figures(
        console: ConsoleWindow, branch: QueueService, qtbot: QtBot) -> None:
    path = branch.db.url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:  # what a damaged or newer database might hold
        conn.execute("INSERT INTO events (id, at, kind, ticket_id, counter, payload) VALUES "
                     "(9001, '2026-11-24 10:50:00.000000', 'teleport', "
                     "(SELECT id FROM tickets WHERE number = 'A001'), 1, '{}')")
    console.tabs.setCurrentWidget(console.figures_page)
    pane = console.figures_pane
    qtbot.waitUntil(lambda: pane.problem.isVisible(), timeout=WAIT_MS)
    assert pane.problem.text() == "有 1 条记录无法读取，未计入以上数据（详情见日志）。"
    assert _cards(console)["arrived"] == "5"  # the rest is counted

    def offline() -> Figures:
        raise DatabaseUnavailable("the branch database at branch.db cannot be reached")

    console.model.read_figures = offline  # type: ignore[method-assign]
    branch.issue("A", station="test")
    qtbot.waitUntil(lambda: "连不上数据库" in pane.problem.text(), timeout=WAIT_MS)
    assert pane.problem.text() == "连不上数据库，数据暂未更新；恢复后自动更新。"
    assert _cards(console)["arrived"] == "5"  # the last figures stay on screen
    console.set_language("en")
    assert pane.problem.text().startswith("Cannot reach the database")
