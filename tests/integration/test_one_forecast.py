"""One forecast: the kiosk's buttons, the printed ticket, the hall display, the console and
`kiosk status` say the same wait for the same queue, and the order it forecasts is the
order the counters then call (the cap on priority calls included)."""

from __future__ import annotations

from datetime import timedelta

from kiosk.queue import models as m
from kiosk.queue.feed import read_snapshot
from kiosk.queue.service import QueueService
from kiosk.queue.staff import Actor
from tests.conftest import FakeClock


def test_the_forecast_order_is_the_order_the_counter_calls_cap_included(
        queue: QueueService, clock: FakeClock, manager: Actor) -> None:
    """Five purple-gold customers and then a regular one at counter 1 (the branch caps
    priority calls at two in a row; none of them falls due meanwhile): the regular
    customer is forecast third, not sixth, and the counter, calling at the forecast
    times, calls everyone in the forecast order."""
    assert queue.settings.rules.max_consecutive_priority == 2
    queue.open_counter(1)
    golds = []
    for _ in range(5):
        golds.append(queue.issue_for("A", tier="purple_gold", actor=manager,
                                     reason="purple gold card"))
        clock.advance(2)
    regular = queue.issue("A")
    clock.advance(2)
    start = clock.now
    forecast = queue.estimates()  # ticket id -> (ahead, wait, beyond)
    assert forecast[regular.id][0] == 2  # two VIPs, then the cap lets a regular through
    order = sorted(forecast, key=lambda tid: forecast[tid][0])
    mean_a = next(s.mean_service_s for s in queue.service_summary() if s.service == "A")
    called = []
    for tid in order:
        clock.now = start + timedelta(seconds=forecast[tid][1])
        t = queue.call_next(1)
        assert t is not None
        called.append(t.id)
        queue.start(t.id)
        clock.advance(seconds=mean_a)  # served in exactly the mean: the mean stays put
        queue.finish(t.id)
    assert called == order
    assert called.index(regular.id) == 2


def test_buttons_ticket_display_console_and_status_say_the_same_wait(
        queue: QueueService, clock: FakeClock, manager: Actor) -> None:
    """A mixed hall, the clock stopped: for each service the kiosk's button, the hall
    display and a regular ticket taken now say the same people ahead and wait; the
    console and `kiosk status` then show that ticket with the wait it printed."""
    for c in (1, 3, 4, 6):
        queue.open_counter(c)
    for i in range(14):
        if i % 4 == 3:
            queue.issue_for("AB"[i % 2], tier="platinum", actor=manager, reason="card at home")
        else:
            queue.issue("ABC"[i % 3])
        clock.advance(20)
    queue.call_next(1)
    clock.advance(30)
    for svc in ("A", "B", "C", "V"):
        [button] = [s for s in queue.service_summary() if s.service == svc]
        [hall] = [s for s in read_snapshot(queue).services if s.prefix == svc]
        assert hall.wait_s == button.estimated_wait_s and hall.waiting == button.waiting
        if button.estimated_wait_s is None:
            continue
        ticket = queue.with_forecast(queue.issue(svc))  # what the kiosk prints
        assert (ticket.ahead, ticket.estimated_wait_s) == (button.ahead,
                                                           button.estimated_wait_s)
        ahead, wait, beyond = queue.estimates()[ticket.id]  # the console's hall
        assert (ahead, round(wait), beyond) == (ticket.ahead, ticket.estimated_wait_s, False)
        [listed] = [v for v in queue.waiting() if v.id == ticket.id]  # kiosk status
        assert (listed.ahead, listed.estimated_wait_s) == (ticket.ahead,
                                                           ticket.estimated_wait_s)
        assert listed.status == m.WAITING
