"""A call made in the manager console (the real window) reaches the hall display and the
teller's view in other processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QComboBox
from pytestqt.qtbot import QtBot

from kiosk.config import Settings
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from tests.conftest import EXAMPLE_CONFIG, MANAGER_PIN, ROOT, FakeClock
from tests.integration.test_feed_processes import DisplayProcess

pytestmark = [pytest.mark.slow,
              pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints")]


def test_a_call_from_the_console_reaches_the_display_and_the_teller(
        qapp: QApplication, db_url: str, tmp_path: Path, settings: Settings,
        clock: FakeClock, qtbot: QtBot) -> None:
    from kiosk.app import build_console_window

    service = QueueService(Database(db_url), settings, clock)
    service.prepare()
    service.staff.add("M001", "张经理", "manager", MANAGER_PIN)
    service.staff.add("T003", "王柜员", "teller", "1357")
    service.open_counter(3, actor=service.login("T003", "1357"))
    waiting = [service.issue("B") for _ in range(3)]
    clock.advance(10)
    display = DisplayProcess(db_url, tmp_path)
    window = build_console_window(settings, service,
                                  actor=service.login("M001", MANAGER_PIN, role="manager"))
    window.show()
    try:
        display.wait_until("loaded its first state", lambda: display.snapshots > 0)
        qtbot.waitUntil(lambda: window.select_ticket(waiting[2].id), timeout=10_000)
        dialog = window.ask_hall_action("call")
        assert dialog is not None
        counter = dialog.findChildren(QComboBox)[0]
        counter.setCurrentIndex(counter.findData(3))
        dialog.set_reason("预约客户")
        with qtbot.waitSignal(window.action_done, timeout=10_000):
            dialog.ok.click()
        display.wait_until("saw the console's call", lambda: len(display.calls) >= 1)
        assert [(c["number"], c["counter"]) for c in display.calls] == [(waiting[2].number, 3)]
        env = {**os.environ, "KIOSK_NOW": "2026-11-24T10:00:10",
               "KIOSK_VAR_DIR": str(tmp_path)}
        shown = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "counter", "show", "3", "--db", db_url,
             "--config", str(EXAMPLE_CONFIG), "--json"],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
        assert shown.returncode == 0, shown.stderr
        teller_view = json.loads(shown.stdout)
        assert teller_view["current"]["number"] == waiting[2].number
        assert teller_view["current"]["status"] == "called"
        qtbot.waitUntil(lambda: waiting[2].id not in window.model.hall, timeout=10_000)
    finally:
        display.stop()
        window.shutdown()
        window.deleteLater()
        service.db.dispose()
