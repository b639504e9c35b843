"""Does the Qt binding keep Python's reference counts across signal emits?

PySide6 6.12.0 on Python 3.11 drops one reference to `True`/`None` on every `emit()` of a
signal defined in Python; a station then aborts within hours ("Fatal Python error:
bool_dealloc", exit 134). `check_binding()` proves a binding does not: in a fresh
interpreter (`python -m kiosk.bench.binding`) it builds the project's own QObjects (the
change feed's `FeedWorker` and `LiveFeed`, the display's `DisplayStation`, the windows'
`Worker`, the card `ReaderThread`, the kiosk's `TopBar`), emits their Python-defined
signals `emits` times over every signature they use (list, object carrying a dict or
None, int, str, bool, no argument, and the worker's (int, bool, object)), and compares
`sys.getrefcount` of True, False and None before and after. A sound binding keeps them
flat (a few references of noise); a leaking one moves them by about one per emit, or
kills the child outright, and either way the check fails.

Checking a new binding release before it goes into requirements.lock:

    python3.11 -m venv /tmp/try && /tmp/try/bin/pip install -e . "pyside6==NEW"
    QT_QPA_PLATFORM=offscreen /tmp/try/bin/python -m kiosk.bench.binding --check
    # exit 0 and "binding ok" or it stays out; then `make lock`, `make test` and
    # `kiosk bench --soak` (the weeks-of-uptime soak) before committing the lock.

`kiosk bench` reports the same check for the installed binding (figure `binding`), and
tests/faults/test_binding.py fails on a leaking one.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from kiosk.config import PROJECT_ROOT

EMITS = 24_000
ROUNDS = 8
DRIFT_LIMIT = 100  # references; a leak of one per emit moves a count by thousands
WATCHED = ("True", "False", "None")


def refcounts() -> dict[str, int]:
    gc.collect()
    return {"True": sys.getrefcount(True), "False": sys.getrefcount(False),
            "None": sys.getrefcount(None)}


def check_binding(emits: int = EMITS, *, python: str = sys.executable,
                  timeout_s: float = 300.0, child_module: str = "kiosk.bench.binding",
                  drift_limit: int = DRIFT_LIMIT) -> dict[str, Any]:
    """Emit the project's signals `emits` times in a fresh `python`; the verdict.

    Returns {"ok", "exit_code", "emits", "binding", "python", "before", "after",
    "drift", "rounds", "seconds", "error"}: `ok` is exit 0 with every count within
    `drift_limit` of where it started. `child_module` lets a test run a deliberately
    leaking child through the same judgement."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    started = time.monotonic()
    try:
        done = subprocess.run([python, "-m", child_module, "--emits", str(emits)],
                              capture_output=True, text=True, cwd=PROJECT_ROOT, env=env,
                              timeout=timeout_s)
        exit_code, stdout, stderr = done.returncode, done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        exit_code, stderr = -1, f"no answer in {timeout_s:.0f} s"
        stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
    lines = []
    for raw in stdout.splitlines():
        try:
            lines.append(json.loads(raw))
        except ValueError:
            continue
    rounds = [line for line in lines if "round" in line]
    final = next((line for line in lines if line.get("done")), None)
    before = final["before"] if final else (rounds[0]["counts"] if rounds else None)
    after = final["after"] if final else (rounds[-1]["counts"] if rounds else None)
    drift = ({k: after[k] - before[k] for k in WATCHED} if before and after else None)
    ok = (exit_code == 0 and final is not None and drift is not None
          and all(abs(v) < drift_limit for v in drift.values()))
    error = ""
    if exit_code != 0:
        said = stderr.strip().splitlines() or ["(no message)"]
        fatal = next((line for line in said if line.startswith("Fatal Python error")), said[-1])
        how = "was aborted (SIGABRT, exit 134 in a shell)" if exit_code == -6 else \
            f"ended with exit {exit_code}"
        error = f"the emitting process {how} after {rounds[-1]['emits'] if rounds else 0}" \
            f"+ emits: {fatal[:300]}"
    elif not ok:
        error = f"reference counts moved by {drift} over {emits} emits"
    return {"ok": ok, "exit_code": exit_code,
            "emits": final["emits"] if final else (rounds[-1]["emits"] if rounds else 0),
            "binding": final["binding"] if final else "", "python": final["python"]
            if final else "", "before": before, "after": after, "drift": drift,
            "drift_limit": drift_limit, "rounds": [r["counts"] for r in rounds],
            "seconds": round(time.monotonic() - started, 1), "error": error}


# --- the child: the project's QObjects, emitted many times ----------------------------


class _NoFeed:
    """The feed objects are only built here, never started: nothing reads a database."""

    def close(self) -> None:
        """Nothing is open."""


def project_emitters() -> list[tuple[str, Callable[[int], None]]]:
    """(signature, emit-once) over the project's own Python-defined signals."""
    from PySide6.QtWidgets import QApplication

    from kiosk.config import DEFAULT_CONFIG, load_settings
    from kiosk.ui.display import DisplayModel
    from kiosk.ui.display_station import DisplayStation
    from kiosk.ui.feed_qt import LiveFeed
    from kiosk.ui.readers import ReaderThread
    from kiosk.ui.widgets import TopBar
    from kiosk.ui.worker import Worker

    app = QApplication.instance() or QApplication(["kiosk-binding-check"])
    settings = load_settings(DEFAULT_CONFIG, environ={})
    live = LiveFeed(_NoFeed())  # type: ignore[arg-type]
    station = DisplayStation(DisplayModel(settings), live)  # the feed's signals reach it
    objects = LiveFeed(_NoFeed())  # type: ignore[arg-type]
    received: list[Any] = []
    objects.snapshot.connect(lambda value: received.append(value) if not received else None)
    worker = Worker()
    readers = ReaderThread("binding-check")
    readers.state_changed.connect(lambda state: None)
    readers.identified.connect(lambda found: None)
    topbar = TopBar()
    taps: list[int] = [0]
    topbar.secret_tapped.connect(lambda: taps.__setitem__(0, taps[0] + 1))
    keep = (app, station, objects, worker, readers, topbar)  # alive while emitting

    def emitters() -> list[tuple[str, Callable[[int], None]]]:
        _ = keep
        return [
            ("list", lambda i: live.worker.events.emit([])),
            ("list", lambda i: station.calls.emit([])),
            ("object(dict)", lambda i: objects.worker.snapshot.emit({"event": i, "ok": True})),
            ("object(None)", lambda i: readers.identified.emit(None)),
            ("int", lambda i: worker.busy_changed.emit(i)),
            ("int,bool,object", lambda i: worker._finished.emit(0, True, None)),
            ("str", lambda i: readers.state_changed.emit("ok" if i % 2 else "offline")),
            ("bool", lambda i: live.worker.online.emit(bool(i % 2))),
            ("no argument", lambda i: topbar.clock.tapped.emit()),
        ]

    return emitters()


def run_child(emits: int, rounds: int = ROUNDS,
              extra: Callable[[], None] | None = None) -> int:
    """Emit `emits` times in `rounds`, one JSON line per round, then the verdict line.

    `extra` runs after every emit (a test's deliberately leaking stand-in)."""
    import PySide6

    emitters = project_emitters()
    for _signature, emit in emitters:  # warm up: first-emit caches are not a leak
        emit(0)
    before = refcounts()
    print(json.dumps({"round": 0, "emits": 0, "counts": before}), flush=True)
    per_round = max(1, emits // rounds)
    done = 0
    for r in range(1, rounds + 1):
        for _ in range(per_round):
            emitters[done % len(emitters)][1](done)
            if extra is not None:
                extra()
            done += 1
        print(json.dumps({"round": r, "emits": done, "counts": refcounts()}), flush=True)
    after = refcounts()
    print(json.dumps({"done": True, "emits": done, "before": before, "after": after,
                      "signatures": sorted({s for s, _ in emitters}),
                      "binding": f"PySide6 {PySide6.__version__}",
                      "python": sys.version.split()[0]}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.bench.binding",
                                     description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--emits", type=int, default=EMITS)
    parser.add_argument("--check", action="store_true",
                        help="run the check in a fresh process and print its verdict")
    args = parser.parse_args(argv)
    if not args.check:
        return run_child(args.emits)
    result = check_binding(args.emits)
    print(json.dumps(result, indent=2))
    print(f"binding {'ok' if result['ok'] else 'LEAKS'}: {result['binding'] or '?'}, "
          f"drift {result['drift']} over {result['emits']} emits"
          + (f"; {result['error']}" if result["error"] else ""))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
