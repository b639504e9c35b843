"""Property test of the ticket lifecycle: random operations against a model of the rules.

Every operation either succeeds, moves the ticket exactly as the state machine says and
writes exactly one event, or is refused with a QueueError and changes nothing at all.
"""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from kiosk.config import load_settings
from kiosk.errors import QueueError
from kiosk.queue import models as m
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from tests.conftest import EXAMPLE_CONFIG, FakeClock

# The state machine the service must follow: operation -> states it may start from -> after.
MOVES = {
    "recall": ({m.CALLED}, m.CALLED),
    "start": ({m.CALLED}, m.SERVING),
    "finish": ({m.CALLED, m.SERVING}, m.DONE),
    "no_show": ({m.CALLED}, m.NO_SHOW),
    "suspend": ({m.CALLED, m.SERVING}, m.SUSPENDED),
    "resume": ({m.SUSPENDED}, m.WAITING),
    "cancel": ({m.WAITING, m.CALLED, m.SERVING, m.SUSPENDED}, m.CANCELLED),
    "hand_back": ({m.CALLED}, m.WAITING),
    "restore_no_show": ({m.NO_SHOW}, m.WAITING),
}
MANAGER_STEPS = {"cancel", "restore_no_show"}
BRANCH = load_settings(EXAMPLE_CONFIG, environ={})


class Lifecycle(RuleBasedStateMachine):
    @initialize()
    def open_branch(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.clock = FakeClock()
        self.q = QueueService(Database(f"sqlite:///{Path(self.tmp.name) / 'b.db'}"), BRANCH,
                              self.clock)
        self.q.prepare()
        self.q.staff.add("M001", "张经理", "manager", "2468")
        self.manager = self.q.login("M001", "2468")
        self.states: dict[int, str] = {}
        self.open_counters: set[int] = set()

    def teardown(self) -> None:
        if hasattr(self, "q"):
            self.q.db.dispose()
            self.tmp.cleanup()

    def _expect(self, allowed: bool, action, *args):  # type: ignore[no-untyped-def]
        before = self.q.last_event_id()
        try:
            result = action(*args)
        except QueueError:
            assert not allowed, f"{action.__name__}{args} was refused but is allowed"
            assert self.q.last_event_id() == before, "a refused operation wrote an event"
            return None
        assert allowed, f"{action.__name__}{args} succeeded but is not allowed"
        return result

    @rule(service=st.sampled_from("ABCV"))
    def issue(self, service: str) -> None:
        self.clock.advance(7)
        t = self.q.issue(service)
        self.states[t.id] = m.WAITING

    @rule(counter=st.sampled_from([1, 3, 5, 6]))
    def open_counter(self, counter: int) -> None:
        allowed = counter not in self.open_counters
        if self._expect(allowed, self.q.open_counter, counter) is not None:
            self.open_counters.add(counter)

    @rule(counter=st.sampled_from([1, 3, 5, 6]))
    def call_next(self, counter: int) -> None:
        busy = any(self.q.ticket(i, with_forecast=False).counter == counter
                   and s in (m.CALLED, m.SERVING) for i, s in self.states.items())
        allowed = counter in self.open_counters and not busy
        before = self.q.last_event_id()
        called = self._expect(allowed, self.q.call_next, counter)
        if called is None:
            if allowed:  # nothing for this counter: no event, nothing waiting it may serve
                assert self.q.last_event_id() == before
                served = BRANCH.counter(counter).services
                assert not any(s == m.WAITING and self.q.ticket(i, with_forecast=False).service
                               in served for i, s in self.states.items())
            return
        assert self.states[called.id] == m.WAITING
        self.states[called.id] = m.CALLED

    @rule(data=st.data(), op=st.sampled_from(sorted(MOVES)))
    def step(self, data: st.DataObject, op: str) -> None:
        if not self.states:
            return
        ticket = data.draw(st.sampled_from(sorted(self.states)))
        sources, after = MOVES[op]
        before = self.q.last_event_id()
        action = getattr(self.q, op)
        if op in MANAGER_STEPS:
            action = partial(action, actor=self.manager, reason="property test")
            action.__name__ = op  # type: ignore[attr-defined]
        result = self._expect(self.states[ticket] in sources, action, ticket)
        if result is not None:
            assert result.status == after
            assert self.q.last_event_id() == before + 1, "one operation, one event"
            self.states[ticket] = after

    @invariant()
    def database_matches_model(self) -> None:
        if not hasattr(self, "q"):
            return
        for ticket_id, state in self.states.items():
            assert self.q.ticket(ticket_id, with_forecast=False).status == state
        per_counter: dict[int, int] = {}
        for ticket_id, state in self.states.items():
            if state in (m.CALLED, m.SERVING):
                c = self.q.ticket(ticket_id, with_forecast=False).counter
                assert c is not None
                per_counter[c] = per_counter.get(c, 0) + 1
        assert all(n == 1 for n in per_counter.values()), "a counter holds two tickets"


Lifecycle.TestCase.settings = settings(
    max_examples=25, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
TestLifecycle = Lifecycle.TestCase
