"""The ticket's page on a phone: a real `kiosk run web` process, Debian's chromium headless
at 390×844, and other processes changing the queue (`kiosk call`), on SQLite and
PostgreSQL. Screenshots go to KIOSK_TEST_SHOTS (a directory) when it is set."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.links import ticket_token
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService
from kiosk.queue.views import TicketView
from tests.conftest import EXAMPLE_CONFIG, PG_URL, ROOT, FakeClock
from tests.support.browser import Browser, Page, chromium_path
from tests.support.web_station import BRANCH_NOW, WebProcess

pytestmark = pytest.mark.slow
needs_chromium = pytest.mark.skipif(chromium_path() is None,
                                    reason="chromium is not installed (make system)")


@pytest.fixture
def writer(db_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    service = QueueService(Database(db_url), settings, clock)
    service.prepare()
    service.open_counter(1)
    yield service
    service.db.dispose()


@pytest.fixture
def web(db_url: str, writer: QueueService, tmp_path: Path) -> Iterator[WebProcess]:
    proc = WebProcess(db_url, tmp_path)
    yield proc
    err = proc.stop()
    assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if chromium_path() is None:
        pytest.skip("chromium is not installed (make system)")
    b = Browser()
    yield b
    b.close()


def link(settings: Settings, t: TicketView) -> str:
    return "/t/" + ticket_token(t.id, t.arrived_at, settings.hash_secret)


def shot(page: Page, name: str, tmp_path: Path) -> Path:
    where = Path(os.environ.get("KIOSK_TEST_SHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    path = page.screenshot(where / f"{name}.png")
    from PIL import Image

    with Image.open(path) as img:
        assert img.size == (780, 1688)  # 390×844 CSS pixels at a phone's 2× density
    return path


def kiosk_call(db_url: str, tmp_path: Path, counter: int) -> None:
    env = {**os.environ, "KIOSK_VAR_DIR": str(tmp_path), "KIOSK_NOW": BRANCH_NOW}
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "call", "--counter", str(counter),
                           "--db", db_url, "--config", str(EXAMPLE_CONFIG)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert done.returncode == 0, done.stderr


def headline_is(text: str) -> str:
    return f"document.getElementById('headline').textContent === {text!r}"


@needs_chromium
def test_the_page_turns_to_the_call_without_a_reload(
        db_url: str, writer: QueueService, web: WebProcess, browser: Browser,
        settings: Settings, tmp_path: Path) -> None:
    first = writer.issue("A", customer_masked="王*明")
    mine = writer.issue("A", customer_masked="李*华")
    db = "pg" if db_url.startswith("postgresql") else "sqlite"

    page = browser.open(web.url.rstrip("/") + link(settings, mine))
    assert page.text("#number") == "A002"
    assert page.text("#headline") == "前面还有 1 人"
    assert re.fullmatch(r"预计等候约 \d+ 分钟", page.text("#detail"))
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.wait_for("document.getElementById('conn').hidden")  # the live stream is open
    body = page.evaluate("document.documentElement.outerHTML")
    assert "王" not in body and "李" not in body
    assert "*" not in page.evaluate("document.body.innerText")
    shot(page, f"web-waiting-zh-{db}", tmp_path)

    page.follow("#lang")
    page.wait_for("document.getElementById('conn').hidden")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.text("#headline") == "1 person ahead of you"
    assert page.text("#service") == "Personal cash"
    shot(page, f"web-waiting-en-{db}", tmp_path)
    page.follow("#lang")
    page.wait_for("document.getElementById('conn').hidden")
    assert page.evaluate("document.documentElement.lang") == "zh-CN"

    page.evaluate("window.sameDocument = 'yes'; window.buzzes = [];"
                  "navigator.vibrate = function (p) { window.buzzes.push(p); return true; }")
    kiosk_call(db_url, tmp_path, 1)  # A001 is called: A002 is next
    page.wait_for(headline_is("下一位就是您"))
    assert page.evaluate("window.buzzes.length") == 0  # moving up is no call
    writer.finish(first.id)
    kiosk_call(db_url, tmp_path, 1)  # counter 1 calls A002
    page.wait_for("document.body.dataset.status === 'called'")
    assert page.text("#headline") == "请到 1 号窗口"
    assert page.text("#detail") == "A002 号请到 1 号窗口办理"
    assert page.evaluate("window.sameDocument") == "yes"  # no reload
    assert page.evaluate("window.buzzes.length") == 1  # the phone vibrates once
    assert page.evaluate("document.getElementById('leave-box').hidden") is True
    shot(page, f"web-called-zh-{db}", tmp_path)
    writer.finish(mine.id)  # done: the page shows it and its stream ends, not reconnecting
    page.wait_for("document.body.dataset.status === 'done'")
    assert any(json.loads(web.get("/healthz")[2])["pages"] == 0 and page.evaluate("1")
               for _ in range(2000))  # (a round trip to the browser between two asks)
    page.evaluate("1")
    assert page.evaluate("document.getElementById('conn').hidden") is True  # no "lost"
    page.close()


@needs_chromium
def test_leaving_my_place_in_the_browser(
        db_url: str, writer: QueueService, web: WebProcess, browser: Browser,
        settings: Settings, tmp_path: Path) -> None:
    mine = writer.issue("A")
    behind = writer.issue("A")
    assert writer.ticket(behind.id).ahead == 1
    page = browser.open(web.url.rstrip("/") + link(settings, mine))
    page.follow("#leave")
    assert "确定离开排队吗" in page.text("body")
    shot(page, "web-leave-confirm-zh", tmp_path)
    page.follow("#confirm-leave")  # a form post, answered by a redirect to the page
    assert page.evaluate("document.body.dataset.status") == "left"
    assert page.text("#headline") == "您已离开排队"
    assert writer.ticket(mine.id).status == "cancelled"
    assert writer.ticket(behind.id).ahead == 0  # the place went to the next customer
    audit = writer.audit_log(5)[0]
    assert (audit.action, audit.ticket_id, audit.actor) == ("leave", mine.id,
                                                            "customer (ticket link)")
    cancel = [e for e in writer.events_since(0) if e.kind == "cancel"][-1]
    assert cancel.ticket_id == mine.id and cancel.payload["by_customer"] is True
    shot(page, "web-left-zh", tmp_path)
    page.close()


def _calm(body: str) -> str:
    return re.sub(r"nonce-[\w-]+|nonce=\"[\w-]+\"", "", body)


@pytest.fixture
def web_next_day(db_url: str, writer: QueueService, tmp_path: Path) -> Iterator[WebProcess]:
    proc = WebProcess(db_url, tmp_path, now="2026-11-25T10:00:00")
    yield proc
    err = proc.stop()
    assert "Traceback" not in err, err


def test_a_bad_link_is_one_calm_page(
        web_next_day: WebProcess, writer: QueueService, settings: Settings,
        clock: FakeClock) -> None:
    web = web_next_day
    yesterday = writer.issue("A")  # yesterday's ticket, with yesterday's valid link
    clock.advance(hours=24)
    today = writer.issue("A")
    secret = settings.hash_secret
    tid = today.id
    reference = web.get("/t/1.0000000000")
    bad = [
        f"/t/{tid}.{'0' * 10}",  # a guessed MAC
        "/t/" + ticket_token(tid, today.arrived_at - timedelta(days=1), secret),  # other day
        link(settings, yesterday),  # yesterday's real link
        "/t/" + ticket_token(999_999, today.arrived_at, secret),  # no such ticket
        f"/t/{tid}.{ticket_token(tid, today.arrived_at, 'another-branch-secret')[-10:]}",
        "/t/1'%20OR%20'1'='1", f"/t/{tid}.abc;DROP%20TABLE%20tickets--",
        "/t/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        f"/t/{tid}.%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E",
        "/t/99999999999999999999999.0123456789", "/t/../../etc/passwd", "/", "/t/",
        f"{link(settings, today)}/../../admin", f"/t/{tid}.{'0' * 10}/events",
        f"/t/{tid}.{'0' * 10}/leave",
    ]
    for path in bad:
        code, headers, body = web.get(path)
        assert code == 404, path
        assert _calm(body) == _calm(reference[2]), path
        assert "此号码链接无效" in body and "This ticket is not valid" in body
        for leaked in ("alert", "onerror", "DROP", "passwd", "admin", "A00", "Traceback"):
            assert leaked not in body, (path, leaked)
        assert "script-src 'nonce-" in headers["content-security-policy"]
    code, _h, body = web.request("POST", f"/t/{tid}.{'0' * 10}/leave")
    assert code == 404 and writer.ticket(tid).status == "waiting"
    assert web.get(link(settings, today))[0] == 200  # and the right link still opens


def test_leave_is_only_for_the_links_own_waiting_ticket(
        web: WebProcess, writer: QueueService, settings: Settings) -> None:
    called, waiting = writer.issue("A"), writer.issue("A")
    writer.call_next(1)
    origin = {"Origin": web.url.rstrip("/")}
    # another site posting the customer's link: refused, nothing changes
    code, _h, _b = web.request("POST", link(settings, waiting) + "/leave",
                               headers={"Origin": "http://evil.example"})
    assert code == 404 and writer.ticket(waiting.id).status == "waiting"
    # a called customer cannot leave from the phone (the teller sees them come or not)
    code, headers, _b = web.request("POST", link(settings, called) + "/leave", headers=origin)
    assert code == 303 and writer.ticket(called.id).status == "called"
    code, headers, body = web.get(link(settings, waiting) + "/leave")
    assert code == 200 and "确定离开" in body and "不，继续排队" in body
    code, headers, _b = web.request("POST", link(settings, waiting) + "/leave", headers=origin)
    assert code == 303 and headers["location"] == "../" + link(settings, waiting)[3:]
    assert writer.ticket(waiting.id).status == "cancelled"
    code, _h, _b = web.request("POST", link(settings, waiting) + "/leave", headers=origin)
    assert code == 303  # twice is harmless
    assert len([a for a in writer.audit_log(10) if a.action == "leave"]) == 1


def test_requests_are_rate_limited_per_client(
        web: WebProcess, writer: QueueService, settings: Settings) -> None:
    path = link(settings, writer.issue("A"))
    codes = [web.get(path)[0] for _ in range(30)]  # the burst
    assert codes == [200] * 30
    code, headers, body = web.get(path)
    assert code == 429 and headers["retry-after"] == "30" and "请稍后再试" in body
    assert web.get("/healthz")[0] == 200  # the doctor is never refused


def test_healthz_says_the_feed_is_online(web: WebProcess, settings: Settings,
                                         writer: QueueService) -> None:
    code, _h, body = web.get("/healthz")
    data = json.loads(body)
    assert code == 200 and data["service"] == "kiosk-web" and data["feed"] == "online"
    assert data["branch"] == settings.branch.code
    # its heartbeat: the manager console lists it with the other stations
    [station] = [s for s in writer.stations() if s.kind == "web"]
    assert station.name == "web" and station.alive and station.state["feed"] == "online"


def test_a_bad_listen_address_is_one_clear_line(db_url: str, writer: QueueService,
                                                tmp_path: Path) -> None:
    import socket

    from tests.support.cli_runner import assert_clear, kiosk

    code, out, err = kiosk(db_url, "run", "web", "--listen", "nowhere")
    assert_clear(code, out, err)
    assert code == 1 and "--listen takes HOST:PORT" in err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, out, err = kiosk(db_url, "run", "web", "--listen", f"127.0.0.1:{port}")
    assert_clear(code, out, err)
    assert code == 1 and f"cannot listen on 127.0.0.1:{port}" in err


@pytest.mark.pg
@needs_chromium
def test_pages_show_reconnecting_while_the_database_is_gone(
        pg_url: str, settings: Settings, clock: FakeClock, browser: Browser,
        tmp_path: Path) -> None:
    from tests.support.tcp_proxy import TcpProxy

    assert PG_URL
    from urllib.parse import urlsplit

    parts = urlsplit(pg_url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    service = QueueService(Database(pg_url), settings, clock)
    service.prepare()
    service.open_counter(1)
    service.issue("A")
    mine = service.issue("A")
    web = WebProcess(proxy.url(pg_url), tmp_path)
    try:
        page = browser.open(web.url.rstrip("/") + link(settings, mine))
        page.wait_for("document.getElementById('conn').hidden")
        proxy.cut()
        page.wait_for("!document.getElementById('conn').hidden && document.getElementById"
                      "('conn-text').textContent === '正在重新连接排队系统…'", timeout_s=20)
        shot(page, "web-reconnecting-zh-pg", tmp_path)
        service.call_next(1)  # the first ticket is called while the station is cut off
        proxy.restore()
        page.wait_for("document.getElementById('conn').hidden && "
                      + headline_is("下一位就是您"), timeout_s=30)
        page.close()
    finally:
        err = web.stop()
        proxy.close()
        service.db.dispose()
    assert "Traceback" not in err, err


@needs_chromium
def test_kiosk_screenshots_saves_the_phone_page_in_each_state(
        settings: Settings, tmp_path: Path) -> None:
    from PIL import Image

    from kiosk.web.screenshots import save_phone_screens

    (tmp_path / "work").mkdir()
    paths = save_phone_screens(settings, tmp_path / "work", tmp_path)
    assert sorted(p.name for p in paths) == sorted(
        [f"{s}-{lang}.png" for s in ("waiting", "called", "no-show") for lang in ("zh", "en")]
        + ["not-valid.png"])
    for path in paths:
        with Image.open(path) as img:
            assert img.size == (780, 1688)
            lo, hi = img.convert("L").getextrema()
            assert hi - lo > 100, f"{path.name} is blank"


def test_behind_a_trusted_proxy_each_phone_has_its_own_limit_and_may_leave(
        db_url: str, writer: QueueService, settings: Settings, tmp_path: Path) -> None:
    web = WebProcess(db_url, tmp_path, "--trusted-proxy", "127.0.0.1")
    try:
        path = link(settings, writer.issue("A"))
        phone = {"X-Forwarded-For": "192.168.10.21"}
        assert [web.get(path, headers=phone)[0] for _ in range(31)][-1] == 429
        assert web.get(path, headers={"X-Forwarded-For": "192.168.10.22"})[0] == 200
        # the proxy passes its own Host on; the phone's Origin is the QR codes' address
        mine = writer.issue("A")
        prefix = settings.printer.qr_url_prefix
        origin = prefix[:prefix.index("/", len("https://"))]
        code, _h, _b = web.request("POST", link(settings, mine) + "/leave",
                                   headers={"Origin": origin, "Host": "127.0.0.1:1"})
        assert code == 303 and writer.ticket(mine.id).status == "cancelled"
        # /healthz goes by the forwarded address: the figures for the LAN, ok for the world
        lan = web.get("/healthz", headers={"X-Forwarded-For": "192.168.10.21"})[2]
        world = web.get("/healthz", headers={"X-Forwarded-For": "223.5.5.5"})[2]
        assert '"branch"' in lan and world == '{"ok":true}'
    finally:
        assert "Traceback" not in web.stop()


@needs_chromium
def test_the_page_shows_markup_as_text_first_and_live(
        db_url: str, writer: QueueService, web: WebProcess, browser: Browser,
        settings: Settings) -> None:
    writer.staff.add("M001", "张经理", "manager", "2468")
    manager = writer.login("M001", "2468", role="manager")
    evil = '<img src=x onerror="window.pwned=1">&amp;</script>'
    writer.set_notice(evil, evil, actor=manager, reason="test")
    mine = writer.issue("A")
    code, _h, html = web.get(link(settings, mine))
    assert code == 200 and "<img" not in html and "&lt;img src=x" in html
    page = browser.open(web.url.rstrip("/") + link(settings, mine))
    page.wait_for("document.getElementById('conn').hidden")
    assert page.text("#notice") == evil
    later = evil.replace("img", "svg onload=window.pwned=2")
    writer.set_notice(later, later, actor=manager, reason="test")  # pushed live
    page.wait_for(f"document.getElementById('notice').textContent === {later!r}")
    assert page.evaluate("document.querySelectorAll('#notice *').length") == 0
    assert page.evaluate("typeof window.pwned") == "undefined"
    page.close()
