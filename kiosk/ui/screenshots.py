"""`kiosk screenshots DIR`: every kiosk screen as PNG files, at every size a branch uses.

A throwaway branch at a fixed time of day: a few people waiting, counters open, a gold
customer from the example directory. The window is driven into each screen directly
(the same methods the worker's answers call), so the pictures are the real screens.
`KioskStudio` is that branch and window; the layout tests stage the same scenes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtGui import QColor, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.config import Settings
from kiosk.devices.printer import PreviewPrinter, PrinterState
from kiosk.devices.ticket import LayoutOptions
from kiosk.errors import QueueError
from kiosk.queue.appointments import BookingView
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from kiosk.ui import style
from kiosk.ui.demo import DEMO_MANAGER, prepare_demo_branch
from kiosk.ui.display import DisplayModel
from kiosk.ui.kiosk_window import KioskWindow
from kiosk.ui.teller import Notice

log = logging.getLogger(__name__)

GOLD_CARD = "6228483000000030004"  # 欧阳建国, gold, in config/customers-example.csv
PLATINUM_CARD = "6259654000000041"  # 孙丽, platinum
REGULAR_CARD = "6222021000000010008"  # 张伟, regular
STUDIO_MORNING = datetime(2026, 11, 24, 10, 12)
STUDIO_LATE = datetime(2026, 11, 24, 16, 35)  # cash and corporate have stopped issuing
# The sizes branches use: 4:3 and 16:10 kiosks, full HD, and a portrait full-HD kiosk.
SIZES: tuple[tuple[int, int], ...] = ((1024, 768), (1280, 800), (1920, 1080), (1080, 1920))
DISPLAY_SIZES: tuple[tuple[int, int], ...] = ((1920, 1080), (1280, 800), (1080, 1920))
LANGUAGES = ("zh", "en")
DISPLAYED_COUNTERS = (1, 3, 4)  # one called, one serving a recalled number, one paused


class StudioClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def size_name(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"


class KioskStudio:
    """A kiosk window on a throwaway branch, put into any screen on demand."""

    def __init__(self, settings: Settings, workdir: Path) -> None:
        from kiosk.app import build_kiosk_window, build_service

        self.settings = settings
        self.clock = StudioClock(STUDIO_MORNING)
        self.service = build_service(settings, f"sqlite:///{workdir / 'branch.db'}",
                                     self.clock, create=True)
        prepare_demo_branch(self.service)
        for prefix in "AABBBBCV":  # a few people waiting
            self.service.issue(prefix, station="studio")
        self.bookings = studio_bookings(self.service, self.clock)
        self.printer = PreviewPrinter(LayoutOptions.from_settings(settings.printer))
        self.window = build_kiosk_window(settings, self.service, station="studio",
                                         printer=self.printer, fullscreen=False)
        self.window.clock = self.clock
        flow = self.window.flow  # the booked customers check in once; each shot shows it
        self.checked_in = {key: flow.check_in_code(self.bookings[key])
                           for key in ("early", "late")}
        self.window.heartbeat_timer.stop()
        self.scenes = dict(self._scenes())
        self.window.show()

    def _scenes(self) -> list[tuple[str, Callable[[], None]]]:
        window, clock, printer = self.window, self.clock, self.printer
        flow = window.flow

        def identified() -> None:
            window.show_identified(flow.identify_typed(GOLD_CARD))
            window.greeting_timer.stop()

        def services() -> None:
            window.greeting = flow.identify_typed(GOLD_CARD)
            window.show_services(flow.options())

        def services_late() -> None:
            clock.at = STUDIO_LATE
            window.greeting = None
            window.show_services(flow.options())
            window._update_clock()

        def result() -> None:
            printer.state = PrinterState.READY
            window.greeting = None
            window.show_result(flow.take_ticket("B", None))

        def paper_out() -> None:
            printer.state = PrinterState.PAPER_OUT
            window.show_result(flow.take_ticket("A", None))
            printer.state = PrinterState.READY

        def manual() -> None:
            window.show_manual()
            for key in "31011519800101":
                window.manual.key(key)

        def staff() -> None:
            window._ask_staff(["A", "M"])
            for key in "M00":
                window.staff_entry.key(key)

        def pin() -> None:
            window.pin.clear()
            window._show(window.pin)
            for key in "12":
                window.pin.key(key)

        def pin_refused() -> None:
            pin()
            window._exit_refused(RuntimeError("wrong"))

        def offline() -> None:
            window.enter_out_of_service()
            window.recover_timer.stop()

        def checked_in(key: str) -> Callable[[], None]:
            def scene() -> None:
                printer.state = PrinterState.READY
                window.show_result(self.checked_in[key])
            return scene

        return [
            ("home", window.show_home),
            ("identified", identified),
            ("services", services),
            ("services-late", services_late),
            ("result", result),
            ("result-paper-out", paper_out),
            ("booking-checked-in", checked_in("early")),
            ("booking-late", checked_in("late")),
            ("error-booking-not-found", lambda: window.show_message("booking_not_found")),
            ("error-booking-other-day", lambda: window.show_message("booking_other_day")),
            ("error-booking-cancelled", lambda: window.show_message("booking_cancelled")),
            ("error-booking-locked", lambda: window.show_message("booking_locked")),
            ("manual-entry", manual),
            ("error-card-unreadable", lambda: window.show_message("card_unreadable")),
            ("error-invalid-id", lambda: window.show_message("invalid_id")),
            ("error-service-closed", lambda: window.show_message("service_closed")),
            ("error-other", lambda: window.show_message("error")),
            ("out-of-service", offline),
            ("manager-staff-number", staff),
            ("manager-pin", pin),
            ("manager-pin-refused", pin_refused),
        ]

    def set_size(self, size: tuple[int, int], large_print: bool) -> None:
        self.window.resize(*size)
        self.window.large_print = large_print
        self.window.apply_style()
        settle()

    def stage(self, name: str, lang: str) -> KioskWindow:
        """Show screen `name` in `lang` at the window's present size and print size."""
        window = self.window
        window.out_of_service = False
        window.recover_timer.stop()
        self.clock.at = STUDIO_MORNING
        self.scenes[name]()
        window.set_language(lang)  # after the scene: show_home resets to zh
        window.idle_timer.stop()
        window.result_timer.stop()
        window.countdown_timer.stop()
        settle()
        return window

    def close(self) -> None:
        self.window.set_language("zh")  # the translator is the application's: leave it
        self.window.shutdown()
        self.window.deleteLater()
        self.service.db.dispose()


def studio_bookings(service: QueueService, clock: StudioClock) -> dict[str, str]:
    """A few bookings of the studio's day, booked early in the morning: the booking codes
    of one to check in early (10:30, a platinum customer), one that comes too late (09:30),
    one for tomorrow and one cancelled."""
    from datetime import time

    from kiosk.identity import identify

    manager = studio_manager(service)
    secret = service.settings.hash_secret
    day, back = clock.at.date(), clock.at
    clock.at = datetime.combine(day, time(8, 30))
    book = service.appointments.book
    codes = {
        "early": book("V", identify(PLATINUM_CARD, secret), day, time(10, 30),
                      purpose="consultation", actor=manager).code,
        "late": book("V", identify(REGULAR_CARD, secret), day, time(9, 30),
                     purpose="other", actor=manager).code,
        "tomorrow": book("A", identify(REGULAR_CARD, secret), day + timedelta(days=1),
                         time(10, 0), purpose="large_cash", amount_band="200k-500k",
                         actor=manager).code}
    cancelled = book("C", identify(REGULAR_CARD, secret), day, time(14, 0), purpose="other",
                     actor=manager)
    service.appointments.cancel(cancelled.id, actor=manager, reason="客户来电取消")
    codes["cancelled"] = cancelled.code
    clock.at = back
    return codes


def studio_manager(service: QueueService) -> Actor:
    """The studio branch's lobby manager (the demo's), for the overrides a screen shows."""
    staff_no, _name, pin = DEMO_MANAGER
    return service.login(staff_no, pin)


def busy_hall(studio: KioskStudio) -> DisplayModel:
    """The studio's branch as the displays see it when busy: three counters calling, one
    paused, a recall, a long notice, and the display offline (the fullest header)."""
    from kiosk.queue.feed import read_snapshot
    from kiosk.ui.display import DisplayModel

    service = studio.service
    service.pause_counter(4, actor=studio_manager(service), reason="午休 lunch break")
    called = [service.call_next(c) for c in (1, 2, 3)]
    if called[0] is not None:
        service.recall(called[0].id)
    service.set_notice("今日外币兑换业务暂停，给您带来不便敬请谅解；办理大额取现请提前一天预约。",
                       "Foreign exchange is closed today; please book large cash "
                       "withdrawals a day ahead.", actor=studio_manager(service))
    model = DisplayModel(studio.settings)
    model.load(read_snapshot(service, model.recent_limit))
    model.set_online(False)
    return model


def display_windows(studio: KioskStudio, model: DisplayModel) -> list[tuple[str, QWidget]]:
    """The hall display and counter displays of `DISPLAYED_COUNTERS` on `model`."""
    from kiosk.ui.display_windows import CounterWindow, HallWindow

    windows: list[tuple[str, QWidget]] = [
        ("hall", HallWindow(model, studio.settings, studio.clock))]
    windows += [(f"counter-{c}", CounterWindow(model, studio.settings, c, studio.clock))
                for c in DISPLAYED_COUNTERS]
    return windows


def save_display_screens(studio: KioskStudio, out: Path,
                         sizes: Iterable[tuple[int, int]] = DISPLAY_SIZES) -> list[Path]:
    """The hall and counter displays (both languages on every line) at each size."""
    model = busy_hall(studio)
    windows = display_windows(studio, model)
    paths: list[Path] = []
    try:
        for size in sizes:
            folder = out / size_name(size)
            folder.mkdir(parents=True, exist_ok=True)
            for name, window in windows:
                window.resize(*size)
                window.show()
                settle()
                path = folder / f"display-{name}.png"
                window.grab().save(str(path), "PNG")
                paths.append(path)
    finally:
        for _name, window in windows:
            window.shutdown()  # type: ignore[attr-defined]
    return paths


def save_kiosk_screens(settings: Settings, workdir: Path, out: Path,
                       sizes: Iterable[tuple[int, int]] = SIZES,
                       large_print: Iterable[bool] = (False, True),
                       languages: Iterable[str] = LANGUAGES,
                       display_sizes: Iterable[tuple[int, int]] = ()) -> list[Path]:
    """Render every screen into `out/WxH/kiosk-NAME[-large]-LANG.png`, then the displays
    at `display_sizes` into `out/WxH/display-hall.png`, `display-counter-N.png`."""
    out.mkdir(parents=True, exist_ok=True)
    studio = KioskStudio(settings, workdir)
    paths: list[Path] = []
    try:
        for size, large, lang, name in _combinations(studio, sizes, large_print, languages):
            window = studio.stage(name, lang)
            folder = out / size_name(size)
            folder.mkdir(exist_ok=True)
            path = folder / f"kiosk-{name}{'-large' if large else ''}-{lang}.png"
            window.grab().save(str(path), "PNG")
            paths.append(path)
        studio.window.hide()
        paths += save_display_screens(studio, out, display_sizes)
    finally:
        studio.close()
    return paths


def _combinations(studio: KioskStudio, sizes: Iterable[tuple[int, int]],
                  large_print: Iterable[bool],
                  languages: Iterable[str]) -> Iterator[tuple[tuple[int, int], bool, str, str]]:
    prints, langs = list(large_print), list(languages)
    for size in sizes:
        for large in prints:
            studio.set_size(size, large)
            for lang in langs:
                for name in studio.scenes:
                    yield size, large, lang, name


# --- the manager console ------------------------------------------------------------------

CONSOLE_SIZES = ((1280, 800), (1920, 1080))
CONSOLE_AT = datetime(2026, 11, 24, 11, 42)  # late morning: the day's figures have a shape


def _busy_morning(service: QueueService, clock: StudioClock, until: datetime) -> None:
    """The branch's day from opening to `until`, minute by minute through the queue
    service: walk-ins of every service and tier (more towards lunch: a rush in the last
    half hour), each open counter calling, serving (about six minutes) and now and then
    marking a no-show; whoever is at a counter at the end is served."""
    import random

    from kiosk.ui.demo import TIER_WEIGHTS, directory_walk_ins

    rng = random.Random(24)
    walk_ins = directory_walk_ins(service.settings)
    services = {"A": 35, "B": 40, "C": 15, "V": 10}
    prefixes = [s.prefix for s in service.settings.services]
    weights = [services.get(p, 10) for p in prefixes]
    held: dict[int, tuple[int, datetime]] = {}
    clock.at = until.replace(hour=9, minute=0)
    while clock.at < until:
        rush = until - clock.at <= timedelta(minutes=30)
        busy = rush or clock.at.hour >= 10
        for _ in range(rng.choice((0, 1, 1, 2, 2, 2) if rush else (0, 1, 1, 1, 2, 2) if busy
                                  else (0, 0, 1, 1, 1, 2))):
            tier = rng.choices(list(TIER_WEIGHTS), list(TIER_WEIGHTS.values()))[0]
            known = walk_ins.get(tier)
            identity = rng.choice(known) if known and tier != "regular" else None
            prefix = rng.choices(prefixes, weights)[0]
            try:
                service.issue(prefix, identity, station="KIOSK-1")
            except QueueError:  # a VIP who already holds a ticket keeps that one
                service.issue(prefix, station="KIOSK-1")
        for counter in service.settings.counters:
            ticket = held.get(counter.number)
            if ticket is not None and clock.at >= ticket[1]:
                (service.no_show if rng.random() < 0.06 else service.finish)(ticket[0])
                del held[counter.number]
            if counter.number not in held and (called := service.call_next(counter.number)):
                held[counter.number] = (called.id, clock.at + timedelta(
                    minutes=rng.uniform(2.5, 9.5)))
        clock.at += timedelta(minutes=1)
    for ticket_id, _ in held.values():
        service.finish(ticket_id)


def _console_branch(service: object, clock: StudioClock,
                    at: datetime = CONSOLE_AT) -> BookingView:
    """A busy morning with a rush before lunch, and the hall at `at`: people waiting (some
    long), a VIP, a no-show, a counter that has held its call for long, a kiosk out of
    paper, a notice, a few overrides. The view of the last booking made, with its code (as
    the Appointments tab shows it once)."""
    from kiosk.identity import identify
    from kiosk.queue.service import QueueService
    from kiosk.ui.demo import DEMO_MANAGER

    assert isinstance(service, QueueService)
    manager = service.login(DEMO_MANAGER[0], DEMO_MANAGER[2], role="manager")
    late_code, last_booked = _console_bookings(service, clock, manager, at)
    _busy_morning(service, clock, at - timedelta(minutes=12))
    clock.at = at - timedelta(minutes=12)
    called = service.call_next(1)
    if called is not None:
        service.no_show(called.id)
    service.call_next(1)
    clock.at = at - timedelta(minutes=3)
    service.issue("V", identify(GOLD_CARD, service.settings.hash_secret), station="KIOSK-1")
    clock.at = at
    for n in (3, 4):
        service.call_next(n)
    waiting = service.hall()
    if waiting:
        service.pin(waiting[-1].id, 1, actor=manager, reason="老年客户，行动不便")
    service.set_notice("今日 15:00 后对公业务暂停，请提前办理。",
                       "Corporate services pause after 15:00 today.", actor=manager,
                       reason="系统维护")
    service.heartbeat("KIOSK-1", "kiosk", {"printer": "paper_out", "printer_since":
                                          f"{at - timedelta(minutes=7):%Y-%m-%dT%H:%M:%S}",
                                          "reader": "ok"})
    service.heartbeat("KIOSK-2", "kiosk", {"printer": "ready", "reader": "ok"})
    service.appointments.check_in(code=late_code, station="KIOSK-1")
    return last_booked


def _console_bookings(service: QueueService, clock: StudioClock, manager: Actor,
                      at: datetime) -> tuple[str, BookingView]:
    """The day's bookings, made before opening: missed ones, one checked in early, one
    cancelled, one still to come; the code of one to check in late at `at`, and the last
    booking made (with its code)."""
    from datetime import time

    from kiosk.identity import identify

    secret, day = service.settings.hash_secret, at.date()
    clock.at = datetime.combine(day, time(8, 0))
    cards = ("6222021000000010008", "6217002000000020000", "6228483000000030004",
             "6259654000000041", "6222021234567890128", "6222021234567890136",
             "6222021234567890144")
    plan = (("V", time(9, 30)), ("A", time(10, 0)), ("V", time(10, 30)), ("V", time(11, 0)),
            ("C", time(11, 0)), ("V", time(11, 40)), ("A", time(14, 0)))
    booked = [service.appointments.book(svc, identify(card, secret), day, start,
                                        purpose="consultation" if svc == "V" else "other",
                                        actor=manager) for card, (svc, start)
              in zip(cards, plan, strict=True)]
    service.appointments.cancel(booked[4].id, actor=manager, reason="客户来电改约明天")
    clock.at = datetime.combine(day, time(8, 50))  # one checks in early
    service.appointments.check_in(code=booked[2].code, station="KIOSK-1")
    return booked[5].code, booked[-1]  # [5] will check in a little late, at `at`


def save_console_screens(settings: Settings, workdir: Path, out: Path,
                         sizes: tuple[tuple[int, int], ...] = CONSOLE_SIZES) -> list[Path]:
    """Every console tab and dialog, zh and en, at each size (the dialogs at the first)."""
    from kiosk.app import build_console_window, build_service
    from kiosk.queue.staff import AuthError
    from kiosk.ui.console import problem, read_console_state
    from kiosk.ui.console_dialogs import ReasonDialog
    from kiosk.ui.console_window import ConsoleWindow
    from kiosk.ui.demo import DEMO_MANAGER, DEMO_TELLER_PIN, demo_teller

    out.mkdir(parents=True, exist_ok=True)
    clock = StudioClock(CONSOLE_AT)
    service = build_service(settings, f"sqlite:///{workdir / 'console.db'}", clock, create=True)
    prepare_demo_branch(service)
    last_booked = _console_branch(service, clock)
    paths: list[Path] = []

    def save(widget: object, name: str) -> None:
        from PySide6.QtWidgets import QWidget

        assert isinstance(widget, QWidget)
        settle()
        path = out / f"{name}.png"
        widget.grab().save(str(path), "PNG")
        paths.append(path)

    login = build_console_window(settings, service, follow_feed=False)
    manager = service.login(DEMO_MANAGER[0], DEMO_MANAGER[2], role="manager")
    window = build_console_window(settings, service, actor=manager, follow_feed=False)
    try:
        login.resize(*sizes[0])
        login.show()
        window.show()
        window.model.load(read_console_state(service))
        window.model.set_estimates(service.estimates())
        window.refresh_panes({"hall", "no_shows", "counters", "alerts", "notice", "stations"})
        window._fill_kiosks()
        window.load_audit()
        window.worker.wait(5000)
        settle()
        for lang in ("zh", "en"):
            login.set_language(lang)
            login.login_error.hide()
            save(login, f"console-login-{lang}")
            try:
                service.login(demo_teller(1), DEMO_TELLER_PIN, role="manager")
            except AuthError as exc:
                login.login_error.setText(login.problem_text(problem(exc)))
                login.login_error.show()
            save(login, f"console-login-teller-refused-{lang}")
            window.set_language(lang)
            for w, h in sizes:
                window.resize(w, h)
                suffix = f"-{w}x{h}" if (w, h) != sizes[0] else ""
                for i, tab in enumerate(("hall", "counters", "alerts", "issue", "notice",
                                         "audit", "figures", "appointments")):
                    window.tabs.setCurrentIndex(i)
                    window.worker.wait(5000)
                    settle()
                    save(window, f"console-{tab}{suffix}-{lang}")
                    if tab == "appointments":  # a new code, shown once
                        window.bookings_pane.show_code(last_booked, "booked")
                        save(window, f"console-appointments-code{suffix}-{lang}")
                        window.bookings_pane.hide_code()
            window.resize(*sizes[0])
            window.tabs.setCurrentIndex(0)
            first = next(iter(window.model.hall.values()))
            window.select_ticket(first.ticket_id)
            for action in ("pin", "tier", "call", "transfer", "cancel", "reprint"):
                dialog = window.ask_hall_action(action)
                assert isinstance(dialog, ReasonDialog)
                if action == "cancel":
                    dialog.accept()  # no reason: the dialog says so and stays
                save(dialog, f"console-dialog-{action}-{lang}")
                dialog.reject()
            if window.model.no_shows:
                window.noshow_table.selectRow(0)
                dialog = window.ask_restore()
                if dialog is not None:
                    save(dialog, f"console-dialog-restore-{lang}")
                    dialog.reject()
            window.tabs.setCurrentIndex(1)
            for number, action in ((2, "open"), (3, "close"), (4, "services")):
                window.select_counter(number)
                dialog = window.ask_counter_action(action)
                assert dialog is not None
                if dialog.services_edit is not None:
                    dialog.services_edit.setText("A,B,C")
                    dialog.services_edited.emit("A,B,C")
                window.worker.wait(10000)
                settle()
                save(dialog, f"console-dialog-counter-{action}-{lang}")
                dialog.reject()
            window.tabs.setCurrentIndex(3)
            window.issue_service.setCurrentIndex(window.issue_service.findData("B"))
            window.issue_reason.setText("老年客户，代为取号")
            window.issue_for()
            window.worker.wait(5000)
            settle()
            save(window, f"console-issue-done-{lang}")
            window.issue_result.clear()
            window.issue_detail.clear()
            window.banner.hide()
    finally:
        for console in (login, window):
            assert isinstance(console, ConsoleWindow)
            console.set_language("zh")
            console.shutdown()
            console.deleteLater()
        service.db.dispose()
    return paths


# --- the teller panel ------------------------------------------------------------------------

TELLER_SCENES = ("login", "idle", "vip-called", "serving", "transfer", "approval",
                 "suspended", "offline")


def _wait(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the teller panel did not get there in time")
        QApplication.processEvents()
        time.sleep(0.01)


def _with_dialog(window: QWidget, dialog: QWidget) -> QPixmap:
    """The panel with its dialog drawn over it, dimmed behind (as the teller sees it)."""
    dialog.adjustSize()
    QApplication.processEvents()
    base = window.grab()
    top = dialog.grab()
    width, height = max(base.width(), top.width() + 20), max(base.height(), top.height() + 20)
    out = QPixmap(width, height)
    out.fill(QColor(style.PAPER))
    p = QPainter(out)
    p.drawPixmap(0, 0, base)
    p.fillRect(0, 0, width, height, QColor(0, 0, 0, 110))
    x, y = (width - top.width()) // 2, (height - top.height()) // 2
    p.fillRect(x - 2, y - 2, top.width() + 4, top.height() + 4, QColor(style.NAVY))
    p.drawPixmap(x, y, top)
    p.end()
    return out


def save_teller_screens(settings: Settings, workdir: Path, out: Path) -> list[Path]:
    """The teller panel's screens and dialogs in zh and en (a studio branch each)."""
    out.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for lang in ("zh", "en"):
        paths += _teller_scenes(settings, workdir / f"teller-{lang}", out, lang)
    return paths


def _teller_scenes(settings: Settings, workdir: Path, out: Path, lang: str) -> list[Path]:
    from kiosk.app import build_service, build_teller_window
    from kiosk.identity import identify
    from kiosk.ui.demo import DEMO_MANAGER, DEMO_TELLER_PIN, demo_teller

    clock = StudioClock(STUDIO_MORNING)
    service = build_service(settings, f"sqlite:///{workdir / 'branch.db'}", clock, create=True)
    prepare_demo_branch(service, counters=(1, 2, 4, 5, 6))  # counter 3 closed: the login opens it
    service.staff.add(demo_teller(3), "柜员3", "teller", DEMO_TELLER_PIN)
    for prefix in "BBAB":
        service.issue(prefix, station="studio")
    clock.at = STUDIO_MORNING + timedelta(minutes=4)
    service.issue("B", identify(GOLD_CARD, settings.hash_secret), station="studio")
    clock.at = STUDIO_MORNING + timedelta(minutes=9)
    window = build_teller_window(settings, service.db.url, counter=3, clock=clock)
    window.set_language(lang)
    window.show()
    window.start()
    model = window.model
    paths: list[Path] = []

    def save(name: str, picture: QPixmap | None = None) -> None:
        window.refresh()  # the ticking times, at the studio clock's time
        settle()
        path = out / f"teller-{name}-{lang}.png"
        (picture or window.grab()).save(str(path), "PNG")
        paths.append(path)

    def quiet() -> None:
        _wait(lambda: model.busy is None and window.worker.pending == 0)

    try:
        _wait(lambda: model.loaded and model.online)
        _wait(window.login_dialog.isVisible)
        window.login_dialog.staff.setText(demo_teller(3))
        window.login_dialog.pin.setText("12")
        save("login", _with_dialog(window, window.login_dialog))
        window.login_dialog.pin.setText(DEMO_TELLER_PIN)
        window.login_dialog.submitted.emit()
        _wait(lambda: model.actor is not None)
        quiet()
        save("idle")
        window.trigger("call_next")
        quiet()
        _wait(lambda: model.current is not None and model.next is not None
              and model.next.id != model.current.id)  # the reload after the call
        clock.at += timedelta(seconds=48)
        save("vip-called")
        window.trigger("start")
        quiet()
        clock.at += timedelta(minutes=3, seconds=12)
        save("serving")
        window.open_transfer()
        window.transfer_dialog.service_buttons["A"].setChecked(True)
        window.transfer_dialog.placement_buttons["first"].setChecked(True)
        window.transfer_dialog.approval.staff.setText(DEMO_MANAGER[0])
        window.transfer_dialog.approval.pin.setText("2468")
        save("transfer", _with_dialog(window, window.transfer_dialog))
        window.transfer_dialog.reject()
        window.trigger("suspend")
        quiet()
        window.open_call_ticket()
        d = window.call_dialog
        d.ticket.setText("B003")
        d.approval.staff.setText(DEMO_MANAGER[0])
        d.approval.pin.setText("2468")
        d.approval.reason.setText("预约客户" if lang == "zh" else "appointment")
        save("approval", _with_dialog(window, d))
        d.reject()
        window.open_suspended()
        save("suspended", _with_dialog(window, window.suspended_dialog))
        window.suspended_dialog.reject()
        model.set_online(False)  # as the feed reports a lost database
        model.notice = Notice("db_lost", "error")
        window.refresh()
        save("offline")
    finally:
        window.set_language("zh")
        window.shutdown()
        window.deleteLater()
        service.db.dispose()
    return paths
