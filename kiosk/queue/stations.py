"""Stations: each kiosk, display and panel reports a heartbeat and its devices' states.

Not queue changes: no event is written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from kiosk.queue import models as m
from kiosk.queue.txn import Branch, database_utc
from kiosk.queue.views import StationRecord

# A station not heard from for this long is shown as silent.
ALIVE_WITHIN_S = 15.0


class Stations:
    def __init__(self, branch: Branch) -> None:
        self.branch = branch

    def heartbeat(self, station: str, kind: str, state: dict[str, Any]) -> None:
        """A station's pulse and device states; on this PC's own clock, its skew too."""
        b = self.branch
        now = b.now()
        with b.db.begin() as s:
            if b.max_clock_skew_s is not None:
                skew = b.clock_skew_s(database_utc(
                    s.execute(select(func.current_timestamp())).scalar_one()))
                state = {**state, "clock_skew_s": round(skew, 1),
                         "clock_ok": abs(skew) <= b.max_clock_skew_s}
            row = s.get(m.Station, station)
            if row is None:
                s.add(m.Station(name=station, kind=kind, heartbeat_at=now, state=state))
            else:
                row.kind, row.heartbeat_at, row.state = kind, now, state

    def all(self) -> list[StationRecord]:
        now = self.branch.now()
        with self.branch.db.read() as s:
            rows = s.scalars(select(m.Station).order_by(m.Station.name)).all()
            return [StationRecord(
                r.name, r.kind, r.heartbeat_at,
                r.heartbeat_at is not None
                and (now - r.heartbeat_at).total_seconds() < ALIVE_WITHIN_S,
                r.state) for r in rows]
