"""The soak: real stations through a busy week at high speed; alive, memory flat, bounded.

A hall display (`kiosk run display --kind hall`, its real window offscreen, its voice
built for every call and played nowhere: `--audio null`) and a kiosk (`kiosk run kiosk`,
offscreen, preview printer, a pretend customer taking a ticket whenever it is free:
`--walk-in`) run as processes of their own on one SQLite branch. This process drives the
week through the queue service: tickets issued, called, started, finished, missed,
recalled and transferred at every counter, counters paused and reopened, a notice now
and then, and at 16:00 the next business day. Every station keeps the same branch time,
written to one file (KIOSK_NOW=file:PATH), so the business day rolls over in the
long-running processes as it does in a branch.

Every `sample_every` events the soak waits (on conditions, never a fixed time) until the
display has applied the last event and the kiosk has reported, then reads each
process's VmRSS from /proc and the sizes each reports (`--status-every`: recent calls,
calls waiting to be spoken, records kept, background jobs, Qt objects, ...). The verdict:
both processes alive to the end (a binding that leaks aborts them with exit 134), RSS
growth per 10,000 events after the warm-up within `rss_bar_mb`, the C heap in use (glibc's
count: what a leak makes grow, without the freed memory the allocator keeps resident)
within `heap_bar_mb`, and every size within its bound.

`kiosk bench --soak` runs it with 20,000 events; tests/faults/test_soak.py with a few
thousand.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from kiosk.bench.processes import Line, StationProcess, rss_kb
from kiosk.config import Settings, load_settings
from kiosk.devices.announcer import RECORD_LIMIT
from kiosk.devices.printer import PreviewPrinter
from kiosk.errors import QueueError
from kiosk.queue import customers
from kiosk.queue.db import Database
from kiosk.queue.models import CALLED, SERVING
from kiosk.queue.service import QueueService
from kiosk.ui.demo import EXAMPLE_CUSTOMERS, directory_walk_ins

SOAK_EVENTS = 20_000
WEEK_START = datetime(2026, 11, 23, 9, 0)  # a Monday morning
DAYS = 7
DAY_OPENS, DAY_CLOSES = 9, 16  # the drive's hours; every service is open in between
STATUS_EVERY_S = 0.25
WALK_IN_MS = 300
RSS_BAR_MB_PER_10K = 4.0  # growth per 10,000 events after the warm-up
HEAP_BAR_MB_PER_10K = 1.0  # the C heap in use: ~100 bytes an event would show
QT_OBJECTS_SLACK = 10
WARMUP_DAYS = 2
DISPLAY_OPTIONS = ("--windowed", "1280x720", "--audio", "null")  # the real window and voice


class SoakClock:
    """The branch time of every station: this process moves it, the stations read the
    file (KIOSK_NOW=file:PATH) whenever it changes."""

    def __init__(self, path: Path, start: datetime) -> None:
        self.path = path
        self.now = start
        self._publish()

    def __call__(self) -> datetime:
        return self.now

    def set(self, at: datetime) -> None:
        self.now = at
        self._publish()

    def _publish(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(self.now.isoformat())
        os.replace(tmp, self.path)  # a station never reads half a time


@dataclass
class _Counter:
    number: int
    ticket: int | None = None
    service: str = ""
    status: str = ""
    recalls: int = 0
    paused: bool = False


@dataclass
class BusyWeek:
    """The branch's staff at high speed: one queue operation (one event) per `step()`."""

    service: QueueService
    clock: SoakClock
    seconds_per_event: float
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    days: int = 1
    ops: int = 0
    refused: int = 0

    def __post_init__(self) -> None:
        s = self.service.settings
        self.counters = {c.number: _Counter(c.number) for c in s.counters}
        self.served_by = {c.number: tuple(c.services) for c in s.counters}
        self.prefixes = [svc.prefix for svc in s.services]
        self.tiers = [t.key for t in s.tiers]
        # VIPs are recognised by their card, as at a real kiosk; the manager posts notices
        with self.service.db.begin() as session:
            customers.import_csv(session, EXAMPLE_CUSTOMERS, s.hash_secret, s.tiers,
                                 self.service.now())
        self.walk_ins = directory_walk_ins(s)
        self.service.staff.add("M001", "soak", "manager", "2468")
        self.manager = self.service.login("M001", "2468")
        for number in self.counters:
            self._op(partial(self.service.open_counter, number))

    def _op(self, fn: Callable[[], Any]) -> tuple[bool, Any]:
        """One operation; a refusal (the ticket moved on meanwhile, the day rolled over)
        is part of a busy branch too: counted, and the counter looks again."""
        self.ops += 1
        try:
            return True, fn()
        except QueueError:
            self.refused += 1
            return False, None

    def step(self) -> None:
        self._tick()
        roll = self.rng.random()
        if roll < 0.22:
            tier = self.rng.choice(self.tiers)
            known = self.walk_ins.get(tier)
            identity = self.rng.choice(known) if known else None
            self._op(lambda: self.service.issue(self.rng.choice(self.prefixes), identity,
                                                station="soak-staff"))
            return
        counter = self.counters[self.rng.choice(list(self.counters))]
        if roll < 0.23:
            self._pause_or_open(counter)
        elif roll < 0.232:
            self._op(lambda: self.service.set_notice(
                f"第 {self.days} 天 · 今日外币兑换业务暂停", f"Day {self.days}",
                actor=self.manager))
        else:
            self._move(counter)

    def _tick(self) -> None:
        at = self.clock.now + timedelta(seconds=self.seconds_per_event)
        if at.hour >= DAY_CLOSES:  # closing time: the next morning is a new business day
            at = (at + timedelta(days=1)).replace(hour=DAY_OPENS, minute=0, second=0)
            self.days += 1
            for c in self.counters.values():
                c.ticket, c.status, c.recalls = None, "", 0
        self.clock.set(at)

    def _pause_or_open(self, c: _Counter) -> None:
        if c.paused:
            c.paused = not self._op(lambda: self.service.open_counter(c.number))[0]
        elif c.ticket is None:
            c.paused = self._op(lambda: self.service.pause_counter(c.number))[0]

    def _move(self, c: _Counter) -> None:
        if c.paused:
            self._pause_or_open(c)
            return
        s, r = self.service, self.rng.random()
        if c.ticket is None:
            _, view = self._op(lambda: s.call_next(c.number))
            if view is not None:
                c.ticket, c.service, c.status, c.recalls = view.id, view.service, CALLED, 0
            return
        ticket = c.ticket
        if c.status == CALLED:
            if r < 0.06 and c.recalls < 2:
                c.recalls += 1
                self._op(lambda: s.recall(ticket))
            elif r < 0.12:
                self._release(c, lambda: s.no_show(ticket))
            elif self._op(lambda: s.start(ticket))[0]:
                c.status = SERVING
            else:
                c.ticket = None
        elif r < 0.08:
            other = self.rng.choice([p for p in self.prefixes if p != c.service])
            self._release(c, lambda: s.transfer(ticket, other))
        else:
            self._release(c, lambda: s.finish(ticket))

    def _release(self, c: _Counter, fn: Callable[[], Any]) -> None:
        self._op(fn)
        c.ticket, c.status = None, ""


def _growth_mb_per_10k(points: list[tuple[int, int]]) -> float | None:
    """Least-squares slope of RSS (KiB) over events, in MB per 10,000 events."""
    if len(points) < 2:
        return None
    n = len(points)
    mx = sum(e for e, _ in points) / n
    my = sum(r for _, r in points) / n
    sxx = sum((e - mx) ** 2 for e, _ in points)
    if sxx == 0:
        return None
    slope = sum((e - mx) * (r - my) for e, r in points) / sxx
    return round(slope * 10_000 / 1024, 2)


def size_bounds(settings: Settings) -> dict[str, int]:
    """What each size may reach however long a station runs (the promises of the code);
    `qt_objects` may not grow past its count after the warm-up (+ QT_OBJECTS_SLACK)."""
    records = {f"announcer_{name}": RECORD_LIMIT for name in ("spoken", "dropped", "heard")}
    return {"recent_calls": settings.display.recent_calls, "model_listeners": 8,
            "announcer_pending": len(settings.counters), **records,
            "player_played": RECORD_LIMIT, "worker_jobs": 2, "secret_taps": 5,
            "printer_kept": PreviewPrinter.KEPT}


def run_soak(config: str, events: int = SOAK_EVENTS, *, sample_every: int | None = None,
             warmup: float = 0.25, rss_bar_mb: float = RSS_BAR_MB_PER_10K,
             heap_bar_mb: float = HEAP_BAR_MB_PER_10K, walk_in_ms: int = WALK_IN_MS,
             workdir: str | Path | None = None,
             display_options: tuple[str, ...] = DISPLAY_OPTIONS,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Drive `events` events past a display and a kiosk process; figures and verdict.

    `display_options` tell apart where a display's memory goes (e.g. ("--headless",):
    the feed and the model without the window and the voice). A short run gives a smaller
    `walk_in_ms`, so that the kiosk's kept tickets fill before its memory is read."""
    settings = load_settings(config, environ={})
    if settings.printer.backend != "preview":
        raise ValueError("the soak's kiosk prints hundreds of tickets: give it a branch file "
                         "whose printer is the preview backend")
    sample_every = sample_every or max(250, events // 20)
    if workdir is None:
        with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as tmp:
            return _soak(settings, config, events, sample_every, warmup,
                         (rss_bar_mb, heap_bar_mb), Path(tmp), (display_options, walk_in_ms),
                         progress)
    return _soak(settings, config, events, sample_every, warmup, (rss_bar_mb, heap_bar_mb),
                 Path(workdir), (display_options, walk_in_ms), progress)


def _soak(settings: Settings, config: str, events: int, sample_every: int, warmup: float,
          bars_mb: tuple[float, float], tmp: Path,
          options: tuple[tuple[str, ...], int],
          progress: Callable[[str], None] | None) -> dict[str, Any]:
    display_options, walk_in_ms = options
    url = f"sqlite:///{tmp / 'branch.db'}"
    clock = SoakClock(tmp / "branch-time", WEEK_START)
    service = QueueService(Database(url), settings, clock)
    service.prepare()
    open_hours = (DAY_CLOSES - DAY_OPENS) * 3600 * DAYS
    week = BusyWeek(service, clock, seconds_per_event=open_hours / (events * 1.05))
    env = {"KIOSK_NOW": f"file:{clock.path}"}
    common = ["--json", "--status-every", str(STATUS_EVERY_S), "--db", url, "--config", config]
    display = StationProcess(["run", "display", "--kind", "hall", *display_options,
                              "--station", "soak-hall", *common], tmp, name="display", env=env)
    kiosk = StationProcess(["run", "kiosk", "--station", "soak-kiosk", "--windowed",
                            "--walk-in", str(walk_in_ms), *common], tmp, name="kiosk", env=env)
    stations = {"display": display, "kiosk": kiosk}
    samples: list[dict[str, Any]] = []
    problems: list[str] = []
    began = time.monotonic()
    try:
        display.wait_for(lambda line: bool(line.get("status")) and line.get("online") is True,
                         60, "came online")
        kiosk.wait_for(lambda line: bool(line.get("status")), 60, "reported its status")
        samples.append(_sample(service, week, stations, began))
        next_sample = sample_every
        while True:
            week.step()
            if week.ops % 50:
                continue
            last = service.last_event_id()
            # the events asked for, and the whole week: a busy kiosk (its own walk-ins are
            # events too) must not end the drive before the last business day has begun
            done = last >= events and week.days >= DAYS
            if last >= next_sample or done:
                samples.append(_sample(service, week, stations, began))
                if progress is not None:
                    s = samples[-1]
                    progress(f"{s['events']:>6} events, day {week.days}: display "
                             f"{s['display']['rss_kb'] / 1024:.1f} MB, kiosk "
                             f"{s['kiosk']['rss_kb'] / 1024:.1f} MB, "
                             f"{s['kiosk']['tickets_issued']} kiosk tickets")
                next_sample = last + sample_every
                if done:
                    break
    except RuntimeError as exc:
        problems.append(str(exc))
    finally:
        seconds = time.monotonic() - began
        exits = {name: (None if p.alive() else p.proc.returncode)
                 for name, p in stations.items()}
        for p in stations.values():
            p.stop()
        service.db.dispose()
    for name, code in exits.items():
        if code is not None:
            problems.append(f"the {name} process ended with exit {code}"
                            + (" (aborted: SIGABRT, exit 134 in a shell)" if code == -6 else ""))
    result = _figures(samples, warmup, settings, *bars_mb, problems)
    result.update({"events": samples[-1]["events"] if samples else 0,
                   "staff_operations": week.ops, "refused_operations": week.refused,
                   "business_days": week.days, "seconds": round(seconds, 1),
                   "exits": exits, "samples": samples})
    result["ok"] = not result["problems"]
    return result


def _status_after(p: StationProcess, match: Callable[[Line], bool], what: str) -> Line:
    return p.wait_for(lambda line: bool(line.get("status")) and match(line), 120, what)


def _sample(service: QueueService, week: BusyWeek, stations: dict[str, StationProcess],
            began: float) -> dict[str, Any]:
    """Wait until the display has applied every event so far and the kiosk has spoken
    since; then each process's memory (from /proc) and the sizes it reported."""
    last = service.last_event_id()
    asked = time.monotonic()
    shown = _status_after(stations["display"],
                          lambda line: int(line.get("applied_event_id", 0)) >= last,
                          f"applied event {last}")
    kiosk = _status_after(stations["kiosk"], lambda line: line["monotonic"] >= asked,
                          "reported its status")
    return {"events": last, "staff_operations": week.ops, "day": week.days,
            "seconds": round(time.monotonic() - began, 2),
            "display": {"rss_kb": rss_kb(stations["display"].pid), "sizes": shown["sizes"],
                        "heap_in_use_kb": _in_use(shown)},
            "kiosk": {"rss_kb": rss_kb(stations["kiosk"].pid), "sizes": kiosk["sizes"],
                      "heap_in_use_kb": _in_use(kiosk),
                      "tickets_issued": kiosk.get("tickets_issued", 0),
                      "screen": kiosk.get("screen")}}


def _in_use(line: Line) -> int | None:
    heap = line.get("heap_kb")
    return int(heap["in_use"]) if isinstance(heap, dict) else None


def _first_full(samples: list[dict[str, Any]], name: str, bounds: dict[str, int]) -> int:
    """The event count from which every capped store of `name` holds its largest size of
    the run (0 when none is capped or none fills)."""
    capped = [k for k in samples[-1][name]["sizes"] if k in bounds]
    at = 0
    for key in capped:
        largest = max(s[name]["sizes"].get(key, 0) for s in samples)
        if largest >= bounds[key]:
            at = max(at, next(s["events"] for s in samples
                              if s[name]["sizes"].get(key, 0) >= largest))
    return at


def _figures(samples: list[dict[str, Any]], warmup: float, settings: Settings,
             rss_bar_mb: float, heap_bar_mb: float, problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"problems": problems, "rss_bar_mb_per_10k_events": rss_bar_mb,
                           "heap_bar_mb_per_10k_events": heap_bar_mb}
    if len(samples) < 2:
        problems.append("the soak ended before it took two samples")
        return out
    # Warm-up: the first share of the events, and at least the first business day and its
    # rollover (a station allocates once for the new day's first reads, then no more).
    last_events = samples[-1]["events"]
    settled = [s for s in samples if s["events"] >= warmup * last_events
               and s["day"] >= WARMUP_DAYS + 1]
    if len(settled) < 3:
        settled = samples[-3:]
    bounds = size_bounds(settings)
    for name in ("display", "kiosk"):
        rss = [s[name]["rss_kb"] for s in samples]
        # ...and until every store the station keeps has filled to its cap (a kiosk's 50
        # kept tickets fill at its own pace): a cache filling up is not memory growing
        full = _first_full(samples, name, bounds)
        mine = [s for s in settled if s["events"] >= full]
        # a short run may end before a store fills: then its later half, filling included
        mine = mine if len(mine) >= 3 else settled[len(settled) // 2:] if len(settled) >= 6 \
            else settled[-3:]
        points = [(s["events"], s[name]["rss_kb"]) for s in mine]
        growth = _growth_mb_per_10k(points)
        first, end = settled[0][name]["sizes"], samples[-1][name]["sizes"]
        settled_at = mine[0]
        largest = {k: max(s[name]["sizes"].get(k, 0) for s in samples) for k in end}
        out[name] = {"rss_start_mb": round(rss[0] / 1024, 1),
                     "rss_after_warmup_mb": round(settled_at[name]["rss_kb"] / 1024, 1),
                     "rss_end_mb": round(rss[-1] / 1024, 1),
                     "rss_max_mb": round(max(rss) / 1024, 1),
                     "growth_mb_per_10k_events": growth,
                     # the same over the later half only: smaller when memory levels off
                     "growth_mb_per_10k_events_later_half":
                         _growth_mb_per_10k(points[len(points) // 2:]),
                     "sizes_after_warmup": first, "sizes_end": end, "sizes_max": largest}
        if growth is not None and growth > rss_bar_mb:
            problems.append(f"{name} memory grows {growth} MB per 10,000 events "
                            f"(bar {rss_bar_mb} MB)")
        # The C heap in use (glibc's count, main arena): what a leak makes grow, without
        # the allocator's own keeping (freed memory still resident) that RSS includes.
        heap = [(s["events"], s[name]["heap_in_use_kb"]) for s in mine
                if s[name].get("heap_in_use_kb") is not None]
        if len(heap) >= 3:
            heap_growth = _growth_mb_per_10k(heap)
            out[name].update({"heap_in_use_after_warmup_mb": round(heap[0][1] / 1024, 1),
                              "heap_in_use_end_mb": round(heap[-1][1] / 1024, 1),
                              "heap_growth_mb_per_10k_events": heap_growth})
            if heap_growth is not None and heap_growth > heap_bar_mb:
                problems.append(f"{name} heap in use grows {heap_growth} MB per 10,000 "
                                f"events (bar {heap_bar_mb} MB)")
        for key, value in largest.items():
            bound = (first.get(key, 0) + QT_OBJECTS_SLACK if key == "qt_objects"
                     else bounds.get(key))
            if bound is None:
                problems.append(f"{name} reports {key}, which has no bound: give it one")
            elif value > bound:
                problems.append(f"{name} holds {value} {key.replace('_', ' ')} (bound {bound})")
    out["kiosk_tickets"] = samples[-1]["kiosk"]["tickets_issued"]
    return out
