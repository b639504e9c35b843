"""Two processes, one database: a display (`kiosk run display --headless --json`) sees
every call made by another process exactly once and in order, on SQLite and on
PostgreSQL, also across a PostgreSQL server restart in the middle."""

from __future__ import annotations

import json
import os
import queue as queue_mod
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import Settings
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from tests.conftest import EXAMPLE_CONFIG, ROOT, FakeClock

pytestmark = pytest.mark.slow


class DisplayProcess:
    """A headless display in its own process; its JSON lines are read by a thread."""

    def __init__(self, url: str, tmp: Path) -> None:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "KIOSK_VAR_DIR": str(tmp)}
        # the display keeps the writer's branch time (FakeClock's start): a station on another
        # day's clock would roll the business day over when it reads
        env["KIOSK_NOW"] = "2026-11-24T10:00:00"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", "display", "--headless", "--json",
             "--db", url, "--config", str(EXAMPLE_CONFIG), "--station", "test-display"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        self.lines: queue_mod.Queue[dict[str, Any]] = queue_mod.Queue()
        self.calls: list[dict[str, Any]] = []
        self.online: list[bool] = []
        self.snapshots = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(json.loads(line))

    def next_line(self, deadline: float) -> dict[str, Any]:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        try:
            line = self.lines.get(timeout=left)
        except queue_mod.Empty:
            raise TimeoutError from None
        if "number" in line:
            self.calls.append(line)
        if "online" in line:
            self.online.append(line["online"])
        if "snapshot" in line:
            self.snapshots += 1
        return line

    def wait_until(self, what: str, done: Any, timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not done():
            try:
                self.next_line(deadline)
            except TimeoutError:
                raise AssertionError(f"the display never {what}; stderr: {self.stderr()}") from None

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        assert self.proc.stderr is not None
        return self.proc.stderr.read()[-2000:] if not self.proc.stderr.closed else ""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def writer(db_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    service = QueueService(Database(db_url), settings, clock)
    service.prepare()
    for counter in (1, 2, 3):
        service.open_counter(counter)
    yield service
    service.db.dispose()


def _start(db_url: str, tmp_path: Path) -> DisplayProcess:
    proc = DisplayProcess(db_url, tmp_path)
    proc.wait_until("loaded its first state", lambda: proc.snapshots > 0)
    return proc


def call_round(writer: QueueService, clock: FakeClock, n: int) -> list[tuple[str, int]]:
    """Issue n tickets, call them at counters 1-3 (finishing the previous one)."""
    expected = []
    for _ in range(n):
        writer.issue("A")
        clock.advance(5)
    for i in range(n):
        counter = 1 + i % 3
        current = next(c.current for c in writer.counters() if c.number == counter)
        if current is not None:
            writer.finish(current.id)
        view = writer.call_next(counter)
        assert view is not None
        expected.append((view.number, counter))
        clock.advance(5)
    return expected


def seen_calls(display: DisplayProcess) -> list[tuple[str, int]]:
    return [(c["number"], c["counter"]) for c in display.calls]


def test_a_display_in_another_process_sees_every_call_once_in_order(
        db_url: str, tmp_path: Path, writer: QueueService, clock: FakeClock) -> None:
    display = _start(db_url, tmp_path)
    try:
        expected = call_round(writer, clock, 12)
        recalled = writer.counters()[0].current
        assert recalled is not None
        writer.recall(recalled.id)
        expected.append((recalled.number, 1))
        display.wait_until("saw every call", lambda: len(display.calls) >= len(expected))
        assert seen_calls(display) == expected
        assert [c["recall"] for c in display.calls] == [False] * 12 + [True]
        # nothing more turns up later (no call twice)
        writer.issue("B")
        loads = display.snapshots
        display.wait_until("reloaded its state after the last event",
                           lambda: display.snapshots > loads)
        assert seen_calls(display) == expected
    finally:
        display.stop()


def test_calls_from_the_cli_reach_the_display(
        db_url: str, tmp_path: Path, writer: QueueService) -> None:
    display = _start(db_url, tmp_path)
    env = {**os.environ, "KIOSK_NOW": "2026-11-24T10:30:00", "KIOSK_VAR_DIR": str(tmp_path)}
    try:
        def kiosk(*args: str) -> dict[str, Any]:
            out = subprocess.run([sys.executable, "-m", "kiosk.cli", *args, "--db", db_url,
                                  "--json"], capture_output=True, text=True, env=env, cwd=ROOT,
                                 check=True).stdout
            return json.loads(out)

        kiosk("issue", "--service", "B")
        called = kiosk("call", "--counter", "3")
        display.wait_until("saw the CLI's call", lambda: len(display.calls) >= 1)
        assert seen_calls(display) == [(called["number"], 3)]
    finally:
        display.stop()


def _pg_cluster() -> tuple[str, str] | None:
    if not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").is_dir():
        return None
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir() if p.name.isdigit())
    return (versions[-1], "main") if versions else None


@pytest.mark.pg
def test_nothing_is_lost_across_a_postgresql_restart(
        pg_url: str, tmp_path: Path, settings: Settings, clock: FakeClock) -> None:
    cluster = _pg_cluster()
    if cluster is None or os.geteuid() != 0:
        pytest.skip("needs pg_ctlcluster and root to restart the server")
    writer = QueueService(Database(pg_url), settings, clock)
    writer.prepare()
    for counter in (1, 2, 3):
        writer.open_counter(counter)
    display = _start(pg_url, tmp_path)
    try:
        expected = call_round(writer, clock, 6)
        display.wait_until("saw the calls before the restart",
                           lambda: len(display.calls) >= len(expected))
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"],
                       check=True, capture_output=True, timeout=120)
        # calls made at once after the restart: the display may still be reconnecting,
        # their notifications may be lost; the events are not
        expected += call_round(writer, clock, 6)
        display.wait_until("went offline and came back",
                           lambda: display.online[-2:] == [False, True], timeout_s=60)
        display.wait_until("saw every call", lambda: len(display.calls) >= len(expected),
                           timeout_s=60)
        expected += call_round(writer, clock, 3)  # and the feed works as before
        display.wait_until("saw the calls after the restart",
                           lambda: len(display.calls) >= len(expected))
        assert seen_calls(display) == expected
    finally:
        display.stop()
        writer.db.dispose()
