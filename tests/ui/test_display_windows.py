"""The hall display and the counter display on screen (offscreen), and the live feed in Qt:
what a customer in the hall sees and hears."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtGui import QFont, QFontMetrics, QImage  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel, QWidget  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

from kiosk.app import build_display_window  # noqa: E402
from kiosk.config import Settings  # noqa: E402
from kiosk.devices.announcer import AnnouncementQueue  # noqa: E402
from kiosk.queue.db import Database  # noqa: E402
from kiosk.queue.feed import read_snapshot  # noqa: E402
from kiosk.queue.service import QueueService  # noqa: E402
from kiosk.ui.display import DisplayModel  # noqa: E402
from kiosk.ui.display_station import DisplayStation  # noqa: E402
from kiosk.ui.display_windows import (  # noqa: E402
    MARQUEE_STEP_PX,
    CounterWindow,
    HallWindow,
    Marquee,
    display_font_family,
)
from tests.conftest import FakeClock  # noqa: E402
from tests.support.players import FakePlayer  # noqa: E402

QT_NOISE = (
    r"PulseAudioService: pa_context_connect\(\) failed",
    r"No audio device detected",
    r"Couldn't (load|resolve) .+",
    r"This plugin does not support propagateSizeHints\(\)",
)
pytestmark = pytest.mark.qt_log_ignore(*QT_NOISE)
SCREENSHOTS = os.environ.get("KIOSK_SCREENSHOT_DIR", "")


def texts(window: QWidget) -> str:
    """Everything the window shows as text (labels and the notice)."""
    parts = [label.text() for label in window.findChildren(QLabel)]
    parts += [m.text for m in window.findChildren(Marquee)]
    return "\n".join(parts)


def save(window: QWidget, tmp_path: Path, name: str) -> QImage:
    QApplication.processEvents()
    pixmap = window.grab()
    target = Path(SCREENSHOTS) if SCREENSHOTS else tmp_path
    target.mkdir(parents=True, exist_ok=True)
    assert pixmap.save(str(target / name))
    return pixmap.toImage()


@pytest.fixture
def hall_branch(sqlite_queue: QueueService, clock: FakeClock) -> QueueService:
    """Counters 1-3 open, 4 paused; a VIP customer with a masked name is called."""
    q = sqlite_queue
    for c in (1, 2, 3, 4):
        q.open_counter(c)
    q.pause_counter(4)
    for service in "AABBCV":
        q.issue(service)
        clock.advance(40)
    q.staff.add("M001", "张经理", "manager", "2468")
    q.issue_for("A", tier="gold", customer_masked="王*明", actor=q.login("M001", "2468"),
                reason="gold customer without the card")
    clock.advance(600)
    for c in (1, 2, 3):
        q.call_next(c)
        clock.advance(20)
    return q


def model_of(service: QueueService, settings: Settings) -> DisplayModel:
    model = DisplayModel(settings)
    model.load(read_snapshot(service, model.recent_limit))
    model.set_online(True)
    return model


def test_hall_display_shows_the_latest_call_big_and_never_a_name(
        qtbot: QtBot, hall_branch: QueueService, settings: Settings, clock: FakeClock,
        tmp_path: Path) -> None:
    model = model_of(hall_branch, settings)
    window = HallWindow(model, settings, clock)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    latest = model.latest
    assert latest is not None
    shown = texts(window)
    assert latest.number in shown and f">{latest.counter}<" in shown.replace(" ", "")
    assert "请 " in shown and "号窗口" in shown and "please go to counter" in shown
    assert "等候" in shown and "waiting" in shown
    assert settings.branch.name_zh in shown and "10:" in shown  # branch and clock
    assert "王" not in shown and "*" not in shown  # numbers only, never a name
    assert window.offline.isHidden()
    image = save(window, tmp_path, "hall-display.png")
    assert (image.width(), image.height()) == (1920, 1080)


def test_hall_display_marks_offline_and_keeps_the_last_state(
        qtbot: QtBot, hall_branch: QueueService, settings: Settings, clock: FakeClock,
        tmp_path: Path) -> None:
    model = model_of(hall_branch, settings)
    window = HallWindow(model, settings, clock)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    before = window.call.text()
    model.set_online(False)
    assert window.offline.isVisible()
    assert "离线" in window.offline.text() and "offline" in window.offline.text()
    assert window.call.text() == before
    save(window, tmp_path, "hall-display-offline.png")


def test_counter_display_shows_its_ticket_or_paused(
        qtbot: QtBot, hall_branch: QueueService, settings: Settings, clock: FakeClock,
        tmp_path: Path) -> None:
    model = model_of(hall_branch, settings)
    serving = CounterWindow(model, settings, 3, clock)
    paused = CounterWindow(model, settings, 4, clock)
    for w in (serving, paused):
        qtbot.addWidget(w)
        w.resize(1280, 480)
        w.show()
    number = model.counter(3).ticket_number
    assert number and number in serving.main.text()
    assert "3号窗口" in serving.title.text() and "Counter 3" in serving.title.text()
    assert "暂停服务" in paused.main.text() and "Paused" in paused.main.text()
    assert "please come to this counter" in serving.sub.text()
    assert f"请 {number} 号 到 3 号窗口" in serving.sub.text()
    save(serving, tmp_path, "counter-display.png")
    save(paused, tmp_path, "counter-display-paused.png")
    ticket = model.counter(3).ticket_id
    assert ticket is not None
    hall_branch.start(ticket)
    model.load(read_snapshot(hall_branch))
    assert f"正在办理 {number} 号" in serving.sub.text()
    assert f"Now serving {number}" in serving.sub.text()
    save(serving, tmp_path, "counter-display-serving.png")
    hall_branch.pause_counter(3)
    model.load(read_snapshot(hall_branch))
    assert "暂停服务" in serving.main.text()


def test_a_small_screen_shrinks_the_call_instead_of_clipping_it(
        qtbot: QtBot, hall_branch: QueueService, settings: Settings, clock: FakeClock) -> None:
    model = model_of(hall_branch, settings)
    window = HallWindow(model, settings, clock)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    assert window.call.scale == 1.0  # full size on a full-HD screen
    window.resize(1024, 600)
    QApplication.processEvents()
    assert window.call.scale < 1.0


def test_the_display_font_draws_every_chinese_character_it_uses(qapp: QApplication) -> None:
    font = QFont(display_font_family())
    metrics = QFontMetrics(font)
    text = ("请号到窗口办理业务最近叫号等候人约分钟暂停服务正在"
            "请到其他欢迎光临离线再次呼叫今日已结束暂无")
    missing = [ch for ch in text if not metrics.inFontUcs4(ord(ch))]
    assert missing == []


def test_the_notice_scrolls_only_when_it_does_not_fit(qtbot: QtBot) -> None:
    marquee = Marquee(30)
    qtbot.addWidget(marquee)
    marquee.resize(1920, 60)
    marquee.show()
    marquee.set_text("欢迎光临")
    assert not marquee.scrolling  # an idle screen stays idle
    marquee.set_text("今日外币兑换业务暂停，给您带来不便敬请谅解 " * 6)
    assert marquee.scrolling
    start = marquee.offset
    qtbot.waitUntil(lambda: marquee.offset > start + 10, timeout=2000)
    marquee.set_text("欢迎光临")  # a short notice again: it stands still, centred
    assert not marquee.scrolling and marquee.offset == 0



def test_a_scrolling_frame_repaints_only_the_uncovered_column_and_the_notice_stays_whole(
        qtbot: QtBot) -> None:
    marquee = Marquee(30)
    qtbot.addWidget(marquee)
    marquee.resize(600, 60)
    marquee.show()
    marquee.set_text("今日外币兑换业务暂停，敬请谅解 Foreign exchange closed today")
    assert marquee.scrolling
    qtbot.waitExposed(marquee)
    QApplication.processEvents()  # the first, whole paint
    screen = marquee.screen()
    start = screen.grabWindow(marquee.winId()).toImage()  # what the hall sees
    painted: list[int] = []
    paint = marquee.paintEvent
    marquee.paintEvent = lambda event: (painted.append(event.rect().width()), paint(event))[1]
    while True:  # once round: the notice back where it started, every column repainted
        marquee._advance()  # what the frame timer does, without waiting for it
        QApplication.processEvents()
        if marquee.offset == 0:
            break
    marquee.paintEvent = paint
    # each pass drew a sliver, not the 600 px: a step, or a few when the frame timer's own
    # frames fell in the same pass
    assert len(painted) >= marquee._period() // (5 * MARQUEE_STEP_PX)
    assert all(w % MARQUEE_STEP_PX == 0 and w <= 5 * MARQUEE_STEP_PX for w in painted)
    # the screen, moved and patched a sliver at a time, shows the notice as it began
    assert screen.grabWindow(marquee.winId()).toImage() == start


# --- live: the feed thread, the voice ------------------------------------------------------


@pytest.fixture
def writer(sqlite_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    service = QueueService(Database(sqlite_url), settings, clock)
    service.prepare()
    for c in (1, 2):
        service.open_counter(c)
    yield service
    service.db.dispose()


def start_hall(qtbot: QtBot, url: str, settings: Settings, clock: FakeClock,
               player: FakePlayer) -> DisplayStation:
    station = build_display_window(settings, url, kind="hall", clock=clock, player=player)
    assert station.window is not None  # station.stop() closes and deletes it
    station.start()
    qtbot.waitUntil(lambda: station.model.loaded, timeout=5000)
    return station


def test_overlapping_calls_are_spoken_one_after_the_other_each_once(
        qtbot: QtBot, writer: QueueService, sqlite_url: str, settings: Settings,
        clock: FakeClock) -> None:
    old = writer.issue("A")
    writer.call_next(1)  # before the display started: shown, not announced
    player = FakePlayer()
    station = start_hall(qtbot, sqlite_url, settings, clock, player)
    try:
        announcer = station.announcer
        assert isinstance(announcer, AnnouncementQueue)
        assert station.model.latest is not None and station.model.latest.number == old.number
        writer.issue("A")
        writer.issue("B")
        first = writer.call_next(2)
        writer.finish(old.id)
        second = writer.call_next(1)
        assert first is not None and second is not None
        qtbot.waitUntil(lambda: len(announcer.pending) == 1, timeout=5000)
        assert announcer.current is not None and announcer.current.number == first.number
        assert len(player.playbacks) == 1  # the second waits for the first to end
        player.finish()
        assert announcer.current is not None and announcer.current.number == second.number
        player.finish()
        writer.recall(second.id)
        qtbot.waitUntil(lambda: player.playing is not None, timeout=5000)
        player.finish()
        assert [(c.number, c.counter, c.recall) for c in announcer.spoken] == [
            (first.number, 2, False), (second.number, 1, False), (second.number, 1, True)]
        assert texts(station.window).count(second.number) >= 1
    finally:
        station.stop()


def test_a_restarted_display_does_not_announce_old_calls(
        qtbot: QtBot, writer: QueueService, sqlite_url: str, settings: Settings,
        clock: FakeClock) -> None:
    writer.issue("A")
    writer.call_next(1)
    first = start_hall(qtbot, sqlite_url, settings, clock, FakePlayer())
    first.stop()
    player = FakePlayer()
    again = start_hall(qtbot, sqlite_url, settings, clock, player)
    try:
        writer.issue("B")
        view = writer.call_next(2)
        assert view is not None
        qtbot.waitUntil(lambda: player.playing is not None, timeout=5000)
        player.finish()
        assert again.announcer is not None
        assert [c.number for c in again.announcer.spoken] == [view.number]  # type: ignore[attr-defined]
    finally:
        again.stop()


@pytest.mark.pg
def test_the_display_goes_offline_and_back_without_losing_a_call(
        qtbot: QtBot, pg_url: str, settings: Settings, clock: FakeClock) -> None:
    import psycopg

    writer = QueueService(Database(pg_url), settings, clock)
    writer.prepare()
    writer.open_counter(1)
    writer.open_counter(2)
    player = FakePlayer()
    station = start_hall(qtbot, pg_url, settings, clock, player)
    try:
        qtbot.waitUntil(lambda: station.model.online, timeout=5000)
        station.live.worker.backoff_s = 1.5  # the calls below happen while it is away
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE query LIKE 'LISTEN%' AND datname = current_database()")
        qtbot.waitUntil(lambda: not station.model.online, timeout=5000)
        assert station.window is not None and not station.window.offline.isHidden()
        for _ in range(3):
            writer.issue("A")
        stale = writer.call_next(1)
        assert stale is not None
        writer.finish(stale.id)
        at_1 = writer.call_next(1)
        at_2 = writer.call_next(2)
        assert at_1 is not None and at_2 is not None
        qtbot.waitUntil(lambda: station.model.online, timeout=10000)
        assert station.window.offline.isHidden()
        # every call is shown; only what each counter calls now is spoken
        assert [c.number for c in station.model.recent] == [at_2.number, at_1.number,
                                                             stale.number]
        qtbot.waitUntil(lambda: player.playing is not None, timeout=5000)
        player.finish()
        player.finish()
        announcer = station.announcer
        assert isinstance(announcer, AnnouncementQueue)
        assert [c.number for c in announcer.spoken] == [at_1.number, at_2.number]
        assert station.live.worker.reconnects == 1
    finally:
        station.stop()
        writer.db.dispose()


STOP_AND_COLLECT = """
import gc, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from kiosk.app import build_display_window, build_service
from kiosk.config import load_settings
settings = load_settings(sys.argv[1], environ={})
build_service(settings, sys.argv[2], create=True).db.dispose()
station = build_display_window(settings, sys.argv[2], kind="hall", voice=False)
station.start()
station.window.resize(1280, 720)
station.window.show()
app.processEvents()
station.stop()
del station
gc.collect()
print("collected")
"""


def test_a_stopped_hall_display_can_be_garbage_collected(tmp_path: Path) -> None:
    """PySide6 6.12 crashed when Python's collector freed a shown hall window."""
    import subprocess
    import sys

    from tests.conftest import EXAMPLE_CONFIG, ROOT

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", STOP_AND_COLLECT, str(EXAMPLE_CONFIG),
                           f"sqlite:///{tmp_path / 'branch.db'}"], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr[-1000:]
    assert "collected" in done.stdout
