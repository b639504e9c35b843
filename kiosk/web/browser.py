"""Debian's chromium, headless, driven over the DevTools protocol on a pipe: how the
tests and `kiosk screenshots` look at the phone page as a phone shows it.

`--remote-debugging-pipe`: the browser reads commands on its fd 3 and writes answers and
events on its fd 4, one JSON message per NUL byte. No websocket, no driver download.
A page is a phone: 390×844 CSS pixels, touch, mobile viewport.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class BrowserError(Exception):
    pass


class Browser:
    def __init__(self, timeout_s: float = 20.0) -> None:
        exe = chromium_path()
        if exe is None:
            raise BrowserError("chromium is not installed (make system)")
        self.timeout_s = timeout_s
        self._profile = tempfile.TemporaryDirectory(prefix="kiosk-chromium-")
        self._log = open(Path(self._profile.name) / "stderr.log", "wb")  # noqa: SIM115
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        # bash (dash takes one-digit fds only) puts the browser's end of each pipe at fd 3 and fd 4
        shell = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        self.proc = subprocess.Popen(
            ["bash", "-c", shell, exe, "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
             "--remote-debugging-pipe", f"--user-data-dir={self._profile.name}",
             "--window-size=390,844", "--hide-scrollbars", "--lang=zh-CN"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log,
            close_fds=True, pass_fds=(to_browser_r, from_browser_w))
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    # --- the protocol ----------------------------------------------------------------------

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None, timeout_s: float | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method,
                                   "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise BrowserError(f"chromium is gone: {self.stderr()[-2000:]}") from None
        deadline = time.monotonic() + (timeout_s or self.timeout_s)
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return dict(reply.get("result") or {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str | None = None) -> dict[str, Any]:
        """The first event `method` (of `session`) seen since the events were cleared."""
        deadline = time.monotonic() + self.timeout_s
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method and event.get("sessionId") == session:
                    del self.events[: i + 1]
                    return event
            self.events.append(self._receive(deadline))

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._from_browser], [], [], max(left, 0))
            if not ready:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise BrowserError(f"chromium closed its pipe: {self.stderr()[-2000:]}")
            self._buffer += chunk
        raw, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(raw))

    def stderr(self) -> str:
        return (Path(self._profile.name) / "stderr.log").read_text(errors="replace")

    # --- pages -----------------------------------------------------------------------------

    def open(self, url: str) -> Page:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, target)
        self.send("Emulation.setDeviceMetricsOverride", PHONE, session)
        self.send("Emulation.setTouchEmulationEnabled", {"enabled": True}, session)
        self.send("Page.enable", {}, session)
        page.goto(url)
        return page

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.send("Browser.close", timeout_s=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._log.close()
        self._profile.cleanup()


class Page:
    """One tab. Close it when done: a page holds its live stream open, and a browser
    opens at most 6 connections to one host."""

    def __init__(self, browser: Browser, session: str, target: str) -> None:
        self.browser, self.session, self.target = browser, session, target

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})

    def goto(self, url: str) -> None:
        self.browser.events.clear()
        self.browser.send("Page.navigate", {"url": url}, self.session)
        self.browser.wait_event("Page.loadEventFired", self.session)

    def follow(self, selector: str) -> None:
        """Click a link or button that loads another page, and wait for that page."""
        self.browser.events.clear()
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self.browser.wait_event("Page.loadEventFired", self.session)

    def evaluate(self, expression: str, timeout_s: float | None = None) -> Any:
        result = self.browser.send("Runtime.evaluate", {
            "expression": expression, "returnByValue": True, "awaitPromise": True},
            self.session, timeout_s)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, condition: str, timeout_s: float = 15.0) -> None:
        """Until the JavaScript `condition` holds, checked in the page every 50 ms."""
        script = ("new Promise(function (done) { var t = setInterval(function () {"
                  f" try {{ if ({condition}) {{ clearInterval(t); done(true); }} }}"
                  " catch (e) {} }, 50); })")
        self.evaluate(script, timeout_s)

    def text(self, selector: str) -> str:
        return str(self.evaluate(
            f"(document.querySelector({json.dumps(selector)}) || {{}}).textContent || ''"))

    def screenshot(self, path: Path) -> Path:
        data = self.browser.send("Page.captureScreenshot", {"format": "png"},
                                 self.session)["data"]
        path.write_bytes(base64.b64decode(data))
        return path
