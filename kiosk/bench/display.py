"""Display figures (`kiosk bench --only sync`).

bench_sync: a call committed in one process → the display model updated in another
(`kiosk run display --headless`, the real feed thread and model); and the CPU an idle
hall display window uses (offscreen, the real window, clock and feed).
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from kiosk.bench.processes import StationProcess, cpu_seconds
from kiosk.bench.queue import (
    BENCH_TIME,
    analyze,
    backends,
    open_service,
    percentile,
    seed_waiting,
    sqlite_database,
)
from kiosk.config import load_settings

SYNC_CALLS = 100
IDLE_SECONDS = 10.0
SYNC_BARS_MS = {"sqlite": 75.0, "postgresql": 15.0}
IDLE_CPU_BAR_PCT = 2.0
FULL_HALL = 10_000
IDLE_SECONDS_FULL_HALL = 40.0
NOTICE = "今日外币兑换业务暂停，敬请谅解。" * 8
# The display keeps the writer's branch time, as stations of one branch do: on this PC's
# own clock it would read (and roll the branch over to) another business day.
_BRANCH_TIME = {"KIOSK_NOW": BENCH_TIME.isoformat()}


def _call_of(number: str) -> Callable[[dict[str, Any]], bool]:
    """Matches the display's JSON line for the call of `number`."""
    return lambda line: line.get("number") == number


def measure_sync(url: str, config: str, calls: int = SYNC_CALLS) -> dict[str, Any]:
    """Commit → model latency: one process calls, a headless display process applies."""
    settings = load_settings(config, environ={})
    writer = open_service(url, settings)
    counters = [c.number for c in settings.counters if "A" in c.services][:3]
    for number in counters:
        writer.open_counter(number)
    for _ in range(calls):
        writer.issue("A")
    with _workdir() as workdir:
        child = StationProcess(["run", "display", "--headless", "--json", "--db", url,
                                "--config", config, "--station", "bench-display"], workdir,
                               name="display", env=_BRANCH_TIME)
        try:
            child.wait_for(lambda line: "snapshot" in line)
            latencies = []
            rng = random.Random(7)
            current: dict[int, int] = {}
            for i in range(calls):
                counter = counters[i % len(counters)]
                if counter in current:
                    writer.finish(current.pop(counter))
                view = writer.call_next(counter)
                committed = time.monotonic()
                assert view is not None
                current[counter] = view.id
                line = child.wait_for(_call_of(view.number))
                latencies.append((line["monotonic"] - committed) * 1000)
                time.sleep(rng.uniform(0.0, 0.06))  # calls at random phases of the poll timer
        finally:
            child.stop()
            writer.db.dispose()
    return {"p50_ms": round(percentile(latencies, 50), 2),
            "p95_ms": round(percentile(latencies, 95), 2),
            "max_ms": round(max(latencies), 2), "n": len(latencies)}


def measure_idle_cpu(url: str, config: str, seconds: float = IDLE_SECONDS,
                     notice: str = "", waiting: int = 0) -> dict[str, Any]:
    """CPU use of an idle hall display window (offscreen) over `seconds`, with `waiting`
    tickets queued (the display reloads the waits every 30 s even when idle)."""
    settings = load_settings(config, environ={})
    writer = open_service(url, settings)
    if waiting:
        seed_waiting(writer, waiting)
        analyze(writer)
    writer.open_counter(1)
    writer.issue("A")
    writer.call_next(1)
    if notice:
        writer.staff.add("B001", "bench", "manager", "1234")
        writer.set_notice(notice, "", actor=writer.login("B001", "1234"))
    writer.db.dispose()
    with _workdir() as workdir, _branch_clock(workdir, moving=bool(waiting)) as env:
        child = StationProcess(["run", "display", "--windowed", "1920x1080", "--no-voice",
                                "--db", url, "--config", config, "--station", "bench-idle"],
                               workdir, name="display", env=env)
        try:
            _settle(child.proc.pid)
            before, started = cpu_seconds(child.proc.pid), time.monotonic()
            time.sleep(seconds)
            used, elapsed = cpu_seconds(child.proc.pid) - before, time.monotonic() - started
        finally:
            child.stop()
    return {"cpu_pct": round(100 * used / elapsed, 2), "seconds": round(elapsed, 1),
            "waiting": waiting}


@contextmanager
def _branch_clock(workdir: str, moving: bool) -> Iterator[dict[str, str]]:
    """The display's branch time: BENCH_TIME, stopped; or (`moving`) ticking from it, a
    file rewritten every second (KIOSK_NOW=file:PATH), so the waits it shows age as on a
    real clock and its 30-second reloads fast-forward the queue again."""
    if not moving:
        yield _BRANCH_TIME
        return
    path = Path(workdir) / "branch-time"
    stop = threading.Event()

    def tick() -> None:
        began = time.monotonic()
        while True:
            part = path.with_suffix(".part")
            part.write_text((BENCH_TIME + timedelta(seconds=time.monotonic() - began))
                            .isoformat())
            part.replace(path)
            if stop.wait(1.0):
                return

    tick_once = threading.Thread(target=tick, daemon=True)
    path.write_text(BENCH_TIME.isoformat())
    tick_once.start()
    try:
        yield {"KIOSK_NOW": f"file:{path}"}
    finally:
        stop.set()
        tick_once.join()


def _settle(pid: int, timeout_s: float = 30.0) -> None:
    """Wait until a starting process stops burning CPU (imports, fonts, first paint)."""
    deadline = time.monotonic() + timeout_s
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu_seconds(pid)
        if now - last < 0.05:
            return
        last = now


@contextmanager
def _workdir() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-display-") as tmp:
        yield tmp


def bench_sync(config: str, pg_url: str | None = None) -> dict[str, Any]:
    """The display bars: commit → model p95 per database, and idle display CPU."""
    out: dict[str, Any] = {}
    for name, make in backends(pg_url):
        with make() as url:
            sync = measure_sync(url, config)
        sync["bar_p95_ms"] = SYNC_BARS_MS[name]
        sync["ok"] = sync["p95_ms"] <= SYNC_BARS_MS[name]
        with make() as url:
            idle = measure_idle_cpu(url, config)
        idle["bar_pct"] = IDLE_CPU_BAR_PCT
        idle["ok"] = idle["cpu_pct"] <= IDLE_CPU_BAR_PCT
        with make() as url:  # long enough for one 30-second reload of the waits
            full = measure_idle_cpu(url, config, seconds=IDLE_SECONDS_FULL_HALL,
                                    notice=NOTICE, waiting=FULL_HALL)
        full["bar_pct"] = IDLE_CPU_BAR_PCT
        full["ok"] = full["cpu_pct"] <= IDLE_CPU_BAR_PCT
        out[name] = {"commit_to_display": sync, "idle_display_cpu": idle,
                     "idle_display_cpu_10k_waiting_with_notice": full}
    with sqlite_database() as url:
        scrolling = measure_idle_cpu(url, config, notice=NOTICE)
    out["sqlite"]["idle_display_cpu_scrolling_notice"] = scrolling
    return out
