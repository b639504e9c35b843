"""What the hall display (大屏) and the counter displays show: a plain-Python model.

No widgets, no database: it is built from a `Snapshot` (the full state, read after start
and after every reconnect) and moved on by `FeedEvent`s. Incremental changes are the
ones that can be applied twice without harm (the latest call, a counter's ticket or
status, the notice); numbers that are counted (people waiting, expected waits) come
only from snapshots, which the feed reloads shortly after every batch of events.

Announcing: `apply()` returns the new calls, to speak. Events reach the model once each (the
feed reader never repeats one) and the model also ignores any event id it has already
applied, so every call and every recall is announced exactly once. A display starting
up begins at the feed's head, so it does not announce old calls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from kiosk.config import Settings
from kiosk.queue.feed import CallRecord, CounterStatus, FeedEvent, ServiceStatus, Snapshot

log = logging.getLogger(__name__)

# Events after which a counter no longer has the ticket it had.
_RELEASE_KINDS = ("finish", "no_show", "suspend", "cancel", "transfer")
_COUNTER_STATUS = {"counter_open": "open", "counter_pause": "paused",
                   "counter_close": "closed"}


@dataclass(frozen=True)
class CallText:
    """The words of one call on screen: 请 A023 号 到 3 号窗口 / Number A023, counter 3."""

    number: str
    counter: int
    recall: bool = False

    @property
    def zh(self) -> str:
        return f"请 {self.number} 号 到 {self.counter} 号窗口"

    @property
    def en(self) -> str:
        return f"Number {self.number}, please go to counter {self.counter}"


class DisplayModel:
    """The state of one display; `listeners` are called after every change."""

    def __init__(self, settings: Settings, recent_limit: int | None = None) -> None:
        self.settings = settings
        self.recent_limit = recent_limit or settings.display.recent_calls
        self.latest: CallRecord | None = None
        self.recent: list[CallRecord] = []  # newest first, the latest call included
        self.services: tuple[ServiceStatus, ...] = ()
        self.counters: dict[int, CounterStatus] = {
            c.number: CounterStatus(c.number, c.label_zh, c.label_en, "closed", None, None)
            for c in settings.counters}
        self._notice = ("", "")
        self.online = False
        self.loaded = False
        self.applied_id = 0  # the highest event id applied (snapshots do not move it)
        self.listeners: list[Callable[[], None]] = []

    # --- reading ---------------------------------------------------------------------------

    @property
    def notice(self) -> tuple[str, str]:
        """The manager's notice, else the one in config."""
        zh, en = self._notice
        if zh or en:
            return zh, en
        return self.settings.display.notice_zh, self.settings.display.notice_en

    def latest_text(self) -> CallText | None:
        c = self.latest
        return CallText(c.number, c.counter, c.recall) if c else None

    def counter(self, number: int) -> CounterStatus:
        found = self.counters.get(number)
        if found is None:
            return CounterStatus(number, f"{number}号窗口", f"Counter {number}", "closed",
                                 None, None)
        return found

    # --- changing --------------------------------------------------------------------------

    def load(self, snap: Snapshot) -> None:
        """Replace the counted state with a fresh snapshot (recent calls are merged)."""
        self.services = snap.services
        self.counters.update({c.number: c for c in snap.counters})
        self._notice = (snap.notice_zh, snap.notice_en)
        for record in snap.recent_calls:
            self._add_call(record)
        self.loaded = True
        self._changed()

    def apply(self, events: Sequence[FeedEvent]) -> list[CallRecord]:
        """Apply new events in order; returns the new calls (and recalls), in order."""
        calls: list[CallRecord] = []
        for event in events:
            if event.id <= self.applied_id:
                continue  # already applied (a snapshot can run ahead of the events)
            self.applied_id = event.id
            call = self._apply_one(event)
            if call is not None:
                calls.append(call)
        if events:
            self._changed()
        return calls

    def set_online(self, online: bool) -> None:
        if online != self.online:
            self.online = online
            self._changed()

    def _apply_one(self, e: FeedEvent) -> CallRecord | None:
        if e.is_call:
            assert e.number is not None and e.counter is not None
            record = CallRecord(e.id, e.number, e.counter, e.kind == "recall", e.at)
            self._add_call(record)
            self._set_counter(e.counter, ticket_id=e.ticket_id, ticket_number=e.number,
                              serving=False)
            return record
        if e.kind == "start" and e.counter is not None:
            current = self.counters.get(e.counter)
            if current is not None and current.ticket_id == e.ticket_id:
                self._set_counter(e.counter, serving=True)
        if e.kind in _RELEASE_KINDS and e.counter is not None:
            current = self.counters.get(e.counter)
            if current is not None and current.ticket_id == e.ticket_id:
                self._set_counter(e.counter, ticket_id=None, ticket_number=None,
                                  serving=False)
        elif e.kind in _COUNTER_STATUS and e.counter is not None:
            self._set_counter(e.counter, status=_COUNTER_STATUS[e.kind])
        elif e.kind == "notice":
            self._notice = (str(e.payload.get("zh", "")), str(e.payload.get("en", "")))
        elif e.kind == "day_rollover":
            self.latest, self.recent = None, []
            for number, c in self.counters.items():
                self.counters[number] = replace(c, ticket_id=None, ticket_number=None,
                                                serving=False)
        return None

    def _add_call(self, record: CallRecord) -> None:
        if any(c.event_id == record.event_id for c in self.recent):
            return
        self.recent = sorted([record, *self.recent], key=lambda c: c.event_id,
                             reverse=True)[:self.recent_limit]
        if self.latest is None or record.event_id > self.latest.event_id:
            self.latest = record

    def _set_counter(self, number: int, **changes: object) -> None:
        self.counters[number] = replace(self.counter(number), **changes)  # type: ignore[arg-type]

    def _changed(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:  # one broken view must not stop the others
                log.exception("display listener failed")


def latest_call_per_counter(calls: Sequence[CallRecord]) -> list[CallRecord]:
    """The last call of each counter, in call order (after an outage, the earlier calls
    of a counter are stale: that customer has been served or missed by now)."""
    last = {c.counter: c for c in calls}
    return [c for c in calls if last[c.counter] is c]
