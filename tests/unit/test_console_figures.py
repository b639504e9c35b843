"""The console's Figures tab without Qt: when the figures are computed (coalesced) and
what the tab shows from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from kiosk.config import Settings
from kiosk.queue.service import QueueService
from kiosk.queue.views import FeedEvent
from kiosk.ui.console import ConsoleModel
from kiosk.ui.console_figures import LiveFigures, figures_view
from tests.conftest import FakeClock

AT = datetime(2026, 11, 24, 10, 0)


def _event(i: int, kind: str = "issued") -> FeedEvent:  # a bare event of this kind
    return FeedEvent(i, AT, kind, i, None, {})


class FakeWorker:
    """Jobs the test finishes by hand, in the order it chooses (a real worker thread's
    answers come back later, as signals)."""

    def __init__(self) -> None:
        self.jobs: list[tuple[int, Callable[[Any], None]]] = []
        self.most_at_once = 0

    def run(self, generation: int, on_done: Callable[[Any], None]) -> None:
        self.jobs.append((generation, on_done))
        self.most_at_once = max(self.most_at_once, len(self.jobs))

    def finish(self, answer: Any) -> None:
        generation, on_done = self.jobs.pop(0)
        on_done((generation, answer))


class Tab:
    """What the window does with LiveFigures: start when due, draw what is kept, ask again."""

    def __init__(self, live: LiveFigures, worker: FakeWorker) -> None:
        self.live, self.worker = live, worker
        self.drawn: list[Any] = []

    def due(self) -> None:
        generation = self.live.start()
        if generation is not None:
            self.worker.run(generation, self.answered)

    def answered(self, result: tuple[int, Any]) -> None:
        if self.live.done(*result):
            self.drawn.append(self.live.figures)
        self.due()

    def events(self, *events: FeedEvent) -> None:
        if self.live.note(list(events)):
            self.due()


class Ticks:
    """A monotonic clock the test moves (seconds)."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _tab(visible: bool = True, gap_s: float = 0.0) -> tuple[Tab, FakeWorker]:
    live, worker = LiveFigures(clock=Ticks(), gap_s=gap_s), FakeWorker()
    live.show(visible)
    return Tab(live, worker), worker


def test_a_burst_in_one_feed_batch_gives_one_computation() -> None:
    tab, worker = _tab()
    tab.events(*[_event(i) for i in range(1, 51)])
    assert len(worker.jobs) == 1
    worker.finish("after 50 events")
    assert tab.drawn == ["after 50 events"] and worker.jobs == [] and tab.live.started == 1


def test_a_burst_of_events_during_a_computation_gives_exactly_one_more() -> None:
    tab, worker = _tab()
    tab.events(_event(1))
    assert len(worker.jobs) == 1
    for i in range(2, 40):  # the feed keeps bringing batches while the first one runs
        tab.events(_event(i))
    assert len(worker.jobs) == 1  # nothing new starts while one is in flight
    worker.finish("after event 1")
    assert tab.drawn == ["after event 1"]
    assert len(worker.jobs) == 1  # the events of the burst: one more computation
    worker.finish("after event 39")
    assert tab.drawn == ["after event 1", "after event 39"]
    assert worker.jobs == [] and tab.live.started == 2 and worker.most_at_once == 1


def test_quiet_events_start_nothing_and_an_idle_feed_recomputes_nothing() -> None:
    tab, worker = _tab()
    tab.due()  # the tab opened: the first computation
    worker.finish("first")
    tab.events(_event(2, "notice"), _event(3, "alert_ack"), _event(4, "print_job"))
    tab.due()
    assert worker.jobs == [] and tab.live.started == 1
    tab.events(_event(5, "called"))
    assert len(worker.jobs) == 1


def test_a_hidden_tab_computes_nothing_until_it_is_shown() -> None:
    tab, worker = _tab(visible=False)
    for i in range(1, 20):
        tab.events(_event(i))
    assert worker.jobs == [] and tab.live.started == 0
    tab.live.show(True)
    tab.due()
    assert len(worker.jobs) == 1
    worker.finish("now")
    assert tab.drawn == ["now"] and worker.jobs == []
    tab.live.show(False)
    tab.events(_event(30))
    assert worker.jobs == []  # stale, computed the next time the tab is shown
    tab.live.show(True)
    tab.due()
    assert len(worker.jobs) == 1


def test_an_answer_read_before_a_new_business_day_is_dropped_for_a_fresh_one() -> None:
    tab, worker = _tab()
    tab.events(_event(1))
    worker.finish("monday")
    tab.events(_event(2))
    tab.live.reset()  # the day rolled over while the computation ran
    tab.events(_event(3, "day_rollover"))
    assert len(worker.jobs) == 1  # still one at a time
    worker.finish("monday, late")
    assert tab.drawn == ["monday"] and tab.live.dropped == 1
    assert tab.live.figures is None  # yesterday's are not shown as today's
    assert len(worker.jobs) == 1
    worker.finish("tuesday")
    assert tab.drawn == ["monday", "tuesday"] and tab.live.figures == "tuesday"


def test_a_failed_computation_keeps_the_last_figures_and_is_not_retried_by_itself() -> None:
    tab, worker = _tab()
    tab.events(_event(1))
    worker.finish("ok")
    tab.events(_event(2))
    generation, _ = worker.jobs.pop(0)
    assert tab.live.failed(generation, ConnectionError("database went away"))
    tab.due()
    assert tab.live.figures == "ok" and isinstance(tab.live.error, ConnectionError)
    assert tab.live.started == 2  # no retry loop
    tab.events(_event(3))  # the next event asks again
    assert len(worker.jobs) == 1
    worker.finish("back")
    assert tab.live.error is None and tab.live.figures == "back"


def test_in_a_long_burst_at_most_one_computation_starts_per_gap() -> None:
    tab, worker = _tab(gap_s=0.25)
    ticks = tab.live.clock
    assert isinstance(ticks, Ticks)
    tab.events(_event(1))  # after a quiet spell: at once
    assert len(worker.jobs) == 1
    ticks.now += 0.05
    worker.finish("fast")  # a quick computation, and events keep coming
    for i in range(2, 12):
        ticks.now += 0.02
        tab.events(_event(i))
    assert worker.jobs == [] and tab.live.started == 1
    wait = tab.live.wait_s()
    assert wait is not None and 0 < wait <= 0.25  # the window sets a timer for this
    ticks.now += wait
    tab.due()
    assert len(worker.jobs) == 1 and tab.live.started == 2
    worker.finish("after the burst")
    assert tab.drawn == ["fast", "after the burst"]
    assert tab.live.wait_s() is None  # nothing more is due: no timer, no computation


# --- the console model on a real branch -------------------------------------------------------


def test_the_console_model_reads_today_and_the_view_lists_every_service_and_tier(
        queue: QueueService, settings: Settings, clock: FakeClock) -> None:
    model = ConsoleModel(queue, settings)
    queue.open_counter(1)
    a1 = queue.issue("A")
    clock.advance(minutes=4)
    queue.issue("B")
    assert queue.call_next(1).id == a1.id  # waited 4:00
    clock.advance(minutes=3)
    queue.finish(a1.id)
    changed = model.apply(queue.events_since(0))
    assert "figures" in changed and model.figures.stale
    assert model.apply([_event(99, "notice")]) == {"notice"}  # starts no refresh

    view = figures_view(model.read_figures(), model.waiting_now(), settings, 80.0)
    assert [line.key for line in view.by_service] == [s.prefix for s in settings.services]
    assert [line.key for line in view.by_tier] == [t.key for t in settings.tiers]
    cash, non_cash, corporate = view.by_service[:3]
    assert (cash.arrived, cash.served, cash.waiting, cash.mean_wait_s) == (1, 1, 0, 240.0)
    assert (non_cash.arrived, non_cash.waiting, non_cash.mean_wait_s) == (1, 1, None)
    assert (corporate.arrived, corporate.waiting, corporate.no_show_pct) == (0, 0, None)
    assert view.headline.waiting == 1 and view.headline.service_level_pct == 100.0
    assert [(key, n) for key, _zh, _en, n in view.waiting_by_service] == [
        ("A", 0), ("B", 1), ("C", 0), ("V", 0)]
