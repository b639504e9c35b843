"""Kiosk window figures (`kiosk bench --only kiosk_window`): process start → first frame
painted, and memory (RSS).

Bars: first frame ≤ 1.5 s, RSS ≤ 250 MB. Each run is a fresh Python process started by
the parent (`python -m kiosk.bench.kiosk_window CONFIG DB_URL`), as a kiosk PC starts it,
on a branch database that already exists (the parent creates it first). The child
reports the CLOCK_MONOTONIC time of its first paint (comparable across processes on
Linux), its RSS then, and its peak RSS after issuing and printing one ticket.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from kiosk.config import PROJECT_ROOT, load_settings

FIRST_FRAME_BAR_S = 1.5
RSS_BAR_MB = 250.0
RUNS = 3


def _status_kb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    return 0.0


def bench_startup(config: str, runs: int = RUNS) -> dict[str, Any]:
    """Start the kiosk `runs` times in fresh processes; median and worst figures."""
    from kiosk.app import build_service

    settings = load_settings(config, environ={})
    results = []
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'branch.db'}"
        build_service(settings, url, create=True).db.dispose()  # before the kiosk starts
        env = {**os.environ, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               "KIOSK_VAR_DIR": tmp}
        for _ in range(runs):
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "kiosk.bench.kiosk_window", config, url],
                                  cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                                  timeout=60, check=True)
            child = json.loads(done.stdout.strip().splitlines()[-1])
            results.append({"first_frame_s": child["first_frame"] - started,
                            "rss_mb": child["rss_kb"] / 1024,
                            "peak_rss_mb": child["peak_rss_kb"] / 1024})
    frame = [r["first_frame_s"] for r in results]
    peak = [r["peak_rss_mb"] for r in results]
    return {
        "runs": runs,
        "first_frame_s_median": round(statistics.median(frame), 3),
        "first_frame_s_max": round(max(frame), 3),
        "rss_mb_at_first_frame": round(statistics.median(r["rss_mb"] for r in results), 1),
        "peak_rss_mb_after_ticket": round(max(peak), 1),
        "bars": {"first_frame_s": FIRST_FRAME_BAR_S, "rss_mb": RSS_BAR_MB},
        "ok": max(frame) <= FIRST_FRAME_BAR_S and max(peak) <= RSS_BAR_MB,
    }


def _child(config: str, url: str) -> int:
    """One kiosk start: window up, first paint noted, one ticket printed, figures out."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    from kiosk.app import build_kiosk_window, make_qt_app, system_clock
    from kiosk.devices.printer import PreviewPrinter
    from kiosk.devices.ticket import LayoutOptions
    from kiosk.queue.db import Database
    from kiosk.queue.service import QueueService

    settings = load_settings(config, environ={})
    app, _font = make_qt_app()
    service = QueueService(Database(url), settings, system_clock(settings))
    printer = PreviewPrinter(LayoutOptions.from_settings(settings.printer))
    window = build_kiosk_window(settings, service, station="bench", printer=printer,
                                fullscreen=False)
    out: dict[str, Any] = {}

    class FirstPaint(QObject):
        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:  # noqa: N802
            if event.type() == QEvent.Type.Paint and "first_frame" not in out:
                out["first_frame"] = time.monotonic()
                QTimer.singleShot(0, after_first_frame)
            return False

    def after_first_frame() -> None:
        out["rss_kb"] = _status_kb("VmRSS")
        data = window.flow.ticket_data(service.with_forecast(
            service.issue(settings.services[0].prefix, station="bench", check_hours=False)))
        printer.print_ticket(data)
        out["peak_rss_kb"] = _status_kb("VmHWM")
        app.quit()

    watcher = FirstPaint()
    window.installEventFilter(watcher)
    window.resize(1280, 800)
    window.show()
    app.exec()
    window.shutdown()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1], sys.argv[2]) if len(sys.argv) == 3 else
                     print(json.dumps(bench_startup(str(PROJECT_ROOT / "config" / "branch.toml")),
                                      indent=2)) or 0)
