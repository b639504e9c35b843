"""A resident ID card on a GA/T 467 serial reader (pty emulator) identifies the customer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from kiosk.devices.idcard import IdCardReader
from kiosk.devices.printer import PreviewPrinter
from kiosk.queue.service import QueueService
from kiosk.ui.flow import KioskFlow
from kiosk.ui.i18n import Languages
from kiosk.ui.kiosk_window import KioskTimings, KioskWindow
from kiosk.ui.readers import ReaderThread
from tests.support.idreader_emulator import IdReaderEmulator
from tests.support.kiosk_ui import WAIT_MS, click, close_kiosk, wait_screen


@pytest.fixture
def emulator() -> Iterator[IdReaderEmulator]:
    emu = IdReaderEmulator()
    yield emu
    emu.close()


@pytest.fixture
def id_kiosk(qapp, ui_font, branch: QueueService, kiosk_settings: Settings,  # noqa: ANN001
             preview_printer: PreviewPrinter, emulator: IdReaderEmulator) -> Iterator:
    readers = ReaderThread(kiosk_settings.hash_secret,
                           id_reader=IdCardReader(emulator.path, timeout_s=0.5),
                           interval_ms=30)
    flow = KioskFlow(branch, preview_printer, kiosk_settings, "kiosk-test", reader_state="ok")
    window = KioskWindow(flow, Languages(qapp), fullscreen=False, readers=readers,
                         timings=KioskTimings(greeting_ms=60_000, heartbeat_ms=60_000))
    window.show()
    yield window
    window.shutdown()
    close_kiosk(window)


def test_an_id_card_on_the_reader_greets_and_issues_once(
        qtbot: QtBot, id_kiosk: KioskWindow, branch: QueueService,
        emulator: IdReaderEmulator) -> None:
    wait_screen(qtbot, id_kiosk, "identified")
    assert id_kiosk.identified.who.text() == "王*明，您好"  # the name on the card, masked
    assert id_kiosk.identified.salute.text() == "欢迎光临"  # not in the directory: regular
    click(qtbot, id_kiosk.identified.go)
    wait_screen(qtbot, id_kiosk, "services")
    click(qtbot, id_kiosk.services.buttons["B"])
    wait_screen(qtbot, id_kiosk, "result")
    [ticket] = branch.waiting()
    assert (ticket.service, ticket.customer_masked) == ("B", "王*明")
    id_kiosk.show_home()
    qtbot.wait(200)  # the card still lies on the reader: it is not read again
    assert id_kiosk.screen_name == "home"


def test_an_unplugged_reader_is_reported_offline(
        qtbot: QtBot, id_kiosk: KioskWindow, emulator: IdReaderEmulator) -> None:
    wait_screen(qtbot, id_kiosk, "identified")
    emulator.unplug()
    qtbot.waitUntil(lambda: id_kiosk.flow.reader_state == "offline", timeout=WAIT_MS)
