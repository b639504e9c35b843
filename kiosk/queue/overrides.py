"""A manager's overrides of the queue order: always signed, always with a reason, audited.

Each writes its event and its audit row in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kiosk.errors import IllegalTransition, NotFound, QueueError
from kiosk.queue import models as m
from kiosk.queue.counters import free_counter
from kiosk.queue.tickets import CAN_CALL, Tickets
from kiosk.queue.txn import Branch
from kiosk.queue.views import TicketView


class Overrides:
    def __init__(self, branch: Branch, tickets: Tickets) -> None:
        self.branch = branch
        self.tickets = tickets

    def call_ticket(self, counter: int, ticket_id: int, *, actor: str, reason: str) -> TicketView:
        """Call a specific ticket out of the rules' order (audited: who and why)."""
        reason = need_reason(reason)
        b = self.branch
        with b.write() as op:
            crow = free_counter(b, op.s, counter)
            ticket = b.ticket_row(op.s, ticket_id)
            b.require(ticket, CAN_CALL, "called")
            if ticket.service not in crow.service_list:
                raise IllegalTransition(f"Counter {counter} does not serve {ticket.number}'s "
                                        f"service ({ticket.service}).")
            event_id = self.tickets.do_call(op, crow, ticket, "called",
                                            extra={"actor": actor, "reason": reason,
                                                   "override": True})
            _audit(op.s, op.now, actor, "call_ticket", ticket, reason, event_id,
                   {"counter": counter})
            return b.view(ticket)

    def pin(self, ticket_id: int, position: int, *, actor: str, reason: str) -> TicketView:
        """Put a waiting ticket at a fixed position (1 = next); beats every rule."""
        reason = need_reason(reason)
        if position < 1:
            raise QueueError("The position must be 1 or more.")
        b = self.branch
        with b.write() as op:
            ticket = b.ticket_row(op.s, ticket_id)
            b.require(ticket, (m.WAITING,), "moved")
            ticket.pin = position
            event_id = op.emit("pin", ticket, payload={"number": ticket.number,
                                                       "position": position, "actor": actor,
                                                       "reason": reason})
            _audit(op.s, op.now, actor, "pin", ticket, reason, event_id, {"position": position})
            return b.view(ticket)

    def change_tier(self, ticket_id: int, tier: str, *, actor: str, reason: str) -> TicketView:
        reason = need_reason(reason)
        b = self.branch
        if tier not in b.tiers:
            raise NotFound(f"There is no customer tier {tier!r}.")
        with b.write() as op:
            ticket = b.ticket_row(op.s, ticket_id)
            b.require(ticket, (m.WAITING,), "re-prioritised")
            before, ticket.tier = ticket.tier, tier
            event_id = op.emit("tier_changed", ticket, payload={
                "number": ticket.number, "from": before, "to": tier, "actor": actor,
                "reason": reason})
            _audit(op.s, op.now, actor, "change_tier", ticket, reason, event_id,
                   {"from": before, "to": tier})
            return b.view(ticket)

    def set_notice(self, zh: str, en: str, *, actor: str) -> int:
        with self.branch.write() as op:
            op.state.notice_zh, op.state.notice_en = zh, en
            return op.emit("notice", payload={"zh": zh, "en": en, "actor": actor})


def need_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise QueueError("An override needs a reason; it is written to the audit log.")
    return reason


def _audit(s: Session, now: datetime, actor: str, action: str, ticket: m.Ticket | None,
           reason: str, event_id: int, details: dict[str, Any]) -> None:
    if not actor.strip():
        raise QueueError("An override must be signed: give the manager's name or staff id.")
    s.add(m.Audit(at=now, actor=actor, action=action,
                  ticket_id=ticket.id if ticket else None, reason=reason,
                  event_id=event_id, details=details))
