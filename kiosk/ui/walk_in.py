"""A pretend customer at the kiosk: no card, the first open service, a ticket.

The demo's hall uses it (a customer every few seconds, who reads the screen a moment);
`kiosk run kiosk --walk-in MS` uses it to burn a kiosk PC in, or to soak a real kiosk
process (`kiosk bench --soak`), with customers who also tap 完成 on the result screen.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer

from kiosk.ui.kiosk_window import KioskWindow


class KioskWalkIn:
    """Each call starts one customer, if the kiosk is on its home screen and idle."""

    def __init__(self, window: KioskWindow, *, think_ms: int = 1200,
                 done_on_result: bool = False) -> None:
        self.window = window
        self.think_ms = think_ms
        self.done_on_result = done_on_result
        window.screen_changed.connect(self._on_screen)
        self._active = False

    def __call__(self) -> None:
        if self.window.screen_name == "home" and not self.window.busy:
            self._active = True
            self.window.choose_service(None)

    def _on_screen(self, name: str) -> None:
        if not self._active:
            return
        if name == "services":
            options = [o for o in self.window.services.options if o.available]
            if not options:
                self._leave()
                return
            prefix = options[0].prefix
            QTimer.singleShot(self.think_ms, lambda: self.window.take_ticket(prefix))
        elif name in ("result", "message"):
            self._leave()

    def _leave(self) -> None:
        self._active = False
        if self.done_on_result:  # the customer taps 完成 (or 返回 on a message)
            QTimer.singleShot(0, self.window.show_home)


def walk_in_every(window: KioskWindow, every_ms: int, parent: QObject | None = None) -> QTimer:
    """A new customer every `every_ms` (when the kiosk is free), each tapping straight
    through; started."""
    walk_in = KioskWalkIn(window, think_ms=0, done_on_result=True)
    timer = QTimer(parent or window)
    timer.setInterval(max(1, every_ms))
    timer.timeout.connect(walk_in)
    timer.start()
    return timer
