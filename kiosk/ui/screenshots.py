"""`kiosk screenshots DIR`: every kiosk screen, in Chinese and English, as PNG files.

A throwaway branch at a fixed time of day: a few people waiting, counters open, a gold
customer from the example directory. The window is driven into each screen directly
(the same methods the worker's answers call), so the pictures are the real screens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.config import Settings
from kiosk.devices.printer import PreviewPrinter, PrinterState
from kiosk.devices.ticket import LayoutOptions
from kiosk.ui.demo import prepare_demo_branch
from kiosk.ui.kiosk_window import KioskWindow

log = logging.getLogger(__name__)

GOLD_CARD = "6228483000000030004"  # 欧阳建国, gold, in config/customers-example.csv
STUDIO_MORNING = datetime(2026, 11, 24, 10, 12)
STUDIO_LATE = datetime(2026, 11, 24, 16, 35)  # cash and corporate have stopped issuing


class StudioClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def _scenes(window: KioskWindow, clock: StudioClock,
            printer: PreviewPrinter) -> list[tuple[str, Callable[[], None]]]:
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

    def pin() -> None:
        window.pin.clear()
        window._show(window.pin)
        for key in "12":
            window.pin.key(key)

    def offline() -> None:
        window.enter_out_of_service()
        window.recover_timer.stop()

    def manager_pin() -> None:
        window.out_of_service = False
        pin()

    return [
        ("home", window.show_home),
        ("identified", identified),
        ("services", services),
        ("services-late", services_late),
        ("result", result),
        ("result-paper-out", paper_out),
        ("manual-entry", manual),
        ("error-card-unreadable", lambda: window.show_message("card_unreadable")),
        ("error-invalid-id", lambda: window.show_message("invalid_id")),
        ("error-service-closed", lambda: window.show_message("service_closed")),
        ("error-other", lambda: window.show_message("error")),
        ("out-of-service", offline),
        ("manager-pin", manager_pin),
    ]


def save_kiosk_screens(settings: Settings, workdir: Path, out: Path,
                       size: tuple[int, int] = (1280, 800)) -> list[Path]:
    """Render every screen in zh and en (and large print for three) into `out`."""
    from kiosk.app import build_kiosk_window, build_service

    out.mkdir(parents=True, exist_ok=True)
    clock = StudioClock(STUDIO_MORNING)
    service = build_service(settings, f"sqlite:///{workdir / 'branch.db'}", clock)
    prepare_demo_branch(service)
    for prefix in "AABBBBCV":  # a few people waiting
        service.issue(prefix, station="studio")
    printer = PreviewPrinter(LayoutOptions.from_settings(settings.printer))
    window = build_kiosk_window(settings, service, station="studio", printer=printer,
                                fullscreen=False)
    window.clock = clock
    window.heartbeat_timer.stop()
    window.resize(*size)
    window.show()
    paths: list[Path] = []
    try:
        for lang in ("zh", "en"):
            for large in (False, True):
                window.large_print = large
                window.apply_style()
                for name, scene in _scenes(window, clock, printer):
                    if large and name not in ("home", "services", "result"):
                        continue
                    window.out_of_service = False
                    clock.at = STUDIO_MORNING
                    scene()
                    window.set_language(lang)  # after the scene: show_home resets to zh
                    _settle()
                    suffix = "-large" if large else ""
                    path = out / f"kiosk-{name}{suffix}-{lang}.png"
                    window.grab().save(str(path), "PNG")
                    paths.append(path)
    finally:
        window.set_language("zh")  # the translator is the application's: leave it as found
        window.shutdown()
        window.deleteLater()
        service.db.dispose()
    return paths
