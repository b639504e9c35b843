"""`kiosk bench`: the figures the issues set as bars, measured on this machine.

Every figure runs the real code on a real database (a throwaway SQLite file, or a fresh
PostgreSQL database created next to the one given by --pg and dropped afterwards).
Worker processes are started with `spawn`, so each kiosk is a process of its own, as in
a branch.
"""

from __future__ import annotations

import multiprocessing as mp
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from kiosk.config import Settings, load_settings
from kiosk.queue import models as m
from kiosk.queue.db import Database, normalize_url
from kiosk.queue.service import QueueService
from kiosk.queue.stats import percentile

BENCH_TIME = datetime(2026, 11, 24, 10, 0, 0)
CALL_NEXT_BAR_MS = 5.0


def _ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
            "n": len(ms)}


class _TickingClock:
    """Business hours that move on one millisecond per reading (keeps arrivals ordered)."""

    def __init__(self, start: datetime = BENCH_TIME) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def open_service(url: str, settings: Settings) -> QueueService:
    service = QueueService(Database(url), settings, _TickingClock())
    service.prepare()
    return service


# --- worker processes (module-level so `spawn` can import them) -----------------------------

def issue_worker(url: str, config: str, services: str, count: int, ready: Any, start: Any,
                 results: Any, kiosk_path: bool = False) -> None:
    """A kiosk process: waits for the start signal, then issues `count` tickets.

    `kiosk_path`: as the kiosk serves a customer: the service buttons (people waiting and
    the wait of a number taken now, `service_summary`), the number, and the ticket's
    place and wait (`with_forecast`)."""
    service = open_service(url, load_settings(config, environ={}))
    numbers = []
    ready.put(True)
    start.wait()
    began = time.perf_counter()
    for i in range(count):
        if kiosk_path:
            service.service_summary()
        view = service.issue(services[i % len(services)])
        if kiosk_path:
            service.with_forecast(view)
        numbers.append(view.number)
    results.put({"numbers": numbers, "began": began, "ended": time.perf_counter()})
    service.db.dispose()


def call_worker(url: str, config: str, counter: int, ready: Any, start: Any, stop: Any,
                results: Any) -> None:
    """A counter process: calls and finishes tickets until told to stop and none wait."""
    service = open_service(url, load_settings(config, environ={}))
    called: list[int] = []
    ready.put(True)
    start.wait()
    while True:
        ticket = service.call_next(counter)
        if ticket is None:
            if stop.is_set():
                break
            continue
        called.append(ticket.id)
        service.finish(ticket.id)
    results.put({"counter": counter, "called": called})
    service.db.dispose()


HAMMER_PATHS = ("issue", "kiosk", "raw", "raw_per_service")


def run_hammer(url: str, config: str, issuers: int, per_issuer: int,
               counters: tuple[int, ...] = (), path: str = "issue") -> dict[str, Any]:
    """Issue from `issuers` processes (and call from `counters`) at once; check uniqueness.

    `path`: "issue" (`issue()`), "kiosk" (what a kiosk does per customer, see
    `issue_worker`), "raw" / "raw_per_service" (raw SQL, see kiosk.bench.raw)."""
    from kiosk.bench.raw import prepare_per_service, raw_issue_worker

    settings = load_settings(config, environ={})
    service = open_service(url, settings)
    with service.branch.write():  # the business day rolled in, as the raw workers expect
        pass
    for c in (*counters, *(() if path != "kiosk" else (1, 3, 5, 6))):
        service.open_counter(c)
    if path == "raw_per_service":
        prepare_per_service(url.replace("postgresql+psycopg://", "postgresql://"))
    services = "AB" if counters else "ABCV"
    ctx = mp.get_context("spawn")
    ready, start, stop, results = ctx.Queue(), ctx.Event(), ctx.Event(), ctx.Queue()
    if path.startswith("raw"):
        feed = "global" if path == "raw" else "per_service"
        procs = [ctx.Process(target=raw_issue_worker,
                             args=(url, services, per_issuer, feed, ready, start, results))
                 for _ in range(issuers)]
    else:
        procs = [ctx.Process(target=issue_worker,
                             args=(url, config, services, per_issuer, ready, start, results,
                                   path == "kiosk")) for _ in range(issuers)]
    procs += [ctx.Process(target=call_worker, args=(url, config, c, ready, start, stop,
                                                    results)) for c in counters]
    for p in procs:
        p.start()
    for _ in procs:  # every process has imported, connected and prepared
        ready.get(timeout=120)
    start.set()
    issued: list[dict[str, Any]] = [results.get(timeout=300) for _ in range(issuers)]
    stop.set()
    calls = [results.get(timeout=300) for _ in counters]
    for p in procs:
        p.join(timeout=60)
    numbers = [n for r in issued for n in r["numbers"]]
    called = [t for r in calls for t in r["called"]]
    elapsed = max(r["ended"] for r in issued) - min(r["began"] for r in issued)
    with service.db.read() as s:
        rows = s.scalar(select(func.count()).select_from(m.Ticket))
        distinct = s.scalar(select(func.count(func.distinct(m.Ticket.number))))
        call_events = s.execute(select(m.Event.ticket_id, func.count())
                                .where(m.Event.kind == "called")
                                .group_by(m.Event.ticket_id)).all()
    service.db.dispose()
    return {
        "path": path,
        "tickets": len(numbers),
        "tickets_per_s": round(len(numbers) / elapsed, 1) if elapsed > 0 else None,
        "duplicate_numbers": len(numbers) - len(set(numbers)) + (rows or 0) - (distinct or 0),
        "calls": len(called),
        "double_calls": len(called) - len(set(called))
        + sum(1 for _, n in call_events if n > 1),
        "exit_codes": [p.exitcode for p in procs],
    }


# --- the single-process figures -------------------------------------------------------------

def _timed(fn: Callable[[], Any], times: list[float]) -> Any:
    began = time.perf_counter()
    result = fn()
    times.append(time.perf_counter() - began)
    return result


def bench_issue_latency(url: str, settings: Settings, count: int = 300,
                        waiting: int = 0) -> dict[str, Any]:
    """One kiosk serving `count` customers one after the other, `waiting` already queued.

    Per customer, as the kiosk does it: its service buttons are brought up to date after
    the last change (`service_summary`: the one fast-forward of that queue state, made on
    the kiosk's worker while nobody is at the screen), then the customer's part: the
    number and the ticket's place and wait (`issue` + `with_forecast`, which takes the
    wait of the queue the ticket joined from that forecast). Beside them: `issue()` alone,
    and `service_summary` read again with nothing changed (a display's reload)."""
    service = open_service(url, settings)
    for c in (1, 3, 5, 6):
        service.open_counter(c)
    if waiting:
        seed_waiting(service, waiting)
        analyze(service)
    issue_only: list[float] = []
    kiosk_path: list[float] = []
    refresh: list[float] = []
    reread: list[float] = []
    for i in range(count):
        _timed(service.service_summary, refresh)
        _timed(service.service_summary, reread)
        prefix = "AABCV"[i % 5]
        began = time.perf_counter()
        view = _timed(lambda: service.issue(prefix), issue_only)  # noqa: B023
        service.with_forecast(view)
        kiosk_path.append(time.perf_counter() - began)
    service.db.dispose()
    return {"waiting": waiting, "issue": _ms(issue_only), "issue_with_forecast": _ms(kiosk_path),
            "summary_after_a_change": _ms(refresh), "summary_again": _ms(reread),
            "queue_length_at_end": waiting + count}


def bench_kiosk_steady(url: str, settings: Settings, waiting: int = 50,
                       count: int = 300) -> dict[str, Any]:
    """The kiosk's customer path in a hall whose queue stays within the forecast's
    horizon: `waiting` in the queue, and after each customer a counter calls (and
    finishes) one, so every forecast is a new fast-forward of the whole queue (a call
    moves everyone). Per customer as in `bench_issue_latency`; `kiosk_of_issue` is the
    share of `issue()`'s throughput one kiosk keeps when it also forecasts."""
    service = open_service(url, settings)
    counters = (1, 3, 5, 6)
    for c in counters:
        service.open_counter(c)
    for i in range(waiting):
        service.issue("ABCV"[i % 4])
    issue_only: list[float] = []
    kiosk_path: list[float] = []
    for i in range(count):
        began = time.perf_counter()
        service.service_summary()
        view = _timed(lambda: service.issue("ABCV"[i % 4]), issue_only)  # noqa: B023
        service.with_forecast(view)
        kiosk_path.append(time.perf_counter() - began)
        called = service.call_next(counters[i % len(counters)])
        if called is not None:
            service.finish(called.id)
    left = len(service.waiting())
    service.db.dispose()
    return {"waiting": waiting, "issue": _ms(issue_only), "kiosk_path": _ms(kiosk_path),
            "kiosk_of_issue": round(sum(issue_only) / sum(kiosk_path), 3),
            "queue_length_at_end": left}


def seed_waiting(service: QueueService, count: int) -> None:
    """`count` waiting tickets of every service and tier, written in one transaction
    (followed by one issued through the service, so the feed moves past them)."""
    tiers = [t.key for t in service.settings.tiers]
    prefixes = [s.prefix for s in service.settings.services]
    service.issue("A")  # rolls the business day in
    day = service.business_day(service.now())
    base = BENCH_TIME - timedelta(hours=1)
    rows = []
    for i in range(count):
        prefix = prefixes[i % len(prefixes)]
        seq = 1000 + i
        rows.append({"business_day": day, "service": prefix, "seq": seq,
                     "number": f"{prefix}{seq}", "tier": tiers[(i // 7) % len(tiers)],
                     "status": m.WAITING, "customer_masked": "", "arrived_at": base,
                     "rank_at": base + timedelta(milliseconds=300 * i), "recalls": 0,
                     "outcome": "", "station": "bench"})
    with service.db.begin() as s:
        s.execute(insert(m.Ticket), rows)
    service.issue("B")


def analyze(service: QueueService) -> None:
    """PostgreSQL's planner statistics for the tickets just seeded. A branch gets them from
    autovacuum as its tickets come in over the day; a bench that writes 50,000 rows in one
    transaction and queries them the next second has to ask (SQLite needs none: its
    planner uses the indexes as declared)."""
    if not service.db.sqlite:
        with service.db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE tickets")
            conn.commit()


def bench_call_next(url: str, settings: Settings, waiting: int = 10_000,
                    calls: int = 300, *, fresh_statistics: bool = True) -> dict[str, Any]:
    service = open_service(url, settings)
    seed_waiting(service, waiting)
    if fresh_statistics:
        analyze(service)
    service.open_counter(1)
    times: list[float] = []
    peeks: list[float] = []  # the same choice, read only: call-next less its write
    for _ in range(calls):
        _timed(lambda: service.peek_next(1), peeks)
        ticket = _timed(lambda: service.call_next(1), times)
        service.finish(ticket.id)
    service.db.dispose()
    return {"waiting": waiting, "call_next": _ms(times), "peek_next": _ms(peeks),
            "analyzed": fresh_statistics,
            "bar_p95_ms": CALL_NEXT_BAR_MS,
            "ok": percentile([t * 1000 for t in times], 95) <= CALL_NEXT_BAR_MS}


# --- databases ------------------------------------------------------------------------------

@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextmanager
def pg_database(url: str) -> Iterator[str]:
    """A fresh database on the server of `url`, dropped afterwards."""
    import psycopg

    admin = normalize_url(url).replace("postgresql+psycopg://", "postgresql://")
    name = f"kiosk_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{admin.rpartition('/')[0]}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


Backend = tuple[str, Callable[[], AbstractContextManager[str]]]


def backends(pg_url: str | None) -> list[Backend]:
    """The databases a figure is measured on: a fresh SQLite file, and a fresh database on
    the PostgreSQL server of `pg_url` when given; (name, context manager giving its URL)."""
    out: list[Backend] = [("sqlite", sqlite_database)]
    if pg_url:
        out.append(("postgresql", lambda: pg_database(pg_url)))
    return out


KIOSK_PATH_BAR_MS = 10.0
SUMMARY_BAR_MS = 20.0
RATIO_BAR = 0.5


def run_queue_bench(config: str, pg: str | None = None) -> dict[str, Any]:
    settings = load_settings(config, environ={})
    out: dict[str, Any] = {}
    for name, make in backends(pg):
        figures: dict[str, Any] = {}
        for waiting, key in ((0, "issue_latency"), (10_000, "issue_latency_10k")):
            with make() as url:
                figures[key] = bench_issue_latency(url, settings, waiting=waiting)
        il = figures["issue_latency_10k"]
        il["bars"] = {"issue_with_forecast_p95_ms": KIOSK_PATH_BAR_MS,
                      "summary_p95_ms": SUMMARY_BAR_MS}
        paths = ["raw", "issue", "kiosk"] + (["raw_per_service"] if name != "sqlite" else [])
        for path in paths:
            with make() as url:
                key = "four_kiosks" if path == "issue" else f"four_kiosks_{path}"
                figures[key] = run_hammer(url, config, issuers=4, per_issuer=500, path=path)
        plain, raw = figures["four_kiosks"]["tickets_per_s"], figures["four_kiosks_raw"][
            "tickets_per_s"]
        kiosk = figures["four_kiosks_kiosk"]["tickets_per_s"]
        figures["ratios"] = {"issue_of_raw": round(plain / raw, 2),
                             "kiosk_of_issue": round(kiosk / plain, 3), "bar": RATIO_BAR}
        with make() as url:
            figures["kiosk_steady_50"] = bench_kiosk_steady(url, settings, waiting=50)
        for waiting in (10_000, 50_000):
            with make() as url:
                figures[f"call_next_{waiting // 1000}k"] = bench_call_next(url, settings,
                                                                           waiting)
        if name == "postgresql":  # what the planner does before autovacuum has been by
            with make() as url:
                figures["call_next_50k_stale_statistics"] = bench_call_next(
                    url, settings, 50_000, fresh_statistics=False)
        out[name] = figures
    return out


def summary_lines(result: dict[str, Any]) -> list[str]:
    lines = []
    for name, f in result.items():
        if not isinstance(f, dict) or "issue_latency" not in f:
            continue
        lines.append(f"{name}:")
        for key in ("issue_latency", "issue_latency_10k"):
            il = f[key]
            lines += [
                f"  {il['waiting']:>6} waiting: issue p50 {il['issue']['p50_ms']} ms"
                f" p95 {il['issue']['p95_ms']} ms; issue + forecast (the kiosk's customer path)"
                f" p50 {il['issue_with_forecast']['p50_ms']} p95 "
                f"{il['issue_with_forecast']['p95_ms']} ms",
                f"  {'':>6}          service_summary after a change p50 "
                f"{il['summary_after_a_change']['p50_ms']} p95 "
                f"{il['summary_after_a_change']['p95_ms']} ms; read again p50 "
                f"{il['summary_again']['p50_ms']} p95 {il['summary_again']['p95_ms']} ms"]
        bars = f["issue_latency_10k"].get("bars", {})
        if bars:
            lines.append(f"  bars at 10,000 waiting: issue + forecast p95 ≤ "
                         f"{bars['issue_with_forecast_p95_ms']:g} ms, service_summary ≤ "
                         f"{bars['summary_p95_ms']:g} ms")
        for key in ("four_kiosks_raw", "four_kiosks", "four_kiosks_kiosk",
                    "four_kiosks_raw_per_service"):
            fk = f.get(key)
            if fk is not None:
                lines.append(f"  4 kiosks x 500, {fk['path']:<16} {fk['tickets_per_s']} "
                             f"tickets/s, {fk['duplicate_numbers']} duplicates")
        r = f.get("ratios")
        if r:
            lines.append(f"  issue() of raw SQL {r['issue_of_raw']}, kiosk path of issue() "
                         f"{r['kiosk_of_issue']} (bars ≥ {r['bar']})")
        ks = f.get("kiosk_steady_50")
        if ks:
            lines.append(f"  one kiosk, a hall of {ks['waiting']} kept by calls (every forecast "
                         f"a new fast-forward): issue + forecast p50 "
                         f"{ks['kiosk_path']['p50_ms']} p95 {ks['kiosk_path']['p95_ms']} ms, "
                         f"kiosk path of issue() {ks['kiosk_of_issue']}")
        for key in ("call_next_10k", "call_next_50k", "call_next_50k_stale_statistics"):
            cn = f.get(key)
            if cn is None:
                continue
            note = "" if cn["analyzed"] else ", before ANALYZE"
            lines.append(f"  call-next, {cn['waiting'] // 1000}k wait{note}  p50 "
                         f"{cn['call_next']['p50_ms']} ms   p95 {cn['call_next']['p95_ms']} ms"
                         f"   (bar p95 ≤ {cn['bar_p95_ms']:g} ms: "
                         f"{'ok' if cn['ok'] else 'MISSED'}; the choice alone, read only: "
                         f"p50 {cn['peek_next']['p50_ms']} p95 {cn['peek_next']['p95_ms']} ms)")
    return lines
