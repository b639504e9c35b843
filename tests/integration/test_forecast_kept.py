"""The forecast a station keeps: the waiting tickets held in memory between feed events
give the same estimates as a fresh read of the whole queue, after every kind of change,
on SQLite and PostgreSQL; and a queue longer than the forecast looks is told a lower bound
wherever a wait is shown."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import insert

from kiosk.errors import QueueError
from kiosk.queue import forecast as fc
from kiosk.queue import models as m
from kiosk.queue import rules
from kiosk.queue.forecast import Forecasts
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from tests.conftest import FakeClock


def fresh_and_kept(queue: QueueService) -> tuple[fc.QueueForecast, fc.QueueForecast]:
    with queue.branch.read() as s:
        kept = queue.forecasts.current(s)
        fresh = Forecasts(queue.branch).current(s)  # reads every waiting ticket
    return kept, fresh


def assert_same(queue: QueueService) -> None:
    kept, fresh = fresh_and_kept(queue)
    assert kept.event_id == fresh.event_id
    assert kept.tickets == fresh.tickets
    assert kept.new == fresh.new
    assert kept.waiting == {k: v for k, v in fresh.waiting.items()} | {
        k: 0 for k in kept.waiting if k not in fresh.waiting}


def test_the_kept_queue_follows_every_kind_of_change(queue: QueueService, clock: FakeClock,
                                                     manager: Actor) -> None:
    """Issues (walk-in and on a customer's behalf), calls, recalls, starts, finishes,
    no-shows and their restoring, suspends and resumes, transfers, pins, tier changes,
    cancels, hand-backs and counters opening and closing, in a seeded random order: after
    each, the kept forecast is the fresh one."""
    rnd = random.Random(17)
    for c in (1, 3, 5):
        queue.open_counter(c)
    tiers = [t.key for t in queue.settings.tiers]
    kinds_done: set[str] = set()
    for _ in range(160):
        clock.advance(rnd.randint(5, 90))
        waiting = [v.id for v in queue.hall()]
        held = [c.current for c in queue.counters() if c.current is not None]
        kind = rnd.choice(["issue", "issue", "issue", "issue_for", "call", "call", "finish",
                           "no_show", "restore", "recall", "suspend", "transfer", "pin",
                           "tier", "cancel", "hand_back", "counter"])
        try:
            if kind == "issue":
                queue.issue(rnd.choice("ABCV"))
            elif kind == "issue_for":
                queue.issue_for(rnd.choice("ABC"), tier=rnd.choice(tiers), actor=manager,
                                reason="a customer at the desk")
            elif kind == "call":
                queue.call_next(rnd.choice((1, 3, 5)))
            elif kind in ("finish", "no_show", "recall", "suspend", "hand_back") and held:
                t = rnd.choice(held)
                if kind == "finish":
                    queue.start(t.id) if t.status == m.CALLED else None
                    queue.finish(t.id)
                elif kind == "no_show":
                    queue.no_show(t.id)
                elif kind == "recall":
                    queue.recall(t.id)
                elif kind == "suspend":
                    queue.start(t.id) if t.status == m.CALLED else None
                    queue.suspend(t.id)
                    queue.resume(t.id) if rnd.random() < 0.5 else None
                else:
                    queue.hand_back(t.id)
            elif kind == "restore":
                missed = queue.tickets_today(m.NO_SHOW)
                if missed:
                    queue.restore_no_show(missed[0].id, actor=manager, reason="came back")
            elif kind == "transfer" and waiting:
                queue.transfer(rnd.choice(waiting), rnd.choice("ABC"), "priority",
                               actor=manager, reason="the right service")
            elif kind == "pin" and waiting:
                queue.pin(rnd.choice(waiting), rnd.randint(1, 3), actor=manager,
                          reason="an elderly customer")
            elif kind == "tier" and waiting:
                queue.change_tier(rnd.choice(waiting), rnd.choice(tiers), actor=manager,
                                  reason="card shown late")
            elif kind == "cancel" and waiting:
                queue.cancel(rnd.choice(waiting), actor=manager, reason="customer left")
            elif kind == "counter":
                c = rnd.choice((1, 3, 5, 6))
                if rnd.random() < 0.5:
                    queue.open_counter(c)
                else:
                    queue.pause_counter(c)
            else:
                continue
        except QueueError:
            continue  # an illegal step for that ticket (the queue said no): nothing changed
        kinds_done.add(kind)
        assert_same(queue)
    assert kinds_done >= {"issue", "issue_for", "call", "finish", "transfer", "pin", "tier",
                          "cancel", "counter"}
    assert len(queue.hall()) > 5  # a queue worth forecasting, not an emptied hall


def test_a_new_business_day_starts_from_an_empty_queue(queue: QueueService,
                                                       clock: FakeClock) -> None:
    queue.open_counter(1)
    for _ in range(4):
        queue.issue("A")
    kept, _ = fresh_and_kept(queue)
    assert kept.waiting.get("A") == 4
    clock.advance(hours=24)
    queue.issue("B")  # rolls the day over: yesterday's tickets expire without events of theirs
    kept, fresh = fresh_and_kept(queue)
    assert kept.waiting.get("A", 0) == 0 and kept.waiting["B"] == 1
    assert kept.tickets == fresh.tickets


def test_a_ticket_written_without_an_event_is_seen_at_the_next_full_read(
        sqlite_queue: QueueService, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything writes an event with its change; a row that came some other way (a
    repair by hand) is picked up by the full read every RESYNC_S seconds."""
    queue = sqlite_queue
    queue.open_counter(1)
    queue.issue("A")
    fresh_and_kept(queue)
    day = queue.business_day(queue.now())
    with queue.db.begin() as s:
        s.execute(insert(m.Ticket), [{
            "business_day": day, "service": "A", "seq": 900, "number": "A900",
            "tier": "regular", "status": m.WAITING, "customer_masked": "",
            "arrived_at": queue.now(), "rank_at": queue.now(), "recalls": 0, "outcome": "",
            "station": "repair"}])
    queue.issue("B")  # the feed moves: the kept set catches up by events only
    kept, fresh = fresh_and_kept(queue)
    assert kept.waiting["A"] == 1 and fresh.waiting["A"] == 2
    monkeypatch.setattr(fc, "RESYNC_S", -1.0)
    clock.advance(10)  # past the forecast's reuse
    kept, fresh = fresh_and_kept(queue)
    assert kept.waiting["A"] == 2 and kept.tickets == fresh.tickets


@pytest.fixture
def short_sight(monkeypatch: pytest.MonkeyPatch) -> rules.Horizon:
    """A forecast that looks only three calls ahead (a hall of thousands, in miniature)."""
    horizon = rules.Horizon(seconds=3 * 3600.0, calls=3)
    monkeypatch.setattr(fc, "HORIZON", horizon)
    return horizon


def test_a_queue_longer_than_the_forecast_looks_is_told_a_lower_bound(
        queue: QueueService, clock: FakeClock, short_sight: rules.Horizon) -> None:
    from kiosk.devices.ticket import PAPERS, ticket_blocks, ticket_data
    from kiosk.queue.feed import read_snapshot
    from kiosk.ui.display_windows import wait_text
    from kiosk.web.page import page_state

    queue.open_counter(1)  # counter 1 serves A (then B)
    views = []
    for _ in range(8):
        views.append(queue.issue("A"))
        clock.advance(20)
    [a] = [s for s in queue.service_summary() if s.service == "A"]
    assert a.beyond and a.ahead == 3 and a.waiting == 8
    first, last = queue.ticket(views[0].id), queue.ticket(views[-1].id)
    assert not first.beyond and first.ahead == 0  # within the horizon: the estimate itself
    assert last.beyond and last.ahead == 3 and last.estimated_wait_s > 0

    lines = [b.text for b in ticket_blocks(ticket_data(last, queue.settings), PAPERS[80])
             if hasattr(b, "text")]
    assert "前面超过 3 人" in lines and "more than 3 ahead of you" in lines
    assert any(ln.startswith("预计等候") and ln.endswith("分钟以上") for ln in lines)

    page = page_state(last, queue.settings, ("", ""))
    assert page.zh.headline == "前面超过 3 人" and "以上" in page.zh.detail
    assert page.en.detail.startswith("Wait over")

    [hall_a] = [s for s in read_snapshot(queue).services if s.prefix == "A"]
    zh, en = wait_text(hall_a)
    assert zh.endswith("以上") and en.startswith("over")
    assert zh == f"{page.zh.detail.removeprefix('预计等候')}"  # the same words, the same bound


def test_the_bound_is_the_whole_forecast_s_answer_where_it_reaches(
        queue: QueueService, clock: FakeClock) -> None:
    """With the forecast's own horizon, a short queue is told exact figures: the same
    as a fast-forward to the end of the queue."""
    queue.open_counter(1)
    queue.open_counter(3)
    for i in range(30):
        queue.issue("AB"[i % 2])
        clock.advance(15)
    with queue.branch.read() as s:
        kept = queue.forecasts.current(s)
        q = queue.forecasts.inputs(s)
    whole = rules.forecast(q.now, q.counters, q.waiting, q.means, queue.branch.policy)
    assert kept.projection.bound is None and kept.tickets == whole
    assert all(not f.beyond for f in kept.tickets.values())
    assert timedelta(seconds=max(f.wait_s for f in whole.values())) < timedelta(hours=3)


def test_tickets_that_join_beyond_the_horizon_reuse_the_fast_forward(
        queue: QueueService, clock: FakeClock, short_sight: rules.Horizon, manager: Actor,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """In a queue longer than the forecast looks, a regular number taken now stands
    beyond the horizon: the next forecast is the last one with that ticket at the bound,
    without a new fast-forward. A number that stands within it (a VIP ahead of the
    regulars), a call, or a forecast more than a few seconds old is fast-forwarded again.
    Every answer is the one a fresh fast-forward of that queue gives at that moment."""
    runs: list[int] = []
    project = rules.project

    def counted(*args: object, **kw: object) -> rules.Projection:
        runs.append(1)
        return project(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(rules, "project", counted)
    queue.open_counter(1)
    for _ in range(6):
        queue.issue("A")
        clock.advance(1)

    def kept_then_fresh() -> tuple[fc.QueueForecast, fc.QueueForecast]:
        with queue.branch.read() as s:
            kept = queue.forecasts.current(s)
        now, clock.now = clock.now, kept.now  # the fresh one, at the kept one's moment
        try:
            with queue.branch.read() as s:
                fresh = Forecasts(queue.branch).current(s)
        finally:
            clock.now = now
        return kept, fresh

    first, _ = kept_then_fresh()
    assert first.projection.bound is not None  # the queue is longer than the horizon
    before = len(runs)
    for n in range(4):
        clock.advance(0.5)
        view = queue.issue("A")
        kept, fresh = kept_then_fresh()
        assert kept.projection is first.projection  # no new fast-forward
        assert kept.tickets == fresh.tickets and kept.new == fresh.new
        assert kept.waiting == fresh.waiting == {"A": 7 + n}
        assert kept.tickets[view.id] == first.projection.bound
    assert len(runs) == before + 4  # the fresh ones only

    clock.advance(0.5)
    vip = queue.issue_for("A", tier="platinum", actor=manager, reason="a customer at the desk")
    kept, fresh = kept_then_fresh()
    assert kept.projection is not first.projection
    assert not kept.tickets[vip.id].beyond and kept.tickets == fresh.tickets

    clock.advance(0.5)
    queue.issue("A")  # beyond again: reused ...
    again, _ = kept_then_fresh()
    assert again.projection is kept.projection
    clock.advance(fc.REUSE_S)
    queue.issue("A")  # ... but not once the last forecast is a few seconds old
    later, fresh = kept_then_fresh()
    assert later.projection is not kept.projection and later.tickets == fresh.tickets

    queue.call_next(1)  # a call moves everyone: fast-forwarded again
    called, fresh = kept_then_fresh()
    assert called.projection is not later.projection and called.tickets == fresh.tickets


def test_a_finish_that_learns_the_service_time_is_seen_by_the_kept_forecast(
        queue: QueueService, clock: FakeClock) -> None:
    """A finish teaches the service its time (the mean moves); the kept forecast reads
    the means again on it, so its waits are a fresh read's, not the old mean's."""
    queue.open_counter(1)
    for _ in range(4):
        queue.issue("A")
        clock.advance(1)
    assert_same(queue)
    t = queue.call_next(1)
    assert t is not None
    queue.start(t.id)
    before, _ = fresh_and_kept(queue)
    clock.advance(30)  # far quicker than the configured mean
    queue.finish(t.id)
    kept, fresh = fresh_and_kept(queue)
    assert kept.means == fresh.means and kept.means["A"] < before.means["A"]
    assert kept.tickets == fresh.tickets and kept.new == fresh.new
