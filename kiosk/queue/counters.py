"""Counters: open, pause, close, and what each one holds."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from kiosk.errors import IllegalTransition, QueueError
from kiosk.queue import models as m
from kiosk.queue.staff import Actor, StaffDirectory, need_reason, write_audit
from kiosk.queue.txn import STATE_WORDS, Branch
from kiosk.queue.views import CounterView


class Counters:
    """A teller opens, pauses and closes their own counter; a counter another staff member
    is working is opened or closed for them only by a manager, with a reason (audited)."""

    def __init__(self, branch: Branch, staff: StaffDirectory) -> None:
        self.branch = branch
        self.staff = staff

    def open(self, number: int, *, actor: Actor | None = None, reason: str = "") -> CounterView:
        return self._to(number, m.COUNTER_OPEN, (m.COUNTER_CLOSED, m.COUNTER_PAUSED),
                        "counter_open", actor, reason)

    def pause(self, number: int, *, actor: Actor | None = None, reason: str = "") -> CounterView:
        return self._to(number, m.COUNTER_PAUSED, (m.COUNTER_OPEN,), "counter_pause", actor,
                        reason)

    def close(self, number: int, *, actor: Actor | None = None, reason: str = "") -> CounterView:
        return self._to(number, m.COUNTER_CLOSED, (m.COUNTER_OPEN, m.COUNTER_PAUSED),
                        "counter_close", actor, reason)

    def set_services(self, number: int, services: Sequence[str], *, actor: Actor | None,
                     reason: str) -> CounterView:
        """A manager has a counter serve other services (in preference order) for the rest
        of the business day; the branch file's list comes back at the next day (audited)."""
        actor = self.staff.authorize(actor, m.MANAGER, "changing a counter's services")
        reason = need_reason(reason)
        b = self.branch
        wanted = tuple(dict.fromkeys(p.strip().upper() for p in services if p.strip()))
        if not wanted:
            raise QueueError("A counter serves at least one service.")
        for prefix in wanted:
            b.service(prefix)
        with b.write() as op:
            crow = b.counter_row(op.s, number)
            before = crow.service_list
            if before == wanted:
                raise IllegalTransition(f"Counter {number} already serves "
                                        f"{', '.join(wanted)}.")
            crow.services, crow.updated_at = ",".join(wanted), op.now
            event_id = op.emit("counter_services", counter=number, payload={
                "services": list(wanted), "from": list(before), "actor": actor.signature,
                "reason": reason})
            write_audit(op.s, op.now, actor, "counter_services", None, reason, event_id,
                        {"services": list(before)}, {"services": list(wanted)},
                        counter=number)
            return b.counter_view(op.s, crow)

    def get(self, number: int) -> CounterView:
        """One counter and the ticket it holds: what a restarted counter resumes with."""
        with self.branch.read() as s:
            return self.branch.counter_view(s, self.branch.counter_row(s, number))

    def _to(self, number: int, status: str, allowed: tuple[str, ...], kind: str,
            actor: Actor | None, reason: str) -> CounterView:
        b = self.branch
        if actor is not None:
            actor = self.staff.authorize(actor, m.TELLER, "working a counter")
        with b.write() as op:
            s, now = op.s, op.now
            crow = b.counter_row(s, number)
            if crow.status not in allowed:
                raise IllegalTransition(f"Counter {number} is already {crow.status}.")
            someone_elses = crow.staff is not None and crow.status != m.COUNTER_CLOSED and (
                actor is None or crow.staff != actor.staff_no)
            if someone_elses:
                if actor is None or not actor.at_least(m.MANAGER):
                    raise IllegalTransition(
                        f"Counter {number} is worked by {crow.staff}; only they, or a manager "
                        "with a reason, can change it.")
                reason = need_reason(reason)
            if status == m.COUNTER_CLOSED and crow.current_ticket_id is not None:
                current = s.get(m.Ticket, crow.current_ticket_id)
                if current is not None and current.status in (m.CALLED, m.SERVING):
                    raise IllegalTransition(f"Counter {number} still has {current.number}: "
                                            "finish or transfer it before closing.")
            before = {"status": crow.status, "staff": crow.staff}
            crow.status, crow.updated_at = status, now
            if status == m.COUNTER_CLOSED:
                crow.staff = None
            elif actor is not None and not someone_elses:
                crow.staff = actor.staff_no
            if status != m.COUNTER_OPEN:
                crow.consecutive_priority = 0
            payload: dict[str, object] = {"status": status}
            if actor is not None:
                payload["actor"] = actor.signature
            event_id = op.emit(kind, counter=number, payload=payload)
            if someone_elses and actor is not None:
                write_audit(s, now, actor, kind, None, reason, event_id, before,
                            {"status": status, "staff": crow.staff}, counter=number)
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
