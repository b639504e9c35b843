"""Figures of a month (`kiosk bench --only figures`): a busy branch's month on SQLite.

The month: 30 business days of the busy-day scenario at 400 customers a day (12,000
tickets), made through the real queue service (`kiosk.queue.replay`: kiosk issues, VIPs by
their card, counters calling by the branch's rules, starting, finishing, missing, pausing
for lunch). Making it takes a couple of minutes, so the database is kept in
`var/bench-cache/` under a name that changes with the branch file, the scenario, the
schema and this bench's parameters; delete the folder to make it again.

Measured:
- the month's figures computed from the database (`FigureReads.figures`: the four reads
  and the arithmetic), in this process: the first run and the next `RUNS`. Bar: ≤ 1 s.
- `kiosk report --month 2026-11 --format json` end to end, a fresh process each time
  (Python start, imports, reading, computing, writing the file).
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.config import PROJECT_ROOT, load_settings
from kiosk.queue.db import SCHEMA_REVISION, Database, var_dir
from kiosk.queue.figures_read import FigureReads, open_branch
from kiosk.queue.replay import ReplayClock, replay_days
from kiosk.queue.service import QueueService
from kiosk.queue.simulate import draw_days, load_scenario

BAR_S = 1.0
SCENARIO = PROJECT_ROOT / "config" / "scenarios" / "busy-day.toml"
CUSTOMERS = 400  # a day
DAYS = 30
SEED = 11
FIRST_DAY = date(2026, 11, 1)
MONTH = "2026-11"
REPORT_AT = "2026-12-01T09:00:00"  # the report is made the next morning
RUNS = 5
CLI_RUNS = 3


def month_database(config: str, progress: Callable[[str], None] | None = None,
                   cache: Path | None = None) -> tuple[Path, float | None]:
    """The month's SQLite file (made if not cached) and how long making it took (None:
    it was cached)."""
    folder = cache or var_dir() / "bench-cache"
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256()
    for part in (Path(config).read_bytes(), SCENARIO.read_bytes(),
                 f"{SCHEMA_REVISION}|{CUSTOMERS}|{DAYS}|{SEED}|{FIRST_DAY}|replay-1".encode()):
        key.update(part)
    path = folder / f"figures-month-{key.hexdigest()[:12]}.db"
    if path.is_file():
        return path, None
    started = time.perf_counter()
    settings = load_settings(config, environ={})
    # exactly CUSTOMERS a day (the figure is read at that size), not a Poisson count
    scenario = replace(load_scenario(SCENARIO, settings), customers=CUSTOMERS, arrivals="fixed")
    days = draw_days(scenario, SEED, DAYS)
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-figures-", dir=folder) as tmp:
        building = Path(tmp) / "month.db"
        clock = ReplayClock(datetime.combine(FIRST_DAY, scenario.opens))
        service = QueueService(Database(f"sqlite:///{building}"), settings, clock)
        service.prepare()
        try:
            for k in range(0, DAYS, 5):  # five days at a time, to say how far it got
                replay_days(service, clock, scenario, days[k:k + 5],
                            FIRST_DAY + timedelta(days=k))
                if progress:
                    progress(f"made {min(k + 5, DAYS)} of {DAYS} days "
                             f"({time.perf_counter() - started:.0f} s)")
        finally:
            service.db.dispose()
        os.replace(building, path)  # only a whole month enters the cache
    return path, time.perf_counter() - started


def bench_figures(config: str, progress: Callable[[str], None] | None = None,
                  cache: Path | None = None) -> dict[str, Any]:
    path, made_s = month_database(config, progress, cache)
    url = f"sqlite:///{path}"
    settings = load_settings(config, environ={})
    last_day = date(FIRST_DAY.year, FIRST_DAY.month, DAYS)
    branch = open_branch(url, settings, lambda: datetime.fromisoformat(REPORT_AT))
    try:
        reads = FigureReads(branch)
        times = []
        for _ in range(1 + RUNS):
            started = time.perf_counter()
            figs = reads.figures(FIRST_DAY, last_day)
            times.append(time.perf_counter() - started)
    finally:
        branch.db.dispose()
    cli = []
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-report-") as tmp:
        env = {**os.environ, "KIOSK_NOW": REPORT_AT, "KIOSK_VAR_DIR": tmp}
        out = Path(tmp) / "month.json"
        for _ in range(CLI_RUNS):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "kiosk.cli", "report", "--month", MONTH,
                            "--format", "json", "--out", str(out), "--db", url,
                            "--config", config], cwd=PROJECT_ROOT, env=env,
                           capture_output=True, text=True, timeout=120, check=True)
            cli.append(time.perf_counter() - started)
        size = out.stat().st_size
    warm = times[1:]
    return {
        "database": str(path), "made_s": None if made_s is None else round(made_s, 1),
        "days": figs.days_with_data, "tickets": figs.total.arrived,
        "called": figs.total.wait.count,
        "figures_first_s": round(times[0], 3),
        "figures_median_s": round(statistics.median(warm), 3),
        "figures_max_s": round(max(times), 3),
        "bar_s": BAR_S, "ok": max(times) <= BAR_S,
        "report_json_s": [round(t, 2) for t in cli], "report_json_bytes": size,
        "mean_wait_s": round(figs.total.wait.mean_s, 1),
        "p95_wait_s": round(figs.total.wait.p95_s, 1),
        "service_level_pct": round(figs.total.service_level_pct or 0.0, 1),
    }


def figures_lines(f: dict[str, Any]) -> list[str]:
    made = "cached" if f["made_s"] is None else f"made in {f['made_s']} s"
    return ["figures:",
            f"  a busy month on SQLite: {f['days']} days, {f['tickets']} tickets ({made}; "
            f"mean wait {f['mean_wait_s']} s, p95 {f['p95_wait_s']} s, "
            f"service level {f['service_level_pct']} %)",
            f"  the month's figures from the database: first {f['figures_first_s']} s, "
            f"median {f['figures_median_s']} s, max {f['figures_max_s']} s   "
            f"(bar ≤ {f['bar_s']:g} s: {'ok' if f['ok'] else 'MISSED'})",
            "  kiosk report --month --format json, end to end (a fresh process): "
            + ", ".join(f"{t} s" for t in f["report_json_s"])
            + f"  ({f['report_json_bytes']:,} bytes)"]
