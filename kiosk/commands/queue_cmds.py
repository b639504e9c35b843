"""Queue commands: issue, call, the ticket's steps, counters, status, events, db."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import Context
from kiosk.commands.args import (
    ACTOR,
    COUNTER,
    EVENT_ID,
    IDENTIFIER,
    LIMIT,
    POSITION,
    REASON,
    STAFF,
    STATION,
    TICKET_ID,
    WORD,
)
from kiosk.identity import identify_card, identify_resident_id
from kiosk.queue.views import CounterView, TicketView


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("issue", parents=[common], help="issue a ticket (取号)")
    p.add_argument("--service", required=True, type=WORD, help="service prefix, e.g. A")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--card", metavar="PAN", type=IDENTIFIER,
                     help="bank card number (checked with Luhn)")
    who.add_argument("--id", metavar="ID_NUMBER", dest="resident_id", type=IDENTIFIER,
                     help="resident ID number (GB 11643 check character)")
    p.add_argument("--tier", type=WORD,
                   help="tier key, for a manager issuing on a customer's behalf")
    p.add_argument("--station", default="cli", type=STATION, help="issuing station name")
    p.add_argument("--on-behalf-of", metavar="STAFF", type=STAFF,
                   help="manager issuing for a customer")
    p.set_defaults(handler=cmd_issue)

    p = sub.add_parser("call", parents=[common], help="call the next ticket at a counter (叫号)")
    p.add_argument("--counter", type=COUNTER, required=True)
    p.add_argument("--ticket", type=TICKET_ID, metavar="TICKET_ID",
                   help="call this ticket instead of the next (needs --actor and --reason)")
    p.add_argument("--actor", default="", type=ACTOR, help="who overrides the order")
    p.add_argument("--reason", default="", type=REASON, help="why (written to the audit log)")
    p.set_defaults(handler=cmd_call)

    for name, method, help_text in (
        ("recall", "recall", "call the ticket again (重呼)"),
        ("start", "start", "the customer has arrived at the counter"),
        ("finish", "finish", "service finished (完成)"),
        ("noshow", "no_show", "the customer did not come (过号)"),
        ("cancel", "cancel", "cancel the ticket"),
        ("suspend", "suspend", "customer leaves to fetch a document (挂起)"),
        ("resume", "resume", "the suspended customer is back"),
        ("handback", "hand_back",
         "a called customer who never came up goes back to their place (e.g. after a crash)"),
    ):
        p = sub.add_parser(name, parents=[common], help=help_text)
        p.add_argument("ticket_id", type=TICKET_ID, metavar="TICKET_ID")
        p.set_defaults(handler=cmd_step, method=method)

    p = sub.add_parser("transfer", parents=[common], help="move a ticket to another service")
    p.add_argument("ticket_id", type=TICKET_ID, metavar="TICKET_ID")
    p.add_argument("--service", required=True, type=WORD)
    p.add_argument("--placement", choices=("first", "last", "priority"))
    p.set_defaults(handler=cmd_transfer)

    p = sub.add_parser("pin", parents=[common], help="put a waiting ticket at a position (audited)")
    p.add_argument("ticket_id", type=TICKET_ID, metavar="TICKET_ID")
    p.add_argument("--position", type=POSITION, default=1)
    p.add_argument("--actor", required=True, type=STAFF)
    p.add_argument("--reason", required=True, type=REASON)
    p.set_defaults(handler=cmd_pin)

    p = sub.add_parser("counter", parents=[common],
                       help="open, pause or close a counter, or show the ticket it holds")
    p.add_argument("action", choices=("open", "pause", "close", "show"))
    p.add_argument("number", type=COUNTER)
    p.add_argument("--staff", type=STAFF)
    p.set_defaults(handler=cmd_counter)

    p = sub.add_parser("status", parents=[common], help="the hall: waiting, counters, calls")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("events", parents=[common], help="the change feed")
    p.add_argument("--since", type=EVENT_ID, default=0, metavar="ID")
    p.add_argument("--limit", type=LIMIT, default=1000)
    p.set_defaults(handler=cmd_events)

    p = sub.add_parser("audit", parents=[common], help="manager overrides, newest first")
    p.add_argument("--limit", type=LIMIT, default=50)
    p.set_defaults(handler=cmd_audit)

    p = sub.add_parser("db", parents=[common], help="database schema")
    p.add_argument("action", choices=("upgrade",))
    p.set_defaults(handler=cmd_db)


def _minutes(seconds: float | None) -> str:
    return "?" if seconds is None else f"{round(seconds / 60)} min"


def _ticket_text(v: TicketView) -> str:
    parts = [f"{v.number}  {v.service_name_zh} {v.service_name_en}  [{v.tier_name_zh}]",
             f"status {v.status}"]
    if v.counter is not None:
        parts.append(f"counter {v.counter}")
    if v.ahead is not None:
        parts.append(f"{v.ahead} ahead, about {_minutes(v.estimated_wait_s)}")
    if v.existing:
        parts.append("(already had this ticket: reprint)")
    return "  ".join(parts) + f"  (ticket id {v.id})"


def cmd_issue(ctx: Context, args: argparse.Namespace) -> int:
    secret = ctx.settings.hash_secret
    identity = None
    if args.card:
        identity = identify_card(args.card, secret)
    elif args.resident_id:
        identity = identify_resident_id(args.resident_id, secret)
    view = ctx.service.issue(args.service, identity, tier=args.tier, station=args.station,
                             on_behalf_of=args.on_behalf_of)
    view = ctx.service.with_forecast(view)
    ctx.out(view.as_dict(), lambda: _ticket_text(view))
    return 0


def cmd_call(ctx: Context, args: argparse.Namespace) -> int:
    if args.ticket is not None:
        view: TicketView | None = ctx.service.call_ticket(args.counter, args.ticket,
                                                          actor=args.actor, reason=args.reason)
    else:
        view = ctx.service.call_next(args.counter)
    if view is None:
        ctx.out({"ticket_id": None, "number": None, "counter": args.counter},
                f"Nobody is waiting for counter {args.counter}.")
    else:
        ctx.out(view.as_dict(), lambda: f"请 {view.number} 号到 {args.counter} 号窗口  "
                                        f"({_ticket_text(view)})")
    return 0


def cmd_step(ctx: Context, args: argparse.Namespace) -> int:
    view = getattr(ctx.service, args.method)(args.ticket_id)
    ctx.out(view.as_dict(), lambda: _ticket_text(view))
    return 0


def cmd_transfer(ctx: Context, args: argparse.Namespace) -> int:
    view = ctx.service.transfer(args.ticket_id, args.service, args.placement)
    ctx.out(view.as_dict(), lambda: _ticket_text(view))
    return 0


def cmd_pin(ctx: Context, args: argparse.Namespace) -> int:
    view = ctx.service.pin(args.ticket_id, args.position, actor=args.actor, reason=args.reason)
    ctx.out(view.as_dict(), lambda: _ticket_text(view))
    return 0


def _counter_dict(c: CounterView) -> dict[str, Any]:
    return {"number": c.number, "name_zh": c.name_zh, "name_en": c.name_en,
            "services": list(c.services), "green_channel": c.green_channel, "status": c.status,
            "current": c.current.as_dict() if c.current else None}


def _holding(c: CounterView) -> str:
    """What the counter still holds, and what the teller can do with it."""
    cur = c.current
    if cur is None:
        return ""
    since = f" since {cur.called_at:%H:%M}" if cur.called_at else ""
    if cur.status == "called":
        todo = (f"recall it (kiosk recall {cur.id}), mark it no-show, or hand it back to "
                f"its place (kiosk handback {cur.id})")
    else:
        todo = f"finish, suspend or transfer it (ticket id {cur.id})"
    return f" It holds {cur.number} ({cur.status}{since}): {todo}."


def cmd_counter(ctx: Context, args: argparse.Namespace) -> int:
    svc = ctx.service
    if args.action == "open":
        c = svc.open_counter(args.number, staff=args.staff)
    elif args.action == "pause":
        c = svc.pause_counter(args.number)
    elif args.action == "close":
        c = svc.close_counter(args.number)
    else:
        c = svc.counter(args.number)
    ctx.out(_counter_dict(c), f"Counter {c.number} is {c.status}.{_holding(c)}")
    return 0


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    svc = ctx.service
    waiting = svc.waiting()
    counters = svc.counters()
    calls = svc.recent_calls(10)
    services = svc.service_summary()
    data = {
        "business_day": svc.business_day(svc.now()),
        "waiting": [{"ticket_id": v.id, "number": v.number, "service": v.service,
                     "tier": v.tier, "arrived_at": v.arrived_at, "ahead": v.ahead,
                     "estimated_wait_s": v.estimated_wait_s} for v in waiting],
        "services": [s.as_dict() for s in services],
        "counters": [_counter_dict(c) for c in counters],
        "recent_calls": [c.as_dict() for c in calls],
        "stations": [s.as_dict() for s in svc.stations()],
    }

    def text() -> str:
        lines = [f"{ctx.settings.branch.name_zh}  {len(waiting)} waiting"]
        for s in services:
            lines.append(f"  {s.service} {s.name_zh:<8} waiting {s.waiting:>3}  "
                         f"counters {list(s.open_counters) or '-'}")
        for c in counters:
            cur = "-"
            if c.current is not None:
                cur = f"{c.current.number} {c.current.status}"
                if c.current.called_at is not None:
                    cur += f" since {c.current.called_at:%H:%M}"
            lines.append(f"  counter {c.number:>2} {c.status:<7} {cur}")
        for v in waiting[:20]:
            lines.append(f"  {v.number} {v.tier:<12} ahead {v.ahead}  "
                         f"~{_minutes(v.estimated_wait_s)}")
        return "\n".join(lines)

    ctx.out(data, text)
    return 0


def cmd_events(ctx: Context, args: argparse.Namespace) -> int:
    events = ctx.service.events_since(args.since, args.limit)
    ctx.out([e.as_dict() for e in events], lambda: "\n".join(
        f"{e.id:>6} {e.at:%H:%M:%S} {e.kind:<14} ticket {e.ticket_id or '-'} "
        f"counter {e.counter or '-'} {e.payload}" for e in events) or "No events.")
    return 0


def cmd_audit(ctx: Context, args: argparse.Namespace) -> int:
    rows = ctx.service.audit_log(args.limit)
    ctx.out([r.as_dict() for r in rows], lambda: "\n".join(
        f"{r.at:%Y-%m-%d %H:%M:%S} {r.actor} {r.action} ticket {r.ticket_id}: "
        f"{r.reason}" for r in rows) or "No overrides.")
    return 0


def cmd_db(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.queue.db import Database

    db = Database(ctx.database_url, create=True)  # the one command that makes a branch
    try:
        revision = db.upgrade()
    finally:
        db.dispose()
    ctx.out({"revision": revision}, f"Database schema is at revision {revision}.")
    return 0
