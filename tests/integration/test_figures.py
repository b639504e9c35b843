"""Figures read from real SQLite and PostgreSQL branches: a small day made through the
service and counted by hand, a simulated day against the simulator's own report, and
several branches at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.queue import figures as fig
from kiosk.queue.db import Database
from kiosk.queue.figures_read import BranchSource, read_bank
from kiosk.queue.replay import ReplayClock, replay_days
from kiosk.queue.service import QueueService
from kiosk.queue.simulate import draw_days, load_scenario, simulate
from kiosk.queue.staff import Actor
from kiosk.queue.stats import percentile
from tests.conftest import EXAMPLE_CONFIG, MANAGER_PIN, FakeClock
from tests.support.small_day import DAY, at, small_day

BUSY = EXAMPLE_CONFIG.parent / "scenarios" / "busy-day.toml"


def test_small_day_by_hand(queue: QueueService, clock: FakeClock, manager: Actor) -> None:
    small_day(queue, clock, manager)
    clock.now = at(18, 0)
    f = queue.figures(DAY, DAY)

    assert (f.first_day, f.last_day, f.days_with_data) == (DAY, DAY, 1)
    assert f.generated_at == at(18, 0) and f.branch_zh == "光明银行 上海陆家嘴支行"
    assert f.skipped_rows == 0 and f.skipped_message == ""
    t = f.total
    # A001, A002, A003, B001, B002 came; A001, A003, A002 (at B) served; B001 missed;
    # B002 cancelled; A002 moved from A to B once
    assert (t.arrived, t.served, t.no_show, t.cancelled, t.transferred) == (5, 3, 1, 1, 1)
    assert t.no_show_pct == 25.0  # 1 / (3 + 1)
    # first calls: A001 600 s (9:00-9:10), B001 480 (9:04-9:12), A002 840 (9:02-9:16; its
    # second call, at B, does not count), A003 900 (9:05-9:20); B002 never called
    assert t.wait == fig.WaitStats(count=4, mean_s=705.0, p50_s=600.0, p90_s=900.0,
                                   p95_s=900.0, max_s=900.0)
    # started -> finished: A001 300 s, A002 420 (9:23-9:30, after its transfer), A003 600
    assert (t.service_mean_s, t.service_p90_s) == (440.0, 600.0)
    # targets: regular A and B 1500 s (the service's); A003 was gold when called: 600 s,
    # and waited 900: 3 of 4 within
    assert (t.within_target, t.service_level_pct) == (3, 75.0)

    a, b = (next(r for r in f.by_service if r.key == k) for k in "AB")
    assert (a.label_zh, a.label_en) == ("个人现金", "Personal cash")
    assert (a.arrived, a.served, a.no_show, a.cancelled, a.transferred, a.transferred_in) == \
        (3, 2, 0, 0, 1, 0)
    assert (a.wait.count, a.wait.mean_s, a.wait.p95_s) == (3, 780.0, 900.0)  # 600 840 900
    assert a.service_mean_s == 450.0 and a.service_level_pct == pytest.approx(200 / 3)
    assert (b.arrived, b.served, b.no_show, b.cancelled, b.transferred, b.transferred_in) == \
        (2, 1, 1, 1, 0, 1)
    assert (b.wait.count, b.wait.mean_s, b.no_show_pct, b.service_mean_s) == \
        (1, 480.0, 50.0, 420.0)
    assert [r.key for r in f.by_service] == ["A", "B", "C", "V"]
    assert all(r.arrived == 0 and r.service_level_pct is None for r in f.by_service[2:])

    tiers = {r.key: r for r in f.by_tier}
    regular, gold = tiers["regular"], tiers["gold"]
    assert (regular.arrived, regular.served, regular.no_show, regular.cancelled) == (4, 2, 1, 1)
    assert (regular.wait.mean_s, regular.wait.p50_s, regular.wait.max_s) == (640.0, 600.0, 840.0)
    assert regular.service_level_pct == 100.0
    assert (gold.label_zh, gold.arrived, gold.served, gold.wait.mean_s) == ("黄金", 1, 1, 900.0)
    assert gold.service_level_pct == 0.0
    assert tiers["platinum"].arrived == 0

    assert [(r.key, r.label_zh, r.arrived) for r in f.by_day] == [
        ("2026-11-24", "11月24日 周二", 5)]

    counters = {c.number: c for c in f.by_counter}
    one, three = counters[1], counters[3]
    # open 9:00-9:40 each; 1 served A001 (300 s) and A003 (600 s); 3 served A002 at B
    # (420 s) and had served it 9:17-9:20 (180 s) before its transfer, and missed B001
    assert (one.served, one.no_show, one.serving_s, one.open_s) == (2, 0, 900.0, 2400.0)
    assert one.utilisation_pct == 37.5
    assert (three.served, three.no_show, three.serving_s, three.open_s) == (1, 1, 600.0, 2400.0)
    assert three.utilisation_pct == 25.0
    assert counters[2].open_s == 0 and counters[2].utilisation_pct is None
    assert counters[6].label_zh == "6号窗口（贵宾绿色通道）"

    assert f.slots == (
        fig.Slot(time(9, 0), arrivals=4, called=4, mean_wait_s=705.0, service_level_pct=75.0),
        fig.Slot(time(9, 30), arrivals=1, called=0, mean_wait_s=0.0, service_level_pct=None))
    assert [(s.day, s.start, s.arrivals) for s in f.busiest] == [
        (DAY, time(9, 0), 4), (DAY, time(9, 30), 1)]

    assert [(o.at, o.kind, o.ticket, o.staff_id, o.staff_name, o.reason, o.detail)
            for o in f.overrides] == [
        (at(9, 14), "tier_changed", "A003", "M001", "张经理", "黄金客户，卡未带", "普通 → 黄金"),
        (at(9, 15), "pin", "A002", "M001", "张经理", "老人，身体不适", "第 1 位"),
        (at(9, 38), "cancel", "B002", "M001", "张经理", "客户离开", "")]
    assert f.overrides[0].detail_en == "Regular → Gold"
    assert f.overrides_by_kind == (("cancel", 1), ("pin", 1), ("tier_changed", 1))
    assert f.overrides_by_staff == (("M001", "张经理", 3),)


def test_a_counter_left_open_overnight(queue: QueueService, clock: FakeClock) -> None:
    """Opened the evening before and closed at noon: open from the day's first row."""
    clock.now = at(17, 0) - timedelta(days=1)
    queue.open_counter(2)
    clock.now = at(9, 0)
    a = queue.issue("A")
    clock.now = at(9, 30)
    queue.call_next(2)
    clock.now = at(9, 45)
    queue.finish(a.id)
    clock.now = at(12, 0)
    queue.close_counter(2)
    two = next(c for c in queue.figures(DAY, DAY).by_counter if c.number == 2)
    assert (two.open_s, two.serving_s, two.utilisation_pct) == (3 * 3600, 900.0, 100 / 12)


def test_a_day_without_tickets_has_no_figures(queue: QueueService) -> None:
    f = queue.figures(DAY, DAY)
    assert f.days_with_data == 0 and f.total.arrived == 0 and f.total.service_level_pct is None
    assert f.slots == () and f.busiest == () and f.by_day == ()


def test_reading_figures_writes_nothing(queue: QueueService, clock: FakeClock,
                                        manager: Actor) -> None:
    small_day(queue, clock, manager)
    clock.now = at(9, 0) + timedelta(days=3)  # a new business day: a read would roll over
    last = queue.last_event_id()
    queue.figures(DAY, DAY + timedelta(days=3))
    assert queue.last_event_id() == last


def test_a_simulated_day_reads_as_the_simulator_reports(sqlite_url: str) -> None:
    """The busy day (320 customers) played through the service: the same waits per tier
    (mean and p95, to the second), the same customers called, the same counter time."""
    scenario = load_scenario(BUSY)
    days = draw_days(scenario, seed=5, days=1)
    sim = simulate(scenario, scenario.settings.rules.policy, 5, customers=days)
    clock = ReplayClock(datetime.combine(DAY, time(8, 0)))
    service = QueueService(Database(sqlite_url), scenario.settings, clock)
    service.prepare()
    try:
        calls = replay_days(service, clock, scenario, days, DAY)[0]
        f = service.figures(DAY, DAY)
    finally:
        service.db.dispose()
    assert len(calls) == len(sim.records) == f.total.wait.count
    tiers = {r.key: r for r in f.by_tier}
    for key, stats in sim.tiers.items():
        if key == "vip":
            continue
        assert tiers[key].wait.count == stats.count, key
        assert tiers[key].wait.mean_s == pytest.approx(stats.mean_wait_s, abs=1.0), key
        assert tiers[key].wait.p95_s == pytest.approx(stats.p95_wait_s, abs=1.0), key
        assert tiers[key].wait.max_s == pytest.approx(stats.max_wait_s, abs=1.0), key
        assert tiers[key].service_level_pct == pytest.approx(stats.within_target_pct), key
    assert f.total.no_show == sim.no_shows
    # the simulator counts a no-show's minute as busy; the figures, serving time only
    for c in f.by_counter:
        busy = c.serving_s + c.no_show * scenario.no_show_s
        assert busy / c.open_s == pytest.approx(sim.utilisation[c.number], abs=1e-6)


# --- several branches --------------------------------------------------------------------------


def _small_branch(url: str, settings: Settings, clock: FakeClock) -> None:
    """A prepared branch with the small day on it."""
    service = QueueService(Database(url), settings, clock)
    service.prepare()
    try:
        service.staff.add("M001", "张经理", "manager", MANAGER_PIN)
        small_day(service, clock, service.login("M001", MANAGER_PIN, role="manager"))
    finally:
        service.db.dispose()


@pytest.mark.pg
def test_several_branches_sqlite_and_postgresql(tmp_path: Path, settings: Settings,
                                                pg_url: str) -> None:
    sqlite = f"sqlite:///{tmp_path / 'lujiazui.db'}"
    clock = FakeClock()
    _small_branch(sqlite, settings, clock)
    service = QueueService(Database(pg_url), settings, clock)
    service.prepare()
    clock.now = at(9, 0)
    ids = [service.issue("C").id for _ in range(2)]
    clock.now = at(9, 20)
    service.open_counter(5)
    service.call_next(5)  # C001 waited 1200 s
    clock.now = at(9, 25)
    service.finish(ids[0])
    service.db.dispose()

    facts = read_bank([BranchSource("陆家嘴", sqlite), BranchSource("外滩", pg_url)], settings,
                      clock, DAY, DAY)
    bank = fig.compute_bank(facts, generated_at=at(18, 0))

    assert [r.key for r in bank.by_branch] == ["陆家嘴", "外滩"]
    one, two = bank.by_branch
    for row, branch in zip(bank.by_branch, bank.branches, strict=True):
        assert row == replace(branch.total, key=row.key, label_zh=row.label_zh,
                              label_en=row.label_en)
    assert (one.arrived, one.served, one.wait.count, one.wait.mean_s) == (5, 3, 4, 705.0)
    assert (two.arrived, two.served, two.wait.count, two.wait.mean_s) == (2, 1, 1, 1200.0)
    t = bank.total
    assert (t.key, t.arrived, t.served, t.no_show, t.cancelled) == ("all", 7, 4, 1, 1)
    pooled = [480.0, 600.0, 840.0, 900.0, 1200.0]
    # pooled, not averaged: the mean of the two branches' p95s would be 1050
    assert t.wait.p95_s == percentile(pooled, 95) == 1200.0
    assert t.wait.p50_s == 840.0 and t.wait.mean_s == sum(pooled) / 5
    fifth = next(c for c in bank.branches[1].by_counter if c.number == 5)
    assert (fifth.served, fifth.serving_s) == (1, 300.0)


def test_under_fifo_the_service_level_reads_by_the_targets_fifo_calls_by(
        sqlite_url: str, clock: FakeClock) -> None:
    """Fifo ignores the tiers' targets (the console too): A003, gold when called after
    900 s, is within the service's 1,500 s; under the tiered rules it is late (600 s)."""
    from kiosk.config import load_settings
    from tests.conftest import open_queue

    fifo = load_settings(EXAMPLE_CONFIG, environ={}, overrides=["rules.policy=fifo"])
    for q in open_queue(sqlite_url, fifo, clock):
        q.staff.add("M001", "张经理", "manager", MANAGER_PIN)
        small_day(q, clock, q.login("M001", MANAGER_PIN, role="manager"))
        clock.now = at(18, 0)
        total = q.figures(DAY, DAY).total
        assert (total.within_target, total.service_level_pct) == (4, 100.0)
