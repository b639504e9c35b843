"""One change-feed reader for the whole web station, fanned out to every open page.

A thread follows the feed (`kiosk.queue.feed.ChangeFeed`: PostgreSQL LISTEN or SQLite's
data_version) and, after every batch of events, reads the tickets that pages are open
on in one transaction (`QueueService.tickets_now`: one fast-forward of the queue for all
of them), turns each into its `PageState` and hands the changed ones to the event loop,
which wakes the pages' streams. A thousand pages cost the database what one costs.

The estimates drift with time even when nothing happens, so the states are read again
every `refresh_s`. When the database is lost the pages are told ("reconnecting"), the
thread retries with backoff and, once back, reads everything again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kiosk.config import Settings
from kiosk.queue.feed import ChangeFeed, FeedOffline
from kiosk.queue.models import CANCELLED, DONE, EXPIRED

if TYPE_CHECKING:
    from kiosk.queue.service import QueueService

log = logging.getLogger(__name__)

REFRESH_S = 30.0  # estimates move with time: every page's state is read again this often
BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 5.0)
# a page's stream ends at these; not at no_show: the lobby manager may restore the number
FINAL_STATES = frozenset({DONE, CANCELLED, EXPIRED})
STREAMS_PER_TICKET = 3  # a fourth page on one ticket ends the oldest one's stream


@dataclass(eq=False)
class Subscription:
    """One open page's stream: the latest state to send (JSON) and whether it changed."""

    ticket_id: int
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    state: str | None = None  # the JSON of the newest PageState, not yet sent
    online: bool | None = None  # the hub's link to the database, not yet sent
    sent_state: str | None = None
    final: bool = False  # the newest state is the ticket's last (FINAL_STATES)
    sent_final: bool = False  # the state sent last was final: the stream may end
    ended: str = ""  # "replaced": a newer page on the ticket took this stream's place

    def take(self) -> list[tuple[str, str]]:
        """The (event, data) messages to send now."""
        self.changed.clear()
        out = []
        if self.online is not None:
            out.append(("online", "true" if self.online else "false"))
            self.online = None
        if self.state is not None and self.state != self.sent_state:
            out.append(("state", self.state))
            self.sent_state, self.sent_final = self.state, self.final
        self.state = None
        return out


class PageHub:
    """Owns the feed thread; `subscribe`/`unsubscribe` are called on the event loop."""

    def __init__(self, service: QueueService, settings: Settings,
                 render: Callable[[Any, tuple[str, str]], dict[str, Any]],
                 refresh_s: float = REFRESH_S) -> None:
        self.service = service
        self.settings = settings
        self.render = render  # (TicketView, notice) -> the page's state as a dict
        self.refresh_s = refresh_s
        self.online = False
        self.last_event_id: int | None = None
        self.batches = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subs: dict[int, list[Subscription]] = {}  # oldest first
        self._latest: dict[int, str] = {}  # ticket id -> JSON state (loop thread)
        self._final: set[int] = set()  # tickets whose latest state is final (loop thread)
        self._lock = threading.Lock()
        self._ids: set[int] = set()  # tickets with an open page (both threads, under lock)
        self._pending: set[int] = set()  # pages opened since the last read
        self._stop = threading.Event()
        self.first_attempt = threading.Event()  # the feed was opened, or failed, once
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._thread: threading.Thread | None = None

    # --- the event loop's side ---------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread = threading.Thread(target=self._run, name="web-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    @property
    def pages(self) -> int:
        return sum(len(s) for s in self._subs.values())

    def subscribe(self, ticket_id: int, most: int = STREAMS_PER_TICKET) -> Subscription:
        """A new page's stream; past `most` on one ticket the oldest is told to end."""
        sub = Subscription(ticket_id)
        sub.online = self.online
        latest = self._latest.get(ticket_id)
        if latest is not None:
            sub.state, sub.final = latest, ticket_id in self._final
        sub.changed.set()
        subs = self._subs.setdefault(ticket_id, [])
        subs.append(sub)
        for old in subs[:-most] if len(subs) > most else ():
            if not old.ended:
                old.ended = "replaced"
                old.changed.set()
        with self._lock:
            if ticket_id not in self._ids:
                self._ids.add(ticket_id)
                self._pending.add(ticket_id)
        if latest is None:
            self._wake()
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        subs = self._subs.get(sub.ticket_id)
        if subs is None:
            return
        with contextlib.suppress(ValueError):
            subs.remove(sub)
        if not subs:
            del self._subs[sub.ticket_id]
            self._latest.pop(sub.ticket_id, None)
            self._final.discard(sub.ticket_id)
            with self._lock:
                self._ids.discard(sub.ticket_id)
                self._pending.discard(sub.ticket_id)

    def wake_all(self) -> None:
        for subs in self._subs.values():
            for sub in subs:
                sub.changed.set()

    def _deliver(self, states: dict[int, str], final: frozenset[int] = frozenset()) -> None:
        for tid, data in states.items():
            subs = self._subs.get(tid)
            if not subs:
                continue
            if self._latest.get(tid) == data and all(s.sent_state == data for s in subs):
                continue
            self._latest[tid] = data
            if tid in final:
                self._final.add(tid)
            else:
                self._final.discard(tid)
            for sub in subs:
                sub.state, sub.final = data, tid in final
                sub.changed.set()

    def _set_online(self, online: bool) -> None:
        self.online = online
        for subs in self._subs.values():
            for sub in subs:
                sub.online = online
                sub.changed.set()

    def _post(self, fn: Callable[..., None], *args: Any) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                self._loop.call_soon_threadsafe(fn, *args)

    # --- the feed thread ---------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def _drain_wake(self) -> None:
        with contextlib.suppress(OSError):
            while os.read(self._wake_r, 4096):
                pass

    def _run(self) -> None:
        feed = ChangeFeed(self.service, state=lambda _svc: None)
        attempt = 0
        while not self._stop.is_set():
            try:
                feed.open()
                attempt = 0
                self.online = True
                self.first_attempt.set()
                self._post(self._set_online, True)
                self._read(all_pages=True)
                self._follow(feed)
            except FeedOffline as exc:
                if self.online or attempt == 0:
                    log.warning("web station lost the database: %s", exc)
                self.online = False
                self.first_attempt.set()
                self._post(self._set_online, False)
                delay = BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]
                attempt += 1
                self._sleep(delay)
            except Exception:  # keep serving pages; the next round tries again
                log.exception("the web station's feed thread failed")
                self.online = False
                self._post(self._set_online, False)
                self._sleep(2.0)
        feed.close()

    def _sleep(self, seconds: float) -> None:
        select.select([self._wake_r], [], [], seconds)
        self._drain_wake()

    def _follow(self, feed: ChangeFeed) -> None:
        waker = feed.waker
        next_refresh = time.monotonic() + self.refresh_s
        while not self._stop.is_set():
            fd = waker.fileno()
            watch = [self._wake_r] if fd is None else [self._wake_r, fd]
            ready, _, _ = select.select(watch, [], [], waker.poll_interval_s)
            if self._wake_r in ready:
                self._drain_wake()
            if fd is not None and fd in ready:
                events = feed.readable()
            elif fd is None or not ready:
                events = feed.poll()
            else:
                events = []
            if events:
                self.last_event_id = events[-1].id
            if events or time.monotonic() >= next_refresh:
                next_refresh = time.monotonic() + self.refresh_s
                self._read(all_pages=True)
            else:
                self._read(all_pages=False)

    def _read(self, *, all_pages: bool) -> None:
        with self._lock:
            ids = set(self._ids) if all_pages else set(self._pending)
            self._pending.clear()
        if not ids:
            return
        try:
            views = self.service.tickets_now(ids)
            notice = self.service.notice()
        except Exception as exc:
            from sqlalchemy.exc import DBAPIError, OperationalError

            if isinstance(exc, OperationalError | DBAPIError):
                with self._lock:  # read them again once the database is back
                    self._pending |= ids
                raise FeedOffline(f"cannot read the tickets: {exc}") from None
            raise
        states = {tid: json.dumps(self.render(v, notice), ensure_ascii=False,
                                  separators=(",", ":"))
                  for tid, v in views.items()}
        final = frozenset(tid for tid, v in views.items() if v.status in FINAL_STATES)
        self.batches += 1
        self._post(self._deliver, states, final)
