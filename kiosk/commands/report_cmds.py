"""`kiosk report`: the lobby manager's report of a day, a month or a range, as CSV, JSON
or PDF, for one branch or several (`--db URL --db URL ...`, read concurrently).

Nothing is written to the branch databases; only the report file, and only once it is
whole (a refused or failed report leaves no file behind).
"""

from __future__ import annotations

import argparse
import calendar
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from kiosk.cli import Context
from kiosk.commands.args import PATH, text
from kiosk.errors import KioskError
from kiosk.queue.db import check_url, default_database_url, normalize_url
from kiosk.report.tables import BANK_TABLES

if TYPE_CHECKING:  # the figures load with `kiosk report`, not with every command
    from kiosk.queue.figures import BankFigures, Figures
    from kiosk.queue.figures_read import BranchSource

FORMATS = ("csv", "json", "pdf")
AUTHOR = text(64, "author", empty=True)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_NAME = re.compile(r"[^:/=@]{1,64}")


def day(value: str) -> date:
    value = value.strip()
    try:
        if not _DAY.fullmatch(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a day is written YYYY-MM-DD, e.g. 2026-11-03, "
                                         f"not {value[:40]!r}") from None


def month(value: str) -> tuple[date, date]:
    match = _MONTH.fullmatch(value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1:
        raise argparse.ArgumentTypeError(f"a month is written YYYY-MM, e.g. 2026-11, "
                                         f"not {value.strip()[:40]!r}")
    year, number = int(match[1]), int(match[2])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


day.__name__, month.__name__ = "day", "month"  # argparse names the type in its messages


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    # not `parents=[common]`: --db is repeatable here (one per branch), and argparse's
    # "resolve" would take --db away from the actions every other command shares
    p = sub.add_parser(
        "report",
        help="the lobby manager's report of a day, a month or a range (csv, json, pdf)",
        description="Figures of a day, a month or a range of business days: waits, service "
                    "levels, counters, overrides. Several --db give a bank-wide report.")
    for action in common._actions:
        if "--db" not in action.option_strings and "-h" not in action.option_strings:
            p._add_action(action)
    period = p.add_mutually_exclusive_group(required=True)
    period.add_argument("--day", type=day, metavar="YYYY-MM-DD")
    period.add_argument("--month", type=month, metavar="YYYY-MM")
    period.add_argument("--from", dest="first", type=day, metavar="YYYY-MM-DD",
                        help="with --to: a range of business days")
    p.add_argument("--to", dest="last", type=day, metavar="YYYY-MM-DD")
    p.add_argument("--format", choices=FORMATS, required=True)
    p.add_argument("--out", type=PATH, required=True, metavar="FILE",
                   help="the report file (csv: a .zip of every table, or one table with "
                        "--table)")
    p.add_argument("--table", choices=tuple(BANK_TABLES), help="csv: just this table")
    p.add_argument("--author", type=AUTHOR, default="", help="pdf: the name on the cover")
    p.add_argument("--db", action="append", metavar="[NAME=]URL",
                   help="a branch database (default: KIOSK_DATABASE_URL or the embedded "
                        "SQLite file); repeat for a bank-wide report, one row per branch")
    p.set_defaults(handler=cmd_report)


def period_of(args: argparse.Namespace) -> tuple[date, date]:
    if args.day is not None:
        return args.day, args.day
    if args.month is not None:
        first, last = args.month
        return first, last
    if args.last is None:
        raise KioskError("--from needs --to (the last business day of the range)")
    return args.first, args.last


def sources_of(ctx: Context, urls: list[str] | None) -> list[BranchSource]:
    from kiosk.queue.figures_read import BranchSource

    if not urls:
        return [BranchSource("", ctx.settings.database_url or default_database_url())]
    out: list[BranchSource] = []
    for raw in urls:
        name, sep, url = raw.partition("=")
        if not sep or not _NAME.fullmatch(name.strip()):
            name, url = "", raw
        url = url.strip()
        check_url(url)
        out.append(BranchSource(name.strip() or (_name_of(url) if len(urls) > 1 else ""),
                                url))
    seen: dict[str, int] = {}
    for i, src in enumerate(out):  # two files called branch.db: branch, branch (2)
        seen[src.name] = seen.get(src.name, 0) + 1
        if seen[src.name] > 1:
            out[i] = replace(src, name=f"{src.name} ({seen[src.name]})")
    return out


def _name_of(url: str) -> str:
    """A branch's name from its URL: the SQLite file's name, or the PostgreSQL database's."""
    parsed = make_url(normalize_url(url))
    if parsed.drivername.startswith("sqlite"):
        return Path(parsed.database or "branch").stem
    return parsed.database or parsed.host or "branch"


def cmd_report(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.queue.figures import compute, compute_bank
    from kiosk.queue.figures_read import read_bank
    from kiosk.report.export import replacing, write_csv, write_json

    first, last = period_of(args)
    settings = ctx.settings
    now = ctx.clock()
    today = (now - timedelta(hours=settings.branch.business_day_start_hour)).date()
    if last < first:
        raise KioskError(f"the period ends ({last:%Y-%m-%d}) before it starts "
                         f"({first:%Y-%m-%d})")
    if first > today:
        raise KioskError(f"{_period_words(first, last)} is in the future (today is "
                         f"{today:%Y-%m-%d}): there are no figures yet")
    if args.table is not None and args.format != "csv":
        raise KioskError("--table is for --format csv")
    out = Path(args.out)
    if args.format == "csv" and args.table is None and out.suffix.lower() == ".csv":
        raise KioskError(f"{out.name}: every table is a file of its own: write them to a "
                         ".zip, or name one with --table (e.g. --table by_service)")
    write_pdf = _pdf_writer() if args.format == "pdf" else None
    sources = sources_of(ctx, args.db)
    facts = read_bank(sources, settings, ctx.clock, first, last)
    figs: Figures | BankFigures
    if len(facts) == 1:
        figs = compute(facts[0], generated_at=now)
        empty = [figs] if not figs.days_with_data else []
    else:
        facts = [replace(f, names=replace(f.names, branch_zh=s.name, branch_en=s.name))
                 for f, s in zip(facts, sources, strict=True)]
        figs = compute_bank(facts, generated_at=now)
        empty = list(figs.branches) if all(not b.days_with_data for b in figs.branches) \
            else []
    if empty:
        where = "any of these branches" if len(facts) > 1 else (
            f"{empty[0].branch_zh or empty[0].branch_en}")
        raise KioskError(f"no tickets at {where} on {_period_words(first, last)}: "
                         "nothing to report")
    if args.format == "csv":
        count = write_csv(figs, out, args.table)
    elif args.format == "json":
        count = write_json(figs, out)
    else:
        assert write_pdf is not None
        with replacing(out) as tmp:
            count = write_pdf(figs, tmp, author=args.author,
                              target_pct=settings.rules.service_level_target_pct)
    note = figs.skipped_message
    ctx.out({"out": str(out), "format": args.format, "first_day": first.isoformat(),
             "last_day": last.isoformat(), "branches": len(facts), "files": count,
             "skipped_rows": figs.skipped_rows, "skipped_message": note},
            lambda: _done_text(figs, out, args.format, count))
    if note:
        print(f"kiosk: note: {note}", file=sys.stderr)
    return 0


def _done_text(figs: Figures | BankFigures, out: Path, fmt: str, count: int) -> str:
    from kiosk.queue.figures import Figures

    what = {"csv": f"{count} table{'s' if count != 1 else ''}", "json": "the figures",
            "pdf": f"{count} page{'s' if count != 1 else ''}"}[fmt]
    if isinstance(figs, Figures):
        who = f"{figs.branch_zh}, {figs.days_with_data} day(s) with data"
    else:
        who = f"{len(figs.branches)} branches"
    return (f"Wrote {out}: {what}; {who}; {_period_words(figs.first_day, figs.last_day)}; "
            f"{figs.total.arrived} tickets.")


def _period_words(first: date, last: date) -> str:
    if first == last:
        return f"{first:%Y-%m-%d}"
    if first.day == 1 and (last + timedelta(days=1)).day == 1 and first.month == last.month \
            and first.year == last.year:
        return f"{first:%Y-%m}"
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"


def _pdf_writer() -> Callable[..., int]:
    """kiosk.report.pdf.write_pdf, imported only for a PDF (it brings Qt)."""
    from kiosk.report.pdf import write_pdf

    return write_pdf
