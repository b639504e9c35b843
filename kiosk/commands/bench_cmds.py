"""`kiosk bench`: benchmarks (not tests) for the figures the issues set as bars.

What is measured lives in kiosk/bench/ (kiosk.bench.suite calls each figure by name).
"""

from __future__ import annotations

import argparse
import os

from kiosk.bench import DEFAULT_FIGURES, FIGURES
from kiosk.cli import Context
from kiosk.config import DEFAULT_CONFIG


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("bench", parents=[common], help="measure the performance bars")
    p.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL server")
    p.add_argument("--only", choices=FIGURES, action="append",
                   help="run only these figures (repeatable; default: all)")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.bench.suite import run_figures, summary_text

    config = str(args.config or os.environ.get("KIOSK_CONFIG") or DEFAULT_CONFIG)
    ctx.settings  # noqa: B018 - a bad config stops here with its one clear line
    names = list(args.only or DEFAULT_FIGURES)
    result = run_figures(names, config, args.pg)
    ctx.out(result, lambda: summary_text(result))
    return 0
