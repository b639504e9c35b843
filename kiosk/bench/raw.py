"""The raw SQL limit beside `issue()` (`kiosk bench --only queue`): kiosk processes that
issue numbers with the same statements as `Tickets.insert_ticket`, straight through the
database driver (no SQLAlchemy, no service), as fast as the database lets them.

`feed="global"` takes the feed head (`branch_state`) in every transaction, as the
program does: event ids follow commit order, which the displays rely on.
`feed="per_service"` (PostgreSQL only) locks only the service's sequence row and takes
the event id from a database sequence: writers of different services do not wait for
each other's commit, but event ids no longer follow commit order. It is measured to
know what the one feed row costs, not as something the program could do as it is.
"""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import datetime
from typing import Any

from kiosk.queue import models as m
from kiosk.queue.tickets import SQLITE_SEQ
from kiosk.queue.txn import SQLITE_EVENT, SQLITE_LOCK_FEED, sqlite_value

# the program's own SQLite statements (the feed lock, the number, the event), and a ticket
_SQLITE_TICKET = (
    "INSERT INTO tickets (business_day, service, seq, number, tier, status, customer_masked, "
    "arrived_at, rank_at, station, recalls, outcome) "
    "VALUES (?, ?, ?, ?, 'regular', ?, '', ?, ?, 'raw', 0, '') RETURNING id")

_PG_LOCK_FEED = ("UPDATE branch_state SET last_event_id = last_event_id + 1 WHERE id = 1 "
                 "RETURNING last_event_id")
_PG_ISSUE = """
WITH seq AS (
    INSERT INTO sequences (business_day, service, last) VALUES (%(day)s, %(service)s, 1)
    ON CONFLICT (business_day, service) DO UPDATE SET last = sequences.last + 1
    RETURNING last
), t AS (
    INSERT INTO tickets (business_day, service, seq, number, tier, status, customer_masked,
                         arrived_at, rank_at, station, recalls, outcome)
    SELECT %(day)s, %(service)s, seq.last, %(service)s || lpad(seq.last::text, 3, '0'),
           'regular', %(status)s, '', %(at)s, %(at)s, 'raw', 0, '' FROM seq
    RETURNING id, number
), ev AS (
    INSERT INTO events (id, at, kind, ticket_id, counter, payload)
    SELECT %(event_id)s, %(at)s, 'issued', t.id, NULL,
           json_build_object('number', t.number, 'service', %(service)s) FROM t
)
SELECT t.id, t.number, pg_notify('kiosk_events', %(event_id)s::text) FROM t
"""
EVENT_SEQUENCE = "bench_event_ids"


def prepare_per_service(url: str) -> None:
    """The database sequence the per-service variant takes its event ids from."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {EVENT_SEQUENCE} START 100000000")


def raw_issue_worker(url: str, services: str, count: int, feed: str, ready: Any, start: Any,
                     results: Any) -> None:
    """A kiosk process issuing `count` numbers with raw SQL (see the module's text)."""
    numbers: list[str] = []
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], isolation_level=None, timeout=30)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=30000"):
            conn.execute(f"PRAGMA {pragma}")
        ready.put(True)
        start.wait()
        began = time.perf_counter()
        for i in range(count):
            numbers.append(_sqlite_issue(conn, services[i % len(services)]))
        conn.close()
    else:
        import psycopg

        conn_pg = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        day = conn_pg.execute("SELECT business_day FROM branch_state WHERE id = 1").fetchone()
        conn_pg.commit()
        ready.put(True)
        start.wait()
        began = time.perf_counter()
        for i in range(count):
            service = services[i % len(services)]
            if feed == "global":
                event_id = conn_pg.execute(_PG_LOCK_FEED).fetchone()[0]  # type: ignore[index]
            else:
                event_id = conn_pg.execute(
                    f"SELECT nextval('{EVENT_SEQUENCE}')").fetchone()[0]  # type: ignore[index]
            row = conn_pg.execute(_PG_ISSUE, {"day": day[0] if day else None,
                                              "service": service, "status": m.WAITING,
                                              "at": datetime.now(), "event_id": event_id}
                                  ).fetchone()
            conn_pg.commit()
            numbers.append(str(row[1]) if row else "")
        conn_pg.close()
    results.put({"numbers": numbers, "began": began, "ended": time.perf_counter()})


def _sqlite_issue(conn: sqlite3.Connection, service: str) -> str:
    conn.execute("BEGIN IMMEDIATE")
    try:
        event_id, day, _ = conn.execute(SQLITE_LOCK_FEED).fetchone()
        seq = conn.execute(SQLITE_SEQ, (day, service)).fetchone()[0]
        number = f"{service}{seq:03d}"
        at = sqlite_value(datetime.now())
        ticket_id = conn.execute(_SQLITE_TICKET, (day, service, seq, number, m.WAITING, at,
                                                  at)).fetchone()[0]
        conn.execute(SQLITE_EVENT, (event_id, at, "issued", ticket_id, None,
                                    json.dumps({"number": number, "service": service})))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return number
