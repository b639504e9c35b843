"""Command figures (`kiosk bench --only cli`): `kiosk status`, `issue` and `call` as whole
processes, against a bare `python -c pass` timed beside them; the temporary folders they
leave; and `kiosk status --json` with 10,000 waiting against its time with 100.

Bars: each command ≤ 0.4 s; nothing left in the temporary directory after 100 commands
(TMPDIR points at an empty folder); status at 10,000 waiting ≤ 1.3× status at 100.
The commands run as an installed program runs: with its compiled bytecode (a
PYTHONDONTWRITEBYTECODE in the bench's environment is not passed on).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kiosk.config import PROJECT_ROOT, load_settings

COMMAND_BAR_S = 0.4
STATUS_RATIO_BAR = 1.3
NOW = "2026-11-24T10:30:00"  # the bench's business hours (kiosk.bench.queue.BENCH_TIME)


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(argv: list[str], env: dict[str, str], output: list[str] | None = None
         ) -> tuple[float, float]:
    """(wall, cpu) seconds of one whole process (its stdout appended to `output`)."""
    cpu, began = _child_cpu(), time.perf_counter()
    done = subprocess.run(argv, cwd=PROJECT_ROOT, env=env, check=True, capture_output=True,
                          text=True, timeout=120)
    took = time.perf_counter() - began, _child_cpu() - cpu
    if output is not None:
        output.append(done.stdout)
    return took


def _env(var: Path, tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "KIOSK_DATABASE_URL")}
    return {**env, "KIOSK_VAR_DIR": str(var), "TMPDIR": str(tmp), "KIOSK_NOW": NOW}


def _kiosk(config: str, url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", *args, "--db", url, "--config", config]


def _branch(config: str, url: str, waiting: int) -> None:
    from kiosk.bench.queue import open_service, seed_waiting

    service = open_service(url, load_settings(config, environ={}))
    if waiting:
        seed_waiting(service, waiting)
    for counter in (1, 3, 5, 6):
        service.open_counter(counter)
    service.db.dispose()


def _figures(times: list[tuple[float, float]]) -> dict[str, float]:
    wall = [w for w, _ in times]
    return {"median_s": round(statistics.median(wall), 3), "max_s": round(max(wall), 3),
            "cpu_median_s": round(statistics.median(c for _, c in times), 3), "n": len(wall)}


def bench_commands(config: str, commands: int = 100) -> dict[str, Any]:
    """`commands` kiosk commands (issue, status, call, finish in turn), each beside a bare
    Python."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-cli-") as root:
        var, tmp = Path(root) / "var", Path(root) / "tmp"
        var.mkdir()
        tmp.mkdir()
        url = f"sqlite:///{Path(root) / 'branch.db'}"
        _branch(config, url, 0)
        env = _env(var, tmp)
        argvs = {"status": _kiosk(config, url, "status", "--json"),
                 "issue": _kiosk(config, url, "issue", "--service", "A", "--json"),
                 "call": _kiosk(config, url, "call", "--counter", "1", "--json")}
        bare = [sys.executable, "-c", "pass"]
        called: list[str] = []

        def finish() -> list[str]:  # the ticket the last call called
            return _kiosk(config, url, "finish", str(json.loads(called[-1])["ticket_id"]))

        for name, argv in (("", bare), *argvs.items()):  # warm-up: bytecode
            _run(argv, env, called if name == "call" else None)
        _run(finish(), env)
        names = ("issue", "status", "call", "finish")
        times: dict[str, list[tuple[float, float]]] = {"python -c pass": [],
                                                       **{k: [] for k in names}}
        for i in range(commands):
            name = names[i % 4]
            times["python -c pass"].append(_run(bare, env))
            argv = finish() if name == "finish" else argvs[name]
            times[name].append(_run(argv, env, called if name == "call" else None))
        left = sorted(p.name for p in tmp.iterdir())
    out: dict[str, Any] = {name: _figures(t) for name, t in times.items()}
    base = out["python -c pass"]["median_s"]
    for name in names:
        out[name]["of_bare_python"] = round(out[name]["median_s"] / base, 1) if base else None
    out["commands"] = commands
    out["temporary_entries_left"] = len(left)
    out["temporary_entries_sample"] = left[:5]
    out["bar_s"] = COMMAND_BAR_S
    out["ok"] = not left and all(out[n]["median_s"] <= COMMAND_BAR_S for n in names)
    return out


def bench_status_scaling(config: str, runs: int = 5,
                         sizes: tuple[int, int] = (100, 10_000)) -> dict[str, Any]:
    """`kiosk status --json` with `sizes` waiting, run in turn on two branches."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-status-") as root:
        var, tmp = Path(root) / "var", Path(root) / "tmp"
        var.mkdir()
        tmp.mkdir()
        env = _env(var, tmp)
        argvs = {}
        for n in sizes:
            url = f"sqlite:///{Path(root) / f'branch-{n}.db'}"
            _branch(config, url, n)
            argvs[n] = _kiosk(config, url, "status", "--json")
            _run(argvs[n], env)  # warm-up
        times: dict[int, list[tuple[float, float]]] = {n: [] for n in sizes}
        for _ in range(runs):
            for n in sizes:
                times[n].append(_run(argvs[n], env))
    small, large = (_figures(times[n]) for n in sizes)
    ratio = large["median_s"] / small["median_s"]
    return {f"waiting_{sizes[0]}": small, f"waiting_{sizes[1]}": large,
            "ratio": round(ratio, 2), "bar_ratio": STATUS_RATIO_BAR,
            "ok": ratio <= STATUS_RATIO_BAR}


def bench_cli(config: str) -> dict[str, Any]:
    return {"commands": bench_commands(config), "status_scaling": bench_status_scaling(config)}


def cli_lines(c: dict[str, Any]) -> list[str]:
    cmd, st = c["commands"], c["status_scaling"]
    bare = cmd["python -c pass"]
    lines = ["cli:", f"  {cmd['commands']} commands, each beside `python -c pass` "
             f"(median {bare['median_s']} s, cpu {bare['cpu_median_s']} s):"]
    for name in ("status", "issue", "call", "finish"):
        f = cmd[name]
        lines.append(f"  kiosk {name:<7} median {f['median_s']} s (max {f['max_s']}, cpu "
                     f"{f['cpu_median_s']} s, {f['of_bare_python']}x bare python; "
                     f"bar ≤ {cmd['bar_s']} s)")
    lines.append(f"  left in the temporary directory: {cmd['temporary_entries_left']} "
                 f"(bar 0): {'MISSED' if cmd['temporary_entries_left'] else 'ok'}; "
                 f"every command ≤ {cmd['bar_s']} s: {'ok' if cmd['ok'] else 'MISSED'}")
    small, large = (v for k, v in st.items() if k.startswith("waiting_"))
    lines.append(f"  kiosk status --json, 100 / 10,000 waiting: median {small['median_s']} / "
                 f"{large['median_s']} s = {st['ratio']}x (bar ≤ {st['bar_ratio']}x): "
                 f"{'ok' if st['ok'] else 'MISSED'}")
    return lines
