"""`kiosk bench`: the figures chosen, each imported and called explicitly."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from kiosk.bench import FIGURES
from kiosk.bench.binding import check_binding
from kiosk.bench.cli_start import bench_cli, cli_lines
from kiosk.bench.console import bench_console
from kiosk.bench.console_figures import bench_console_figures, console_figures_lines
from kiosk.bench.display import bench_sync
from kiosk.bench.figures import bench_figures, figures_lines
from kiosk.bench.kiosk_window import bench_startup
from kiosk.bench.queue import run_queue_bench, summary_lines
from kiosk.bench.report_pdf import bench_report_pdf, report_pdf_lines
from kiosk.bench.simulate import bench_simulate, simulate_lines
from kiosk.bench.soak import SOAK_EVENTS, run_soak
from kiosk.bench.teller import bench_teller
from kiosk.bench.ticket import bench_ticket
from kiosk.bench.web import bench_web, web_lines


def run_figures(names: Iterable[str], config: str, pg: str | None = None, *,
                soak_events: int = SOAK_EVENTS,
                progress: Callable[[str], None] | None = None) -> dict[str, Any]:
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
    if "cli" in chosen:
        result["cli"] = bench_cli(config)
    if "sync" in chosen:
        result["sync"] = bench_sync(config, pg)
    if "kiosk_window" in chosen:
        result["kiosk_window"] = bench_startup(config)
    if "console" in chosen:
        result["console"] = bench_console(config)
    if "teller" in chosen:
        result["teller"] = bench_teller(config)
    if "figures" in chosen:
        result["figures"] = bench_figures(config, progress=_prefixed(progress, "figures"))
    if "report_pdf" in chosen:
        result["report_pdf"] = bench_report_pdf(config,
                                                progress=_prefixed(progress, "report_pdf"))
    if "console_figures" in chosen:
        result["console_figures"] = bench_console_figures(config)
    if "web" in chosen:
        result["web"] = bench_web(config, pg)
    if "simulate" in chosen:
        result["simulate"] = bench_simulate(config)
    if "binding" in chosen:
        result["binding"] = check_binding()
    if "soak" in chosen:
        result["soak"] = run_soak(config, soak_events, progress=_prefixed(progress, "soak"))
    return result


def summary_text(result: dict[str, Any]) -> str:
    lines = summary_lines(result)
    if "teller" in result:
        lines += teller_lines(result["teller"])
    if "cli" in result:
        lines += cli_lines(result["cli"])
    for name in ("ticket", "sync", "kiosk_window", "console"):
        if name in result:
            lines.append(f"{name}:")
            lines += [f"  {key:<52} {value}" for key, value in _flatten(result[name])]
    if "figures" in result:
        lines += figures_lines(result["figures"])
    if "report_pdf" in result:
        lines += report_pdf_lines(result["report_pdf"])
    if "console_figures" in result:
        lines += console_figures_lines(result["console_figures"])
    if "web" in result:
        lines += web_lines(result["web"])
    if "simulate" in result:
        lines += simulate_lines(result["simulate"])
    if "binding" in result:
        lines += binding_lines(result["binding"])
    if "soak" in result:
        lines += soak_lines(result["soak"])
    return "\n".join(lines)


def _prefixed(progress: Callable[[str], None] | None,
              name: str) -> Callable[[str], None] | None:
    """Progress lines on stderr, each naming its figure."""
    if progress is None:
        return None
    say = progress
    return lambda text: say(f"{name}: {text}")


def teller_lines(t: dict[str, Any]) -> list[str]:
    panel, raw = t["click_to_drawn"], t["raw_call_next"]
    return ["teller:",
            f"  call-next click → number drawn, {t['waiting']} waiting (SQLite): "
            f"p50 {panel['p50_ms']} ms   p95 {panel['p95_ms']} ms   max {panel['max_ms']} ms"
            f"   (bar p95 ≤ {t['bar_p95_ms']:g} ms: {'ok' if t['ok'] else 'MISSED'})",
            f"  raw call_next alone: p50 {raw['p50_ms']} ms   p95 {raw['p95_ms']} ms"
            f"   (panel/raw at p50: {t['ratio_p50']}x)"]


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


def soak_lines(s: dict[str, Any]) -> list[str]:
    lines = ["soak:",
             f"  {s['events']} events over {s['business_days']} business days in "
             f"{s['seconds']} s ({s.get('kiosk_tickets', '?')} tickets "
             f"from the kiosk's walk-ins, {s['refused_operations']} operations refused): "
             f"{'ok' if s['ok'] else 'FAILED'}"]
    for name in ("display", "kiosk"):
        f = s.get(name)
        if not f:
            continue
        lines.append(f"  {name:<8} RSS {f['rss_start_mb']} MB at start, "
                     f"{f['rss_after_warmup_mb']} after warm-up, {f['rss_end_mb']} at the end: "
                     f"{f['growth_mb_per_10k_events']} MB per 10,000 events "
                     f"(later half {f.get('growth_mb_per_10k_events_later_half')}; "
                     f"bar {s['rss_bar_mb_per_10k_events']})")
        if "heap_growth_mb_per_10k_events" in f:
            lines.append(f"  {'':<8} C heap in use {f['heap_in_use_after_warmup_mb']} MB after "
                         f"warm-up, {f['heap_in_use_end_mb']} at the end: "
                         f"{f['heap_growth_mb_per_10k_events']} MB per 10,000 events "
                         f"(bar {s.get('heap_bar_mb_per_10k_events')})")
        lines.append(f"  {'':<8} largest sizes: "
                     + ", ".join(f"{k} {v}" for k, v in f["sizes_max"].items()))
    lines += [f"  {problem}" for problem in s["problems"]]
    return lines


def _flatten(data: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """{"a": {"b": 1}} -> [("a.b", 1)]: nested figures as one line each."""
    if not isinstance(data, dict):
        return [(prefix, data)]
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        out += _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    return out
