"""The change feed: the events that follow the last one a reader has seen, and the wake-ups.

No Qt. A reader keeps the last event id it has seen and reads what follows
(`FeedReader`); the service hands event ids out in commit order, so "id > last seen"
never misses an event. What wakes a reader up depends on the database:

- SQLite (`SqliteWaker`): `PRAGMA data_version` on a dedicated autocommit connection
  (never a pooled one: a connection holding a read transaction never sees it change),
  polled a few times a second; a changed value means another connection committed.
- PostgreSQL (`PgWaker`): `LISTEN kiosk_events` on a dedicated autocommit connection; a
  caller watches `fileno()` and calls `readable()`, which drains the notifications. After
  a server restart the socket stays readable and `consume_input()` does not raise, so a
  readable socket without notifications is probed with a query. `poll()` (slow, the
  safety net) probes and always reads: a notification lost on the way loses nothing.

`ChangeFeed` puts a reader and a waker together; it raises `FeedOffline` whenever the
database cannot be reached. The caller then waits (with backoff) and calls `open()`
again, which reconnects and reads everything missed. Notifications sent while
disconnected are gone, so the caller also reloads the full state (`snapshot()`).
`split_missed` tells the events committed while the feed was offline (up to its last
failed attempt) from those committed after the database came back.

A hung server (a stopped process, a wedged host whose kernel still acknowledges every
packet) answers nothing and closes nothing: TCP keepalives and a server-side
statement_timeout cannot end the wait. So on PostgreSQL every wait of the feed has a
deadline of its own: the probe on the LISTEN connection runs without blocking and gives
up after `PROBE_DEADLINE_S`, and a `ReadDeadline` shuts down the sockets of the feed's
engine when a read outlives `READ_DEADLINE_S`, so the blocked read fails at once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from kiosk.errors import DatabaseUnavailable
from kiosk.queue.txn import FEED_CHANNEL
from kiosk.queue.views import FeedEvent

if TYPE_CHECKING:
    from kiosk.queue.service import QueueService

log = logging.getLogger(__name__)

CHANNEL = FEED_CHANNEL
SQLITE_POLL_S = 0.05  # median 23 ms, p99 51 ms from commit to notice (FIELD-NOTES)
PG_SAFETY_POLL_S = 1.0  # LISTEN wakes readers; this probes and catches what it might miss
PROBE_DEADLINE_S = 1.5  # probe every 1 s + 1.5 s to answer: a hung server is seen within 2.5 s
READ_DEADLINE_S = 2.0  # a feed read (events, the full state) the server never answers
PG_CONNECT_TIMEOUT_S = 2


class FeedOffline(DatabaseUnavailable):
    """The change feed lost the database; the caller reconnects with backoff."""


# --- the full state a display shows (reloaded after every reconnect) -------------------


@dataclass(frozen=True)
class ServiceStatus:
    prefix: str
    name_zh: str
    name_en: str
    waiting: int
    wait_s: int | None  # expected wait for a number taken now; None: no open counter serves it
    open_now: bool
    open_counters: tuple[int, ...]
    beyond: bool = False  # wait_s is a lower bound (a queue longer than the forecast looks)


@dataclass(frozen=True)
class CounterStatus:
    number: int
    label_zh: str
    label_en: str
    status: str  # open | paused | closed
    ticket_id: int | None  # the ticket called to or being served at the counter
    ticket_number: str | None
    serving: bool = False  # the customer has come and service has started


@dataclass(frozen=True)
class CallRecord:
    event_id: int
    number: str
    counter: int
    recall: bool
    at: datetime | None = None


@dataclass(frozen=True)
class Snapshot:
    last_event_id: int
    business_day: date
    services: tuple[ServiceStatus, ...]
    counters: tuple[CounterStatus, ...]
    recent_calls: tuple[CallRecord, ...]  # newest first, today's only
    notice_zh: str
    notice_en: str


def read_snapshot(service: QueueService, recent: int = 10) -> Snapshot:
    """Everything a display shows, read from the database (raises FeedOffline)."""
    try:
        return _read_snapshot(service, recent)
    except (OperationalError, DBAPIError) as exc:
        raise FeedOffline(f"cannot read the branch state: {_first_line(exc)}") from None


def _read_snapshot(service: QueueService, recent: int) -> Snapshot:
    last = service.last_event_id()
    today = service.business_day(service.now())
    services = tuple(
        ServiceStatus(prefix=row.service, name_zh=row.name_zh, name_en=row.name_en,
                      waiting=row.waiting,
                      # where a number taken now would stand: the same forecast as the kiosk
                      wait_s=None if row.estimated_wait_s is None else int(row.estimated_wait_s),
                      open_now=row.open_now, open_counters=row.open_counters,
                      beyond=row.beyond)
        for row in service.service_summary())
    counters = tuple(
        CounterStatus(number=c.number, label_zh=c.name_zh, label_en=c.name_en, status=c.status,
                      ticket_id=c.current.id if c.current else None,
                      ticket_number=c.current.number if c.current else None,
                      serving=c.current is not None and c.current.status == "serving")
        for c in service.counters())
    calls = tuple(
        CallRecord(event_id=r.event_id, number=r.number, counter=r.counter,
                   recall=r.kind == "recall", at=r.at)
        for r in service.recent_calls(recent)
        if r.number and r.counter is not None and service.business_day(r.at) == today)
    notice_zh, notice_en = service.notice()
    return Snapshot(last_event_id=last, business_day=today, services=services,
                    counters=counters, recent_calls=calls, notice_zh=notice_zh,
                    notice_en=notice_en)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip()
    return text.splitlines()[0] if text else type(orig).__name__


# --- deadlines (a hung PostgreSQL server) --------------------------------------------


def shutdown_socket(fd: int) -> None:
    """Shut a connection's socket down under its owner: a read blocked on it fails at once
    (the owner still closes its own descriptor)."""
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    with sock, contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Watchdog:
    """One daemon thread that calls `on_expiry` when an armed deadline passes."""

    def __init__(self, name: str = "feed-watchdog") -> None:
        self._cond = threading.Condition()
        self._deadline: float | None = None
        self._on_expiry: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @contextlib.contextmanager
    def armed(self, seconds: float, on_expiry: Callable[[], None]) -> Iterator[None]:
        with self._cond:
            self._deadline, self._on_expiry = time.monotonic() + seconds, on_expiry
            self._cond.notify()
        try:
            yield
        finally:
            with self._cond:
                self._deadline = self._on_expiry = None

    def _run(self) -> None:
        with self._cond:
            while True:
                if self._deadline is None:
                    self._cond.wait()
                    continue
                left = self._deadline - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                expired, self._deadline, self._on_expiry = self._on_expiry, None, None
                if expired is not None:
                    expired()


class ReadDeadline:
    """Bounds the feed's reads through a PostgreSQL engine: when one outlives `seconds`,
    the sockets of every connection of the engine are shut down (the server is not
    answering any of them), so the read fails with a lost connection and the pool
    replaces the connections when the server is back."""

    def __init__(self, engine: Engine, seconds: float = READ_DEADLINE_S) -> None:
        self.seconds = seconds
        self.expired = 0
        self._conns: weakref.WeakSet[Any] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._watchdog = Watchdog()
        event.listen(engine, "connect", self._on_connect)
        engine.dispose()  # connections made before now would not be watched

    def _on_connect(self, dbapi_conn: Any, _record: Any) -> None:
        with self._lock:
            self._conns.add(dbapi_conn)

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        with self._watchdog.armed(self.seconds, self._expire):
            yield

    def _expire(self) -> None:
        self.expired += 1
        log.warning("the database server did not answer within %.1f s", self.seconds)
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(Exception):
                if not conn.closed:
                    shutdown_socket(conn.fileno())


# --- reading -------------------------------------------------------------------------


class FeedReader:
    """Reads the events after `last_id`, in order, each exactly once."""

    def __init__(self, service: QueueService, last_id: int | None = None,
                 batch: int = 500) -> None:
        self.service = service
        self.last_id = last_id
        self.batch = batch

    def start_at_head(self) -> int:
        """Skip everything already in the feed (a display starting does not re-announce)."""
        self.last_id = self._guard(self.service.last_event_id)
        return self.last_id

    def read(self) -> list[FeedEvent]:
        if self.last_id is None:
            self.start_at_head()
            return []
        out: list[FeedEvent] = []
        while True:
            rows = self._guard(partial(self.service.events_since, self.last_id, self.batch))
            events: list[FeedEvent] = rows
            if events:
                self.last_id = events[-1].id
                out += events
            if len(rows) < self.batch:
                return out

    @staticmethod
    def _guard(read: Callable[[], Any]) -> Any:
        try:
            return read()
        except (OperationalError, DBAPIError) as exc:
            raise FeedOffline(f"cannot read the change feed: {_first_line(exc)}") from None


# --- waking up -----------------------------------------------------------------------


class Waker(Protocol):
    """What tells a reader that there may be something new."""

    poll_interval_s: float

    def connect(self) -> None: ...

    def fileno(self) -> int | None: ...

    def poll(self) -> bool: ...

    def readable(self) -> bool: ...

    def close(self) -> None: ...


class SqliteWaker:
    """`PRAGMA data_version` on a dedicated autocommit connection."""

    def __init__(self, url: str, poll_interval_s: float = SQLITE_POLL_S) -> None:
        self.path = make_url(url).database or ""
        self.poll_interval_s = poll_interval_s
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None

    def connect(self) -> None:
        self.close()
        try:
            # autocommit: never holds a read transaction, so data_version moves
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=1.0,
                                         check_same_thread=False)
            self._version = self._read_version()
        except sqlite3.Error as exc:
            self.close()
            raise FeedOffline(f"cannot open {self.path}: {exc}") from None

    def _read_version(self) -> int:
        assert self._conn is not None
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def fileno(self) -> int | None:
        return None

    def poll(self) -> bool:
        if self._conn is None:
            raise FeedOffline("the change feed is not connected")
        try:
            version = self._read_version()
        except sqlite3.Error as exc:
            raise FeedOffline(f"cannot poll {self.path}: {exc}") from None
        changed, self._version = version != self._version, version
        return changed

    def readable(self) -> bool:
        return self.poll()

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None


class PgWaker:
    """`LISTEN kiosk_events` on a dedicated psycopg 3 autocommit connection."""

    def __init__(self, url: str, poll_interval_s: float = PG_SAFETY_POLL_S,
                 connect_timeout_s: int = PG_CONNECT_TIMEOUT_S,
                 probe_deadline_s: float = PROBE_DEADLINE_S) -> None:
        self.dsn = make_url(url).set(drivername="postgresql").render_as_string(
            hide_password=False)
        self.poll_interval_s = poll_interval_s
        self.connect_timeout_s = connect_timeout_s
        self.probe_deadline_s = probe_deadline_s
        self._conn: Any = None  # psycopg.Connection

    def connect(self) -> None:
        import psycopg

        self.close()
        try:
            self._conn = psycopg.connect(self.dsn, autocommit=True,
                                         connect_timeout=self.connect_timeout_s)
        except psycopg.Error as exc:
            self.close()
            raise FeedOffline(f"cannot listen for changes: {_first_line(exc)}") from None
        self._run(f"LISTEN {CHANNEL}")

    def fileno(self) -> int | None:
        return self._conn.fileno() if self._conn is not None else None

    def drain(self) -> list[int]:
        """The event ids notified since the last drain (reads what the socket holds)."""
        import psycopg

        if self._conn is None:
            raise FeedOffline("the change feed is not connected")
        pgconn = self._conn.pgconn
        try:
            pgconn.consume_input()
        except psycopg.Error as exc:
            raise FeedOffline(f"lost the database connection: {_first_line(exc)}") from None
        ids: list[int] = []
        while (note := pgconn.notifies()) is not None:
            try:
                ids.append(int(note.extra))
            except ValueError:
                ids.append(0)
        return ids

    def probe(self) -> None:
        """A round trip within `probe_deadline_s`: raises FeedOffline when the server is
        gone or does not answer (a hung server)."""
        self._run("SELECT 1")

    def _run(self, sql: str) -> None:
        """One statement without blocking past the deadline (libpq's asynchronous calls;
        notifications that arrive meanwhile stay queued for `drain`)."""
        import psycopg
        from psycopg.pq import ExecStatus

        if self._conn is None or self._conn.closed:
            raise FeedOffline("the change feed is not connected")
        pgconn = self._conn.pgconn
        deadline = time.monotonic() + self.probe_deadline_s
        try:
            pgconn.send_query(sql.encode())
            while pgconn.flush():
                self._wait(pgconn.socket, deadline, write=True)
            while True:
                pgconn.consume_input()
                if pgconn.is_busy():
                    self._wait(pgconn.socket, deadline)
                    continue
                result = pgconn.get_result()
                if result is None:
                    return
                if result.status not in (ExecStatus.COMMAND_OK, ExecStatus.TUPLES_OK):
                    message = (result.error_message or b"").decode(errors="replace").strip()
                    raise FeedOffline(f"the database refused {sql.split()[0]}: {message}")
        except psycopg.Error as exc:
            self.close()
            raise FeedOffline(f"lost the database connection: {_first_line(exc)}") from None
        except FeedOffline:
            self.close()
            raise

    def _wait(self, fd: int, deadline: float, write: bool = False) -> None:
        left = deadline - time.monotonic()
        ready = select.select([], [fd], [], max(left, 0)) if write else \
            select.select([fd], [], [], max(left, 0))
        if not any(ready):
            raise FeedOffline(f"the database server did not answer within "
                              f"{self.probe_deadline_s:g} s")

    def readable(self) -> bool:
        if self.drain():
            return True
        self.probe()  # readable but nothing to read: a dead server looks like this
        return False

    def poll(self) -> bool:
        self.probe()
        self.drain()
        return True  # the safety net always reads

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # closing a broken connection must not stop a reconnect
                log.debug("closing the LISTEN connection failed", exc_info=True)
        self._conn = None


def make_waker(url: str) -> Waker:
    from kiosk.queue.db import is_sqlite, normalize_url

    url = normalize_url(url)
    return SqliteWaker(url) if is_sqlite(url) else PgWaker(url)


def split_missed(events: list[FeedEvent], offline_until: datetime | None
                 ) -> tuple[list[FeedEvent], list[FeedEvent]]:
    """(committed by `offline_until`, committed after it): the leading events stamped at or
    before that time, and the rest (event ids follow commit order)."""
    if offline_until is None:
        return [], list(events)
    cut = 0
    while cut < len(events) and events[cut].at <= offline_until:
        cut += 1
    return list(events[:cut]), list(events[cut:])


# --- reader + waker ------------------------------------------------------------------


class ChangeFeed:
    """A reader and its waker. Every method raises FeedOffline when the database is gone."""

    def __init__(self, service: QueueService, waker: Waker | None = None,
                 last_id: int | None = None, recent: int = 10,
                 state: Callable[[QueueService], Any] | None = None) -> None:
        self.service = service
        # the full state a station reloads (default: what a display shows)
        self.read_state = state or partial(read_snapshot, recent=recent)
        self.waker = waker or make_waker(service.db.url)
        self.reader = FeedReader(service, last_id)
        self.recent = recent
        self.connected = False
        # the branch time of the last failure: the feed was certainly offline then
        self.offline_at: datetime | None = None
        self.deadline = None if service.db.sqlite else ReadDeadline(service.db.read_engine)

    @property
    def last_id(self) -> int | None:
        return self.reader.last_id

    def open(self) -> list[FeedEvent]:
        """Connect the waker, then read everything missed since the last id seen
        (nothing on the very first open: the feed starts at its head)."""
        self.connected = False
        try:
            self.waker.connect()
            with self._deadline():
                if self.reader.last_id is None:
                    self.reader.start_at_head()
                    events: list[FeedEvent] = []
                else:
                    events = self.reader.read()
        except FeedOffline:
            self._failed()
            raise
        self.connected = True
        return events

    def split_missed(self, events: list[FeedEvent]) -> tuple[list[FeedEvent], list[FeedEvent]]:
        """Events read on reconnecting: those committed while the feed was offline (up to
        its last failed attempt; they may be merged) and those committed after (spoken as
        usual). A call made after the database came back but before the display's next
        retry is not a missed call. Uses the branch clock, which stamps the events."""
        return split_missed(events, self.offline_at)

    def _failed(self) -> None:
        self.disconnect()
        self.offline_at = self.service.now()

    @contextlib.contextmanager
    def _deadline(self) -> Iterator[None]:
        if self.deadline is None:
            yield
            return
        with self.deadline.guard():
            yield

    def disconnect(self) -> None:
        self.connected = False
        self.waker.close()

    close = disconnect

    def poll(self) -> list[FeedEvent]:
        """A timer tick: read when the waker says something changed."""
        return self._checked(self.waker.poll)

    def readable(self) -> list[FeedEvent]:
        """The waker's socket is readable."""
        return self._checked(self.waker.readable)

    def _checked(self, wake: Callable[[], bool]) -> list[FeedEvent]:
        try:
            if not wake():
                return []
            with self._deadline():
                return self.reader.read()
        except FeedOffline:
            self._failed()
            raise

    def snapshot(self) -> Any:
        """The station's full state (a display's `Snapshot` unless another `state` reader
        was given), read again after every batch of events and every reconnect."""
        try:
            with self._deadline():
                try:
                    return self.read_state(self.service)
                except (OperationalError, DBAPIError) as exc:
                    raise FeedOffline(f"cannot read the branch state: {_first_line(exc)}"
                                      ) from None
        except FeedOffline:
            self._failed()
            raise

    def wait(self, timeout_s: float) -> list[FeedEvent]:
        """Block up to `timeout_s` for new events (for processes without an event loop)."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return self.poll()
            fd = self.waker.fileno()
            if fd is None:
                events = self.poll()
                if events:
                    return events
                time.sleep(min(self.waker.poll_interval_s, left))
                continue
            ready, _, _ = select.select([fd], [], [], min(left, self.waker.poll_interval_s))
            events = self.readable() if ready else self.poll()
            if events:
                return events
