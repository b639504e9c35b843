"""The `kiosk` command. Every command takes --db URL, --config PATH and --json.

Errors a user can cause end as one clear line on stderr and a non-zero exit code; an
unexpected failure is logged with its traceback to the log file and reported in one line.

This module imports little of its own: the configuration (pydantic) and the database
layer come in with the commands, inside `main`, where a program's start-up runs without
the garbage collector (see `main`).
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.errors import KioskError

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.queue.service import QueueService

log = logging.getLogger(__name__)

Handler = Callable[["Context", argparse.Namespace], int]
LOG_MAX_BYTES = 10 * 1024 * 1024
LOG_BACKUPS = 5


@dataclass
class Context:
    """What a command needs, built on first use (a bad config fails only when read)."""

    args: argparse.Namespace
    stdout: Any = field(default_factory=lambda: sys.stdout)

    @cached_property
    def settings(self) -> Settings:
        from kiosk.config import load_settings

        return load_settings(self.args.config)

    @property
    def database_url(self) -> str:
        from kiosk.queue.db import default_database_url

        return self.args.db or self.settings.database_url or default_database_url()

    @cached_property
    def clock(self) -> Callable[[], datetime]:
        """The branch's time; KIOSK_NOW stops it at a fixed time, for scripts and tests
        (KIOSK_NOW=file:PATH: the time written in that file, for soaks)."""
        from kiosk.app import fixed_clock, system_clock

        fixed = os.environ.get("KIOSK_NOW")
        return fixed_clock(fixed) if fixed else system_clock(self.settings)

    @cached_property
    def service(self) -> QueueService:
        from kiosk.app import build_service

        return build_service(self.settings, self.database_url, self.clock)

    def close(self) -> None:
        """Close the database connections the command opened (in-process callers, tests)."""
        service = self.__dict__.get("service")
        if service is not None:
            service.db.dispose()

    def out(self, data: Any, text: str | Callable[[], str]) -> None:
        """Print `data` as JSON with --json, else the human text."""
        if self.args.json:
            print(json.dumps(data, ensure_ascii=False, default=_json_default), file=self.stdout)
        else:
            print(text() if callable(text) else text, file=self.stdout)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def parse_size(text: str, default: tuple[int, int]) -> tuple[int, int]:
    """A window or picture size like 1920x1080 ("" gives `default`)."""
    if not text:
        return default
    try:
        w, h = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise KioskError(f"not a size like 1920x1080: {text!r}") from None
    if not (100 <= w <= 10000 and 100 <= h <= 10000):
        raise KioskError(f"size {text} is out of range (100 to 10000 pixels a side)")
    return w, h


def common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", help="database URL (default: KIOSK_DATABASE_URL "
                        "or the embedded SQLite file)")
    common.add_argument("--config", metavar="PATH",
                        help="branch file (default: config/branch.toml)")
    common.add_argument("--json", action="store_true", help="print JSON for scripts")
    return common


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, exit 2, like any other user error
        self.exit(2, f"kiosk: {message} (see kiosk --help)\n")


@functools.cache
def build_parser() -> argparse.ArgumentParser:
    """The whole command line, built once per process (in-process callers run many)."""
    from kiosk import commands

    parser = _Parser(prog="kiosk", description="Queue system for bank branch lobbies.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.register(sub, common_options())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command line (`argv`, or the program's own when None) and return its exit
    code.

    Run as the program (no `argv`), start-up imports some 450 modules, whose 110,000
    objects the garbage collector tracks and would walk again and again although they
    live as long as the process: it runs with the collector off, and then freezes them
    (`gc.freeze`), so neither a later collection nor the interpreter's at exit walks them
    again. (The thousand-odd objects start-up leaves in cycles stay: some 400 KB.)"""
    program = argv is None
    if program:
        gc.disable()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return 2
        _setup_logging()
    finally:
        if program:
            gc.freeze()
            gc.enable()
    ctx = Context(args)
    try:
        return int(args.handler(ctx, args) or 0)
    except KioskError as exc:
        print(f"kiosk: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the last line of defence: log it, say one line
        from kiosk.queue.db import describe_database_error

        message = describe_database_error(exc)
        if message:
            print(f"kiosk: {message}", file=sys.stderr)
            return 3
        log.exception("unexpected error in %s", args.command)
        print(f"kiosk: unexpected error ({type(exc).__name__}); details in {_log_path()}",
              file=sys.stderr)
        return 1
    finally:
        ctx.close()


def _log_path() -> Path:
    from kiosk.queue.db import var_dir

    return var_dir() / "kiosk.log"


def _setup_logging(max_bytes: int = LOG_MAX_BYTES) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        # python-escpos calls logging.basicConfig() when imported: its stderr handler
        # would print every log line on the terminal. The log file is the place for them.
        if type(h) is logging.StreamHandler and h.stream is sys.stderr:
            root.removeHandler(h)
    if root.handlers:  # someone else (a test runner) owns logging
        return
    from logging.handlers import RotatingFileHandler

    try:
        # stations run for months: 5 files of 10 MB at most, the oldest dropped
        handler: logging.Handler = RotatingFileHandler(
            _log_path(), maxBytes=max_bytes, backupCount=LOG_BACKUPS, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


if __name__ == "__main__":
    raise SystemExit(main())
