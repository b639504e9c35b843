"""`kiosk demo`: a small branch in one process, with a hall that comes alive.

The composition root (`kiosk.app.build_demo`) builds the throwaway branch and the
windows; this module seeds the branch (example customers, counters open), lays the
windows out as normal windows, and with `--simulate` plays customers arriving and
counters calling, through the same queue service every station uses.
"""

from __future__ import annotations

import csv
import logging
import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.config import PROJECT_ROOT, Settings
from kiosk.errors import QueueError
from kiosk.identity import Identity, identify
from kiosk.queue import customers
from kiosk.queue.appointments import BookingView
from kiosk.queue.models import CALLED, SERVING
from kiosk.queue.service import QueueService
from kiosk.ui.console_window import ConsoleWindow
from kiosk.ui.display_station import DisplayStation
from kiosk.ui.kiosk_window import KioskWindow
from kiosk.ui.teller_window import TellerWindow
from kiosk.ui.walk_in import KioskWalkIn
from kiosk.ui.worker import Worker

log = logging.getLogger(__name__)

DisplayBuilder = Callable[..., DisplayStation]
EXAMPLE_CUSTOMERS = PROJECT_ROOT / "config" / "customers-example.csv"
DEMO_COUNTERS = (1, 2, 3, 4, 5, 6)
KIOSK_SIZE = (1280, 800)
HALL_SIZE = (1280, 720)
COUNTER_SIZE = (800, 300)
CONSOLE_SIZE = (1280, 800)
# Who walks in (weights by tier), as in a city branch on a weekday morning.
TIER_WEIGHTS = {"regular": 70, "purple_gold": 15, "gold": 10, "platinum": 5}


# The demo branch's staff: a lobby manager and a teller per counter (demo PINs only).
DEMO_MANAGER = ("M001", "演示经理", "2468")
DEMO_TELLER_PIN = "1357"
# Counters whose teller panel the demo opens: their tellers call, the simulator does not.
DEMO_TELLER_PANELS = (1, 3)
TELLER_SIZE = (420, 560)


def demo_teller(number: int) -> str:
    return f"T{number:03d}"


def prepare_demo_branch(service: QueueService, counters: tuple[int, ...] = DEMO_COUNTERS,
                        customers_csv: Path = EXAMPLE_CUSTOMERS) -> None:
    """Load the example customer directory, make the demo staff, open the counters."""
    if customers_csv.is_file():
        with service.db.begin() as s:
            report = customers.import_csv(s, customers_csv, service.settings.hash_secret,
                                          service.settings.tiers, service.now())
        log.info("demo customers: %s", report.summary())
    staff_no, name, pin = DEMO_MANAGER
    service.staff.add(staff_no, name, "manager", pin)
    known = {c.number for c in service.settings.counters}
    for number in counters:
        if number in known:
            service.staff.add(demo_teller(number), f"柜员{number}", "teller", DEMO_TELLER_PIN)
            teller = service.login(demo_teller(number), DEMO_TELLER_PIN)
            service.open_counter(number, actor=teller)


# The demo's booked customers (预约): (card, service, minutes from now, purpose)
DEMO_BOOKINGS = (("6228483000000030004", "V", 15, "consultation"),  # 欧阳建国, gold
                 ("6259654000000041", "V", 45, "consultation"),  # 孙丽, platinum
                 ("6222021000000010008", "C", 30, "other"))  # 张伟, regular


def demo_bookings(service: QueueService) -> list[BookingView]:
    """A few bookings of today a little after the demo's time, booked by the demo manager:
    their codes (printed at start) or cards check in at the kiosk. One the service's hours
    no longer allow is left out."""
    manager = service.login(DEMO_MANAGER[0], DEMO_MANAGER[2], role="manager")
    now = service.now()
    out = []
    for card, prefix, minutes, purpose in DEMO_BOOKINGS:
        at = now + timedelta(minutes=minutes)
        at -= timedelta(minutes=at.minute % 5, seconds=at.second, microseconds=at.microsecond)
        try:
            out.append(service.appointments.book(
                prefix, identify(card, service.settings.hash_secret), at.date(), at.time(),
                purpose=purpose, actor=manager, reason="演示预约 demo booking"))
        except QueueError as exc:
            log.info("demo booking left out: %s", exc)
    return out


def directory_walk_ins(settings: Settings,
                       customers_csv: Path = EXAMPLE_CUSTOMERS) -> dict[str, list[Identity]]:
    """The example directory's customers by tier key, as the simulator's VIP walk-ins
    (they are recognised by their card or ID, as at a real kiosk)."""
    out: dict[str, list[Identity]] = {}
    if not customers_csv.is_file():
        return out
    tiers = customers.tier_lookup(settings.tiers)
    with open(customers_csv, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            tier = tiers.get((row.get("tier") or "").strip().lower())
            if tier is None:
                continue
            identity = identify(row.get("identifier") or "", settings.hash_secret)
            out.setdefault(tier, []).append(identity)
    return out


# The demo's displays: the hall's, and those above counters 1 and 3.
DEMO_DISPLAYS: tuple[tuple[str, str, int | None], ...] = (
    ("display-hall", "hall", None),
    ("display-counter-1", "counter", 1),
    ("display-counter-3", "counter", 3))


def demo_displays(builder: DisplayBuilder, settings: Settings, service: QueueService,
                  voice: bool = True) -> list[tuple[str, QWidget, Any]]:
    """The hall display and two counter displays, as (name, window, station), started.

    `builder` is `kiosk.app.build_display_window`: each display is a station of its own
    on the same database, following the change feed, as in a branch.
    """
    out: list[tuple[str, QWidget, Any]] = []
    for name, kind, counter in DEMO_DISPLAYS:
        station = builder(settings, service.db.url, kind=kind, counter=counter,
                          station=f"demo-{name}", clock=service.clock, voice=voice)
        station.start()
        assert station.window is not None  # built with a window (not headless)
        out.append((name, station.window, station))
    return out


class HallSimulator(QObject):
    """Customers arrive and counters call and finish, every `tick_ms`, off the GUI thread."""

    def __init__(self, service: QueueService, *, seed: int = 7, tick_ms: int = 1500,
                 walk_in: Callable[[], None] | None = None,
                 skip_counters: tuple[int, ...] = (),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        # counters a teller panel works: only their tellers call and finish there
        self.skip_counters = frozenset(skip_counters)
        self.rng = random.Random(seed)
        self.walk_in = walk_in
        self.worker = Worker(self, threads=1)
        self.walk_ins = directory_walk_ins(service.settings)
        self.ticks = 0
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.worker.wait(3000)

    def _tick(self) -> None:
        self.ticks += 1
        if self.worker.pending == 0:
            self.worker.run(self.step, on_error=lambda e: log.warning("demo step: %s", e))
        if self.walk_in is not None and self.ticks % 6 == 3:
            self.walk_in()

    def step(self) -> None:
        """One moment of the branch: maybe an arrival, and each counter's next move."""
        open_services = [row.service for row in self.service.service_summary()
                         if row.open_now and row.open_counters]
        if open_services and self.rng.random() < 0.7:
            tiers = [t for t in TIER_WEIGHTS if t in {x.key for x in self.service.settings.tiers}]
            tier = self.rng.choices(tiers, [TIER_WEIGHTS[t] for t in tiers])[0]
            prefix = self.rng.choice(open_services)
            known = self.walk_ins.get(tier)
            identity = self.rng.choice(known) if known and tier != "regular" else None
            self.service.issue(prefix, identity, station="demo-simulator")
        for counter in self.service.counters():
            if counter.status != "open" or counter.number in self.skip_counters:
                continue
            current = counter.current
            if current is not None and current.status in (CALLED, SERVING):
                if self.rng.random() < 0.3:
                    self.service.finish(current.id)
            elif self.rng.random() < 0.5:
                self.service.call_next(counter.number)


def _save(window: QWidget, path: Path) -> Path:
    if not window.grab().save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path


class Demo(QObject):
    """The running demo: its windows, its branch and (optionally) the simulator."""

    def __init__(self, service: QueueService, kiosk: KioskWindow,
                 displays: list[tuple[str, QWidget, Any]], workdir: Path, offset: timedelta,
                 *, simulate: bool = False, seed: int = 7,
                 tellers: list[tuple[str, TellerWindow]] | None = None,
                 web: Any = None, bookings: list[BookingView] | None = None) -> None:
        super().__init__()
        self.service = service
        self.bookings = list(bookings or [])  # today's booked customers, to check in
        self.web = web  # the web station serving the tickets' QR codes (stop(), url)
        self.kiosk = kiosk
        self.stations = [station for _name, _window, station in displays
                         if station is not None]
        self.tellers = list(tellers or [])
        self.windows: list[tuple[str, QWidget]] = [("kiosk", kiosk)] + [
            (name, window) for name, window, _station in displays] + [
            (name, panel) for name, panel in self.tellers]
        self.workdir = workdir
        self.offset = offset
        self.exit_code = 0
        self.simulator: HallSimulator | None = None
        if simulate:
            panels = tuple(w.model.counter for _n, w in self.tellers)
            self.simulator = HallSimulator(service, seed=seed, walk_in=KioskWalkIn(kiosk),
                                           skip_counters=panels, parent=self)

    def present(self) -> None:
        """Normal windows side by side (not full screen: they share one monitor)."""
        x = 20
        for name, window in self.windows:
            if name == "kiosk":
                window.resize(*KIOSK_SIZE)
            elif name == "display-hall":
                window.resize(*HALL_SIZE)
            elif name == "console":
                window.resize(*CONSOLE_SIZE)
            elif name.startswith("teller-"):
                window.resize(*TELLER_SIZE)
            else:
                window.resize(*COUNTER_SIZE)
            window.move(x, 20)
            window.setWindowTitle(f"kiosk demo · {name}")
            window.show()
            x += 60
        if self.simulator is not None:
            self.simulator.start()

    @property
    def console(self) -> ConsoleWindow | None:
        return next((w for n, w in self.windows if n == "console"
                     and isinstance(w, ConsoleWindow)), None)

    def run_for(self, seconds: float, screenshots: Path | None) -> None:
        """Stop after `seconds`, saving a PNG of every window first (and of the console's
        Figures tab, shown for the last two seconds so its figures are live)."""
        console = self.console
        if screenshots is not None and console is not None:
            QTimer.singleShot(max(0, int((seconds - 2) * 1000)), lambda: console.tabs
                              .setCurrentWidget(console.figures_page))

        def finish() -> None:
            try:
                if screenshots is not None:
                    paths = self.save_screenshots(screenshots)
                    log.info("demo screenshots: %s", ", ".join(p.name for p in paths))
            except Exception:
                log.exception("demo screenshots failed")
                self.exit_code = 1
            self.close()
            QApplication.exit(self.exit_code)

        QTimer.singleShot(int(seconds * 1000), finish)

    def save_screenshots(self, directory: Path) -> list[Path]:
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        console = self.console
        if console is not None and console.tabs.currentWidget() is console.figures_page:
            paths.append(_save(console, directory / "console-figures.png"))
            console.tabs.setCurrentWidget(console.hall_page)
        for name, window in self.windows:
            paths.append(_save(window, directory / f"{name}.png"))
        return paths

    def close(self) -> None:
        if self.simulator is not None:
            self.simulator.stop()
        if self.web is not None:
            self.web.stop()
        for station in self.stations:
            stop = getattr(station, "stop", None)
            if callable(stop):
                stop()
        for _name, window in self.windows:
            shutdown = getattr(window, "shutdown", None)
            if callable(shutdown):
                shutdown()
            window.hide()
        self.service.db.dispose()
