"""Stations in processes of their own, as a branch runs them, for the benchmarks and soaks.

`StationProcess` starts `python -m kiosk.cli ARGS` (offscreen, its own var dir) and reads
its JSON lines on a thread; `wait_for` waits on a condition over those lines, never a
fixed time. `rss_kb` and `cpu_seconds` read the process from /proc (Linux).
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.config import PROJECT_ROOT

Line = dict[str, Any]


class StationProcess:
    """A `kiosk` process whose JSON lines on stdout are read by a thread."""

    def __init__(self, args: list[str], workdir: str | Path, *, name: str = "station",
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.workdir = Path(workdir)
        full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
                    "KIOSK_VAR_DIR": str(workdir)}
        full_env.pop("KIOSK_NOW", None)
        full_env.update(env or {})
        self._stderr = (self.workdir / f"{name}.stderr").open("w+b")
        self.proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", *args],
                                     stdout=subprocess.PIPE, stderr=self._stderr, text=True,
                                     cwd=PROJECT_ROOT, env=full_env)
        self.lines: queue.Queue[Line] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if isinstance(data, dict):
                self.lines.put(data)

    def wait_for(self, match: Callable[[Line], bool], timeout_s: float = 30.0,
                 what: str = "answered") -> Line:
        """The first line (from now on) that `match`es; RuntimeError when the process
        ends or `timeout_s` passes first."""
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {self.name} process ended (exit {self.proc.returncode})"
                                   f" before it {what}: {self.stderr_tail()}")
            if left <= 0:
                raise RuntimeError(f"the {self.name} process never {what} "
                                   f"in {timeout_s:.0f} s: {self.stderr_tail()}")
            try:
                line = self.lines.get(timeout=min(left, 0.5))
            except queue.Empty:
                continue
            if match(line):
                return line

    def stderr_tail(self, chars: int = 1500) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        text = self._stderr.read().decode(errors="replace")
        return text[-chars:].strip() or "(nothing on stderr)"

    def alive(self) -> bool:
        return self.proc.poll() is None

    def rss_kb(self) -> int:
        return rss_kb(self.proc.pid)

    def stop(self) -> int | None:
        """Ask the process to end (SIGTERM), then kill it; returns its exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._stderr.close()
        return self.proc.returncode


def rss_kb(pid: int) -> int:
    """Resident memory of a process in KiB (VmRSS from /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"process {pid} reports no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")
