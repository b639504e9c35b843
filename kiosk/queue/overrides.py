"""A manager's changes to the queue: always by a logged-in manager, always with a reason,
always audited (one audit row with before and after, in the same transaction as the
change and its event). Transfers ahead of the branch's rule, cancellations and issuing
with a chosen tier live with the ticket's life (tickets.py) and are checked the same way.
"""

from __future__ import annotations

from kiosk.errors import IllegalTransition, NotFound, QueueError
from kiosk.queue import models as m
from kiosk.queue.counters import free_counter
from kiosk.queue.staff import Actor, StaffDirectory, need_reason, write_audit
from kiosk.queue.tickets import CAN_CALL, Tickets, placement_rank
from kiosk.queue.txn import Branch
from kiosk.queue.views import TicketView


class Overrides:
    def __init__(self, branch: Branch, staff: StaffDirectory, tickets: Tickets) -> None:
        self.branch = branch
        self.staff = staff
        self.tickets = tickets

    def call_ticket(self, counter: int, ticket_id: int, *, actor: Actor | None,
                    reason: str) -> TicketView:
        """Call a specific ticket out of the rules' order."""
        actor = self.staff.authorize(actor, m.MANAGER, "calling a ticket out of turn")
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
                                            extra={"actor": actor.signature, "reason": reason,
                                                   "override": True})
            write_audit(op.s, op.now, actor, "call_ticket", ticket, reason, event_id,
                        {"status": m.WAITING}, {"status": m.CALLED, "counter": counter})
            return b.view(ticket)

    def pin(self, ticket_id: int, position: int, *, actor: Actor | None,
            reason: str) -> TicketView:
        """Put a waiting ticket at a fixed position (1 = next); beats every rule."""
        actor = self.staff.authorize(actor, m.MANAGER, "moving a ticket")
        reason = need_reason(reason)
        if not 1 <= position <= 999:
            raise QueueError("The position must be from 1 to 999.")
        b = self.branch
        with b.write() as op:
            ticket = b.ticket_row(op.s, ticket_id)
            b.require(ticket, (m.WAITING,), "moved")
            before, ticket.pin = ticket.pin, position
            event_id = op.emit("pin", ticket, payload={"number": ticket.number,
                                                       "position": position,
                                                       "actor": actor.signature,
                                                       "reason": reason})
            write_audit(op.s, op.now, actor, "pin", ticket, reason, event_id,
                        {"position": before}, {"position": position})
            return b.view(ticket)

    def change_tier(self, ticket_id: int, tier: str, *, actor: Actor | None,
                    reason: str) -> TicketView:
        actor = self.staff.authorize(actor, m.MANAGER, "changing a ticket's tier")
        reason = need_reason(reason)
        b = self.branch
        if tier not in b.tiers:
            raise NotFound(f"There is no customer tier {tier!r}.")
        with b.write() as op:
            ticket = b.ticket_row(op.s, ticket_id)
            b.require(ticket, (m.WAITING,), "re-prioritised")
            before, ticket.tier = ticket.tier, tier
            event_id = op.emit("tier_changed", ticket, payload={
                "number": ticket.number, "from": before, "to": tier,
                "actor": actor.signature, "reason": reason})
            write_audit(op.s, op.now, actor, "change_tier", ticket, reason, event_id,
                        {"tier": before}, {"tier": tier})
            return b.view(ticket)

    def restore_no_show(self, ticket_id: int, *, actor: Actor | None,
                        reason: str) -> TicketView:
        """A customer marked no-show who comes back: waiting again in their old place."""
        actor = self.staff.authorize(actor, m.MANAGER, "restoring a no-show")
        reason = need_reason(reason)
        b = self.branch
        with b.write() as op:
            ticket = b.ticket_row(op.s, ticket_id)
            b.require(ticket, (m.NO_SHOW,), "restored")
            if ticket.business_day != op.day:
                raise IllegalTransition(f"{ticket.number} was another day's ticket.")
            ticket.status, ticket.counter, ticket.called_at = m.WAITING, None, None
            ticket.finished_at, ticket.outcome = None, ""
            ticket.rank_at = placement_rank(op.s, ticket.service, ticket, "priority", op.now)
            event_id = op.emit("restored", ticket, payload={
                "number": ticket.number, "actor": actor.signature, "reason": reason})
            write_audit(op.s, op.now, actor, "restore_no_show", ticket, reason, event_id,
                        {"status": m.NO_SHOW}, {"status": m.WAITING})
            return b.view(ticket)

    def reprint(self, ticket_id: int, kiosk: str, *, actor: Actor | None,
                reason: str) -> TicketView:
        """Print an open ticket again on a kiosk's printer (the kiosk takes the job from
        the feed)."""
        actor = self.staff.authorize(actor, m.MANAGER, "reprinting a ticket")
        reason = need_reason(reason)
        b = self.branch
        with b.write() as op:
            ticket = b.ticket_row(op.s, ticket_id)
            b.require(ticket, m.OPEN_STATES, "reprinted")
            event_id = op.emit("print_job", ticket, payload={
                "number": ticket.number, "kiosk": kiosk, "actor": actor.signature,
                "reprint": True})
            write_audit(op.s, op.now, actor, "reprint", ticket, reason, event_id,
                        after={"kiosk": kiosk})
            return b.view(ticket)

    def set_notice(self, zh: str, en: str, *, actor: Actor | None, reason: str = "") -> int:
        """The hall display's notice, in Chinese and English."""
        actor = self.staff.authorize(actor, m.MANAGER, "posting a notice")
        zh, en = (zh or "").strip(), (en or "").strip()
        if len(zh) > 200 or len(en) > 400:
            raise QueueError("A notice is at most 200 Chinese or 400 English characters.")
        reason = (reason or "").strip() or "notice"
        with self.branch.write() as op:
            before = {"zh": op.state.notice_zh, "en": op.state.notice_en}
            op.state.notice_zh, op.state.notice_en = zh, en
            event_id = op.emit("notice", payload={"zh": zh, "en": en,
                                                  "actor": actor.signature})
            write_audit(op.s, op.now, actor, "notice", None, reason, event_id, before,
                        {"zh": zh, "en": en})
            return event_id

    def acknowledge_alert(self, key: str, *, actor: Actor | None, note: str = "") -> int:
        """A manager has seen an alert of the console (a VIP arrival, a printer out of
        paper, a ticket past its target wait): one `alert_ack` event, so every console of
        the branch, and a console started later today, shows it acknowledged. Not an
        override of the queue: no audit row."""
        actor = self.staff.authorize(actor, m.MANAGER, "acknowledging an alert")
        key = (key or "").strip()
        if not key or len(key) > 200:
            raise QueueError("An alert to acknowledge is named by a key of 1 to 200 "
                             "characters.")
        with self.branch.write() as op:
            return op.emit("alert_ack", payload={"key": key, "actor": actor.signature,
                                                 "note": (note or "").strip()[:200]})
