"""Queue commands: issue, call, the ticket's steps, counters, status, events, db."""

from __future__ import annotations

import argparse
from typing import Any

from kiosk.cli import Context
from kiosk.commands.args import (
    COUNTER,
    EVENT_ID,
    IDENTIFIER,
    LIMIT,
    PATH,
    POSITION,
    REASON,
    STATION,
    TICKET_REF,
    WORD,
    text,
)
from kiosk.commands.staff_cmds import STAFF_NO, login
from kiosk.errors import KioskError
from kiosk.identity import identify_card, identify_resident_id
from kiosk.queue import models as m
from kiosk.queue.audit_csv import write_audit_csv
from kiosk.queue.views import CounterView, TicketView
from kiosk.waits import wait_phrase

NOTICE_ZH = text(200, "Chinese notice", empty=True)
NOTICE_EN = text(400, "English notice", empty=True)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("issue", parents=[common], help="issue a ticket (取号)")
    p.add_argument("--service", required=True, type=WORD, help="service prefix, e.g. A")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--card", metavar="PAN", type=IDENTIFIER,
                     help="bank card number (checked with Luhn)")
    who.add_argument("--id", metavar="ID_NUMBER", dest="resident_id", type=IDENTIFIER,
                     help="resident ID number (GB 11643 check character)")
    p.add_argument("--station", default="cli", type=STATION, help="issuing station name")
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO,
                   help="a manager issuing on a customer's behalf (主动派号; asks for the PIN)")
    p.add_argument("--tier", type=WORD, help="with --staff: the tier to give the ticket")
    p.add_argument("--kiosk", type=STATION, help="with --staff: print it on this kiosk's printer")
    p.add_argument("--reason", default="", type=REASON,
                   help="with --staff: why (written to the audit log)")
    p.set_defaults(handler=cmd_issue)

    p = sub.add_parser("call", parents=[common], help="call the next ticket at a counter (叫号)")
    p.add_argument("--counter", type=COUNTER, required=True)
    p.add_argument("--ticket", metavar="TICKET", type=TICKET_REF,
                   help="call this ticket (B006 or its id) instead of the next: a manager's "
                        "override, needs --staff and --reason")
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO,
                   help="the approving manager (asks the PIN)")
    p.add_argument("--reason", default="", type=REASON, help="why (written to the audit log)")
    p.set_defaults(handler=cmd_call)

    for name, method, help_text in (
        ("recall", "recall", "call the ticket again (重呼)"),
        ("start", "start", "the customer has arrived at the counter"),
        ("finish", "finish", "service finished (完成)"),
        ("noshow", "no_show", "the customer did not come (过号)"),
        ("suspend", "suspend", "customer leaves to fetch a document (挂起)"),
        ("resume", "resume", "the suspended customer is back"),
        ("handback", "hand_back",
         "a called customer who never came up goes back to their place (e.g. after a crash)"),
    ):
        p = sub.add_parser(name, parents=[common], help=help_text)
        p.add_argument("ticket", metavar="TICKET", type=TICKET_REF,
                       help="today's number (B006) or the id")
        p.set_defaults(handler=cmd_step, method=method)

    for name, help_text in (
        ("cancel", "take a ticket out of the queue (manager, audited)"),
        ("restore", "a no-show who came back: waiting again in their place (manager, audited)"),
    ):
        p = sub.add_parser(name, parents=[common], help=help_text)
        p.add_argument("ticket", metavar="TICKET", type=TICKET_REF,
                       help="today's number (B006) or the id")
        p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO, required=True)
        p.add_argument("--reason", required=True, type=REASON)
        p.set_defaults(handler=cmd_manager_step, method=name)

    p = sub.add_parser("transfer", parents=[common], help="move a ticket to another service")
    p.add_argument("ticket", metavar="TICKET", type=TICKET_REF,
                   help="today's number (B006) or the id")
    p.add_argument("--service", required=True, type=WORD)
    p.add_argument("--placement", choices=("first", "last", "priority"),
                   help="ahead of the branch's rule needs --staff and --reason")
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO,
                   help="the approving manager (asks the PIN)")
    p.add_argument("--reason", default="", type=REASON)
    p.set_defaults(handler=cmd_transfer)

    p = sub.add_parser("pin", parents=[common], help="put a waiting ticket at a position (audited)")
    p.add_argument("ticket", metavar="TICKET", type=TICKET_REF,
                   help="today's number (B006) or the id")
    p.add_argument("--position", type=POSITION, default=1)
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO, required=True)
    p.add_argument("--reason", required=True, type=REASON)
    p.set_defaults(handler=cmd_pin)

    p = sub.add_parser("tier", parents=[common], help="change a waiting ticket's tier (audited)")
    p.add_argument("ticket", metavar="TICKET", type=TICKET_REF,
                   help="today's number (B006) or the id")
    p.add_argument("--to", required=True, dest="tier", type=WORD, help="the tier key, e.g. gold")
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO, required=True)
    p.add_argument("--reason", required=True, type=REASON)
    p.set_defaults(handler=cmd_tier)

    p = sub.add_parser("reprint", parents=[common], help="print an open ticket again (audited)")
    p.add_argument("ticket", metavar="TICKET", type=TICKET_REF,
                   help="today's number (B006) or the id")
    p.add_argument("--kiosk", required=True, type=STATION,
                   help="the kiosk whose printer prints it")
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO, required=True)
    p.add_argument("--reason", required=True, type=REASON)
    p.set_defaults(handler=cmd_reprint)

    p = sub.add_parser("notice", parents=[common], help="the hall display's notice (audited)")
    p.add_argument("--zh", default="", type=NOTICE_ZH)
    p.add_argument("--en", default="", type=NOTICE_EN)
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO, required=True)
    p.set_defaults(handler=cmd_notice)

    p = sub.add_parser("counter", parents=[common],
                       help="open, pause or close a counter, or show the ticket it holds")
    p.add_argument("action", choices=("open", "pause", "close", "show"))
    p.add_argument("number", type=COUNTER)
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO,
                   help="who works it (asks the PIN); a manager may change another's counter")
    p.add_argument("--reason", default="", type=REASON,
                   help="why, when changing another's counter")
    p.set_defaults(handler=cmd_counter)

    p = sub.add_parser("status", parents=[common], help="the hall: waiting, counters, calls")
    p.add_argument("--limit", type=LIMIT, default=100,
                   help="waiting tickets listed, next to be called first (default 100)")
    p.add_argument("--all", action="store_true", help="list every waiting ticket")
    p.set_defaults(handler=cmd_status)

    p = sub.add_parser("events", parents=[common], help="the change feed")
    p.add_argument("--since", type=EVENT_ID, default=0, metavar="ID")
    p.add_argument("--limit", type=LIMIT, default=1000)
    p.set_defaults(handler=cmd_events)

    p = sub.add_parser("audit", parents=[common], help="manager overrides, newest first")
    p.add_argument("--limit", type=LIMIT, default=50)
    p.add_argument("--csv", metavar="FILE", type=PATH, help="write them to a CSV file")
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
    if v.ahead is not None and v.beyond:
        parts.append(f"more than {v.ahead} ahead, {wait_phrase(v.estimated_wait_s or 0, True)[1]}")
    elif v.ahead is not None:
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
    if args.staff:
        view = ctx.service.issue_for(args.service, actor=login(ctx, args.staff),
                                     reason=args.reason, identity=identity, tier=args.tier,
                                     kiosk=args.kiosk)
    elif args.tier or args.kiosk:
        raise KioskError("--tier and --kiosk are a manager's: add --staff and --reason")
    else:
        view = ctx.service.issue(args.service, identity, station=args.station)
    view = ctx.service.with_forecast(view)
    ctx.out(view.as_dict(), lambda: _ticket_text(view))
    return 0


def cmd_call(ctx: Context, args: argparse.Namespace) -> int:
    if args.ticket is not None:
        ticket_id = ctx.service.ticket_id(args.ticket)
        view: TicketView | None = ctx.service.call_ticket(
            args.counter, ticket_id, actor=login(ctx, args.staff), reason=args.reason)
    else:
        view = ctx.service.call_next(args.counter)
    if view is None:
        ctx.out({"ticket_id": None, "number": None, "counter": args.counter},
                f"Nobody is waiting for counter {args.counter}.")
    else:
        ctx.out(view.as_dict(), lambda: f"请 {view.number} 号到 {args.counter} 号窗口  "
                                        f"({_ticket_text(view)})")
    return 0


def _show(ctx: Context, view: TicketView) -> int:
    ctx.out(view.as_dict(), lambda: _ticket_text(view))
    return 0


def cmd_step(ctx: Context, args: argparse.Namespace) -> int:
    steps = {"recall": ctx.service.recall, "start": ctx.service.start,
             "finish": ctx.service.finish, "no_show": ctx.service.no_show,
             "suspend": ctx.service.suspend, "resume": ctx.service.resume,
             "hand_back": ctx.service.hand_back}
    return _show(ctx, steps[args.method](ctx.service.ticket_id(args.ticket)))


def cmd_manager_step(ctx: Context, args: argparse.Namespace) -> int:
    ticket_id = ctx.service.ticket_id(args.ticket)
    actor = login(ctx, args.staff)
    if args.method == "cancel":
        return _show(ctx, ctx.service.cancel(ticket_id, actor=actor, reason=args.reason))
    return _show(ctx, ctx.service.restore_no_show(ticket_id, actor=actor, reason=args.reason))


def cmd_transfer(ctx: Context, args: argparse.Namespace) -> int:
    ticket_id = ctx.service.ticket_id(args.ticket)
    actor = login(ctx, args.staff) if args.staff else None
    return _show(ctx, ctx.service.transfer(ticket_id, args.service, args.placement,
                                           actor=actor, reason=args.reason))


def cmd_pin(ctx: Context, args: argparse.Namespace) -> int:
    ticket_id = ctx.service.ticket_id(args.ticket)
    return _show(ctx, ctx.service.pin(ticket_id, args.position, actor=login(ctx, args.staff),
                                      reason=args.reason))


def cmd_tier(ctx: Context, args: argparse.Namespace) -> int:
    ticket_id = ctx.service.ticket_id(args.ticket)
    return _show(ctx, ctx.service.change_tier(ticket_id, args.tier,
                                              actor=login(ctx, args.staff), reason=args.reason))


def cmd_reprint(ctx: Context, args: argparse.Namespace) -> int:
    ticket_id = ctx.service.ticket_id(args.ticket)
    return _show(ctx, ctx.service.reprint(ticket_id, args.kiosk, actor=login(ctx, args.staff),
                                          reason=args.reason))


def cmd_notice(ctx: Context, args: argparse.Namespace) -> int:
    event_id = ctx.service.set_notice(args.zh, args.en, actor=login(ctx, args.staff))
    ctx.out({"event_id": event_id, "zh": args.zh, "en": args.en}, "Notice posted.")
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
    actor = login(ctx, args.staff, m.TELLER) if args.staff else None
    if args.action == "open":
        c = svc.open_counter(args.number, actor=actor, reason=args.reason)
    elif args.action == "pause":
        c = svc.pause_counter(args.number, actor=actor, reason=args.reason)
    elif args.action == "close":
        c = svc.close_counter(args.number, actor=actor, reason=args.reason)
    else:
        c = svc.counter(args.number)
    ctx.out(_counter_dict(c), f"Counter {c.number} is {c.status}.{_holding(c)}")
    return 0


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    svc = ctx.service
    waiting = svc.waiting(None if args.all else args.limit)
    counters = svc.counters()
    calls = svc.recent_calls(10)
    services = svc.service_summary()
    total = sum(s.waiting for s in services)
    data = {
        "business_day": svc.business_day(svc.now()),
        "waiting_total": total,
        "waiting": [{"ticket_id": v.id, "number": v.number, "service": v.service,
                     "tier": v.tier, "arrived_at": v.arrived_at, "ahead": v.ahead,
                     "estimated_wait_s": v.estimated_wait_s, "beyond": v.beyond}
                    for v in waiting],
        "services": [s.as_dict() for s in services],
        "counters": [_counter_dict(c) for c in counters],
        "recent_calls": [c.as_dict() for c in calls],
        "stations": [s.as_dict() for s in svc.stations()],
    }

    def text() -> str:
        lines = [f"{ctx.settings.branch.name_zh}  {total} waiting"]
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
            if v.beyond:
                lines.append(f"  {v.number} {v.tier:<12} ahead {v.ahead}+  "
                             f"{wait_phrase(v.estimated_wait_s or 0, True)[1]}")
            else:
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
    if args.csv:
        write_audit_csv(rows, args.csv)
    ctx.out([r.as_dict() for r in rows], lambda: "\n".join(
        f"{r.at:%Y-%m-%d %H:%M:%S} {r.actor} {r.action} ticket {r.ticket_id}: "
        f"{r.reason}" for r in rows) or "No overrides.")
    return 0


def cmd_db(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.queue.db import Database

    db = Database(ctx.database_url, create=True)  # the one command that makes a branch
    try:
        revision = db.upgrade(ctx.settings.hash_secret)
    finally:
        db.dispose()
    ctx.out({"revision": revision}, f"Database schema is at revision {revision}.")
    return 0
