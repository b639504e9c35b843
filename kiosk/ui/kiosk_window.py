"""The lobby kiosk window: swipe or type → (greeting) → service → number. Never freezes.

Every call into the queue or the printer runs on the window's worker thread
(`kiosk.ui.worker`); the window only changes screens when answers arrive. One worker
thread, so a heartbeat's printer status never interleaves with a print on a serial line.

The window has no editable field: the keypad is drawn by the kiosk, so a keyboard-wedge
card reader's keystrokes always reach the window's key handler, where the burst detector
(`kiosk.devices.wedge`) tells a swipe from someone pressing keys.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from kiosk.devices.errors import CardReadError
from kiosk.devices.wedge import WedgeDetector
from kiosk.errors import DatabaseUnavailable, InvalidIdentifier, QueueError
from kiosk.queue.booking_rules import BookingRefused
from kiosk.queue.views import FeedEvent
from kiosk.ui import style
from kiosk.ui.feed_qt import LiveFeed
from kiosk.ui.flow import Greeting, IssueOutcome, KioskFlow, ServiceOption
from kiosk.ui.i18n import Languages
from kiosk.ui.kiosk_screens import (
    EntryScreen,
    HomeScreen,
    IdentifiedScreen,
    MessageScreen,
    OutOfServiceScreen,
    ResultScreen,
    Screen,
    ServicesScreen,
)
from kiosk.ui.readers import ReaderThread, ReadIdentity
from kiosk.ui.status import heap_kb, qt_objects, resident_kb
from kiosk.ui.widgets import TopBar
from kiosk.ui.worker import Worker

log = logging.getLogger(__name__)

SECRET_TAPS = 5  # taps on the clock within SECRET_WINDOW_S open the manager's PIN pad
SECRET_WINDOW_S = 4.0
_INPUT_EVENTS = (QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress)


@dataclass(frozen=True)
class KioskTimings:
    """Everything time-based, in milliseconds (tests make them short)."""

    idle_ms: int = 30_000
    result_ms: int = 10_000
    greeting_ms: int = 1_800
    heartbeat_ms: int = 5_000
    recover_ms: int = 3_000
    clock_ms: int = 1_000

    @classmethod
    def from_settings(cls, kiosk: object) -> KioskTimings:
        return cls(idle_ms=int(getattr(kiosk, "idle_timeout_s", 30) * 1000),
                   result_ms=int(getattr(kiosk, "result_timeout_s", 10) * 1000))


def is_database_error(exc: BaseException) -> bool:
    return isinstance(exc, SQLAlchemyError | DatabaseUnavailable | ConnectionError)


class KioskWindow(QWidget):
    """One kiosk station. Emits `screen_changed(name)` on every screen change."""

    screen_changed = Signal(str)
    ticket_issued = Signal(object)  # IssueOutcome
    exit_requested = Signal()  # the manager entered the PIN: the program may end
    job_printed = Signal(object)  # IssueOutcome of a print job from the manager console

    def __init__(self, flow: KioskFlow, languages: Languages, *,
                 timings: KioskTimings | None = None, fullscreen: bool = True,
                 hide_cursor: bool = True,
                 large_print: bool = False, clock: Callable[[], datetime] | None = None,
                 key_clock: Callable[[], float] = time.monotonic, demo_note: str = "",
                 readers: ReaderThread | None = None, live: LiveFeed | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flow = flow
        self.languages = languages
        self.timings = timings or KioskTimings()
        self.kiosk_mode = fullscreen
        self.large_print = large_print
        self.clock = clock or flow.service.now
        self.key_clock = key_clock
        self.worker = Worker(self, threads=1)
        self.wedge = WedgeDetector()
        self.greeting: Greeting | None = None
        self.outcome: IssueOutcome | None = None
        self.busy = False
        self.out_of_service = False
        self.tickets_issued = 0
        self._may_close = False
        self._taps: list[float] = []
        self._scale = 0.0
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        if hide_cursor:
            self.setCursor(Qt.CursorShape.BlankCursor)
        self._build(demo_note)
        self._timers()
        self.apply_style()
        self.retranslate()
        app = QApplication.instance()
        assert app is not None  # a widget exists only inside a running QApplication
        app.installEventFilter(self)
        self.readers = readers
        if readers is not None and readers.has_readers:
            readers.identified.connect(self.card_read)
            readers.failed.connect(self._reader_failed)
            readers.state_changed.connect(self._reader_state)
            readers.start()
        self.live = live
        if live is not None:  # print jobs from the manager console come by the feed
            live.events.connect(self._feed_events)
            live.missed.connect(self._feed_events)
            live.start()
        self.show_home()

    # --- building -----------------------------------------------------------------------

    def _build(self, demo_note: str) -> None:
        self.topbar = TopBar(self)
        self.topbar.language_clicked.connect(self.toggle_language)
        self.topbar.large_print_clicked.connect(self.toggle_large_print)
        self.topbar.secret_tapped.connect(self._secret_tap)
        self.topbar.demo.setText(demo_note)
        self.topbar.demo.setVisible(bool(demo_note))
        self.stack = QStackedWidget(self)
        # The screen's size is the display's: pages fit it, they never push the window.
        self.stack.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.home = HomeScreen()
        self.identified = IdentifiedScreen()
        self.services = ServicesScreen()
        self.result = ResultScreen()
        self.message = MessageScreen()
        self.offline = OutOfServiceScreen()
        self.manual = EntryScreen()
        self.staff_entry = EntryScreen(staff=True, max_len=16)
        self.staff_entry.name = "staff"
        self.pin = EntryScreen(secret=True, max_len=12)
        self.pin.name = "pin"
        self._exit_staff = ""
        self.screens: list[Screen] = [self.home, self.identified, self.services, self.result,
                                      self.message, self.offline, self.manual,
                                      self.staff_entry, self.pin]
        for screen in self.screens:
            self.stack.addWidget(screen)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(self.topbar)
        box.addWidget(self.stack, 1)
        self.home.no_card.connect(lambda: self.choose_service(None))
        self.home.manual.connect(self.show_manual)
        self.identified.proceed.connect(lambda: self.choose_service(self.greeting))
        self.services.chosen.connect(self.take_ticket)
        self.services.back.connect(self.show_home)
        self.result.done.connect(self.show_home)
        self.message.home.connect(self.show_home)
        self.message.retry.connect(self._retry)
        self.manual.submitted.connect(self.submit_typed)
        self.manual.cancelled.connect(self.show_home)
        self.staff_entry.submitted.connect(self._ask_pin)
        self.staff_entry.cancelled.connect(self.show_home)
        self.pin.submitted.connect(self._check_pin)
        self.pin.cancelled.connect(self.show_home)

    def _timers(self) -> None:
        def timer(ms: int, slot: Callable[[], None], single: bool = True) -> QTimer:
            t = QTimer(self)
            t.setSingleShot(single)
            t.setInterval(ms)
            t.timeout.connect(slot)
            return t

        t = self.timings
        self.idle_timer = timer(t.idle_ms, self._idle)
        self.result_timer = timer(t.result_ms, self.show_home)
        self.countdown_timer = timer(1000, self.result.tick, single=False)
        self.greeting_timer = timer(t.greeting_ms, lambda: self.choose_service(self.greeting))
        self.heartbeat_timer = timer(t.heartbeat_ms, self.send_heartbeat, single=False)
        self.recover_timer = timer(t.recover_ms, self._try_recover, single=False)
        self.clock_timer = timer(t.clock_ms, self._update_clock, single=False)
        self.heartbeat_timer.start()
        self.clock_timer.start()
        QTimer.singleShot(0, self.send_heartbeat)

    # --- look and language ----------------------------------------------------------------

    def apply_style(self) -> None:
        """Type scaled to the window's height (and large print); only when it changes."""
        sized = self.height() > 200
        scale = style.fit_scale(self.height() if sized else 1000, self.large_print,
                                self.width() if sized else None)
        self.topbar.large.setChecked(self.large_print)
        if scale == self._scale:
            return
        self._scale = scale
        self.setStyleSheet(style.stylesheet(scale))
        self.topbar.set_scale(scale)
        for screen in self.screens:
            screen.set_scale(scale)  # margins, pictures, and a reflow at the new type size

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.apply_style()

    def toggle_large_print(self) -> None:
        self.large_print = not self.large_print
        self.apply_style()

    def toggle_language(self) -> None:
        self.set_language("en" if self.languages.current == "zh" else "zh")

    def set_language(self, language: str) -> None:
        self.languages.set(language)
        self.retranslate()

    def retranslate(self) -> None:
        lang = self.languages.current
        branch = self.flow.settings.branch
        self.topbar.branch.set_full_text(branch.name_en if lang == "en" else branch.name_zh)
        self.topbar.language.setText("中文" if lang == "en" else "English")
        self.topbar.large.setText(self.tr("大字"))
        for screen in self.screens:
            screen.lang = lang
            screen.retranslate()
        self._update_clock()

    def _update_clock(self) -> None:
        self.topbar.clock.setText(self.clock().strftime("%H:%M"))

    # --- screens ---------------------------------------------------------------------------

    @property
    def screen_name(self) -> str:
        """The name of the screen shown ("home", "services", ...)."""
        current = self.stack.currentWidget()
        return current.name if isinstance(current, Screen) else ""

    def _show(self, screen: Screen) -> None:
        for t in (self.result_timer, self.countdown_timer, self.greeting_timer):
            t.stop()
        self.stack.setCurrentWidget(screen)
        if screen is self.home:
            self.idle_timer.stop()
        else:
            self.idle_timer.start()
        self.screen_changed.emit(screen.name)

    def show_home(self) -> None:
        if self.out_of_service:
            self._show(self.offline)
            return
        self.greeting = None
        self.outcome = None
        self.busy = False
        self.wedge.reset()
        if self.languages.current != "zh":
            self.set_language("zh")  # the next customer starts in Chinese
        self._show(self.home)

    def show_manual(self) -> None:
        self.manual.clear()
        self._show(self.manual)

    def show_message(self, kind: str) -> None:
        self.busy = False
        self.message.show_kind(kind)
        self._show(self.message)
        self.result_timer.start()  # back home by itself, like the result

    def _retry(self) -> None:
        if self.message.kind in ("invalid_id", "booking_not_found"):
            self.show_manual()
        else:
            self.choose_service(None)

    def _idle(self) -> None:
        if self.screen_name not in ("home", "out_of_service"):
            log.info("idle on %s: back to home", self.screen_name)
            self.show_home()

    # --- the flow --------------------------------------------------------------------------

    def swiped(self, text: str) -> None:
        """A keyboard-wedge burst ended: identify the card (any screen but the result)."""
        if self.busy or self.out_of_service or self.screen_name in ("staff", "pin", "result"):
            return
        self._start(self.flow.identify_swipe, text, on_done=self.show_identified)

    def card_read(self, read: ReadIdentity) -> None:
        """A serial card or ID-card reader read a card (on any screen but the result)."""
        if self.busy or self.out_of_service or self.screen_name in ("staff", "pin", "result"):
            return
        self._start(self.flow.greet, read.identity, read.name_masked,
                    on_done=self.show_identified)

    def _reader_failed(self, exc: BaseException) -> None:
        if not (self.busy or self.out_of_service or self.screen_name in ("staff", "pin", "result")):
            self._failed(exc)

    def _reader_state(self, state: str) -> None:
        self.flow.reader_state = state
        self.send_heartbeat()

    def submit_typed(self, text: str) -> None:
        if self.flow.is_booking_code(text):  # six digits: a booking code (预约码)
            self._start(self.flow.check_in_code, text, on_done=self.show_result)
            return
        self._start(self.flow.identify_typed, text, on_done=self.show_identified)

    def show_identified(self, greeting: Greeting) -> None:
        self.busy = False
        if greeting.booking is not None:  # a booked customer: straight to their number
            self.greeting = greeting
            self._start(self.flow.check_in, greeting, on_done=self.show_result)
            return
        self.greeting = greeting
        self.identified.show_greeting(greeting)
        self._show(self.identified)
        self.greeting_timer.start()

    def choose_service(self, greeting: Greeting | None) -> None:
        self.greeting = greeting
        self._start(self.flow.options, on_done=self.show_services)

    def show_services(self, options: list[ServiceOption]) -> None:
        self.busy = False
        self.services.show_options(options, self.greeting)
        self._show(self.services)

    def take_ticket(self, prefix: str) -> None:
        self._start(self.flow.take_ticket, prefix, self.greeting, on_done=self.show_result)

    def show_result(self, outcome: IssueOutcome) -> None:
        self.busy = False
        self.outcome = outcome
        self.result.show_outcome(outcome, self.timings.result_ms // 1000)
        self._show(self.result)
        self.result_timer.start()
        self.countdown_timer.start()
        self.tickets_issued += 1
        self.ticket_issued.emit(outcome)

    def _start(self, fn: Callable[..., object], *args: object,
               on_done: Callable[..., None]) -> None:
        """Run one customer step off the GUI thread; a second touch meanwhile is ignored."""
        if self.busy:
            return
        self.busy = True
        self.worker.run(fn, *args, on_done=on_done, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        if isinstance(exc, BookingRefused):  # a wrong code, another day's, a cancelled one
            self.show_message(f"booking_{exc.code}")
        elif isinstance(exc, CardReadError):
            self.show_message("card_unreadable")
        elif isinstance(exc, InvalidIdentifier):
            self.show_message("invalid_id")
        elif isinstance(exc, QueueError):
            self.show_message("service_closed")
        elif is_database_error(exc):
            log.warning("database unreachable: %s", exc)
            self.enter_out_of_service()
        else:
            log.error("kiosk step failed", exc_info=exc)
            self.show_message("error")

    # --- print jobs (主动派号, reprints) -------------------------------------------------------

    def _feed_events(self, events: list[FeedEvent]) -> None:
        for event in events:
            if self.flow.wants_job(event):
                self.worker.run(self.flow.print_job, event, on_done=self.job_printed.emit,
                                on_error=self._job_failed)

    def _job_failed(self, exc: BaseException) -> None:
        log.warning("print job failed: %s", exc)
        if is_database_error(exc) and not self.out_of_service and not self.busy:
            self.enter_out_of_service()

    # --- database outages and heartbeat ----------------------------------------------------

    def enter_out_of_service(self) -> None:
        self.out_of_service = True
        self.busy = False
        self._show(self.offline)
        self.idle_timer.stop()
        self.recover_timer.start()

    def _try_recover(self) -> None:
        self.worker.run(self.flow.ping, on_done=self._recovered, on_error=lambda _e: None)

    def _recovered(self, _now: object) -> None:
        if not self.out_of_service:
            return
        log.info("database reachable again: back in service")
        self.out_of_service = False
        self.recover_timer.stop()
        self.show_home()
        self.send_heartbeat()

    def send_heartbeat(self) -> None:
        extra = {"screen": self.screen_name, "language": self.languages.current,
                 "in_service": not self.out_of_service, "rss_kb": resident_kb()}
        self.worker.run(self.flow.heartbeat, extra, on_done=lambda _s: None,
                        on_error=self._heartbeat_failed)

    def status(self) -> dict[str, Any]:
        """Tickets issued, memory, and what the station holds (each must stay bounded)."""
        sizes = {"worker_jobs": self.worker.pending, "qt_objects": qt_objects(self),
                 "secret_taps": len(self._taps)}
        printed = getattr(self.flow.printer, "printed", None)
        if printed is not None:
            sizes["printer_kept"] = len(printed)
        return {"screen": self.screen_name, "tickets_issued": self.tickets_issued,
                "in_service": not self.out_of_service, "rss_kb": resident_kb(),
                "heap_kb": heap_kb(), "sizes": sizes}

    def _heartbeat_failed(self, exc: BaseException) -> None:
        if is_database_error(exc) and not self.out_of_service and not self.busy:
            log.warning("heartbeat failed, database unreachable: %s", exc)
            self.enter_out_of_service()
        elif not is_database_error(exc):
            log.error("heartbeat failed", exc_info=exc)

    # --- keys, idle, and staying full screen -------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind in _INPUT_EVENTS and self._owns(watched):
            if self.idle_timer.isActive():
                self.idle_timer.start()
            if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                self.handle_key(event)
                return True
        return False

    def _owns(self, obj: QObject) -> bool:
        return isinstance(obj, QWidget) and (obj is self or self.isAncestorOf(obj))

    def handle_key(self, event: QKeyEvent) -> None:
        """Every key of this window ends here: Escape and friends do nothing."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            burst = self.wedge.feed(self.key_clock(), "\r")
            if burst is not None:
                self.swiped(burst)
            return
        text = event.text()
        if text and text.isprintable():
            self.wedge.feed(self.key_clock(), text)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        self.handle_key(event)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.kiosk_mode and not self._may_close:
            event.ignore()  # Alt+F4 and the window manager's close: only with the PIN
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        for t in self.findChildren(QTimer):
            t.stop()
        if self.readers is not None and self.readers.isRunning():
            self.readers.stop()
        if self.live is not None:
            self.live.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.worker.wait(3000)

    def _secret_tap(self) -> None:
        now = self.key_clock()
        self._taps = [t for t in self._taps if now - t < SECRET_WINDOW_S] + [now]
        if len(self._taps) >= SECRET_TAPS:
            self._taps = []
            self.worker.run(self.flow.staff_letters, on_done=self._ask_staff,
                            on_error=lambda _e: self._ask_staff([]))

    def _ask_staff(self, letters: list[str]) -> None:
        """Leaving kiosk mode: a manager's staff number, then their PIN (checked by the
        queue's login: the same lockout as everywhere, no PIN in the branch file)."""
        self.staff_entry.keypad.set_letters(letters)
        self.staff_entry.clear()
        self._show(self.staff_entry)

    def _ask_pin(self, staff_no: str) -> None:
        self._exit_staff = staff_no
        self.pin.clear()
        self._show(self.pin)

    def _check_pin(self, pin: str) -> None:
        self.worker.run(self.flow.manager_exit, self._exit_staff, pin,
                        on_done=self._leave_kiosk_mode, on_error=self._exit_refused)

    def _leave_kiosk_mode(self, who: str) -> None:
        log.info("%s left kiosk mode", who)
        self._may_close = True
        self.close()
        self.exit_requested.emit()

    def _exit_refused(self, exc: BaseException) -> None:
        self.pin.clear()
        locked = "locked" in str(exc)
        self.pin.say(self.tr("该工号已锁定，请稍后再试") if locked
                     else self.tr("工号或密码错误，请重试"))

    def present(self) -> None:
        """Show as the kiosk (full screen) or as a normal window (the demo)."""
        if self.kiosk_mode:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint)
            self.showFullScreen()
        else:
            self.show()
        self.activateWindow()
        self.setFocus()
