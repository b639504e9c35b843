"""Appointments on the command line: `kiosk appointments add|list|move|cancel|reissue|import`.

Booking, moving, cancelling, re-issuing a code and importing are a logged-in staff
member's (`--staff`, the PIN asked for or read from KIOSK_STAFF_PIN) and are audited;
listing only reads. A booking code is printed once, by the command that made it (add, a
move to another day, reissue, import); lists show it as ******.
"""

from __future__ import annotations

import argparse
from datetime import date

from kiosk.cli import Context
from kiosk.commands.args import IDENTIFIER, MAX_ID, PATH, REASON, WORD, text, whole
from kiosk.commands.staff_cmds import STAFF_NO, login
from kiosk.identity import identify_card, identify_resident_id
from kiosk.queue import models as m
from kiosk.queue.appointments import HIDDEN_CODE, BookingView, parse_slot
from kiosk.queue.booking_rules import AMOUNT_BANDS
from kiosk.queue.customers import BadRow

DAY = text(10, "date")
CLOCK = text(5, "time")
CODE = text(6, "booking code")
LENGTH = whole(5, 240, "slot length in minutes")
BOOKING = whole(1, MAX_ID, "booking number")


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("appointments", parents=[common],
                       help="bookings (预约): add, list, move, cancel, reissue, import")
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

    lst = asub.add_parser("list", parents=[common],
                          help="a day's bookings (default today); codes show as ******")
    lst.add_argument("--date", type=DAY, help="the day, e.g. 2026-11-25")
    lst.set_defaults(handler=cmd_list)

    for name, help_text, handler in (
            ("cancel", "cancel a booking (audited)", cmd_cancel),
            ("move", "move a booking to another slot (audited; another day: a new code)",
             cmd_move),
            ("reissue", "a new booking code for a customer who lost theirs (audited; the "
                        "old code stops working)", cmd_reissue)):
        q = asub.add_parser(name, parents=[common], help=help_text)
        which = q.add_mutually_exclusive_group(required=True)
        which.add_argument("code", metavar="CODE", type=CODE, nargs="?",
                           help="the customer's six-digit booking code")
        which.add_argument("--booking", metavar="N", type=BOOKING,
                           help="the booking's number, as `list` shows it (#N)")
        q.add_argument("--date", type=DAY, help="the day of the CODE (default today)")
        if name == "move":
            q.add_argument("--to-date", type=DAY, help="the new day (default the same)")
            q.add_argument("--to", required=True, type=CLOCK, help="the new start, e.g. 11:00")
        _staff(q, reason_required=True)
        q.set_defaults(handler=handler)

    imp = asub.add_parser("import", parents=[common],
                          help="load the booking system's export (CSV: identifier, service, "
                               "date, time, purpose, optional amount, length and code)")
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
    return (f"#{b.id:<5} {b.code}  {b.slot_at:%Y-%m-%d %H:%M} {b.length_min:>3} min  "
            f"{b.service} {b.service_name_en:<22} {b.customer_masked:<20} "
            f"{b.name_masked or '-':<8} {b.tier:<12} {b.purpose}{band}  {b.state}{late}{ticket}")


def _once(b: BookingView, what: str) -> str:
    """The line under a command that made a code: it is not shown again."""
    if b.code == HIDDEN_CODE:
        return ""
    return (f"\n{what} {b.code}: give it to the customer now; it is kept only as a hash and "
            "is not shown again.")


def _booking(ctx: Context, args: argparse.Namespace) -> BookingView:
    """The booking a command names: by its number, or by the customer's code and day."""
    if args.booking is not None:
        return ctx.service.appointments.get(args.booking)
    return ctx.service.appointments.by_code(args.code, _day(ctx, args.date))


def cmd_add(ctx: Context, args: argparse.Namespace) -> int:
    secret = ctx.settings.hash_secret
    identity = identify_card(args.card, secret) if args.card else \
        identify_resident_id(args.resident_id, secret)
    day, start = parse_slot(args.date, args.at)
    actor = login(ctx, args.staff, role=m.TELLER)
    b = ctx.service.appointments.book(args.service.upper(), identity, day, start,
                                      purpose=args.purpose, amount_band=args.amount,
                                      length_min=args.length, actor=actor, reason=args.reason)
    ctx.out(b.as_dict(), f"Booked {_text(b)}{_once(b, 'The booking code is')}")
    return 0


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    day = _day(ctx, args.date)
    rows = ctx.service.appointments.day(day)
    ctx.out([b.as_dict() for b in rows],
            lambda: "\n".join(_text(b) for b in rows) or f"No bookings on {day:%Y-%m-%d}.")
    return 0


def cmd_cancel(ctx: Context, args: argparse.Namespace) -> int:
    actor = login(ctx, args.staff, role=m.TELLER)
    booking = _booking(ctx, args)
    b = ctx.service.appointments.cancel(booking.id, actor=actor, reason=args.reason)
    ctx.out(b.as_dict(), f"Cancelled {_text(b)}")
    return 0


def cmd_move(ctx: Context, args: argparse.Namespace) -> int:
    actor = login(ctx, args.staff, role=m.TELLER)
    booking = _booking(ctx, args)
    day, start = parse_slot(args.to_date or booking.day.isoformat(), args.to)
    b = ctx.service.appointments.move(booking.id, day, start, actor=actor, reason=args.reason)
    ctx.out(b.as_dict(), f"Moved {_text(b)}{_once(b, 'A new day, a new booking code:')}")
    return 0


def cmd_reissue(ctx: Context, args: argparse.Namespace) -> int:
    actor = login(ctx, args.staff, role=m.TELLER)
    booking = _booking(ctx, args)
    b = ctx.service.appointments.reissue_code(booking.id, actor=actor, reason=args.reason)
    ctx.out(b.as_dict(), f"New code for {_text(b)}"
                         f"{_once(b, 'The new booking code (the old one no longer works) is')}")
    return 0


def cmd_import(ctx: Context, args: argparse.Namespace) -> int:
    actor = login(ctx, args.staff, role=m.TELLER)
    report = ctx.service.appointments.import_csv(args.file, actor=actor)

    def bad(b: BadRow) -> dict[str, object]:
        return {"line": b.line, "message": b.message}

    once = (["The new booking codes above are kept only as hashes and are not shown again: "
             "give them to their customers now (a code from the file shows as ******)."]
            if report.drawn else [])
    ctx.out({"booked": [b.as_dict() for b in report.booked],
             "bad_rows": [bad(b) for b in report.bad]},
            lambda: "\n".join([f"{args.file}: {report.summary()}",
                               *(f"  {b}" for b in report.bad),
                               *(f"  {_text(b)}" for b in report.booked), *once]))
    return 1 if report.bad else 0
