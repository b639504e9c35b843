"""`kiosk bench`: benchmarks (not tests) for the figures the issues set as bars."""

from __future__ import annotations

import argparse
import importlib
import os
from typing import Any

from kiosk.cli import Context
from kiosk.config import DEFAULT_CONFIG

# Other areas add their figures here: (name, module, function); each function takes the
# branch config path and returns a dict. Missing modules are skipped.
EXTRA_BENCHES = (
    ("ticket", "kiosk.devices.bench", "bench_ticket"),
    ("sync", "kiosk.ui.bench", "bench_sync"),
    ("kiosk_window", "kiosk.ui.bench", "bench_startup"),
)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("bench", parents=[common], help="measure the performance bars")
    p.add_argument("--pg", metavar="URL", help="also measure on this PostgreSQL server")
    p.add_argument("--only", choices=("queue", "ticket", "sync", "kiosk_window"),
                   action="append", help="run only these parts (repeatable)")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(ctx: Context, args: argparse.Namespace) -> int:
    from kiosk.bench import run_queue_bench, summary_lines

    config = str(args.config or os.environ.get("KIOSK_CONFIG") or DEFAULT_CONFIG)
    ctx.settings  # noqa: B018 - a bad config stops here with its one clear line
    only = set(args.only or ())
    result: dict[str, Any] = {}
    if not only or "queue" in only:
        result.update(run_queue_bench(config, args.pg))
    for name, module_name, fn_name in EXTRA_BENCHES:
        if only and name not in only:
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        fn = getattr(module, fn_name, None)
        if fn is not None:
            result[name] = fn(config, args.pg) if name == "sync" else fn(config)

    def text() -> str:
        lines = summary_lines(result)
        for name, _, _ in EXTRA_BENCHES:
            if name in result:
                lines.append(f"{name}:")
                lines += [f"  {key:<52} {value}" for key, value in _flatten(result[name])]
        return "\n".join(lines)

    ctx.out(result, text)
    return 0


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """{"a": {"b": 1}} -> [("a.b", 1)]: nested figures as one line each."""
    if not isinstance(data, dict):
        return [(prefix, data)]
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    return out
