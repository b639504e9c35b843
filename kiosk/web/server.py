"""uvicorn around the web station, its listening socket and its heartbeat.

The socket is bound here, before uvicorn starts, so a port in use is one clear error and
port 0 gives a free port (the demo, the tests); uvicorn then serves on it.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

import uvicorn

from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.web.app import WebOptions, WebStation

if TYPE_CHECKING:
    from kiosk.queue.service import QueueService

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0


def raise_open_file_limit() -> int:
    """Raise this process's open-file soft limit to its hard limit (Debian starts it at
    1024: a thousand open pages would exhaust it); returns the soft limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            log.warning("cannot raise the open-file limit from %d: %s", soft, exc)
            return soft
        return target
    return soft


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT ("0.0.0.0:8080", "[::]:8080", ":8080" for every address)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise KioskError(f"--listen takes HOST:PORT like 0.0.0.0:8080, not {text!r}")
    host = host.strip("[]") or "0.0.0.0"
    return host, int(port)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise KioskError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class _Server(uvicorn.Server):
    """uvicorn's server, which first ends the pages' streams when it shuts down (they
    reconnect to the next station start; uvicorn would otherwise wait for them)."""

    def __init__(self, config: uvicorn.Config, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self.on_shutdown = on_shutdown

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.on_shutdown()
        await asyncio.sleep(0)  # let the streams see it and close
        await super().shutdown(sockets)


class WebServer:
    """One web station: `run()` in the foreground (`kiosk run web`) or `start()` in a
    thread (`kiosk demo`), `stop()` from anywhere."""

    def __init__(self, service: QueueService, settings: Settings, listen: str,
                 options: WebOptions | None = None, heartbeat_s: float = HEARTBEAT_S,
                 on_ready: Callable[[WebServer], None] | None = None,
                 trusted_proxies: tuple[str, ...] = ()) -> None:
        """`on_ready` is called once the station serves and its feed is open (or has
        failed once: pages then show "reconnecting" until it is back)."""
        self.service = service
        self.options = options or WebOptions()
        self._first_beat = threading.Event()

        def ready() -> None:  # the console lists the station from its first heartbeat on
            self._first_beat.wait(5.0)
            if on_ready is not None:
                on_ready(self)

        raise_open_file_limit()  # before the station sizes its stream cap from it
        self.station = WebStation(service, settings, self.options, on_ready=ready)
        host, port = parse_listen(listen)
        self.sock = bind(host, port)
        self.host, self.port = host, self.sock.getsockname()[1]
        self.heartbeat_s = heartbeat_s
        self._stop = threading.Event()
        # behind the bank's reverse proxy the phone's address is in X-Forwarded-For, trusted
        # only from the proxies named (the rate limit counts per phone, not per proxy)
        config = uvicorn.Config(self.station, log_level="warning", access_log=False,
                                proxy_headers=bool(trusted_proxies),
                                forwarded_allow_ips=",".join(trusted_proxies) or None,
                                server_header=False, lifespan="on",
                                timeout_graceful_shutdown=1, backlog=2048, http="h11",
                                ws="none", loop="asyncio")
        self.server = _Server(config, self.station.close_streams)
        self._thread: threading.Thread | None = None
        self._beat: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else \
            "[::1]" if self.host == "::" else self.host
        return f"http://{host}:{self.port}/"

    def run(self) -> None:
        self._start_heartbeat()
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self._stop.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(
            self.server.serve(sockets=[self.sock])), name="web-station", daemon=True)
        self._thread.start()
        self._start_heartbeat()

    def stop(self) -> None:
        self._stop.set()
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.sock.close()

    def _start_heartbeat(self) -> None:
        self._beat = threading.Thread(target=self._heartbeats, name="web-heartbeat",
                                      daemon=True)
        self._beat.start()

    def _heartbeats(self) -> None:
        """The console's station list sees the web station like any other (a write on a
        thread of its own: a hung database never holds up a page)."""
        self.station.hub.first_attempt.wait(5.0)  # the first beat says how the feed is
        while True:
            hub = self.station.hub
            try:
                self.service.heartbeat(self.options.station, "web", {
                    "listen": f"{self.host}:{self.port}", "pages": self.station.streams,
                    "feed": "online" if hub.online else "offline",
                    "rate_limited": self.station.limit.refusals})
            except Exception as exc:  # the database is down: the feed says so to the pages
                log.info("web heartbeat not written: %s", exc)
            self._first_beat.set()
            if self._stop.wait(self.heartbeat_s):
                return
