"""On SQLite a number is taken, and every operation's events written, with statements sent
straight to the driver (the feed lock, the sequence, the ticket, the events): what they
store is byte for byte what SQLAlchemy writes for the same values, so every other reader
and writer sees one format."""

from __future__ import annotations

import json
import sqlite3

from sqlalchemy.dialects import sqlite

from kiosk.queue import models as m
from kiosk.queue.service import QueueService
from tests.conftest import FakeClock


def test_a_number_is_stored_as_sqlalchemy_stores_it(sqlite_queue: QueueService,
                                                    sqlite_url: str, clock: FakeClock) -> None:
    clock.advance(0.123456)  # microseconds in the times
    view = sqlite_queue.issue("A", station="k1")
    dialect = sqlite.dialect()
    cols = m.Ticket.__table__.c

    def stored(col: str, value: object) -> object:
        process = getattr(cols, col).type.dialect_impl(dialect).bind_processor(dialect)
        return process(value) if process else value

    db = sqlite3.connect(sqlite_url.split("///", 1)[1])
    try:
        day, arrived, rank, station, status = db.execute(
            "SELECT business_day, arrived_at, rank_at, station, status FROM tickets "
            "WHERE id = ?", (view.id,)).fetchone()
        at, kind, payload = db.execute(
            "SELECT at, kind, payload FROM events WHERE ticket_id = ? AND kind = 'issued'",
            (view.id,)).fetchone()
    finally:
        db.close()
    assert day == stored("business_day", view.business_day)
    assert arrived == rank == stored("arrived_at", clock.now)
    assert arrived.endswith(".123456")
    assert (station, status) == ("k1", m.WAITING)
    assert at == arrived and kind == "issued"
    assert json.loads(payload)["number"] == view.number == "A001"
    # and read back through the ORM as what was issued
    again = sqlite_queue.ticket(view.id)
    assert (again.arrived_at, again.business_day) == (clock.now, view.business_day)

    # another operation's event: a call at counter 1, its payload as SQLAlchemy's JSON
    sqlite_queue.open_counter(1)
    clock.advance(60.5)
    sqlite_queue.call_next(1)
    db = sqlite3.connect(sqlite_url.split("///", 1)[1])
    try:
        at, counter, payload = db.execute(
            "SELECT at, counter, payload FROM events WHERE ticket_id = ? AND kind = 'called'",
            (view.id,)).fetchone()
    finally:
        db.close()
    [called] = [e for e in sqlite_queue.events_since(0) if e.kind == "called"]
    assert at == stored("called_at", clock.now) and counter == 1
    assert payload == m.Event.__table__.c.payload.type.dialect_impl(dialect).bind_processor(
        dialect)(called.payload)
