"""One running display: live feed → model → window, and every new call to the announcer.

Built by `kiosk.app.build_display_window`; a headless station (no window, no voice) is
what tests and the benchmark run in a second process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from kiosk.devices.announcer import Announcer, Call, VoiceError
from kiosk.queue.feed import CallRecord, FeedEvent, Snapshot
from kiosk.ui.display import DisplayModel, latest_call_per_counter
from kiosk.ui.feed_qt import LiveFeed
from kiosk.ui.status import heap_kb, qt_objects, resident_kb

if TYPE_CHECKING:
    from kiosk.ui.display_windows import DisplayWindow

log = logging.getLogger(__name__)


class DisplayStation(QObject):
    """Glue, no rules: the feed moves the model; the model's new calls are announced."""

    calls = Signal(list)  # list[CallRecord] just applied, in order (each exactly once)

    def __init__(self, model: DisplayModel, live: LiveFeed,
                 announcer: Announcer | None = None, window: DisplayWindow | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.live = live
        self.announcer = announcer
        self.window = window
        self.closers: list[Callable[[], None]] = []  # what the builder wants closed last
        live.events.connect(self._on_events)
        live.missed.connect(self._on_missed)
        live.snapshot.connect(self._on_snapshot)
        live.online.connect(model.set_online)

    def start(self) -> None:
        self.live.start()

    def stop(self) -> None:
        self.live.stop()
        close = getattr(self.announcer, "close", None)
        if close is not None:
            close()
        for closer in self.closers:
            closer()
        self.closers.clear()
        if self.window is not None:
            self.window.shutdown()

    def status(self) -> dict[str, Any]:
        """Progress (the last event applied), memory, and what it holds: each size must
        stay bounded however long the display runs."""
        sizes: dict[str, int] = {"recent_calls": len(self.model.recent),
                                 "model_listeners": len(self.model.listeners)}
        if self.announcer is not None:  # the voice: calls waiting, and its records
            for name in ("pending", "spoken", "dropped", "heard"):
                held = getattr(self.announcer, name, None)
                if held is not None:
                    sizes[f"announcer_{name}"] = len(held)
            played = getattr(getattr(self.announcer, "player", None), "played", None)
            if played is not None:
                sizes["player_played"] = len(played)
        if self.window is not None:
            sizes["qt_objects"] = qt_objects(self.window)
        return {"applied_event_id": self.model.applied_id, "online": self.model.online,
                "rss_kb": resident_kb(), "heap_kb": heap_kb(), "sizes": sizes}

    def _on_events(self, events: list[FeedEvent]) -> None:
        calls = self.model.apply(events)
        self._announce_all(calls)
        if calls:
            self.calls.emit(calls)

    def _on_missed(self, events: list[FeedEvent]) -> None:
        """Calls made while the display was offline: all shown, stale ones not spoken."""
        calls = self.model.apply(events)
        self._announce_all(latest_call_per_counter(calls))
        if calls:
            self.calls.emit(calls)

    def _announce_all(self, calls: list[CallRecord]) -> None:
        for record in calls:
            self._announce(Call(record.number, record.counter, recall=record.recall))

    def _on_snapshot(self, snap: Snapshot) -> None:
        self.model.load(snap)

    def _announce(self, call: Call) -> None:
        if self.announcer is None:
            return
        try:
            self.announcer.announce(call)
        except VoiceError as exc:  # a call that cannot be spoken is still shown
            log.error("cannot announce %s: %s", call, exc)
