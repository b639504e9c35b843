"""The web station's application: Starlette routes over the queue service and the hub.

    GET  /t/<id>.<mac>          the ticket's page (?lang=en for English)
    GET  /t/<id>.<mac>/events   its live updates (Server-Sent Events)
    GET  /t/<id>.<mac>/leave    "leave my place?" (one confirmation)
    POST /t/<id>.<mac>/leave    leave the queue (the queue checks the MAC again)
    GET  /healthz               for `kiosk doctor` and monitoring (its figures for loopback
                                and LAN addresses only; anyone else: {"ok": true|false})

Anything else, a wrong or guessed MAC, another day's ticket or an unknown id is one calm
"this ticket is not valid" page with status 404; nothing from the request is echoed and
every value a page shows goes through Jinja2's autoescaping. Requests are rate-limited per
client address (a token bucket, an IPv6 client by its /64; over the limit: 429). A database
that does not answer is a calm 503 page and one warning line now and then.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import resource
import secrets
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from kiosk.config import Settings
from kiosk.errors import IllegalTransition, NotFound
from kiosk.links import parse_token, token_matches
from kiosk.queue.db import describe_database_error, is_database_error
from kiosk.web.hub import PageHub
from kiosk.web.page import page_state

if TYPE_CHECKING:
    from kiosk.queue.service import QueueService
    from kiosk.queue.views import TicketView

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
KEEPALIVE_S = 15.0
REQUESTS_PER_MINUTE = 60
BURST = 30
MAX_STREAMS = 5000  # open pages at once (each costs a socket and a few kilobytes)
STREAMS_SHARE = 0.4  # of the open-file limit: the rest for the database, templates, requests
DB_WARNING_EVERY_S = 30.0  # "the database does not answer": one log line at most this often

WORDS = {
    "zh": {"your_number": "您的号码", "leave": "离开排队（我不来了）",
           "leave_question": "确定离开排队吗？",
           "leave_detail": "离开后此号码作废，您的位置让给后面的客户；如需办理请重新取号。",
           "leave_confirm": "确定离开", "stay": "不，继续排队", "refresh": "刷新",
           "auto": "本页自动更新", "lost": "连接已断开，正在重试…",
           "reconnecting": "正在重新连接排队系统…", "switch": "English"},
    "en": {"your_number": "Your number", "leave": "Leave the queue (I'm not coming)",
           "leave_question": "Leave the queue?",
           "leave_detail": "Your number will no longer be called and your place goes to the "
                           "next customer; take a new number if you come back.",
           "leave_confirm": "Yes, leave", "stay": "No, keep my place", "refresh": "Refresh",
           "auto": "This page updates by itself", "lost": "Connection lost, retrying…",
           "reconnecting": "Reconnecting to the queue…", "switch": "中文"},
}


@dataclass(frozen=True)
class WebOptions:
    station: str = "web"
    requests_per_minute: int = REQUESTS_PER_MINUTE  # per client address; 0: no limit
    burst: int = BURST
    max_streams: int | None = None  # None: from the open-file limit (stream_cap)
    keepalive_s: float = KEEPALIVE_S


def stream_cap(open_files: int) -> int:
    """How many pages may stream at once with `open_files` file descriptors: each is a
    socket, and the database, the templates and plain requests need theirs."""
    return max(1, min(MAX_STREAMS, int(open_files * STREAMS_SHARE)))


def client_key(host: str) -> str:
    """The rate limit's key for a client address: an IPv6 client by its /64 (a phone
    rotates its address within it), an IPv4 one (or IPv4-mapped IPv6) by its address."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return host


class RateLimit:
    """Per-client token buckets (pure ASGI middleware): `burst` requests at once, then
    `per_minute`; over it, a calm 429 page. `/healthz` is not counted.

    The table holds at most `max_clients` buckets, least recently seen first: each
    request costs O(1), and past the bound the client seen longest ago is forgotten (its
    bucket has mostly refilled by then)."""

    def __init__(self, app: ASGIApp, per_minute: int, burst: int,
                 refused: Callable[[], Response], clock: Callable[[], float] = time.monotonic,
                 max_clients: int = 100_000) -> None:
        self.app, self.per_s, self.burst = app, per_minute / 60.0, float(burst)
        self.refused, self.clock, self.max_clients = refused, clock, max_clients
        # client key -> (tokens, at), least recently seen first
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self.refusals = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.per_s <= 0 or scope["path"] == "/healthz":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        if not self.allow(client):
            self.refusals += 1
            await self.refused()(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def allow(self, client: str) -> bool:
        now, key, buckets = self.clock(), client_key(client), self.buckets
        bucket = buckets.get(key)
        if bucket is None:
            tokens, at = self.burst, now
        else:
            tokens, at = bucket
            buckets.move_to_end(key)
        tokens = min(self.burst, tokens + (now - at) * self.per_s)
        allowed = tokens >= 1.0
        buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(buckets) > self.max_clients:
            buckets.popitem(last=False)
        return allowed


Handler = Callable[["WebStation", Request], Awaitable[Response]]


def _calm_when_database_lost(handler: Handler) -> Handler:
    """The handler, answering the calm 503 page when the database is lost (one warning
    line now and then, no traceback per request)."""

    @functools.wraps(handler)
    async def run(station: WebStation, request: Request) -> Response:
        try:
            return await handler(station, request)
        except Exception as exc:
            if not is_database_error(exc):
                raise
            return station.database_lost(exc)

    return run


def is_local(host: str) -> bool:
    """A loopback or private (LAN) address: the bank's own network."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private


class WebStation:
    """The application and what it holds: the queue service, the hub, the templates."""

    def __init__(self, service: QueueService, settings: Settings,
                 options: WebOptions | None = None,
                 on_ready: Callable[[], None] | None = None) -> None:
        self.on_ready = on_ready
        self.service, self.settings = service, settings
        self.options = options or WebOptions()
        self.hub = PageHub(service, settings, self.render_state)
        self.env = Environment(loader=FileSystemLoader(TEMPLATES),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        self.streams = 0
        self.max_streams = self.options.max_streams or stream_cap(
            resource.getrlimit(resource.RLIMIT_NOFILE)[0])
        self.closing = False
        self.started = time.time()
        self.warned_at: float | None = None  # the last "database does not answer" line
        routes = [
            Route("/t/{token}", self.ticket_page, methods=["GET", "HEAD"]),
            Route("/t/{token}/events", self.events, methods=["GET"]),
            Route("/t/{token}/leave", self.leave_page, methods=["GET", "HEAD"]),
            Route("/t/{token}/leave", self.leave, methods=["POST"]),
            Route("/healthz", self.healthz, methods=["GET", "HEAD"]),
        ]
        app = Starlette(routes=routes, lifespan=self._lifespan,
                        exception_handlers={HTTPException: self._http_error,
                                            Exception: self._server_error})
        self.limit = RateLimit(app, self.options.requests_per_minute, self.options.burst,
                               self._too_many)
        self.app: ASGIApp = self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)

    @contextlib.asynccontextmanager
    async def _lifespan(self, _app: Starlette) -> AsyncIterator[None]:
        self.hub.start(asyncio.get_running_loop())
        await run_in_threadpool(self.hub.first_attempt.wait, 5.0)
        if self.on_ready is not None:
            await run_in_threadpool(self.on_ready)
        try:
            yield
        finally:
            await run_in_threadpool(self.hub.stop)

    # --- what a page shows ------------------------------------------------------------

    def render_state(self, view: TicketView, notice: tuple[str, str]) -> dict[str, Any]:
        return page_state(view, self.settings, notice).as_dict()

    def _html(self, template: str, lang: str, code: int = 200, /, **context: Any) -> Response:
        nonce = secrets.token_urlsafe(12)
        b = self.settings.branch
        html = self.env.get_template(template).render(
            lang_tag="en" if lang == "en" else "zh-CN", nonce=nonce,
            branch=b.name_en if lang == "en" else b.name_zh, w=WORDS[lang], **context)
        return HTMLResponse(html, status_code=code, headers={
            "Content-Security-Policy": f"default-src 'none'; script-src 'nonce-{nonce}'; "
                                       f"style-src 'nonce-{nonce}'; connect-src 'self'; "
                                       "form-action 'self'; base-uri 'none'; "
                                       "frame-ancestors 'none'",
            "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff"})

    def not_valid(self, status: int = 404) -> Response:
        """The one page for every link that does not open a ticket."""
        return self._html("message.html", "zh", status, title="号码无效 · Not valid",
                          status="invalid", switch_href="",
                          headline_zh="此号码链接无效", headline_en="This ticket is not valid",
                          detail_zh="请扫描今天取号凭条上的二维码，或咨询大堂经理。",
                          detail_en="Please scan the QR code on today's ticket, or ask the "
                                    "lobby manager.")

    def _too_many(self) -> Response:
        response = self._html("message.html", "zh", 429, title="请稍后 · Please wait",
                              status="busy", switch_href="",
                              headline_zh="请稍后再试", headline_en="Please try again shortly",
                              detail_zh="刷新太频繁了，请稍等一分钟。",
                              detail_en="Too many refreshes; please wait a minute.")
        response.headers["Retry-After"] = "30"
        return response

    async def _http_error(self, request: Request, exc: Exception) -> Response:
        code = getattr(exc, "status_code", 404)
        return self.not_valid(405 if code == 405 else 404)

    async def _server_error(self, request: Request, exc: Exception) -> Response:
        return self.unavailable()

    def database_lost(self, exc: BaseException) -> Response:
        now = time.monotonic()
        if self.warned_at is None or now - self.warned_at >= DB_WARNING_EVERY_S:
            self.warned_at = now
            log.warning("web station: the database does not answer, pages say \"not "
                        "available just now\" (%s)",
                        describe_database_error(exc) or type(exc).__name__)
        return self.unavailable()

    def unavailable(self) -> Response:
        return self._html("message.html", "zh", 503, title="请稍后 · Please wait",
                          status="error", switch_href="",
                          headline_zh="暂时无法显示", headline_en="Not available just now",
                          detail_zh="请稍后刷新，或留意大堂叫号。",
                          detail_en="Please refresh in a moment, or listen for your number "
                                    "in the hall.")

    # --- the ticket behind a link --------------------------------------------------------

    async def _ticket(self, token: str, forecast: bool = False) -> TicketView | None:
        """Today's ticket whose link this is, else None (the same for every wrong link);
        with people ahead and the estimate when `forecast`."""
        parsed = parse_token(token)
        if parsed is None:
            return None
        ticket_id, mac = parsed
        svc = self.service
        try:
            view = await run_in_threadpool(partial(svc.ticket, ticket_id,
                                                   with_forecast=False))
        except NotFound:
            return None
        if view.business_day != svc.business_day(svc.now()):
            return None
        if not token_matches(view.id, view.arrived_at, mac, self.settings.hash_secret):
            return None
        return await run_in_threadpool(svc.with_forecast, view) if forecast else view

    @staticmethod
    def _lang(request: Request) -> str:
        return "en" if request.query_params.get("lang") == "en" else "zh"

    @_calm_when_database_lost
    async def ticket_page(self, request: Request) -> Response:
        token = request.path_params["token"]
        view = await self._ticket(token, forecast=True)
        if view is None:
            return self.not_valid()
        lang = self._lang(request)
        notice = await run_in_threadpool(self.service.notice)
        state = self.render_state(view, notice)
        t = state[lang]
        return self._html("ticket.html", lang, title=f"{view.number} · {t['status']}",
                          status=state["status"], state=state, t=t, token=token,
                          notice=state["notice_en" if lang == "en" else "notice_zh"],
                          words={"lost": WORDS[lang]["lost"],
                                 "reconnecting": WORDS[lang]["reconnecting"]},
                          **_language_links(lang, token))

    @_calm_when_database_lost
    async def leave_page(self, request: Request) -> Response:
        token = request.path_params["token"]
        view = await self._ticket(token)
        if view is None:
            return self.not_valid()
        lang = self._lang(request)
        if view.status != "waiting":
            return RedirectResponse(f"../{token}{'?lang=en' if lang == 'en' else ''}", 303)
        state = self.render_state(view, ("", ""))
        return self._html("leave.html", lang, title=WORDS[lang]["leave_question"],
                          status="leave", state=state, t=state[lang], token=token,
                          **_language_links(lang, "leave"))

    @_calm_when_database_lost
    async def leave(self, request: Request) -> Response:
        token = request.path_params["token"]
        parsed = parse_token(token)
        if parsed is None or not _same_origin(request, self.settings.printer.qr_url_prefix):
            return self.not_valid()
        try:
            await run_in_threadpool(self.service.leave, *parsed)
        except NotFound:
            return self.not_valid()
        except IllegalTransition:
            pass  # called meanwhile, or already gone: the page shows where it stands
        lang = "?lang=en" if self._lang(request) == "en" else ""
        return RedirectResponse(f"../{token}{lang}", 303)

    # --- the live stream -----------------------------------------------------------------

    @_calm_when_database_lost
    async def events(self, request: Request) -> Response:
        view = await self._ticket(request.path_params["token"])
        if view is None:
            return self.not_valid()
        if self.streams >= self.max_streams:
            return self._too_many()
        return StreamingResponse(self._stream(view.id, view.business_day),
                                 media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    def _today(self, day: date) -> bool:
        svc = self.service
        return day == svc.business_day(svc.now())

    async def _stream(self, ticket_id: int, day: date) -> AsyncIterator[str]:
        """The page's updates. It ends ("event: end") once the ticket's state is final
        (data: final; the page keeps showing it), when the business day is over (data:
        day; the page reloads) or when a newer page on the ticket replaced it."""
        hub, keepalive = self.hub, self.options.keepalive_s
        sub = hub.subscribe(ticket_id)
        self.streams += 1
        try:
            yield "retry: 3000\n\n"
            while True:
                try:
                    async with asyncio.timeout(keepalive):  # no task per wait (wait_for's)
                        await sub.changed.wait()
                except TimeoutError:
                    if not self._today(day):
                        yield "event: end\ndata: day\n\n"
                        return
                    yield "event: ping\ndata: \n\n"
                    continue
                if self.closing:
                    return
                if sub.ended:
                    yield f"event: end\ndata: {sub.ended}\n\n"
                    return
                for kind, data in sub.take():
                    yield f"event: {kind}\ndata: {data}\n\n"
                if sub.sent_final:
                    yield "event: end\ndata: final\n\n"
                    return
                if not self._today(day):
                    yield "event: end\ndata: day\n\n"
                    return
        finally:
            self.streams -= 1
            hub.unsubscribe(sub)

    def close_streams(self) -> None:
        """End every page's stream (the station is stopping; the pages reconnect)."""
        self.closing = True
        self.hub.wake_all()

    # --- health ----------------------------------------------------------------------------

    async def healthz(self, request: Request) -> Response:
        """The full figures for the bank's own network (behind --trusted-proxy uvicorn
        puts the phone's forwarded address in the request); anyone else: only ok."""
        hub = self.hub
        code = 200 if hub.online else 503
        client = request.client.host if request.client else ""
        if not is_local(client):
            return JSONResponse({"ok": hub.online}, status_code=code,
                                headers={"Cache-Control": "no-store"})
        body = {"service": "kiosk-web", "branch": self.settings.branch.code,
                "station": self.options.station, "feed": "online" if hub.online else "offline",
                "pages": self.streams, "last_event_id": hub.last_event_id,
                "uptime_s": round(time.time() - self.started)}
        return JSONResponse(body, status_code=code,
                            headers={"Cache-Control": "no-store"})


def _language_links(lang: str, page: str) -> dict[str, str]:
    """A page's links in its language (`lang_query`) and its link to the other language."""
    other = "zh" if lang == "en" else "en"
    return {"lang_query": "?lang=en" if lang == "en" else "",
            "switch_href": f"{page}?lang={other}", "switch_label": WORDS[lang]["switch"]}


def _same_origin(request: Request, qr_url_prefix: str) -> bool:
    """A form post from this station's own page (browsers send Origin with a POST): the
    address the request came to, or the QR codes' address (a reverse proxy in front of
    the station may pass its own Host on)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return request.headers.get("sec-fetch-site") in (None, "same-origin")
    parts = urlsplit(qr_url_prefix)
    published = f"{parts.scheme}://{parts.netloc}" if parts.netloc else None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host or origin == published

