"""The manager console, the real window on a real SQLite branch, driven like a user."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from kiosk.devices.printer import PreviewPrinter
from kiosk.devices.ticket import LayoutOptions
from kiosk.identity import identify
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from kiosk.ui.console_dialogs import ReasonDialog
from kiosk.ui.console_window import ConsoleWindow
from kiosk.ui.demo import DEMO_MANAGER, DEMO_TELLER_PIN, demo_teller
from tests.support.console_ui import close_console, open_console

WAIT_MS = 10_000
GOLD_CARD = "6228483000000030004"  # gold, relationship manager in the example directory


@pytest.fixture
def manager_actor(branch: QueueService) -> Actor:
    return branch.login(DEMO_MANAGER[0], DEMO_MANAGER[2], role="manager")


@pytest.fixture
def console(qapp: QApplication, ui_font, branch: QueueService, settings: Settings,  # noqa: ANN001
            manager_actor: Actor, qtbot: QtBot) -> Iterator[ConsoleWindow]:
    window = open_console(branch, settings, manager_actor)
    qtbot.waitUntil(lambda: window.model.last_event_id > 0, timeout=WAIT_MS)
    yield window
    close_console(window)


def _confirm(qtbot: QtBot, window: ConsoleWindow, dialog: ReasonDialog | None, reason: str,
             action: str) -> None:
    assert dialog is not None and dialog.isVisible()
    dialog.set_reason(reason)
    with qtbot.waitSignal(window.action_done, timeout=WAIT_MS,
                          check_params_cb=lambda name, _r: name == action):
        dialog.ok.click()


def _select(qtbot: QtBot, window: ConsoleWindow, ticket_id: int) -> None:
    qtbot.waitUntil(lambda: window.select_ticket(ticket_id), timeout=WAIT_MS)


def test_a_manager_logs_in_a_teller_and_a_wrong_pin_are_refused(
        qapp: QApplication, ui_font, branch: QueueService, settings: Settings,  # noqa: ANN001
        qtbot: QtBot) -> None:
    window = open_console(branch, settings)
    try:
        assert window.stack.currentWidget() is window.login_page
        for staff, pin, kind in ((demo_teller(1), DEMO_TELLER_PIN, "not_manager"),
                                 (DEMO_MANAGER[0], "0000", "wrong_pin")):
            qtbot.keyClicks(window.staff_edit, staff)
            qtbot.keyClicks(window.pin_edit, pin)
            with qtbot.waitSignal(window.action_failed, timeout=WAIT_MS):
                window.login_button.click()
            assert window.last_problem is not None and window.last_problem.kind == kind
            assert window.login_error.isVisible()
            assert window.stack.currentWidget() is window.login_page
            assert window.model.actor is None and window.live is None
            window.staff_edit.clear()
        assert "柜员账号不能使用" in window.problem_text(window.last_problem.__class__(
            "not_manager"))
        qtbot.keyClicks(window.staff_edit, DEMO_MANAGER[0])
        qtbot.keyClicks(window.pin_edit, DEMO_MANAGER[2])
        with qtbot.waitSignal(window.logged_in, timeout=WAIT_MS):
            window.login_button.click()
        assert window.stack.currentWidget() is window.tabs
        assert window.who.text() == f"{DEMO_MANAGER[0]} {DEMO_MANAGER[1]}"
        branch.issue("A")
        qtbot.waitUntil(lambda: len(window.model.hall) == 1, timeout=WAIT_MS)
    finally:
        close_console(window)


def test_every_override_from_the_console_is_audited_with_actor_and_reason(
        console: ConsoleWindow, branch: QueueService, qtbot: QtBot, clock) -> None:  # noqa: ANN001
    tickets = []
    for prefix in "AABB":
        tickets.append(branch.issue(prefix))
        clock.advance(20)
    qtbot.waitUntil(lambda: len(console.model.hall) == 4, timeout=WAIT_MS)
    a1, a2, b1, b2 = tickets

    _select(qtbot, console, a2.id)
    _confirm(qtbot, console, console.ask_hall_action("pin"), "老年客户", "pin")
    qtbot.waitUntil(lambda: console.model.hall[a2.id].pin == 1, timeout=WAIT_MS)

    _select(qtbot, console, b1.id)
    d = console.ask_hall_action("tier")
    assert d is not None
    d.findChildren(type(console.issue_tier))[0].setCurrentIndex(2)  # the third tier: gold
    _confirm(qtbot, console, d, "客户资料核实为黄金", "tier")

    _select(qtbot, console, a1.id)
    d = console.ask_hall_action("call")
    assert d is not None
    combo = d.findChildren(type(console.issue_tier))[0]
    combo.setCurrentIndex(combo.findData(2))
    _confirm(qtbot, console, d, "预约客户", "call")

    _select(qtbot, console, b2.id)
    d = console.ask_hall_action("transfer")
    assert d is not None
    boxes = d.findChildren(type(console.issue_tier))
    boxes[0].setCurrentIndex(boxes[0].findData("C"))
    boxes[1].setCurrentIndex(boxes[1].findData("first"))
    _confirm(qtbot, console, d, "业务选错", "transfer")

    _select(qtbot, console, b2.id)
    _confirm(qtbot, console, console.ask_hall_action("cancel"), "客户离开", "cancel")

    # a no-show, restored from today's list
    called = branch.call_next(3)
    assert called is not None and called.id == a2.id  # the pin went first
    branch.no_show(called.id)
    qtbot.waitUntil(lambda: any(v.id == called.id for v in console.model.no_shows),
                    timeout=WAIT_MS)
    console.noshow_table.selectRow(0)
    _confirm(qtbot, console, console.ask_restore(), "客户回来了", "restore")

    # someone else's counter (T005 works counter 5), closed with a reason
    console.tabs.setCurrentIndex(1)
    console.select_counter(5)
    _confirm(qtbot, console, console.ask_counter_action("close"), "柜员午休", "counter_close")

    rows = {r.action: r for r in branch.audit_log(50)}
    signed = f"{DEMO_MANAGER[0]} {DEMO_MANAGER[1]}"
    expected = {"pin": ("老年客户", {"position": None}, {"position": 1}),
                "change_tier": ("客户资料核实为黄金", {"tier": "regular"}, {"tier": "gold"}),
                "call_ticket": ("预约客户", {"status": "waiting"},
                                {"status": "called", "counter": 2}),
                "transfer": ("业务选错", {"status": "waiting", "service": "B"},
                             {"status": "waiting", "service": "C", "to": "C",
                              "placement": "first"}),
                "cancel": ("客户离开", {"status": "waiting", "service": "C"},
                           {"status": "cancelled", "service": "C", "reason": "客户离开"}),
                "restore_no_show": ("客户回来了", {"status": "no_show"}, {"status": "waiting"}),
                "counter_close": ("柜员午休", {"status": "open", "staff": "T005"},
                                  {"status": "closed", "staff": None})}
    for action, (reason, before, after) in expected.items():
        r = rows[action]
        assert (r.actor, r.reason, r.before, r.after) == (signed, reason, before, after), action
    assert branch.ticket(a2.id).status == "waiting" and branch.ticket(b1.id).tier == "gold"
    assert branch.ticket(a1.id).status == "called"


def test_a_blank_reason_is_refused_and_nothing_is_applied(
        console: ConsoleWindow, branch: QueueService, qtbot: QtBot) -> None:
    t = branch.issue("A")
    _select(qtbot, console, t.id)
    d = console.ask_hall_action("cancel")
    assert d is not None
    d.set_reason("   ")
    d.ok.click()
    assert d.isVisible() and d.error.isVisible()  # the dialog says why and stays
    assert "原因" in d.error.text()
    d.reject()
    # the issue tab's reason too
    console.issue_reason.setText(" ")
    assert not console.issue_for()
    assert console.last_problem is not None and console.last_problem.kind == "reason"
    assert branch.audit_log() == [] and branch.ticket(t.id).status == "waiting"


def test_a_teller_cannot_act_through_a_console_dialog(
        qapp: QApplication, ui_font, branch: QueueService, settings: Settings,  # noqa: ANN001
        qtbot: QtBot) -> None:
    teller = branch.login(demo_teller(1), DEMO_TELLER_PIN)  # a teller's login, however got
    window = open_console(branch, settings, teller)
    try:
        t = branch.issue("A")
        _select(qtbot, window, t.id)
        d = window.ask_hall_action("pin")
        assert d is not None
        d.set_reason("想插队")
        with qtbot.waitSignal(window.action_failed, timeout=WAIT_MS):
            d.ok.click()
        assert window.last_problem is not None and window.last_problem.kind == "not_manager"
        assert window.banner.isVisible() and "大堂经理" in window.banner.text()
        assert branch.audit_log() == [] and branch.ticket(t.id).pin is None
    finally:
        close_console(window)


def test_the_audit_export_is_a_csv_that_parses(console: ConsoleWindow, branch: QueueService,
                                               qtbot: QtBot, tmp_path: Path) -> None:
    console.tabs.setCurrentIndex(4)
    console.notice_zh.setPlainText("今日对公业务 15:00 暂停")
    console.notice_en.setPlainText("Corporate pauses at 15:00")
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS):
        console.notice_button.click()
    assert branch.notice() == ("今日对公业务 15:00 暂停", "Corporate pauses at 15:00")
    t = branch.issue("B")
    _select(qtbot, console, t.id)
    _confirm(qtbot, console, console.ask_hall_action("pin"), "孕妇", "pin")
    console.audit_staff.setText(DEMO_MANAGER[0])
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS):
        console.load_audit()
    assert [r.action for r in console.audit_rows] == ["pin", "notice"]
    path = tmp_path / "audit.csv"
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS):
        console.export_audit(str(path))
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["action"] for r in rows] == ["pin", "notice"]
    assert rows[0]["reason"] == "孕妇" and rows[0]["staff_no"] == DEMO_MANAGER[0]
    assert rows[0]["ticket"] == t.number and '"position": 1' in rows[0]["after"]
    console.audit_action.setCurrentIndex(console.audit_action.findData("cancel"))
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS):
        console.load_audit()
    assert console.audit_rows == []


def test_an_alert_stays_until_acknowledged(console: ConsoleWindow, branch: QueueService,
                                           settings: Settings, qtbot: QtBot) -> None:
    vip = branch.issue("V", identify(GOLD_CARD, settings.hash_secret), station="KIOSK-1")
    qtbot.waitUntil(lambda: any(a.kind == "vip" for a in console.model.alerts.values()),
                    timeout=WAIT_MS)
    alert = next(a for a in console.model.alerts.values() if a.kind == "vip")
    assert alert.subject == vip.number and alert.detail["relationship_manager"]
    assert "*" in alert.detail["customer"] and GOLD_CARD not in str(alert.detail)
    branch.heartbeat("KIOSK-1", "kiosk", {"printer": "paper_out",
                                          "printer_since": "2026-11-24T09:59:00"})
    console.refresh_stations()
    qtbot.waitUntil(lambda: any(a.kind == "paper_out" for a in console.model.alerts.values()),
                    timeout=WAIT_MS)
    # still there after a full reload and more events
    with qtbot.waitSignal(console.live.snapshot, timeout=WAIT_MS):
        console.live.reload()
    branch.issue("A")
    qtbot.waitUntil(lambda: len(console.model.hall) == 2, timeout=WAIT_MS)
    assert alert.key in console.model.alerts
    console.tabs.setCurrentIndex(2)
    row = next(i for i in range(console.alerts_table.rowCount())
               if console.alerts_table.item(i, 0).data(256) == alert.key)
    console.alerts_table.selectRow(row)
    with qtbot.waitSignal(console.action_done, timeout=WAIT_MS):
        console.ack_button.click()
    assert alert.key not in console.model.alerts
    assert any(a.kind == "paper_out" for a in console.model.alerts.values())
    # shared: a second console (or this one restarted) does not show it again
    other = open_console(branch, settings, branch.login(DEMO_MANAGER[0], DEMO_MANAGER[2],
                                                    role="manager"), station="console-2")
    try:
        qtbot.waitUntil(lambda: any(a.kind == "paper_out" for a in other.model.alerts.values()),
                        timeout=WAIT_MS)
        assert alert.key not in other.model.alerts
    finally:
        close_console(other)


def test_issue_for_a_customer_prints_on_the_chosen_kiosk(
        console: ConsoleWindow, branch: QueueService, settings: Settings, qtbot: QtBot,
        tmp_path: Path) -> None:
    from kiosk.app import build_kiosk_window

    printer = PreviewPrinter(LayoutOptions.from_settings(settings.printer), tmp_path / "paper")
    kiosk = build_kiosk_window(settings, branch, station="KIOSK-7", printer=printer,
                               fullscreen=False)
    kiosk.show()
    try:
        kiosk.send_heartbeat()
        qtbot.waitUntil(lambda: console.issue_kiosk.findData("KIOSK-7") >= 0 or
                        bool(console.refresh_stations()), timeout=WAIT_MS)
        console.tabs.setCurrentIndex(3)
        console.issue_service.setCurrentIndex(console.issue_service.findData("B"))
        console.issue_kiosk.setCurrentIndex(console.issue_kiosk.findData("KIOSK-7"))
        console.issue_identifier.setText(GOLD_CARD)
        console.issue_reason.setText("老年客户，代为取号")
        with qtbot.waitSignal(kiosk.job_printed, timeout=WAIT_MS) as printed:
            assert console.issue_for()
        issued = console.last_issued
        assert issued is not None and console.issue_result.text() == issued.number
        assert issued.tier == "gold"  # from the directory, by the card typed
        outcome = printed.args[0]
        assert outcome.printer_error is None and outcome.view.number == issued.number
        assert [t.number for t in printer.printed] == [issued.number]
        assert (tmp_path / "paper" / f"{issued.number}.png").is_file()
        r = branch.audit_log(1)[0]
        assert (r.action, r.reason, r.after["kiosk"]) == ("issue_for", "老年客户，代为取号",
                                                          "KIOSK-7")
        # shown only: nothing printed anywhere
        console.issue_kiosk.setCurrentIndex(0)
        console.issue_reason.setText("客户自己记号")
        with qtbot.waitSignal(console.action_done, timeout=WAIT_MS):
            console.issue_for()
        qtbot.waitUntil(lambda: len(console.model.hall) == 2, timeout=WAIT_MS)
        assert len(printer.printed) == 1
    finally:
        kiosk._may_close = True
        kiosk.languages.set("zh")
        kiosk.close()
        kiosk.deleteLater()


def test_the_console_fits_a_smaller_screen_after_a_larger_one(
        console: ConsoleWindow, qtbot: QtBot) -> None:
    """Its type grows with the window's height; made smaller again, on every tab and in
    both languages, it takes the size asked for (the English title bar and the audit
    filters in large type once held it 13 pixels wider than a 1280-pixel screen)."""
    for lang in ("en", "zh"):
        console.set_language(lang)
        for tab in range(console.tabs.count()):
            console.tabs.setCurrentIndex(tab)
            console.resize(1920, 1080)
            qtbot.waitUntil(lambda: console.width() == 1920, timeout=WAIT_MS)
            console.resize(1280, 800)
            qtbot.waitUntil(lambda: console.height() == 800, timeout=WAIT_MS)
            assert console.width() == 1280, (lang, tab)
            assert console.minimumSizeHint().width() <= 1280, (lang, tab)
