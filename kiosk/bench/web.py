"""The web station under 500 phones (`kiosk bench --only web`).

One `kiosk run web` process, 500 Server-Sent-Event streams open at once (an asyncio
client on raw sockets, one stream per waiting ticket), and a writer in this process that
calls the next ticket: every page whose ticket was waiting must receive its new state
(one person fewer ahead, or "please go to counter 1"). Measured: commit → state received
on each page, over every page and call; and the station at rest with the 500 streams open
(resident memory, CPU).
"""

from __future__ import annotations

import asyncio
import resource
import tempfile
import time
from typing import Any

from kiosk.bench.processes import StationProcess, cpu_seconds, rss_kb
from kiosk.bench.queue import BENCH_TIME, backends, open_service, percentile
from kiosk.config import load_settings
from kiosk.links import ticket_token

PAGES = 500
CALLS = 10
REST_S = 20.0  # longer than the streams' 15 s keep-alive
QUIET_S = 0.5
REACH_TIMEOUT_S = 15.0
BARS_P95_MS = {"sqlite": 300.0, "postgresql": 150.0}


class Stream:
    """One page's live stream: its state messages as (arrival time, data)."""

    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        self.states: list[tuple[float, str]] = []
        self.changed = asyncio.Event()

    async def run(self, host: str, port: int, path: str, opened: asyncio.Event,
                  ready: list[int]) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     "Accept: text/event-stream\r\n\r\n".encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"the web station answered {head[:40]!r}")
        chunked = b"chunked" in head.lower()
        raw = buffer = b""
        first = True
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                if chunked:
                    raw += data
                    payload, raw = _unchunk(raw)
                    buffer += payload
                else:
                    buffer += data
                while b"\n\n" in buffer:
                    message, _, buffer = buffer.partition(b"\n\n")
                    kind, body = _parse(message)
                    if kind == "state":
                        self.states.append((time.monotonic(), body))
                        self.changed.set()
                        if first:
                            first = False
                            ready.append(self.ticket_id)
                            if len(ready) == opened_target(opened):
                                opened.set()
        finally:
            writer.close()


def opened_target(event: asyncio.Event) -> int:
    return int(getattr(event, "target", PAGES))


def _unchunk(raw: bytes) -> tuple[bytes, bytes]:
    """(the payload of the complete chunks in `raw`, what is left of it)."""
    out = b""
    while True:
        size_line, sep, rest = raw.partition(b"\r\n")
        if not sep:
            return out, raw
        size = int(size_line.split(b";")[0] or b"0", 16)
        if len(rest) < size + 2:
            return out, raw
        out += rest[:size]
        raw = rest[size + 2:]


def _parse(message: bytes) -> tuple[str, str]:
    kind, data = "", ""
    for line in message.decode("utf-8", "replace").split("\n"):
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            data = line[6:]
    return kind, data


def measure_web(url: str, config: str, pages: int = PAGES, calls: int = CALLS,
                rest_s: float = REST_S) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < pages * 3:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, pages * 4), hard))
    settings = load_settings(config, environ={})
    writer = open_service(url, settings)
    writer.open_counter(1)
    tickets = [writer.issue("A", check_hours=False) for _ in range(pages + calls + 2)]
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-web-") as workdir:
        child = StationProcess(["run", "web", "--listen", "127.0.0.1:0", "--json", "--db", url,
                                "--config", config, "--station", "bench-web",
                                "--requests-per-minute", "0"], workdir, name="web",
                               env={"KIOSK_NOW": BENCH_TIME.isoformat()})
        try:
            line = child.wait_for(lambda ln: "listening" in ln, what="listened")
            host, port = line["listening"].split("//")[1].rstrip("/").split(":")
            result = asyncio.run(_drive(writer, tickets[:pages], settings.hash_secret, host,
                                        int(port), calls, rest_s, child.pid))
        finally:
            child.stop()
            writer.db.dispose()
    return result


async def _drive(writer: Any, tickets: list[Any], secret: str, host: str, port: int,
                 calls: int, rest_s: float, pid: int) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    streams = [Stream(t.id) for t in tickets]
    opened = asyncio.Event()
    opened.target = len(streams)  # type: ignore[attr-defined]
    ready: list[int] = []
    started = time.monotonic()
    tasks = [asyncio.create_task(s.run(host, port, "/t/" + ticket_token(
        t.id, t.arrived_at, secret) + "/events", opened, ready))
        for s, t in zip(streams, tickets, strict=True)]
    await asyncio.wait_for(opened.wait(), 60)
    connect_s = time.monotonic() - started

    await _quiet(streams)
    rss_connected = rss_kb(pid)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    await asyncio.sleep(rest_s)
    rest_cpu = 100 * (cpu_seconds(pid) - cpu0) / (time.monotonic() - t0)
    rss_rest = rss_kb(pid)

    latencies: list[float] = []
    per_call: list[float] = []  # each call's slowest page
    reached = expected = 0
    by_id = {s.ticket_id: s for s in streams}
    open_ids = [t.id for t in tickets]  # waiting, in calling order
    current: int | None = None
    for _ in range(calls):
        if current is not None:
            await loop.run_in_executor(None, writer.finish, current)
            await _quiet(streams)
        watched = [by_id[i] for i in open_ids]
        counts = {id(s): len(s.states) for s in watched}
        for s in watched:
            s.changed.clear()
        view = await loop.run_in_executor(None, writer.call_next, 1)
        committed = time.monotonic()
        current = view.id
        open_ids = [i for i in open_ids if i != view.id]
        deadline = committed + REACH_TIMEOUT_S
        before = len(latencies)
        for s in watched:
            while len(s.states) <= counts[id(s)] and time.monotonic() < deadline:
                s.changed.clear()
                try:
                    await asyncio.wait_for(s.changed.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
            expected += 1
            if len(s.states) > counts[id(s)]:
                reached += 1
                latencies.append((s.states[counts[id(s)]][0] - committed) * 1000)
        per_call.append(round(max(latencies[before:], default=0.0)))
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {"pages": len(streams), "calls": calls, "reached": reached, "expected": expected,
            "connect_all_s": round(connect_s, 2),
            "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
            "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
            "max_ms": round(max(latencies), 1) if latencies else None,
            "slowest_page_per_call_ms": per_call,
            "rss_mb_with_pages": round(rss_connected / 1024, 1),
            "rss_mb_at_rest": round(rss_rest / 1024, 1),
            "cpu_pct_at_rest": round(rest_cpu, 2), "rest_s": rest_s}


async def _quiet(streams: list[Stream], quiet_s: float = QUIET_S, limit_s: float = 10.0) -> None:
    """Until no page has received anything for `quiet_s` (or `limit_s` passed)."""
    end = time.monotonic() + limit_s
    last = sum(len(s.states) for s in streams)
    while time.monotonic() < end:
        await asyncio.sleep(quiet_s)
        now = sum(len(s.states) for s in streams)
        if now == last:
            return
        last = now


def bench_web(config: str, pg_url: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, make in backends(pg_url):
        with make() as url:
            r = measure_web(url, config)
        r["bar_p95_ms"] = BARS_P95_MS[name]
        r["ok"] = r["p95_ms"] is not None and r["p95_ms"] <= BARS_P95_MS[name] and \
            r["reached"] == r["expected"]
        out[name] = r
    return out


def web_lines(w: dict[str, Any]) -> list[str]:
    lines = ["web:"]
    for name, r in w.items():
        lines.append(
            f"  {name:<10} {r['pages']} pages, {r['calls']} calls: reached {r['reached']}/"
            f"{r['expected']}; commit → page p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  max "
            f"{r['max_ms']} ms (bar p95 ≤ {r['bar_p95_ms']:g} ms: "
            f"{'ok' if r['ok'] else 'MISSED'})")
        lines.append(
            f"  {'':<10} all {r['pages']} streams open in {r['connect_all_s']} s; at rest with "
            f"them: RSS {r['rss_mb_at_rest']} MB, CPU {r['cpu_pct_at_rest']} % over "
            f"{r['rest_s']:g} s")
        lines.append(f"  {'':<10} slowest page of each call: "
                     + ", ".join(f"{v}" for v in r["slowest_page_per_call_ms"]) + " ms")
    return lines


