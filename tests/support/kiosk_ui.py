"""Driving the kiosk window in tests: build one, click, wait for a screen, close it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from kiosk.devices.printer import PreviewPrinter
from kiosk.queue.service import QueueService

WAIT_MS = 5000


def click(qtbot: QtBot, widget: Any) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def wait_screen(qtbot: QtBot, window: Any, name: str) -> None:
    qtbot.waitUntil(lambda: window.screen_name == name and not window.busy, timeout=WAIT_MS)


def make_kiosk(qapp: QApplication, service: QueueService, settings: Settings,
               printer: PreviewPrinter, **timings: int):  # noqa: ANN201
    from kiosk.ui.flow import KioskFlow
    from kiosk.ui.i18n import Languages
    from kiosk.ui.kiosk_window import KioskTimings, KioskWindow

    base = dict(idle_ms=30_000, result_ms=10_000, greeting_ms=50, heartbeat_ms=60_000,
                recover_ms=50)
    base.update(timings)
    flow = KioskFlow(service, printer, settings, "kiosk-test")
    window = KioskWindow(flow, Languages(qapp), timings=KioskTimings(**base), fullscreen=True,
                         hide_cursor=settings.kiosk.hide_cursor)
    window.resize(1280, 800)
    window.show()
    return window


def close_kiosk(window) -> None:  # noqa: ANN001
    window.languages.set("zh")  # the translator is the application's: leave it as found
    window._may_close = True
    window.close()
    window.deleteLater()


