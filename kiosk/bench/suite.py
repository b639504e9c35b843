"""`kiosk bench`: the figures chosen, each imported and called explicitly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kiosk.bench import FIGURES
from kiosk.bench.binding import check_binding
from kiosk.bench.display import bench_sync
from kiosk.bench.kiosk_window import bench_startup
from kiosk.bench.queue import run_queue_bench, summary_lines
from kiosk.bench.ticket import bench_ticket


def run_figures(names: Iterable[str], config: str, pg: str | None = None) -> dict[str, Any]:
    """Measure the named figures (see kiosk.bench.FIGURES), in the bench's order."""
    chosen = set(names)
    unknown = chosen - set(FIGURES)
    if unknown:
        raise ValueError(f"unknown bench figures: {', '.join(sorted(unknown))}")
    result: dict[str, Any] = {}
    if "queue" in chosen:
        result.update(run_queue_bench(config, pg))  # "sqlite" and "postgresql"
    if "ticket" in chosen:
        result["ticket"] = bench_ticket(config)
    if "sync" in chosen:
        result["sync"] = bench_sync(config, pg)
    if "kiosk_window" in chosen:
        result["kiosk_window"] = bench_startup(config)
    if "binding" in chosen:
        result["binding"] = check_binding()
    return result


def summary_text(result: dict[str, Any]) -> str:
    lines = summary_lines(result)
    for name in ("ticket", "sync", "kiosk_window"):
        if name in result:
            lines.append(f"{name}:")
            lines += [f"  {key:<52} {value}" for key, value in _flatten(result[name])]
    if "binding" in result:
        lines += binding_lines(result["binding"])
    return "\n".join(lines)


def binding_lines(b: dict[str, Any]) -> list[str]:
    drift = b.get("drift") or {}
    counts = "/".join(str(drift.get(k, "?")) for k in ("True", "False", "None"))
    lines = ["binding:",
             f"  {b.get('binding') or 'Qt binding'} on Python {b.get('python') or '?'}: "
             f"{'ok' if b['ok'] else 'LEAKS'}, True/False/None references moved "
             f"{counts} over {b['emits']} emits ({b['seconds']} s)"]
    if b.get("error"):
        lines.append(f"  {b['error']}")
    return lines


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """{"a": {"b": 1}} -> [("a.b", 1)]: nested figures as one line each."""
    if not isinstance(data, dict):
        return [(prefix, data)]
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    return out
