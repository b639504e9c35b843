"""The kiosk, driven like a customer drives it: key bursts from the card reader, touches."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLayoutItem
from pytestqt.qtbot import QtBot
from shiboken6 import Shiboken

from kiosk.devices.printer import PreviewPrinter
from kiosk.devices.ticket import encode_text
from kiosk.queue.service import QueueService
from kiosk.ui.kiosk_window import KioskWindow
from tests.support.kiosk_ui import WAIT_MS, click, close_kiosk, make_kiosk, wait_screen

GOLD_TRACK2 = ";6228483000000030004=28121010000?"  # 欧阳建国, gold (customers-example.csv)
PLATINUM_ID = "320102196503030042"  # 马云飞, platinum
def swipe(window: KioskWindow, text: str) -> None:
    """What a keyboard-wedge reader does: the track as fast keystrokes, then Enter."""
    QTest.keyClicks(window, text)
    QTest.keyClick(window, Qt.Key.Key_Return)


def open_tickets(service: QueueService) -> list:
    return service.waiting()


def test_swipe_greets_a_gold_customer_and_prints_a_priority_ticket(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService,
        preview_printer: PreviewPrinter) -> None:
    swipe(kiosk, GOLD_TRACK2)
    wait_screen(qtbot, kiosk, "identified")
    assert kiosk.identified.salute.text() == "尊敬的黄金客户"
    assert "欧**国" in kiosk.identified.who.text()
    wait_screen(qtbot, kiosk, "services")  # the greeting moves on by itself
    click(qtbot, kiosk.services.buttons["B"])  # the one touch from swipe to ticket
    wait_screen(qtbot, kiosk, "result")

    number = kiosk.result.number.text()
    assert number.startswith("B")
    assert encode_text(number) in preview_printer.last_bytes
    [ticket] = open_tickets(branch)
    assert (ticket.number, ticket.status, ticket.tier) == (number, "waiting", "gold")
    assert ticket.customer_masked == "欧**国"
    kinds = [e.kind for e in branch.events_since(0)]
    assert "vip_arrival" in kinds


def test_manual_id_entry_to_ticket(qtbot: QtBot, kiosk: KioskWindow, branch: QueueService,
                                   preview_printer: PreviewPrinter) -> None:
    click(qtbot, kiosk.home.manual_button)
    wait_screen(qtbot, kiosk, "manual")
    for key in PLATINUM_ID:
        click(qtbot, kiosk.manual.keypad.buttons[key])
    assert kiosk.manual.entry.text() == "3201 0219 6503 0300 42"
    click(qtbot, kiosk.manual.ok)
    wait_screen(qtbot, kiosk, "identified")
    assert kiosk.identified.salute.text() == "尊敬的白金客户"
    click(qtbot, kiosk.identified.go)
    wait_screen(qtbot, kiosk, "services")
    click(qtbot, kiosk.services.buttons["V"])
    wait_screen(qtbot, kiosk, "result")
    [ticket] = open_tickets(branch)
    assert (ticket.service, ticket.tier) == ("V", "platinum")
    assert encode_text(ticket.number) in preview_printer.last_bytes


def test_no_card_takes_two_touches(qtbot: QtBot, kiosk: KioskWindow, branch: QueueService,
                                   preview_printer: PreviewPrinter) -> None:
    click(qtbot, kiosk.home.no_card_button)
    wait_screen(qtbot, kiosk, "services")
    assert not kiosk.services.who.isVisible()  # nobody to greet
    click(qtbot, kiosk.services.buttons["A"])
    wait_screen(qtbot, kiosk, "result")
    assert kiosk.result.number.text() == "A001"
    assert kiosk.result.ahead.text() == "前面没有人等候，请留意叫号"
    [ticket] = open_tickets(branch)
    assert (ticket.number, ticket.tier, ticket.customer_masked) == ("A001", "regular", "")
    assert preview_printer.printed[-1].number == "A001"


def test_a_second_touch_while_issuing_gives_no_second_ticket(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService) -> None:
    click(qtbot, kiosk.home.no_card_button)
    wait_screen(qtbot, kiosk, "services")
    button = kiosk.services.buttons["B"]
    click(qtbot, button)
    click(qtbot, button)
    wait_screen(qtbot, kiosk, "result")
    qtbot.waitUntil(lambda: kiosk.worker.pending == 0, timeout=WAIT_MS)
    assert [t.number for t in open_tickets(branch)] == ["B001"]


def test_the_service_screen_shows_waiting_and_closed_services(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService, clock) -> None:  # noqa: ANN001
    for _ in range(3):
        branch.issue("B")
    clock.now = clock.now.replace(hour=16, minute=35)  # cash stops at 16:30, corporate 16:00
    click(qtbot, kiosk.home.no_card_button)
    wait_screen(qtbot, kiosk, "services")
    b = kiosk.services.buttons
    assert b["B"].isEnabled() and b["B"].info.text().startswith("等候 3 人，约")
    assert not b["A"].isEnabled() and b["A"].info.text() == "16:30 停止取号"
    assert not b["C"].isEnabled() and b["C"].info.text() == "16:00 停止取号"
    assert "智能柜台" in kiosk.services.hints.text()  # B's self-service hint


def layout_item_wrappers() -> int:
    """Wrappers PySide holds for layout items (a widget's or a stretch's place in a layout),
    once every object waiting for `deleteLater` is gone."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return sum(1 for o in Shiboken.getAllValidWrappers()
               if isinstance(o, QLayoutItem) and not isinstance(o, QObject))


def test_customer_after_customer_no_layout_item_wrapper_piles_up(
        qtbot: QtBot, kiosk: KioskWindow) -> None:
    """Every customer gets new service buttons and the screens are fitted again. Qt deletes
    the layout item of an old button by itself, so a wrapper PySide kept for it stays
    registered under a freed address; an object Qt later makes there is taken for it, and
    deleting that object crashed the program (shiboken's Object::destroy). Before the fix
    four more such wrappers stayed for every customer."""

    def customer() -> None:
        click(qtbot, kiosk.home.no_card_button)
        wait_screen(qtbot, kiosk, "services")
        click(qtbot, kiosk.services.back_button)
        wait_screen(qtbot, kiosk, "home")

    customer()
    held = layout_item_wrappers()  # the items of the buttons on show: freed with them
    for size in ((1080, 1920), (1024, 768), (1280, 800)):  # one and two columns
        kiosk.resize(*size)
        customer()
    assert layout_item_wrappers() == held


def test_people_typing_on_a_keyboard_are_not_a_swipe(qtbot: QtBot, kiosk: KioskWindow) -> None:
    t = [0.0]

    def slow_keys() -> float:
        t[0] += 0.18  # a person: about 180 ms a key
        return t[0]

    kiosk.key_clock = slow_keys
    swipe(kiosk, GOLD_TRACK2)
    qtbot.wait(50)
    assert kiosk.screen_name == "home" and kiosk.worker.pending == 0


def test_an_unreadable_swipe_says_so_calmly(qtbot: QtBot, kiosk: KioskWindow) -> None:
    swipe(kiosk, ";6228483000000030005=28121010000?")  # a misread: check digit fails
    wait_screen(qtbot, kiosk, "message")
    assert kiosk.message.title.text() == "未能读取您的卡片"
    click(qtbot, kiosk.message.retry_button)  # offers taking a number without the card
    wait_screen(qtbot, kiosk, "services")


def test_garbage_from_the_reader_is_an_unreadable_card(qtbot: QtBot, kiosk: KioskWindow) -> None:
    swipe(kiosk, "%E?;E?+E?garbage")
    wait_screen(qtbot, kiosk, "message")
    assert kiosk.message.kind == "card_unreadable"


def test_an_invalid_id_number_asks_to_check_it(qtbot: QtBot, kiosk: KioskWindow,
                                               branch: QueueService) -> None:
    click(qtbot, kiosk.home.manual_button)
    for key in "110105194912310021":  # the check character should be X
        kiosk.manual.key(key)
    click(qtbot, kiosk.manual.ok)
    wait_screen(qtbot, kiosk, "message")
    assert kiosk.message.title.text() == "号码有误"
    click(qtbot, kiosk.message.retry_button)
    wait_screen(qtbot, kiosk, "manual")
    assert kiosk.manual.entry.text() == ""
    assert open_tickets(branch) == []


def test_result_goes_home_by_itself(qtbot: QtBot, qapp, ui_font, branch: QueueService,  # noqa: ANN001
                                    kiosk_settings, preview_printer: PreviewPrinter) -> None:

    window = make_kiosk(qapp, branch, kiosk_settings, preview_printer, result_ms=300)
    try:
        click(qtbot, window.home.no_card_button)
        wait_screen(qtbot, window, "services")
        click(qtbot, window.services.buttons["A"])
        wait_screen(qtbot, window, "result")
        wait_screen(qtbot, window, "home")
    finally:
        close_kiosk(window)


def test_idle_customer_goes_back_home_in_chinese(qtbot: QtBot, qapp, ui_font,  # noqa: ANN001
                                                 branch: QueueService, kiosk_settings,
                                                 preview_printer: PreviewPrinter) -> None:

    window = make_kiosk(qapp, branch, kiosk_settings, preview_printer, idle_ms=300)
    try:
        click(qtbot, window.topbar.language)
        click(qtbot, window.home.manual_button)
        wait_screen(qtbot, window, "manual")
        assert window.languages.current == "en"
        wait_screen(qtbot, window, "home")
        assert window.languages.current == "zh"
        assert window.home.title.text() == "请刷卡或插入身份证"
        assert open_tickets(branch) == []
    finally:
        close_kiosk(window)


def test_a_hall_longer_than_the_forecast_looks_gets_a_lower_bound(
        qtbot: QtBot, kiosk: KioskWindow, branch: QueueService,
        preview_printer: PreviewPrinter, monkeypatch) -> None:  # noqa: ANN001
    """Beyond the forecast's horizon the button, the screen and the ticket say "over"
    and "more than", not a figure nobody could keep."""
    from kiosk.queue import forecast, rules

    monkeypatch.setattr(forecast, "HORIZON", rules.Horizon(seconds=3 * 3600.0, calls=2))
    for _ in range(6):
        branch.issue("B")
    click(qtbot, kiosk.home.no_card_button)
    wait_screen(qtbot, kiosk, "services")
    info = kiosk.services.buttons["B"].info.text()
    assert info.startswith("等候 6 人，") and info.endswith("以上"), info
    click(qtbot, kiosk.services.buttons["B"])
    wait_screen(qtbot, kiosk, "result")
    assert kiosk.result.ahead.text() == "前面超过 2 人"
    assert kiosk.result.wait.isVisible() and kiosk.result.wait.text().endswith("以上")
    printed = preview_printer.printed[-1]
    assert printed.beyond and printed.ahead == 2
