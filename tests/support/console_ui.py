"""The manager console as the UI tests open and close it: a real window at 1280×800."""

from __future__ import annotations

from typing import Any

from kiosk.config import Settings
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from kiosk.ui.console_window import ConsoleWindow
from kiosk.ui.demo import DEMO_MANAGER

WAIT_MS = 10_000


def open_console(service: QueueService, settings: Settings, actor: Actor | None = None,
                 station: str = "console-test") -> ConsoleWindow:
    """The console shown at 1280×800: the login page unless `actor` is given."""
    from kiosk.app import build_console_window

    window = build_console_window(settings, service, actor=actor, station=station)
    window.resize(1280, 800)
    window.show()
    return window


def open_manager_console(service: QueueService, settings: Settings, qtbot: Any,
                         station: str = "console-test") -> ConsoleWindow:
    """The demo manager's console, once it has read the feed."""
    actor = service.login(DEMO_MANAGER[0], DEMO_MANAGER[2], role="manager")
    window = open_console(service, settings, actor, station)
    qtbot.waitUntil(lambda: window.model.last_event_id > 0, timeout=WAIT_MS)
    return window


def close_console(window: ConsoleWindow) -> None:
    window.set_language("zh")
    window.shutdown()
    window.deleteLater()
