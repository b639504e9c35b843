"""A small branch day made through the real queue service, whose figures the tests count
by hand (tests/integration/test_figures.py says what each figure is)."""

from __future__ import annotations

from datetime import date, datetime, time

from kiosk.config import Settings
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from tests.conftest import MANAGER_PIN, FakeClock

DAY = date(2026, 11, 24)


def at(hh: int, mm: int) -> datetime:
    return datetime.combine(DAY, time(hh, mm))


def small_day(q: QueueService, clock: FakeClock, manager: Actor) -> dict[str, int]:
    """The day the figures are counted against by hand (see test_small_day_by_hand)."""
    ids: dict[str, int] = {}

    def when(hh: int, mm: int) -> None:
        clock.now = at(hh, mm)

    when(9, 0)
    q.open_counter(1)
    q.open_counter(3)
    ids["A001"] = q.issue("A").id
    when(9, 2)
    ids["A002"] = q.issue("A").id
    when(9, 4)
    ids["B001"] = q.issue("B").id
    when(9, 5)
    ids["A003"] = q.issue("A").id
    when(9, 10)
    assert q.call_next(1).number == "A001"  # type: ignore[union-attr]
    when(9, 11)
    q.start(ids["A001"])
    when(9, 12)
    assert q.call_next(3).number == "B001"  # type: ignore[union-attr]
    when(9, 13)
    q.no_show(ids["B001"])
    when(9, 14)
    q.change_tier(ids["A003"], "gold", actor=manager, reason="黄金客户，卡未带")
    when(9, 15)
    q.pin(ids["A002"], 1, actor=manager, reason="老人，身体不适")
    when(9, 16)
    q.finish(ids["A001"])
    assert q.call_next(3).number == "A002"  # type: ignore[union-attr]  # the pin
    when(9, 17)
    q.start(ids["A002"])
    when(9, 20)
    q.transfer(ids["A002"], "B")  # the branch's rule: no override
    assert q.call_next(1).number == "A003"  # type: ignore[union-attr]
    when(9, 21)
    q.start(ids["A003"])
    when(9, 22)
    assert q.call_next(3).number == "A002"  # type: ignore[union-attr]
    when(9, 23)
    q.start(ids["A002"])
    when(9, 30)
    q.finish(ids["A002"])
    when(9, 31)
    q.finish(ids["A003"])
    when(9, 35)
    ids["B002"] = q.issue("B").id
    when(9, 38)
    q.cancel(ids["B002"], actor=manager, reason="客户离开")
    when(9, 40)
    q.close_counter(1)
    q.close_counter(3)
    return ids


def small_day_branch(url: str, settings: Settings) -> str:
    """A new branch database at `url` holding the small day, made by manager M001."""
    service = QueueService(Database(url), settings, FakeClock())
    service.prepare()
    try:
        service.staff.add("M001", "张经理", "manager", MANAGER_PIN)
        small_day(service, service.clock,  # type: ignore[arg-type]
                  service.login("M001", MANAGER_PIN, role="manager"))
    finally:
        service.db.dispose()
    return url
