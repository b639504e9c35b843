"""The teller panel (`kiosk run counter`), through the real window offscreen on a real
database: the login dialog, the buttons and their shortcuts, the dialogs with a manager's
approval, the change feed (a call made elsewhere, the database going away)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.qtbot import QtBot

from kiosk.app import build_teller_window
from kiosk.config import Settings
from kiosk.errors import QueueError
from kiosk.queue import models as m
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.ui.i18n import Languages
from kiosk.ui.teller_window import TellerWindow
from tests.conftest import EXAMPLE_CONFIG, MANAGER_PIN, TELLER_PIN, FakeClock

ROOT = Path(__file__).resolve().parents[2]
WAIT_MS = 10_000


def add_staff(service: QueueService) -> QueueService:
    """The branch's lobby manager and two tellers."""
    service.staff.add("M001", "张经理", "manager", MANAGER_PIN)
    service.staff.add("T003", "王柜员", "teller", TELLER_PIN)
    service.staff.add("T001", "李柜员", "teller", TELLER_PIN)
    return service


@pytest.fixture
def staff(sqlite_queue: QueueService) -> QueueService:
    """An SQLite branch (at `sqlite_url`) with its staff."""
    return add_staff(sqlite_queue)


@pytest.fixture
def any_staff(queue: QueueService) -> QueueService:
    """The branch on SQLite and on PostgreSQL (at `db_url`) with its staff."""
    return add_staff(queue)


@pytest.fixture
def open_panel(qtbot: QtBot, qapp: QApplication, ui_font: object, settings: Settings,
               clock: FakeClock) -> Iterator:  # noqa: ANN201
    windows: list[TellerWindow] = []

    def make(url: str, counter: int = 3) -> TellerWindow:
        window = build_teller_window(settings, url, counter=counter, clock=clock,
                                     languages=Languages(qapp))
        window.show()
        window.start()
        windows.append(window)
        qtbot.waitUntil(lambda: window.model.online and window.model.loaded, timeout=WAIT_MS)
        qtbot.waitUntil(window.login_dialog.isVisible, timeout=WAIT_MS)
        return window

    yield make
    for window in windows:
        window.languages.set("zh")  # the translator is the application's
        window.shutdown()
        window.deleteLater()


def type_login(qtbot: QtBot, window: TellerWindow, staff_no: str, pin: str) -> None:
    d = window.login_dialog
    d.staff.clear()
    qtbot.keyClicks(d.staff, staff_no)
    d.pin.clear()
    qtbot.keyClicks(d.pin, pin)
    qtbot.mouseClick(d.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.busy is None and window.worker.pending == 0,
                    timeout=WAIT_MS)


def logged_in(qtbot: QtBot, window: TellerWindow, staff_no: str = "T003") -> TellerWindow:
    type_login(qtbot, window, staff_no, TELLER_PIN)
    qtbot.waitUntil(lambda: not window.login_dialog.isVisible(), timeout=WAIT_MS)
    assert window.model.actor is not None
    return window


def key(qtbot: QtBot, window: TellerWindow, which: Qt.Key) -> None:
    """A shortcut, pressed while the panel is the active window (as at the counter)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(window, which)


def press(qtbot: QtBot, window: TellerWindow, button: QPushButton) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.busy is None and window.worker.pending == 0,
                    timeout=WAIT_MS)


def shows(window: TellerWindow, text: str) -> bool:
    return text in window.notice.text() and window.notice.isVisible()


def test_wrong_pin_says_so_five_lock_and_the_right_teller_opens_the_counter(
        qtbot: QtBot, staff: QueueService, sqlite_url: str, open_panel) -> None:  # noqa: ANN001
    window = open_panel(sqlite_url)
    d = window.login_dialog
    type_login(qtbot, window, "T003", "9999")
    assert d.isVisible() and d.message.text() == "工号或密码错误。"
    assert d.pin.text() == ""  # cleared for the next try
    for _ in range(4):
        type_login(qtbot, window, "T003", "9999")
    assert "已锁定" in d.message.text() and "5 分钟" in d.message.text()
    type_login(qtbot, window, "T003", TELLER_PIN)  # right PIN, locked account
    assert "已锁定" in d.message.text() and window.model.actor is None
    assert staff.counter(3).status == m.COUNTER_CLOSED
    logged_in(qtbot, window, "T001")
    assert window.staff_label.text() == "T001 李柜员"
    assert window.status_chip.text() == "开放"
    assert staff.counter(3).status == m.COUNTER_OPEN and staff.counter(3).staff == "T001"


def test_call_start_finish_and_no_show_by_button_and_shortcut(
        qtbot: QtBot, staff: QueueService, sqlite_url: str, settings: Settings,
        open_panel) -> None:  # noqa: ANN001
    first, second = staff.issue("B"), staff.issue("A")
    window = logged_in(qtbot, open_panel(sqlite_url))
    b = window.buttons
    assert "F1" in b["call_next"].text() and "F4" in b["finish"].text()
    assert not b["finish"].isEnabled()
    qtbot.waitUntil(lambda: "等候 2 人" in window.queue_line.text(), timeout=WAIT_MS)
    # a double click calls once
    qtbot.mouseClick(b["call_next"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(b["call_next"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.number.text() == first.number, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=WAIT_MS)
    assert [v.number for v in staff.waiting()] == [second.number]
    assert window.state.text() == "已叫号" and "个人非现金" in window.service_line.text()
    press(qtbot, window, b["start"])
    assert window.state.text() == "办理中"
    assert staff.ticket(first.id).status == m.SERVING
    key(qtbot, window, Qt.Key.Key_F4)  # finish by its shortcut
    qtbot.waitUntil(lambda: window.number.text() == "—", timeout=WAIT_MS)
    assert staff.ticket(first.id).status == m.DONE
    key(qtbot, window, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: window.number.text() == second.number, timeout=WAIT_MS)
    press(qtbot, window, b["no_show"])
    assert staff.ticket(second.id).status == m.NO_SHOW and window.number.text() == "—"
    press(qtbot, window, b["call_next"])
    assert shows(window, "暂无人等候")


def test_transfer_by_the_rule_and_ahead_of_it_with_a_managers_approval(
        qtbot: QtBot, staff: QueueService, sqlite_url: str, open_panel) -> None:  # noqa: ANN001
    one, two = staff.issue("B"), staff.issue("B")
    window = logged_in(qtbot, open_panel(sqlite_url))
    press(qtbot, window, window.buttons["call_next"])
    key(qtbot, window, Qt.Key.Key_F6)
    d = window.transfer_dialog
    qtbot.waitUntil(d.isVisible, timeout=WAIT_MS)
    assert not d.service_buttons["B"].isEnabled()  # its own service
    assert d.placement() == "priority" and "本行规则" in d.placement_buttons["priority"].text()
    assert not d.approval.isVisible()
    d.service_buttons["A"].setChecked(True)
    press(qtbot, window, d.ok)
    assert not d.isVisible() and staff.ticket(one.id).service == "A"
    assert shows(window, "已转到 A") and staff.audit_log(5) == []

    press(qtbot, window, window.buttons["call_next"])
    assert window.number.text() == two.number
    press(qtbot, window, window.buttons["transfer"])
    d.service_buttons["A"].setChecked(True)
    d.placement_buttons["first"].setChecked(True)
    assert d.approval.isVisible() and "需经理授权" in d.placement_buttons["first"].text()
    press(qtbot, window, d.ok)  # no approval typed
    assert d.isVisible() and "请填写原因" in d.message.text()
    qtbot.keyClicks(d.approval.staff, "T001")  # a teller's PIN is no approval
    qtbot.keyClicks(d.approval.pin, TELLER_PIN)
    d.approval.reason.setText("老人行动不便")  # typed with the IME
    press(qtbot, window, d.ok)
    assert d.isVisible() and "柜员不能授权" in d.message.text()
    assert staff.ticket(two.id).service == "B" and d.approval.pin.text() == ""
    d.approval.staff.clear()
    qtbot.keyClicks(d.approval.staff, "M001")
    qtbot.keyClicks(d.approval.pin, MANAGER_PIN)
    press(qtbot, window, d.ok)
    assert not d.isVisible() and staff.ticket(two.id).service == "A"
    assert [v.number for v in staff.waiting()][0] == two.number  # placed first
    audit = staff.audit_log(1)[0]
    assert (audit.action, audit.actor, audit.reason) == ("transfer", "M001 张经理", "老人行动不便")
    assert window.model.actor is not None and window.model.actor.staff_no == "T003"


def test_suspend_and_resume_from_the_suspended_list(
        qtbot: QtBot, staff: QueueService, sqlite_url: str, open_panel) -> None:  # noqa: ANN001
    one, _ = staff.issue("B"), staff.issue("B")
    window = logged_in(qtbot, open_panel(sqlite_url))
    assert not window.buttons["resume"].isEnabled()
    press(qtbot, window, window.buttons["call_next"])
    press(qtbot, window, window.buttons["suspend"])
    assert staff.ticket(one.id).status == m.SUSPENDED and window.number.text() == "—"
    key(qtbot, window, Qt.Key.Key_F8)
    d = window.suspended_dialog
    qtbot.waitUntil(d.isVisible, timeout=WAIT_MS)
    assert d.list.count() == 1 and d.list.item(0).text().startswith(one.number)
    press(qtbot, window, d.ok)
    assert not d.isVisible() and staff.ticket(one.id).status == m.WAITING
    press(qtbot, window, window.buttons["call_next"])
    assert window.number.text() == one.number  # back first of its service


def test_calling_a_specific_ticket_needs_a_managers_approval_and_a_reason(
        qtbot: QtBot, staff: QueueService, sqlite_url: str, open_panel) -> None:  # noqa: ANN001
    staff.issue("B")
    wanted = staff.issue("B")
    window = logged_in(qtbot, open_panel(sqlite_url))
    key(qtbot, window, Qt.Key.Key_F9)
    d = window.call_dialog
    qtbot.waitUntil(d.isVisible, timeout=WAIT_MS)
    qtbot.keyClicks(d.ticket, "b002")
    qtbot.keyClicks(d.approval.staff, "M001")
    qtbot.keyClicks(d.approval.pin, MANAGER_PIN)
    press(qtbot, window, d.ok)  # no reason
    assert d.isVisible() and d.message.text() == "请填写原因（将记入审计日志）。"
    assert staff.ticket(wanted.id).status == m.WAITING
    manager = staff.login("M001", MANAGER_PIN, role="manager")
    with pytest.raises(QueueError, match="needs a reason"):  # and the service refuses too
        staff.call_ticket(3, wanted.id, actor=manager, reason="   ")
    d.approval.reason.setText("预约客户")  # typed with the IME
    press(qtbot, window, d.ok)
    assert not d.isVisible()
    assert window.number.text() == wanted.number
    audit = staff.audit_log(1)[0]
    assert (audit.action, audit.actor, audit.reason) == ("call_ticket", "M001 张经理", "预约客户")
    assert window.staff_label.text() == "T003 王柜员"


def test_a_ticket_taken_by_another_counter_is_one_clear_message(
        qtbot: QtBot, staff: QueueService, sqlite_url: str, open_panel) -> None:  # noqa: ANN001
    wanted = staff.issue("B")
    staff.open_counter(4)
    window = logged_in(qtbot, open_panel(sqlite_url))
    press(qtbot, window, window.buttons["call_ticket"])
    d = window.call_dialog
    qtbot.keyClicks(d.ticket, "B001")
    qtbot.keyClicks(d.approval.staff, "M001")
    qtbot.keyClicks(d.approval.pin, MANAGER_PIN)
    d.approval.reason.setText("预约客户")  # typed with the IME
    assert staff.call_next(4) is not None  # counter 4 was quicker
    press(qtbot, window, d.ok)
    assert d.message.text() == "B001 已被 4 号窗口叫走，本窗口未叫号。"
    assert staff.ticket(wanted.id).counter == 4 and window.number.text() == "—"
    assert [a.action for a in staff.audit_log(5)] == []  # nothing applied
    d.reject()


def test_the_database_lost_mid_action_is_a_message_and_the_panel_comes_back(
        qtbot: QtBot, settings: Settings, clock: FakeClock, tmp_path: Path,
        open_panel) -> None:  # noqa: ANN001
    home = tmp_path / "branch"
    service = QueueService(Database(f"sqlite:///{home / 'branch.db'}"), settings, clock)
    service.prepare()
    service.staff.add("T003", "王柜员", "teller", TELLER_PIN)
    first = service.issue("B")
    window = logged_in(qtbot, open_panel(service.db.url))
    away = tmp_path / "unplugged"
    try:
        home.rename(away)  # the database goes away...
        window.model.service.db.dispose()  # ...and with it the panel's connections
        qtbot.mouseClick(window.buttons["call_next"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: shows(window, "数据库连接中断"), timeout=WAIT_MS)
        qtbot.waitUntil(lambda: not window.model.online, timeout=WAIT_MS)
        assert window.offline.isVisible() and not window.buttons["call_next"].isEnabled()
        away.rename(home)  # back: the panel reloads by itself
        qtbot.waitUntil(lambda: window.model.online, timeout=WAIT_MS)
        assert not window.offline.isVisible()
        press(qtbot, window, window.buttons["call_next"])
        assert window.number.text() == first.number
        assert service.ticket(first.id).counter == 3
    finally:
        if away.exists():
            away.rename(home)
        service.db.dispose()


def test_a_restarted_panel_resumes_the_ticket_its_counter_holds(
        qtbot: QtBot, staff: QueueService, sqlite_url: str, open_panel) -> None:  # noqa: ANN001
    held = staff.issue("B")
    staff.issue("B")
    first = logged_in(qtbot, open_panel(sqlite_url))
    press(qtbot, first, first.buttons["call_next"])
    first.shutdown()  # the panel goes away with the ticket called
    again = logged_in(qtbot, open_panel(sqlite_url))
    assert again.number.text() == held.number and shows(again, "仍有 B001")
    b = again.buttons
    assert b["recall"].isEnabled() and b["finish"].isEnabled() and b["no_show"].isEnabled()
    assert b["hand_back"].isEnabled() and not b["call_next"].isEnabled()
    press(qtbot, again, b["hand_back"])
    assert staff.ticket(held.id).status == m.WAITING and again.number.text() == "—"


def test_a_counter_another_teller_works_is_said_clearly(
        qtbot: QtBot, staff: QueueService, sqlite_url: str, open_panel) -> None:  # noqa: ANN001
    staff.open_counter(3, actor=staff.login("T001", TELLER_PIN))
    staff.issue("B")
    window = logged_in(qtbot, open_panel(sqlite_url))
    assert shows(window, "本窗口正由 T001 李柜员 使用")
    assert not window.buttons["call_next"].isEnabled()


def test_english_is_one_tap_away(qtbot: QtBot, staff: QueueService, sqlite_url: str,
                                 open_panel) -> None:  # noqa: ANN001
    staff.issue("B")
    window = logged_in(qtbot, open_panel(sqlite_url))
    qtbot.mouseClick(window.language, Qt.MouseButton.LeftButton)
    assert window.buttons["call_next"].text() == "Call next   F1"
    assert window.status_chip.text() == "Open" and window.counter_label.text() == "Counter 3"
    assert window.queue_line.text().startswith("1 waiting · next B001")
    qtbot.mouseClick(window.language, Qt.MouseButton.LeftButton)
    assert window.buttons["call_next"].text() == "叫下一位   F1"


def test_a_call_for_this_counter_from_another_process_appears_on_the_panel(
        qtbot: QtBot, any_staff: QueueService, db_url: str, open_panel) -> None:  # noqa: ANN001
    any_staff.issue("B")
    wanted = any_staff.issue("B")
    window = logged_in(qtbot, open_panel(db_url))
    env = {**os.environ, "KIOSK_NOW": "2026-11-24T10:00:00", "KIOSK_STAFF_PIN": MANAGER_PIN}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "call", "--counter", "3", "--ticket", "B002",
         "--staff", "M001", "--reason", "预约客户", "--db", db_url,
         "--config", str(EXAMPLE_CONFIG)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    qtbot.waitUntil(lambda: window.number.text() == wanted.number, timeout=WAIT_MS)
    assert shows(window, "已为本窗口叫号 B002（M001 张经理）")
    assert window.buttons["finish"].isEnabled()
