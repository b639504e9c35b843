"""`kiosk demo`, the README's first command, end to end: windows up, hall alive, PNGs, exit 0."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.app import build_demo, demo_clock_offset
from kiosk.config import Settings
from kiosk.ui.demo import DEMO_DISPLAYS, DEMO_TELLER_PANELS, HallSimulator

ROOT = Path(__file__).resolve().parents[2]


def test_demo_runs_for_a_fixed_time_and_saves_every_window(tmp_path: Path) -> None:
    shots = tmp_path / "shots"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK_VAR_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "demo", "--simulate", "--for", "6",
         "--screenshots", str(shots)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "kiosk demo: branch database" in done.stdout
    assert "booked customers (type the code at the kiosk" in done.stdout  # 预约 to try
    expected = ({"kiosk", "console", "console-figures"}
                | {name for name, _kind, _counter in DEMO_DISPLAYS}
                | {f"teller-{n}" for n in DEMO_TELLER_PANELS})
    assert {p.stem for p in shots.glob("*.png")} == expected
    for name in expected:
        with Image.open(shots / f"{name}.png") as img:
            assert img.width >= 300 and img.height >= 200, name
            lo, hi = img.convert("L").getextrema()
            assert hi - lo > 100, f"{name}.png is a blank frame"
    with Image.open(shots / "kiosk.png") as img:
        assert img.width >= 1000 and img.height >= 700


def test_the_demo_clock_moves_into_business_hours_only_when_outside_them(
        settings: Settings) -> None:
    assert demo_clock_offset(settings, datetime(2026, 11, 24, 11, 0)) == timedelta(0)
    late = datetime(2026, 11, 24, 22, 15)
    assert late + demo_clock_offset(settings, late) == datetime(2026, 11, 24, 10, 0)


def test_simulated_hall_issues_and_calls_tickets(qtbot: QtBot, qapp: QApplication,
                                                 settings: Settings, tmp_path: Path) -> None:
    branch_now = datetime.now(settings.branch.tz).replace(tzinfo=None)
    demo = build_demo(settings, tmp_path, simulate=False, voice=False,
                      offset=branch_now.replace(hour=10, minute=0) - branch_now)
    sim = HallSimulator(demo.service, seed=3, tick_ms=20)
    try:
        sim.start()
        qtbot.waitUntil(lambda: len(demo.service.recent_calls()) >= 3, timeout=15000)
        assert demo.service.waiting() or demo.service.recent_calls()
        names = [name for name, _ in demo.windows]
        assert names[0] == "kiosk" and not demo.kiosk.kiosk_mode  # a normal window in the demo
        console = demo.console  # its Figures tab has the demo's day, live
        assert console is not None
        console.tabs.setCurrentWidget(console.figures_page)
        arrived = console.figures_pane.cards["arrived"][0]
        qtbot.waitUntil(lambda: arrived.text().isdigit() and int(arrived.text()) >= 3,
                        timeout=15000)
    finally:
        sim.stop()
        demo.kiosk.languages.set("zh")
        demo.close()


def test_the_demo_opens_logged_in_teller_panels_the_simulator_leaves_alone(
        qtbot: QtBot, qapp: QApplication, settings: Settings, tmp_path: Path) -> None:
    branch_now = datetime.now(settings.branch.tz).replace(tzinfo=None)
    demo = build_demo(settings, tmp_path, simulate=True, voice=False,
                      offset=branch_now.replace(hour=10, minute=0) - branch_now)
    try:
        panels = dict(demo.tellers)
        assert sorted(panels) == ["teller-1", "teller-3"]
        for panel in panels.values():
            qtbot.waitUntil(lambda p=panel: p.model.actor is not None and p.model.loaded,
                            timeout=15000)
            assert not panel.login_dialog.isVisible()
        assert panels["teller-3"].model.actor.staff_no == "T003"  # type: ignore[union-attr]
        assert demo.simulator is not None and demo.simulator.skip_counters == {1, 3}
        demo.simulator.timer.setInterval(20)
        demo.simulator.start()
        qtbot.waitUntil(lambda: len(demo.service.recent_calls()) >= 4, timeout=20000)
        assert {c.counter for c in demo.service.recent_calls()}.isdisjoint({1, 3})
        # the panel's teller calls at counter 3 as at a real counter
        demo.simulator.stop()
        demo.service.issue("B")
        panel = panels["teller-3"]
        panel.show()
        qtbot.waitUntil(lambda: panel.model.can("call_next") and panel.model.waiting > 0,
                        timeout=20000)
        qtbot.mouseClick(panel.buttons["call_next"], Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: panel.model.busy is None and panel.worker.pending == 0,
                        timeout=10000)
        assert panel.model.current is not None, (panel.model.notice, panel.model.status)
        assert demo.service.counter(3).current is not None
    finally:
        demo.kiosk.languages.set("zh")
        demo.close()


def test_the_demos_tickets_open_their_page_on_the_demos_web_station(
        qtbot: QtBot, qapp: QApplication, settings: Settings, tmp_path: Path) -> None:
    import urllib.request

    from kiosk.devices.ticket import ticket_data

    branch_now = datetime.now(settings.branch.tz).replace(tzinfo=None)
    demo = build_demo(settings, tmp_path, simulate=False, voice=False,
                      offset=branch_now.replace(hour=10, minute=0) - branch_now)
    try:
        assert demo.web is not None and demo.web.url.startswith("http://127.0.0.1:")
        view = demo.service.issue("A")
        qr = ticket_data(view, demo.kiosk.flow.settings).qr
        assert qr.startswith(demo.web.url + "t/")  # what the demo's kiosk prints
        qtbot.waitUntil(lambda: demo.web.station.hub.online, timeout=10000)
        with urllib.request.urlopen(qr, timeout=10) as r:
            page = r.read().decode()
        assert r.status == 200 and view.number in page
        assert "前面还有" in page or "下一位就是您" in page
    finally:
        demo.kiosk.languages.set("zh")
        demo.close()
