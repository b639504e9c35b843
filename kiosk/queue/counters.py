"""Counters: open, pause, close, and what each one holds."""

from __future__ import annotations

from sqlalchemy.orm import Session

from kiosk.errors import IllegalTransition
from kiosk.queue import models as m
from kiosk.queue.txn import STATE_WORDS, Branch
from kiosk.queue.views import CounterView


class Counters:
    def __init__(self, branch: Branch) -> None:
        self.branch = branch

    def open(self, number: int, staff: str | None = None) -> CounterView:
        return self._to(number, m.COUNTER_OPEN, (m.COUNTER_CLOSED, m.COUNTER_PAUSED),
                        "counter_open", staff=staff)

    def pause(self, number: int) -> CounterView:
        return self._to(number, m.COUNTER_PAUSED, (m.COUNTER_OPEN,), "counter_pause")

    def close(self, number: int) -> CounterView:
        return self._to(number, m.COUNTER_CLOSED, (m.COUNTER_OPEN, m.COUNTER_PAUSED),
                        "counter_close")

    def get(self, number: int) -> CounterView:
        """One counter and the ticket it holds: what a restarted counter resumes with."""
        with self.branch.read() as s:
            return self.branch.counter_view(s, self.branch.counter_row(s, number))

    def _to(self, number: int, status: str, allowed: tuple[str, ...], kind: str,
            staff: str | None = None) -> CounterView:
        b = self.branch
        with b.write() as op:
            s, now = op.s, op.now
            crow = b.counter_row(s, number)
            if crow.status not in allowed:
                raise IllegalTransition(f"Counter {number} is already {crow.status}.")
            if status == m.COUNTER_CLOSED and crow.current_ticket_id is not None:
                current = s.get(m.Ticket, crow.current_ticket_id)
                if current is not None and current.status in (m.CALLED, m.SERVING):
                    raise IllegalTransition(f"Counter {number} still has {current.number}: "
                                            "finish or transfer it before closing.")
            crow.status, crow.updated_at = status, now
            if staff is not None:
                crow.staff = staff
            if status != m.COUNTER_OPEN:
                crow.consecutive_priority = 0
            op.emit(kind, counter=number, payload={"status": status})
            return b.counter_view(s, crow)


def free_counter(branch: Branch, s: Session, number: int) -> m.CounterRow:
    """The counter, open and free to call: else the call is refused, saying what to do."""
    crow = branch.counter_row(s, number)
    if crow.status != m.COUNTER_OPEN:
        raise IllegalTransition(f"Counter {number} is {crow.status}: open it before calling.")
    if crow.current_ticket_id is not None:
        current = s.get(m.Ticket, crow.current_ticket_id)
        if current is not None and current.status in (m.CALLED, m.SERVING):
            what = ("recall it, mark it no-show or hand it back to the queue"
                    if current.status == m.CALLED else "finish, suspend or transfer it")
            raise IllegalTransition(
                f"Counter {number} still has {current.number} "
                f"({STATE_WORDS[current.status]}): {what} first.")
    return crow
