"""A real `kiosk run web` process on a free port, and plain HTTP requests to it."""

from __future__ import annotations

import http.client
import json
import os
import queue as queue_mod
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.conftest import EXAMPLE_CONFIG, ROOT

BRANCH_NOW = "2026-11-24T10:00:00"  # FakeClock's start: the writer's and the station's day


class WebProcess:
    def __init__(self, db_url: str, tmp: Path, *extra: str, now: str = BRANCH_NOW) -> None:
        env = {**os.environ, "KIOSK_VAR_DIR": str(tmp), "KIOSK_NOW": now}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", "web", "--listen", "127.0.0.1:0",
             "--json", "--db", db_url, "--config", str(EXAMPLE_CONFIG), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env)
        lines: queue_mod.Queue[str] = queue_mod.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in self.proc.stdout or []],
                         daemon=True).start()
        try:
            first = json.loads(lines.get(timeout=30))
        except queue_mod.Empty:
            self.stop()
            raise RuntimeError(f"the web station did not start: {self.stderr()}") from None
        self.url: str = first["listening"]
        parts = urlsplit(self.url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80

    def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes | None = None) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=10)
        try:
            conn.putrequest(method, path, skip_host="Host" in (headers or {}),
                            skip_accept_encoding=True)  # the path is sent as it is
            for k, v in (headers or {}).items():
                conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body or b"")))
            conn.endheaders(body)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, \
                r.read().decode("utf-8", "replace")
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> tuple[int, dict[str, str], str]:
        return self.request("GET", path, **kw)

    def stderr(self) -> str:
        if self.proc.poll() is None:
            return ""
        return self.proc.stderr.read() if self.proc.stderr else ""

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        for f in (self.proc.stdout, self.proc.stderr):
            if f:
                f.close()
        return err
