"""`kiosk bench`: benchmarks (not tests) for the figures the issues set as bars.

What is measured lives in kiosk/bench/ (kiosk.bench.suite calls each figure by name).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from kiosk.bench import DEFAULT_FIGURES, FIGURES, SOAK_FIGURES
from kiosk.cli import Context
from kiosk.config import DEFAULT_CONFIG
from kiosk.errors import KioskError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("bench", parents=[common], help="measure the performance bars")
    p.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL server")
    p.add_argument("--only", choices=FIGURES, action="append",
                   help="run only these figures (repeatable; default: all but soak)")
    p.add_argument("--soak", action="store_true",
                   help="the weeks-of-uptime check: the binding check and the long soak (a"
                   " display and a kiosk process through a busy week, a few minutes); with"
                   " --only, those figures too")
    p.add_argument("--soak-events", type=int, default=20_000, metavar="N",
                   help="events the soak drives past the stations (default 20000)")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.bench.suite import run_figures, summary_text

    config = str(args.config or os.environ.get("KIOSK_CONFIG") or DEFAULT_CONFIG)
    ctx.settings  # noqa: B018 - a bad config stops here with its one clear line
    names = list(args.only or ())
    if args.soak:
        names += SOAK_FIGURES
    if args.soak_events < 1000:
        raise KioskError("--soak-events: give the soak at least 1000 events.")
    result = run_figures(names or DEFAULT_FIGURES, config, args.pg,
                         soak_events=args.soak_events, progress=_progress())
    ctx.out(result, lambda: summary_text(result))
    return 0


def _progress() -> Callable[[str], None]:
    """Progress lines on stderr (stdout carries the figures); each names its figure."""
    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    return say
