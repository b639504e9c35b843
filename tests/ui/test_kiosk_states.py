"""Paper out, database outages, heartbeat, staying full screen, languages, large print."""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from kiosk.devices.printer import PreviewPrinter, PrinterState
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.queue.views import StationRecord
from kiosk.ui.demo import prepare_demo_branch
from kiosk.ui.i18n import I18N_DIR
from kiosk.ui.kiosk_window import KioskWindow
from kiosk.ui.qtfonts import missing_glyphs
from tests.support.kiosk_ui import WAIT_MS, click, close_kiosk, make_kiosk, wait_screen

TS = I18N_DIR / "kiosk_en.ts"
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def station(service: QueueService, name: str = "kiosk-test") -> StationRecord | None:
    return next((s for s in service.stations() if s.name == name), None)


def test_paper_out_still_gives_a_valid_number_and_tells_the_manager(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService,
        preview_printer: PreviewPrinter) -> None:
    preview_printer.state = PrinterState.PAPER_OUT
    click(qtbot, kiosk.home.no_card_button)
    wait_screen(qtbot, kiosk, "services")
    click(qtbot, kiosk.services.buttons["B"])
    wait_screen(qtbot, kiosk, "result")
    assert kiosk.result.number.text() == "B001"
    assert kiosk.result.notice.isVisible()
    assert "缺纸" in kiosk.result.notice.text() and "仍然有效" in kiosk.result.notice.text()
    assert not kiosk.result.take.isVisible()
    assert not kiosk.result.preview.pixmap().isNull()  # the ticket with its QR, on screen
    assert preview_printer.printed == []
    assert [(t.number, t.status) for t in branch.waiting()] == [("B001", "waiting")]
    qtbot.waitUntil(lambda: (row := station(branch)) is not None
                    and row.state.get("printer") == "paper_out",
                    timeout=WAIT_MS)


def test_heartbeat_reports_the_station_and_its_devices(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService) -> None:
    kiosk.send_heartbeat()
    qtbot.waitUntil(lambda: station(branch) is not None, timeout=WAIT_MS)
    row = station(branch)
    assert row is not None and row.kind == "kiosk" and row.alive
    assert row.state["printer"] == "ready" and row.state["reader"] == "wedge"
    assert row.state["in_service"] is True


def test_database_outage_shows_out_of_service_and_recovers_by_itself(
        qtbot: QtBot, qapp, ui_font, tmp_path: Path, settings: Settings,  # noqa: ANN001
        kiosk_settings: Settings, clock, preview_printer: PreviewPrinter) -> None:  # noqa: ANN001
    home = tmp_path / "branch"
    service = QueueService(Database(f"sqlite:///{home / 'branch.db'}"), settings, clock)
    service.prepare()
    prepare_demo_branch(service)
    window = make_kiosk(qapp, service, kiosk_settings, preview_printer)
    away = tmp_path / "unplugged"
    try:
        qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=WAIT_MS)
        home.rename(away)  # the database goes away...
        service.db.dispose()  # ...and with it every open connection
        click(qtbot, window.home.no_card_button)
        wait_screen(qtbot, window, "out_of_service")
        assert window.offline.title.text() == "本机暂停服务"
        click(qtbot, window.offline)  # touching does nothing while out of service
        assert window.screen_name == "out_of_service"
        away.rename(home)  # back again: the kiosk notices by itself
        wait_screen(qtbot, window, "home")
        click(qtbot, window.home.no_card_button)
        wait_screen(qtbot, window, "services")
        click(qtbot, window.services.buttons["A"])
        wait_screen(qtbot, window, "result")
        assert window.result.number.text() == "A001"
    finally:
        close_kiosk(window)
        service.db.dispose()


def test_escape_alt_f4_and_close_do_not_leave_full_screen(
        qtbot: QtBot, kiosk: KioskWindow) -> None:
    click(qtbot, kiosk.home.no_card_button)
    wait_screen(qtbot, kiosk, "services")
    QTest.keyClick(kiosk, Qt.Key.Key_Escape)
    QTest.keyClick(kiosk, Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier)
    assert not kiosk.close()
    assert kiosk.isVisible() and kiosk.screen_name == "services"
    assert kiosk.cursor().shape() == Qt.CursorShape.BlankCursor


def _type(qtbot: QtBot, entry, text: str) -> None:  # noqa: ANN001
    for key in text:
        buttons = {**entry.keypad.buttons, **entry.keypad.letters}
        click(qtbot, buttons[key])
    click(qtbot, entry.ok)


def _try_exit(qtbot: QtBot, kiosk: KioskWindow, staff_no: str, pin: str) -> None:
    for _ in range(5):
        click(qtbot, kiosk.topbar.clock)
    wait_screen(qtbot, kiosk, "staff")
    _type(qtbot, kiosk.staff_entry, staff_no)
    wait_screen(qtbot, kiosk, "pin")
    _type(qtbot, kiosk.pin, pin)


def test_only_a_managers_staff_number_and_pin_end_kiosk_mode(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService) -> None:
    """No PIN in the branch file: the demo branch's manager (M001, 2468) leaves; a teller
    and a wrong PIN do not, and say so on the screen."""
    branch.staff.add("M9", "实习柜员", "teller", "1357")
    _try_exit(qtbot, kiosk, "M9", "1357")  # a teller's right PIN
    qtbot.waitUntil(lambda: kiosk.pin.title.text() == "工号或密码错误，请重试", timeout=WAIT_MS)
    assert kiosk.isVisible() and kiosk.screen_name == "pin"
    assert set(kiosk.staff_entry.keypad.letters) == {"M"}  # managers' staff numbers start M
    click(qtbot, kiosk.pin.cancel)
    _try_exit(qtbot, kiosk, "M001", "1111")
    qtbot.waitUntil(lambda: kiosk.pin.title.text() == "工号或密码错误，请重试", timeout=WAIT_MS)
    assert kiosk.isVisible() and kiosk.pin.entry.text() == ""
    _type(qtbot, kiosk.pin, "2468")
    with qtbot.waitSignal(kiosk.exit_requested, timeout=WAIT_MS):
        pass
    assert not kiosk.isVisible()


def test_the_kiosk_exit_locks_after_five_wrong_pins(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService) -> None:
    _try_exit(qtbot, kiosk, "M001", "0000")
    for _ in range(4):
        qtbot.waitUntil(lambda: kiosk.pin.entry.text() == "" and not kiosk.worker.pending,
                        timeout=WAIT_MS)
        _type(qtbot, kiosk.pin, "0000")
    qtbot.waitUntil(lambda: kiosk.pin.title.text() == "该工号已锁定，请稍后再试", timeout=WAIT_MS)
    _type(qtbot, kiosk.pin, "2468")  # the right PIN, while locked
    qtbot.waitUntil(lambda: not kiosk.worker.pending, timeout=WAIT_MS)
    assert kiosk.isVisible() and kiosk.pin.title.text() == "该工号已锁定，请稍后再试"


def visible_texts(window: QWidget) -> list[str]:
    out = []
    for w in window.findChildren(QWidget):
        if not w.isVisibleTo(window):
            continue
        if isinstance(w, QLabel | QAbstractButton) and w.text().strip():
            out.append(w.text())
    return out


def wordy(text: str) -> bool:
    """Text a customer reads (not a ticket number, a time or a key of the keypad)."""
    return bool(re.search(r"[A-Za-z]{2,}|" + CJK.pattern, text)) and not re.fullmatch(
        r"[A-Z]\d{3}", text)


def test_language_switch_changes_every_visible_string(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService) -> None:
    branch.issue("B")
    screens = []

    def walk() -> None:
        screens.append(("home", visible_texts(kiosk)))
        click(qtbot, kiosk.home.no_card_button)
        wait_screen(qtbot, kiosk, "services")
        screens.append(("services", visible_texts(kiosk)))
        click(qtbot, kiosk.services.buttons["B"])
        wait_screen(qtbot, kiosk, "result")
        screens.append(("result", visible_texts(kiosk)))
        kiosk.show_message("card_unreadable")
        screens.append(("message", visible_texts(kiosk)))
        click(qtbot, kiosk.message.home_button)
        wait_screen(qtbot, kiosk, "home")

    walk()
    zh = dict(screens)
    screens.clear()
    click(qtbot, kiosk.topbar.language)
    assert kiosk.home.title.text() == "Please swipe your card or insert your ID card"
    kiosk.languages.set("en")  # the walk goes home, which resets to Chinese: stay in English
    kiosk.show_home = lambda: kiosk._show(kiosk.home)  # type: ignore[method-assign]
    kiosk.retranslate()
    walk()
    en = dict(screens)
    for name, texts in en.items():
        chinese = [t for t in texts if CJK.search(t) and t != "中文"]
        assert chinese == [], f"{name} still shows Chinese: {chinese}"
        assert len(texts) == len(zh[name])
        unchanged = [a for a, b in zip(zh[name], texts, strict=True) if a == b and wordy(a)]
        assert unchanged == [], f"{name} did not change: {unchanged}"


def test_the_screen_font_draws_every_chinese_string(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService, ui_font) -> None:  # noqa: ANN001
    assert ui_font.missing == ""
    texts: list[tuple[QWidget, str]] = []
    click(qtbot, kiosk.home.no_card_button)
    wait_screen(qtbot, kiosk, "services")
    for screen in kiosk.screens:
        kiosk.stack.setCurrentWidget(screen)
        for w in screen.findChildren(QLabel) + screen.findChildren(QAbstractButton):
            if CJK.search(w.text()):
                texts.append((w, w.text()))
    assert len(texts) > 20
    for widget, text in texts:
        assert missing_glyphs(widget.font(), text) == "", f"{text!r}: the font lacks glyphs"
    sources = [m.findtext("source") or "" for m in ET.parse(TS).getroot().iter("message")]
    every_string = "".join(sources)
    assert len(sources) > 40 and CJK.search(every_string)
    assert missing_glyphs(kiosk.home.title.font(), every_string) == ""


def test_large_print_makes_the_type_bigger(qtbot: QtBot, kiosk: KioskWindow) -> None:
    before = kiosk.home.title.fontInfo().pixelSize()
    click(qtbot, kiosk.topbar.large)
    assert kiosk.large_print
    assert kiosk.home.title.fontInfo().pixelSize() >= before * 1.25


class FakeSlowPrinter(PreviewPrinter):
    """A printer that takes as long as the test wants (a slow serial line)."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release
        self.printing_on: threading.Thread | None = None

    def print_ticket(self, ticket) -> None:  # noqa: ANN001
        self.printing_on = threading.current_thread()
        self.release.wait(10)
        super().print_ticket(ticket)


def test_a_slow_printer_never_freezes_the_screen(
        qtbot: QtBot, qapp, ui_font, branch: QueueService,  # noqa: ANN001
        kiosk_settings: Settings) -> None:
    release = threading.Event()
    printer = FakeSlowPrinter(release)
    window = make_kiosk(qapp, branch, kiosk_settings, printer)
    try:
        click(qtbot, window.home.no_card_button)
        wait_screen(qtbot, window, "services")
        click(qtbot, window.services.buttons["A"])
        qtbot.waitUntil(lambda: printer.printing_on is not None, timeout=WAIT_MS)
        assert printer.printing_on is not threading.main_thread()
        click(qtbot, window.topbar.language)  # the screen still answers while printing
        assert window.services.title.text() == "Please choose a service"
        assert window.screen_name == "services"
        release.set()
        wait_screen(qtbot, window, "result")
        assert window.result.number.text() == "A001"
    finally:
        release.set()
        close_kiosk(window)
