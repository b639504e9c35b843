"""The composition root: config -> database -> queue service -> devices -> windows.

Nothing else in the project builds these; everything below receives what it needs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.queue.txn import MAX_CLOCK_SKEW_S

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from kiosk.devices.announcer import ClipPlayer
    from kiosk.devices.printer import TicketPrinter
    from kiosk.queue.staff import Actor
    from kiosk.ui.console_window import ConsoleWindow
    from kiosk.ui.demo import Demo
    from kiosk.ui.display_station import DisplayStation
    from kiosk.ui.i18n import Languages
    from kiosk.ui.kiosk_window import KioskTimings, KioskWindow
    from kiosk.ui.qtfonts import UiFont
    from kiosk.ui.readers import ReaderThread
    from kiosk.ui.teller_window import TellerWindow


class SystemClock:
    """The branch's local time (naive) from this PC's clock, optionally shifted (the demo's
    business hours). Unshifted, it is checked against the database server's clock."""

    def __init__(self, settings: Settings, offset: timedelta = timedelta(0)) -> None:
        self.tz = settings.branch.tz
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(self.tz).replace(tzinfo=None) + self.offset


def system_clock(settings: Settings, offset: timedelta = timedelta(0)) -> SystemClock:
    return SystemClock(settings, offset)


def fixed_clock(iso: str) -> Callable[[], datetime]:
    """A clock stopped at `iso` (KIOSK_NOW), so scripts get the same answers every run;
    `file:PATH` gives a `FileClock` instead."""
    if iso.startswith("file:"):
        return FileClock(Path(iso.removeprefix("file:")))
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        raise ConfigError(f"KIOSK_NOW: not an ISO date-time: {iso!r}") from None
    return lambda: at


class FileClock:
    """The branch time written (ISO) in a file, read again whenever the file changes
    (KIOSK_NOW=file:PATH): a soak moves every station of a branch through a busy week in
    minutes by rewriting one file (write a temporary file, then rename it over PATH)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._seen: tuple[int, int] | None = None
        self._at: datetime | None = None
        self()  # a missing or unreadable file is a clear error at start

    def __call__(self) -> datetime:
        try:
            stat = self.path.stat()
            if (stat.st_ino, stat.st_mtime_ns) != self._seen:
                self._at = datetime.fromisoformat(self.path.read_text().strip())
                self._seen = (stat.st_ino, stat.st_mtime_ns)
        except (OSError, ValueError) as exc:
            if self._at is None:
                raise ConfigError(f"KIOSK_NOW: cannot read a date-time from {self.path} "
                                  f"({exc})") from None
        assert self._at is not None
        return self._at


def build_service(settings: Settings, url: str,
                  clock: Callable[[], datetime] | None = None, *,
                  create: bool = False) -> QueueService:
    """A ready queue service: schema upgraded and counters in line with config.

    A database that does not exist or has no schema is refused (`NoBranchDatabase`: a
    station with a mistyped URL must not run as a branch of its own); `create` makes a
    new one (`kiosk demo`, throwaway branches, tests).

    On this PC's own clock, writes are refused while it is more than MAX_CLOCK_SKEW_S
    from the database server's (a station a day behind must not reopen yesterday)."""
    clock = clock or system_clock(settings)
    real = isinstance(clock, SystemClock) and not clock.offset
    service = QueueService(Database(url, create=create), settings, clock,
                           max_clock_skew_s=MAX_CLOCK_SKEW_S if real else None)
    try:
        service.prepare()
    except BaseException:
        service.db.dispose()  # a refused branch leaves no connection behind
        raise
    return service


# --- displays ---------------------------------------------------------------------------


def check_display(settings: Settings, kind: str, counter: int | None) -> None:
    """A clear error for a display that cannot be built (before any window opens)."""
    if kind not in ("hall", "counter"):
        raise ConfigError(f"display kind must be hall or counter, not {kind!r}")
    if kind == "counter":
        if counter is None:
            raise ConfigError("a counter display needs --counter NUMBER")
        try:
            settings.counter(counter)
        except KeyError:
            known = ", ".join(str(c.number) for c in settings.counters)
            raise ConfigError(f"there is no counter {counter}; this branch has {known}") from None


def build_display_window(settings: Settings, url: str, *, kind: str = "hall",
                         counter: int | None = None, station: str = "",
                         clock: Callable[[], datetime] | None = None,
                         voice: bool = True, headless: bool = False,
                         player: ClipPlayer | None = None) -> DisplayStation:
    """A display station (kiosk.ui.display_station.DisplayStation), not started yet.

    `kind` is "hall" (大屏, with voice) or "counter" (needs `counter`). `headless` builds
    the model and the feed only (tests, benchmarks). `player` replaces the Qt audio player
    (tests pass a fake; `kiosk run display --audio null` a NullPlayer). Call `.start()`,
    then show `.window` (`show_on_screen`).
    """
    from kiosk.devices.announcer import AnnouncementQueue, ClipLibrary, VoiceError
    from kiosk.queue.feed import ChangeFeed
    from kiosk.ui.display import DisplayModel
    from kiosk.ui.display_station import DisplayStation
    from kiosk.ui.feed_qt import LiveFeed

    check_display(settings, kind, counter)
    clock = clock or system_clock(settings)
    service = build_service(settings, url, clock)
    name = station or (f"display-counter-{counter}" if kind == "counter" else "display-hall")
    model = DisplayModel(settings)
    feed = ChangeFeed(service, recent=model.recent_limit)

    from kiosk.ui.status import resident_kb

    def heartbeat() -> None:
        service.heartbeat(name, "display", {"kind": kind, "counter": counter,
                                            "online": model.online, "rss_kb": resident_kb()})

    live = LiveFeed(feed, heartbeat)
    announcer = None
    if kind == "hall" and voice and not headless:
        try:
            if player is None:
                from kiosk.devices.audio_qt import make_player

                player = make_player(settings.display.volume)
            announcer = AnnouncementQueue.from_settings(settings.display, ClipLibrary(), player)
        except VoiceError as exc:  # calls are still shown
            log.error("display voice is off: %s", exc)
    window = None
    if not headless:
        from kiosk.ui.display_windows import CounterWindow, HallWindow

        window = (HallWindow(model, settings, clock) if kind == "hall"
                  else CounterWindow(model, settings, counter or 0, clock))
    display = DisplayStation(model, live, announcer, window)
    display.closers.append(service.db.dispose)
    return display


# --- the teller panel ----------------------------------------------------------------------


def check_counter(settings: Settings, counter: int | None) -> int:
    """The counter number, or a clear error naming the branch's counters."""
    known = ", ".join(str(c.number) for c in settings.counters)
    if counter is None:
        raise ConfigError(f"a teller panel needs --counter NUMBER (this branch has {known})")
    try:
        settings.counter(counter)
    except KeyError:
        raise ConfigError(f"there is no counter {counter}; this branch has {known}") from None
    return counter


def build_teller_window(settings: Settings, url: str, *, counter: int, station: str = "",
                        clock: Callable[[], datetime] | None = None, on_top: bool = False,
                        languages: Languages | None = None,
                        login: tuple[str, str] | None = None) -> TellerWindow:
    """A teller panel for `counter` (kiosk.ui.teller_window.TellerWindow), not started.

    The panel is a station of its own: its queue service on `url`, its change feed
    (the counter's `CounterPanel` as the feed's full state) and its heartbeat. Without
    `login` it asks for the teller's staff number and PIN when started; with
    `(staff_no, pin)` (the demo) it logs in by itself. Call `.start()`, then `.show()`.
    """
    from PySide6.QtWidgets import QApplication

    from kiosk.queue.feed import ChangeFeed
    from kiosk.ui.feed_qt import LiveFeed
    from kiosk.ui.i18n import Languages
    from kiosk.ui.teller import TellerModel
    from kiosk.ui.teller_window import TellerWindow

    check_counter(settings, counter)
    clock = clock or system_clock(settings)
    service = build_service(settings, url, clock)
    name = station or f"teller-{counter}"
    model = TellerModel(service, settings, counter)

    def heartbeat() -> None:
        service.heartbeat(name, "teller", {
            "counter": counter, "online": model.online,
            "staff": model.actor.staff_no if model.actor else None,
            "ticket": model.current.number if model.current else None})

    live = LiveFeed(ChangeFeed(service, state=lambda s: s.counter_panel(counter)),
                    heartbeat)
    if languages is None:
        app = QApplication.instance()
        assert app is not None, "make_qt_app() first"
        languages = Languages(app)
    window = TellerWindow(model, languages, live, on_top=on_top, ask_login=login is None)
    window.closers.append(service.db.dispose)
    if login is not None:
        window.auto_login(*login)
    return window


# --- the kiosk window and the demo (Qt is imported only when these are called) -----------

DEMO_HOURS = (time(9, 30), time(15, 30))  # outside these the demo shifts its clock
DEMO_SHIFTED_TO = time(10, 0)


def make_qt_app(argv: list[str] | None = None, *,
                qt_messages_to_log: bool = False) -> tuple[QApplication, UiFont]:
    """The QApplication (reused when one exists) with a CJK font loaded and checked.

    A station started from the command line passes `qt_messages_to_log`: Qt's own
    warnings (no audio device, the offscreen platform's notes) then go to the log file,
    not to the terminal. Tests keep pytest-qt's handler instead.
    """
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.qtfonts import install_cjk_font

    if qt_messages_to_log:
        route_qt_messages_to_log()
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or ["kiosk"])
    app.setApplicationName("kiosk")
    return app, install_cjk_font(app)


def route_qt_messages_to_log() -> None:
    """Send Qt's messages (and FFmpeg's, through Qt) to the `qt` logger."""
    import os

    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.ffmpeg*=false")
    qt_log = logging.getLogger("qt")
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING, QtMsgType.QtCriticalMsg: logging.ERROR,
              QtMsgType.QtFatalMsg: logging.CRITICAL}

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        qt_log.log(levels.get(kind, logging.WARNING), "%s", message)

    qInstallMessageHandler(handler)


def feed_service(settings: Settings, service: QueueService) -> QueueService:
    """A second queue service on the same database for a station's change feed: the feed
    reads (and its deadline on PostgreSQL) on connections of their own."""
    return QueueService(Database(service.db.url), settings, service.clock,
                        max_clock_skew_s=service.max_clock_skew_s)


def build_kiosk_window(settings: Settings, service: QueueService, *, station: str,
                       printer: TicketPrinter | None = None, fullscreen: bool = True,
                       languages: Languages | None = None, demo_note: str = "",
                       timings: KioskTimings | None = None,
                       follow_feed: bool = True) -> KioskWindow:
    """A kiosk station window: its printer from config unless one is given. It follows
    the change feed for print jobs the manager console sends it (`follow_feed`)."""
    from PySide6.QtWidgets import QApplication

    from kiosk.devices.printer import make_printer
    from kiosk.queue.feed import ChangeFeed
    from kiosk.ui.feed_qt import LiveFeed
    from kiosk.ui.flow import KioskFlow
    from kiosk.ui.i18n import Languages
    from kiosk.ui.kiosk_window import KioskTimings, KioskWindow

    k = settings.kiosk
    readers = build_readers(settings)
    state = "ok" if readers.has_readers else ("wedge" if settings.readers.wedge else "none")
    flow = KioskFlow(service, printer or make_printer(settings.printer), settings, station,
                     reader_state=state)
    if languages is None:
        app = QApplication.instance()
        assert app is not None, "make_qt_app() first"
        languages = Languages(app)
    live = None
    if follow_feed:
        reader = feed_service(settings, service)
        live = LiveFeed(ChangeFeed(reader, state=_last_event_id))
    window = KioskWindow(
        flow, languages,
        timings=timings or KioskTimings.from_settings(k), fullscreen=fullscreen,
        hide_cursor=k.hide_cursor and fullscreen,
        large_print=k.large_print, demo_note=demo_note, readers=readers, live=live)
    if live is not None:
        window.destroyed.connect(lambda *_: reader.db.dispose())
    return window


def build_console_window(settings: Settings, service: QueueService, *,
                         actor: Actor | None = None, languages: Languages | None = None,
                         station: str = "console", follow_feed: bool = True) -> ConsoleWindow:
    """The lobby manager's console: the login page first unless `actor` (a manager's
    login, e.g. the demo's) is given. Its change feed reads on connections of its own and
    sends the console's heartbeat as `station`."""
    from PySide6.QtWidgets import QApplication

    from kiosk.ui.console import ConsoleFeed, ConsoleModel
    from kiosk.ui.console_window import ConsoleWindow
    from kiosk.ui.feed_qt import LiveFeed
    from kiosk.ui.i18n import Languages

    if languages is None:
        app = QApplication.instance()
        assert app is not None, "make_qt_app() first"
        languages = Languages(app)
    model = ConsoleModel(service, settings, actor)
    reader = feed_service(settings, service)

    def heartbeat() -> None:
        reader.heartbeat(station, "console", {"staff": model.signed_in})

    def live() -> LiveFeed:
        return LiveFeed(ConsoleFeed(reader), heartbeat)

    window = ConsoleWindow(model, languages, live_factory=live if follow_feed else None)
    window.destroyed.connect(lambda *_: reader.db.dispose())
    return window


def _last_event_id(service: QueueService) -> int:
    """A kiosk's "full state" from the feed: nothing but where the feed stands."""
    return service.last_event_id()


def build_readers(settings: Settings) -> ReaderThread:
    """The serial readers the branch config names (none: the thread is never started)."""
    from kiosk.devices.idcard import IdCardReader
    from kiosk.devices.magstripe import SerialCardReader
    from kiosk.ui.readers import ReaderThread

    r = settings.readers
    return ReaderThread(
        settings.hash_secret,
        id_reader=IdCardReader(r.id_serial, r.baudrate) if r.id_serial else None,
        card_reader=SerialCardReader(r.card_serial, r.card_baudrate) if r.card_serial else None)


def demo_clock_offset(settings: Settings, now: datetime | None = None) -> timedelta:
    """Zero during business hours; else the shift that puts the demo at 10:00 today."""
    now = now or datetime.now(settings.branch.tz).replace(tzinfo=None)
    if DEMO_HOURS[0] <= now.time() < DEMO_HOURS[1]:
        return timedelta(0)
    return datetime.combine(now.date(), DEMO_SHIFTED_TO) - now


def build_demo(settings: Settings, workdir: Path, *, simulate: bool = False,
               offset: timedelta | None = None, seed: int = 7, voice: bool = True) -> Demo:
    """`kiosk demo`: a throwaway SQLite branch in `workdir`, its windows and simulator."""
    from kiosk.devices.printer import PreviewPrinter
    from kiosk.devices.ticket import LayoutOptions
    from kiosk.ui.demo import (
        DEMO_MANAGER,
        DEMO_TELLER_PANELS,
        DEMO_TELLER_PIN,
        Demo,
        demo_bookings,
        demo_displays,
        demo_teller,
        prepare_demo_branch,
    )

    offset = demo_clock_offset(settings) if offset is None else offset
    service = build_service(settings, f"sqlite:///{workdir / 'branch.db'}",
                            system_clock(settings, offset), create=True)
    prepare_demo_branch(service)
    bookings = demo_bookings(service)
    web, settings = start_demo_web(service, settings)
    printer = PreviewPrinter(LayoutOptions.from_settings(settings.printer),
                             workdir / "tickets")
    shifted = abs(offset.total_seconds()) >= 60
    note = "演示 DEMO" + (f" · 模拟营业时间 {service.now():%H:%M}" if shifted else "")
    kiosk = build_kiosk_window(settings, service, station="demo-kiosk", printer=printer,
                               fullscreen=False, demo_note=note)
    displays = demo_displays(build_display_window, settings, service, voice)
    staff_no, _name, pin = DEMO_MANAGER
    manager = service.login(staff_no, pin, role="manager")
    console = build_console_window(settings, service, actor=manager, station="demo-console",
                                   languages=kiosk.languages)
    displays.append(("console", console, None))
    tellers = []
    for number in DEMO_TELLER_PANELS:  # logged in as the demo's tellers, no dialog
        panel = build_teller_window(settings, service.db.url, counter=number,
                                    station=f"demo-teller-{number}", clock=service.clock,
                                    login=(demo_teller(number), DEMO_TELLER_PIN))
        panel.start()
        tellers.append((f"teller-{number}", panel))
    return Demo(service, kiosk, displays, workdir, offset, simulate=simulate, seed=seed,
                tellers=tellers, web=web, bookings=bookings)


def start_demo_web(service: QueueService, settings: Settings) -> tuple[object, Settings]:
    """The demo's web station on a free local port, and the settings whose QR codes point
    at it (so a demo ticket's QR opens its page on this machine). Without it (the web
    libraries missing, no port) the demo runs on with the configured prefix."""
    from dataclasses import replace

    try:
        from kiosk.web.app import WebOptions
        from kiosk.web.server import WebServer

        web = WebServer(service, settings, "127.0.0.1:0",
                        WebOptions(station="demo-web", requests_per_minute=0))
        web.start()
    except Exception:  # the demo shows everything else even so
        log.exception("the demo's web station did not start")
        return None, settings
    printer = replace(settings.printer, qr_url_prefix=f"{web.url}t/")
    return web, replace(settings, printer=printer)
