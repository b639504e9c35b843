"""Staff accounts and logins on the command line: `kiosk staff add|list|disable|set-pin`,
and the `--staff` login of every override command.

PINs are never taken from the command line: they are asked for on the terminal, or read
from KIOSK_STAFF_PIN (and, for a new PIN in scripts, KIOSK_NEW_PIN).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from kiosk.cli import Context
from kiosk.commands.args import text
from kiosk.errors import KioskError
from kiosk.queue import models as m
from kiosk.queue.staff import Actor, StaffRecord

STAFF_NO = text(16, "staff number")
NAME = text(64, "staff name")


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("staff", parents=[common],
                       help="staff accounts: add, list, disable, set-pin")
    p.add_argument("action", choices=("add", "list", "disable", "set-pin"))
    p.add_argument("staff_no", nargs="?", metavar="STAFF_NO", type=STAFF_NO,
                   help="e.g. M001 or T003")
    p.add_argument("--name", type=NAME, help="the staff member's name (add)")
    p.add_argument("--role", choices=m.ROLES, help="teller, manager or admin (add)")
    p.add_argument("--staff", metavar="STAFF_NO", type=STAFF_NO,
                   help="who does this (a manager or admin; not needed for the first account)")
    p.set_defaults(handler=cmd_staff)


def ask_pin(prompt: str, env: str = "KIOSK_STAFF_PIN") -> str:
    """A PIN from the environment (scripts) or typed on the terminal, never from argv."""
    pin = os.environ.get(env)
    if pin is not None:
        return pin
    if not sys.stdin or not sys.stdin.isatty():
        raise KioskError(f"a PIN is needed: run this on a terminal, or set {env} for a script")
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        raise KioskError("no PIN given") from None


def login(ctx: Context, staff_no: str | None, role: str = m.MANAGER) -> Actor:
    """The `--staff` of an override command, logged in with the PIN."""
    if not staff_no:
        raise KioskError(f"this needs a {role}'s login: add --staff STAFF_NO")
    return ctx.service.login(staff_no, ask_pin(f"PIN for {staff_no}: "), role=role)


def _new_pin(staff_no: str) -> str:
    if "KIOSK_NEW_PIN" in os.environ:
        return os.environ["KIOSK_NEW_PIN"]
    first = ask_pin(f"New PIN for {staff_no}: ", "KIOSK_NEW_PIN")
    if ask_pin("Again: ", "KIOSK_NEW_PIN") != first:
        raise KioskError("the two PINs differ; nothing was changed")
    return first


def _record_dict(r: StaffRecord) -> dict[str, object]:
    return {"staff_no": r.staff_no, "name": r.name, "role": r.role, "disabled": r.disabled,
            "locked_until": r.locked_until}


def cmd_staff(ctx: Context, args: argparse.Namespace) -> int:
    staff = ctx.service.staff
    if args.action == "list":
        rows = staff.all()
        ctx.out([_record_dict(r) for r in rows], lambda: "\n".join(
            f"{r.staff_no:<8} {r.role:<8} {r.name}"
            + ("  (disabled)" if r.disabled else "")
            + (f"  (locked until {r.locked_until:%H:%M})" if r.locked_until else "")
            for r in rows) or "No staff accounts yet: kiosk staff add M001 --name ... "
                              "--role manager")
        return 0
    if not args.staff_no:
        raise KioskError(f"staff {args.action} needs a STAFF_NO")
    if staff.all():  # after the first account, only a manager or admin manages staff
        login(ctx, args.staff)
    if args.action == "add":
        if not args.name or not args.role:
            raise KioskError("staff add needs --name and --role")
        r = staff.add(args.staff_no, args.name, args.role, _new_pin(args.staff_no))
        ctx.out(_record_dict(r), f"Added {r.role} {r.staff_no} {r.name}.")
    elif args.action == "set-pin":
        r = staff.set_pin(args.staff_no, _new_pin(args.staff_no))
        ctx.out(_record_dict(r), f"New PIN set for {r.staff_no}; the account is unlocked.")
    else:
        r = staff.disable(args.staff_no)
        ctx.out(_record_dict(r), f"{r.staff_no} {r.name} can no longer log in.")
    return 0
