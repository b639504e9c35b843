"""Appointments on the command line: `kiosk appointments add|list|move|cancel|import`.

Booking, moving, cancelling and importing are a logged-in staff member's (`--staff`, the
PIN asked for or read from KIOSK_STAFF_PIN) and are audited; listing only reads.
"""

from __future__ import annotations

import argparse
from datetime import date

from kiosk.cli import Context
from kiosk.commands.args import IDENTIFIER, PATH, REASON, WORD, text, whole
from kiosk.commands.staff_cmds import STAFF_NO, login
from kiosk.identity import identify_card, identify_resident_id
from kiosk.queue import models as m
from kiosk.queue.appointments import BookingView, parse_slot
from kiosk.queue.booking_rules import AMOUNT_BANDS
from kiosk.queue.customers import BadRow

DAY = text(10, "date")
CLOCK = text(5, "time")
CODE = text(6, "booking code")
LENGTH = whole(5, 240, "slot length in minutes")


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("appointments", parents=[common],
                       help="bookings (预约): add, list, move, cancel, import")
    asub = p.add_subparsers(dest="appointments_command", metavar="ACTION", required=True)

    add = asub.add_parser("add", parents=[common], help="book a slot for a customer")
    add.add_argument("--service", required=True, type=WORD, help="service prefix, e.g. V")
    who = add.add_mutually_exclusive_group(required=True)
    who.add_argument("--card", metavar="PAN", type=IDENTIFIER, help="bank card number")
    who.add_argument("--id", metavar="ID_NUMBER", dest="resident_id", type=IDENTIFIER,
                     help="resident ID number")
    add.add_argument("--date", required=True, type=DAY, help="the day, e.g. 2026-11-25")
    add.add_argument("--at", required=True, type=CLOCK, help="the slot's start, e.g. 10:30")
    add.add_argument("--length", type=LENGTH,
                     help="minutes (default: appointments.slot_min in the branch file)")
    add.add_argument("--purpose", default="consultation",
                     choices=("consultation", "large_cash", "other"))
    add.add_argument("--amount", choices=AMOUNT_BANDS, default="",
                     help="large_cash: the amount band (yuan)")
    _staff(add, reason_required=False)
    add.set_defaults(handler=cmd_add)

    lst = asub.add_parser("list", parents=[common], help="a day's bookings (default today)")
    lst.add_argument("--date", type=DAY, help="the day, e.g. 2026-11-25")
    lst.add_argument("--staff", metavar="NO",
                     help="log in to see the booking codes (without: shown as ******)")
    lst.set_defaults(handler=cmd_list)

    for name, help_text in (("cancel", "cancel a booking (audited)"),
                            ("move", "move a booking to another slot (audited)")):
        q = asub.add_parser(name, parents=[common], help=help_text)
        q.add_argument("code", metavar="CODE", type=CODE, help="the six-digit booking code")
        q.add_argument("--date", type=DAY, help="the booking's day (default today)")
        if name == "move":
            q.add_argument("--to-date", type=DAY, help="the new day (default the same)")
            q.add_argument("--to", required=True, type=CLOCK, help="the new start, e.g. 11:00")
        _staff(q, reason_required=True)
        q.set_defaults(handler=cmd_cancel if name == "cancel" else cmd_move)

    imp = asub.add_parser("import", parents=[common],
                          help="load the booking system's export (CSV: identifier, service, "
                               "date, time, purpose, optional amount and length)")
    imp.add_argument("file", metavar="FILE.csv", type=PATH)
    _staff(imp, reason_required=False)
    imp.set_defaults(handler=cmd_import)


def _staff(p: argparse.ArgumentParser, *, reason_required: bool) -> None:
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO, required=True,
                   help="who books (asks the PIN, or reads KIOSK_STAFF_PIN)")
    p.add_argument("--reason", default="", type=REASON, required=reason_required,
                   help="why (written to the audit log)")


def _day(ctx: Context, text_: str | None) -> date:
    if not text_:
        return ctx.service.business_day(ctx.service.now())
    return parse_slot(text_, "00:00")[0]


def _text(b: BookingView) -> str:
    band = f" {b.amount_band}" if b.amount_band else ""
    ticket = f" → {b.ticket_number}" if b.ticket_number else ""
    late = " (late)" if b.late else ""
    return (f"{b.code}  {b.slot_at:%Y-%m-%d %H:%M} {b.length_min:>3} min  {b.service} "
            f"{b.service_name_en:<22} {b.customer_masked:<20} {b.name_masked or '-':<8} "
            f"{b.tier:<12} {b.purpose}{band}  {b.state}{late}{ticket}")


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    secret = ctx.settings.hash_secret
    identity = identify_card(args.card, secret) if args.card else \
        identify_resident_id(args.resident_id, secret)
    day, start = parse_slot(args.date, args.at)
    actor = login(ctx, args.staff, role=m.TELLER)
    b = ctx.service.appointments.book(args.service.upper(), identity, day, start,
                                      purpose=args.purpose, amount_band=args.amount,
                                      length_min=args.length, actor=actor, reason=args.reason)
    ctx.out(b.as_dict(), f"Booked {b.code}: {_text(b)}")
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    day = _day(ctx, args.date)
    actor = login(ctx, args.staff, role=m.TELLER) if args.staff else None
    rows = ctx.service.appointments.day(day, actor=actor)
    ctx.out([b.as_dict() for b in rows],
            lambda: "\n".join(_text(b) for b in rows) or f"No bookings on {day:%Y-%m-%d}.")
    return 0


def cmd_cancel(ctx: Context, args: argparse.Namespace) -> int:
    booking = ctx.service.appointments.by_code(args.code, _day(ctx, args.date))
    actor = login(ctx, args.staff, role=m.TELLER)
    b = ctx.service.appointments.cancel(booking.id, actor=actor, reason=args.reason)
    ctx.out(b.as_dict(), f"Cancelled {b.code}: {_text(b)}")
    return 0


def cmd_move(ctx: Context, args: argparse.Namespace) -> int:
    booking = ctx.service.appointments.by_code(args.code, _day(ctx, args.date))
    day, start = parse_slot(args.to_date or booking.day.isoformat(), args.to)
    actor = login(ctx, args.staff, role=m.TELLER)
    b = ctx.service.appointments.move(booking.id, day, start, actor=actor, reason=args.reason)
    ctx.out(b.as_dict(), f"Moved {b.code}: {_text(b)}")
    return 0


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    actor = login(ctx, args.staff, role=m.TELLER)
    report = ctx.service.appointments.import_csv(args.file, actor=actor)

    def bad(b: BadRow) -> dict[str, object]:
        return {"line": b.line, "message": b.message}

    ctx.out({"booked": [b.as_dict() for b in report.booked],
             "bad_rows": [bad(b) for b in report.bad]},
            lambda: "\n".join([f"{args.file}: {report.summary()}",
                               *(f"  {b}" for b in report.bad),
                               *(f"  {_text(b)}" for b in report.booked)]))
    return 1 if report.bad else 0
