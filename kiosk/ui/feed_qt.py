"""The change feed in a Qt event loop, off the GUI thread.

`LiveFeed` runs a `ChangeFeed` in a worker thread (database reads never freeze a
screen) and hands results to the GUI thread as signals:
- SQLite: a QTimer polls `PRAGMA data_version` (50 ms);
- PostgreSQL: a QSocketNotifier on the LISTEN socket wakes it at once, a slow QTimer
  (2 s) is the safety net.
After each batch of events it reloads the full state (coalesced) so counted numbers
stay right. When the database goes away it says so (`online(False)`), drops the
connection and retries with exponential backoff up to 2 s (no busy loop); once back,
it reads every event it missed and reloads the full state. Events committed while it
was offline (up to its last failed attempt) come as `missed` (the display shows them
all but announces only the latest call of each counter); those committed after the
database came back, before the retry noticed, come as ordinary `events`.

A hung PostgreSQL server is seen within 3 s: the safety poll probes the LISTEN
connection every second with a 1.5 s deadline, and every read has a 2 s deadline (see
kiosk.queue.feed). The heartbeat (a write) runs on a thread of its own, so a server
or an SQLite write lock that holds it up never holds up the feed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import (
    QMetaObject,
    QObject,
    QSocketNotifier,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)

from kiosk.queue.feed import ChangeFeed, FeedEvent, FeedOffline
from kiosk.ui.status import HeapKeeper

log = logging.getLogger(__name__)

BACKOFF_START_S = 0.25
BACKOFF_MAX_S = 2.0  # a server back from a restart is seen within 2 s
SNAPSHOT_DELAY_MS = 100  # coalesce a burst of events into one reload
REFRESH_S = 30.0  # expected waits age: reload now and then even when nothing happens


class FeedWorker(QObject):
    """Lives in the feed thread; every database call happens here."""

    events = Signal(list)  # list[FeedEvent], in order
    missed = Signal(list)  # list[FeedEvent] committed while offline, read on reconnecting
    snapshot = Signal(object)  # Snapshot
    online = Signal(bool)

    def __init__(self, feed: ChangeFeed, heartbeat: Callable[[], None] | None = None,
                 heartbeat_s: float = 5.0) -> None:
        super().__init__()
        self.feed = feed
        self.heartbeat = heartbeat
        self.heartbeat_s = heartbeat_s
        self.backoff_s = BACKOFF_START_S
        self.is_online: bool | None = None
        self.reconnects = 0
        self._notifier: QSocketNotifier | None = None
        self._timers: list[QTimer] = []
        self._beat: threading.Thread | None = None
        self.heartbeats_started = 0
        self.heap = HeapKeeper()  # a station runs for weeks: what it frees goes back

    def _timer(self, ms: float, slot: Callable[[], None], single: bool = False) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.setInterval(int(ms))
        timer.timeout.connect(slot)
        self._timers.append(timer)
        return timer

    @Slot()
    def start(self) -> None:
        self._poll = self._timer(self.feed.waker.poll_interval_s * 1000, self._on_tick)
        self._retry = self._timer(0, self._connect, single=True)
        self._reload = self._timer(SNAPSHOT_DELAY_MS, self._on_reload, single=True)
        self._refresh = self._timer(REFRESH_S * 1000, self._on_reload)
        if self.heartbeat is not None:
            self._pulse = self._timer(self.heartbeat_s * 1000, self._on_heartbeat)
            self._pulse.start()
        self._connect()

    @Slot()
    def stop(self) -> None:
        for timer in self._timers:
            timer.stop()
        self._drop_notifier()
        self.feed.close()

    # --- connection --------------------------------------------------------------------

    def _connect(self) -> None:
        try:
            missed = self.feed.open()
            snap = self.feed.snapshot()
        except FeedOffline as exc:
            self._offline(str(exc))
            return
        fd = self.feed.waker.fileno()
        if fd is not None:
            self._notifier = QSocketNotifier(fd, QSocketNotifier.Type.Read, self)
            self._notifier.activated.connect(self._on_readable)
        self._poll.start()
        self._refresh.start()
        self.backoff_s = BACKOFF_START_S
        missed, after = self.feed.split_missed(missed)
        if self.is_online is False:
            self.reconnects += 1
            log.info("change feed back online; %d events missed, %d since it came back",
                     len(missed), len(after))
        if missed:
            self.missed.emit(missed)
        if after:
            self.events.emit(after)
        self.snapshot.emit(snap)
        # online once caught up: whoever sees it (a window's banner, a test, the status
        # line) sees the state as it is, not the one from before the outage
        self._set_online(True)
        self.heap.count(len(missed) + len(after))

    def _offline(self, why: str) -> None:
        self._drop_notifier()
        self._poll.stop()
        self._refresh.stop()
        self._reload.stop()
        self.feed.disconnect()
        if self.is_online is not False:
            log.warning("change feed offline: %s", why)
        self._set_online(False)
        self._retry.start(int(self.backoff_s * 1000))
        self.backoff_s = min(self.backoff_s * 2, BACKOFF_MAX_S)

    def _set_online(self, online: bool) -> None:
        if online != self.is_online:
            self.is_online = online
            self.online.emit(online)

    def _drop_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None

    # --- wake-ups ----------------------------------------------------------------------

    def _on_tick(self) -> None:
        self._read(self.feed.poll)

    def _on_readable(self) -> None:
        self._read(self.feed.readable)

    def _read(self, read: Callable[[], list[FeedEvent]]) -> None:
        if not self.feed.connected:
            return
        try:
            events = read()
        except FeedOffline as exc:
            self._offline(str(exc))
            return
        if events:
            self.events.emit(events)
            if not self._reload.isActive():
                self._reload.start()
            self.heap.count(len(events))

    @Slot()
    def reload(self) -> None:
        """Reload the full state now (in the feed thread)."""
        self._on_reload()

    def _on_reload(self) -> None:
        if not self.feed.connected:
            return
        try:
            snap = self.feed.snapshot()
        except FeedOffline as exc:
            self._offline(str(exc))
            return
        self.snapshot.emit(snap)
        self.heap.tick()

    def _on_heartbeat(self) -> None:
        if self.heartbeat is None or not self.feed.connected:
            return
        if self._beat is not None and self._beat.is_alive():
            return  # the last one is still waiting for the database: skip this one
        self._beat = threading.Thread(target=self._beat_once, args=(self.heartbeat,),
                                      name="display-heartbeat", daemon=True)
        self._beat.start()
        self.heartbeats_started += 1

    @staticmethod
    def _beat_once(heartbeat: Callable[[], None]) -> None:
        try:
            heartbeat()
        except Exception as exc:  # the feed notices a lost database by itself
            log.debug("heartbeat failed: %s", exc)


class LiveFeed(QObject):
    """The GUI side: owns the feed thread and re-emits the worker's signals."""

    events = Signal(list)
    missed = Signal(list)
    snapshot = Signal(object)
    online = Signal(bool)

    def __init__(self, feed: ChangeFeed, heartbeat: Callable[[], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = FeedWorker(feed, heartbeat)
        self.feed_thread = QThread()
        self.feed_thread.setObjectName("change-feed")
        self.worker.moveToThread(self.feed_thread)
        self.feed_thread.started.connect(self.worker.start)
        self.worker.events.connect(self.events)
        self.worker.missed.connect(self.missed)
        self.worker.snapshot.connect(self.snapshot)
        self.worker.online.connect(self.online)

    def start(self) -> None:
        self.feed_thread.start()

    def reload(self) -> None:
        """Ask the worker to reload the full state (answers with `snapshot`)."""
        QMetaObject.invokeMethod(self.worker, "reload", Qt.ConnectionType.QueuedConnection)

    def stop(self) -> None:
        """Stop the worker in its own thread, then end the thread."""
        if not self.feed_thread.isRunning():
            return
        QMetaObject.invokeMethod(self.worker, "stop", Qt.ConnectionType.BlockingQueuedConnection)
        self.feed_thread.quit()
        self.feed_thread.wait(5000)

