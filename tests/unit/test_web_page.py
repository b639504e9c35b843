"""What the phone page says (pure): every state in both languages, no customer data; and
the per-client rate limit's arithmetic."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import replace
from datetime import date, datetime
from typing import Any, NoReturn

import pytest
from sqlalchemy.exc import OperationalError

from kiosk.config import Settings
from kiosk.links import ticket_token
from kiosk.queue.tickets import LEFT_OUTCOME
from kiosk.queue.views import TicketView
from kiosk.web.app import RateLimit, WebStation
from kiosk.web.page import page_state

AT = datetime(2026, 11, 24, 10, 0)


def view(**kw: object) -> TicketView:
    base = TicketView(id=7, number="A007", service="A", service_name_zh="个人现金",
                      service_name_en="Personal cash", tier="gold", tier_name_zh="黄金",
                      tier_name_en="Gold", status="waiting", business_day=date(2026, 11, 24),
                      arrived_at=AT, customer_masked="王*明", counter=None, called_at=None,
                      recalls=0, outcome="", ahead=3, estimated_wait_s=430)
    return replace(base, **kw)  # type: ignore[arg-type]


def test_waiting_shows_people_ahead_and_the_kiosks_estimate(settings: Settings) -> None:
    s = page_state(view(), settings, ("", ""))
    assert (s.zh.headline, s.zh.detail) == ("前面还有 3 人", "预计等候约 8 分钟")
    assert (s.en.headline, s.en.detail) == ("3 people ahead of you", "About 8 min wait")
    assert s.can_leave and s.cue == "" and s.wait_min == 8
    assert s.notice_zh == settings.printer.notice_zh  # no branch notice posted: the ticket's
    assert page_state(view(ahead=0), settings, ("", "")).zh.headline == "下一位就是您"
    none = page_state(view(ahead=None, estimated_wait_s=None), settings, ("今日", "Today"))
    assert "暂无窗口" in none.zh.detail and none.notice_en == "Today"


def test_called_names_the_counter_and_cues_again_on_a_recall(settings: Settings) -> None:
    called = view(status="called", counter=3, called_at=AT, ahead=None)
    s = page_state(called, settings, ("", ""))
    assert s.zh.headline == "请到 3 号窗口" and s.en.headline == "Please go to Counter 3"
    assert not s.can_leave and s.cue
    again = page_state(replace(called, recalls=1), settings, ("", ""))
    assert again.cue != s.cue and "再次呼叫" in again.zh.detail


def test_every_state_says_what_to_do_and_nothing_about_the_customer(
        settings: Settings) -> None:
    for status, outcome, word in (("serving", "", "办理中"), ("suspended", "", "暂停"),
                                  ("done", "served", "已完成"), ("no_show", "no-show", "过号"),
                                  ("cancelled", "wrong service", "已取消"),
                                  ("cancelled", LEFT_OUTCOME, "已离开")):
        s = page_state(view(status=status, outcome=outcome, counter=2), settings, ("", ""))
        assert s.zh.status == word and s.en.headline and s.zh.detail
        assert "王" not in str(s.as_dict()) and "gold" not in str(s.as_dict()).lower()
    no_show = page_state(view(status="no_show", counter=2), settings, ("", ""))
    assert "大堂经理" in no_show.zh.detail and "kiosk" in no_show.en.detail


def test_the_rate_limit_allows_a_burst_then_the_rate() -> None:
    now = [0.0]
    limit = RateLimit(lambda *a: None, per_minute=60, burst=5,  # type: ignore[arg-type]
                      refused=lambda: None, clock=lambda: now[0])  # type: ignore[arg-type,return-value]
    assert [limit.allow("10.0.0.1") for _ in range(6)] == [True] * 5 + [False]
    assert limit.allow("10.0.0.2")  # another phone has its own bucket
    now[0] += 1.0  # one request a second comes back
    assert limit.allow("10.0.0.1") and not limit.allow("10.0.0.1")


def test_the_rate_limit_table_stays_bounded_and_costs_the_same_per_request() -> None:
    now = [0.0]
    limit = RateLimit(lambda *a: None, per_minute=60, burst=5,  # type: ignore[arg-type]
                      refused=lambda: None, clock=lambda: now[0],  # type: ignore[arg-type,return-value]
                      max_clients=1000)
    table = limit.buckets
    for i in range(200_000):  # every bucket recent: none has refilled
        now[0] += 0.0001
        assert limit.allow(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}")
        assert len(table) <= 1000
    assert limit.buckets is table  # never rebuilt inside a request
    assert "10.3.13.63" in table and "10.0.0.0" not in table  # the oldest were forgotten


def test_the_rate_limit_counts_an_ipv6_phone_by_its_64() -> None:
    limit = RateLimit(lambda *a: None, per_minute=60, burst=3,  # type: ignore[arg-type]
                      refused=lambda: None, clock=lambda: 0.0)  # type: ignore[arg-type,return-value]
    rotating = [f"2001:db8:1:2::{n:x}" for n in range(1, 5)]  # one phone's /64
    assert [limit.allow(a) for a in rotating] == [True] * 3 + [False]
    assert limit.allow("2001:db8:1:3::1")  # the next /64 is another client
    assert list(limit.buckets) == ["2001:db8:1:2::/64", "2001:db8:1:3::/64"]
    assert limit.allow("::ffff:10.0.0.9") and "10.0.0.9" in limit.buckets


def asgi(app: Any, path: str, method: str = "GET",
         client: str = "127.0.0.1") -> tuple[int, bytes]:
    """One request straight into the ASGI application (no server, no lifespan)."""
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        elif message["type"] == "http.response.body":
            out["body"] += message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": [(b"host", b"q.example")],
             "client": (client, 40000), "server": ("127.0.0.1", 8080)}
    asyncio.run(app(scope, receive, send))
    return out["status"], out["body"]


class LostDatabase:
    """A queue service whose database is gone: every read raises what SQLAlchemy raises."""

    def ticket(self, *a: object, **kw: object) -> NoReturn:
        raise OperationalError("SELECT", {}, ConnectionError("server closed the connection"))

    leave = notice = ticket


def test_a_lost_database_is_the_calm_page_and_one_warning_not_a_traceback(
        settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    station = WebStation(LostDatabase(), settings)  # type: ignore[arg-type]
    token = ticket_token(7, AT, settings.hash_secret)
    with caplog.at_level(logging.WARNING):
        for method, path in (("GET", f"/t/{token}"), ("GET", f"/t/{token}/leave"),
                             ("GET", f"/t/{token}/events"), ("POST", f"/t/{token}/leave")):
            status, body = asgi(station, path, method)
            assert status == 503 and "Not available just now" in body.decode(), path
    lines = [r for r in caplog.records if r.name.startswith("kiosk.web")]
    assert len(lines) == 1 and "does not answer" in lines[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)


def test_healthz_tells_the_figures_only_to_the_banks_own_network(settings: Settings) -> None:
    station = WebStation(LostDatabase(), settings)  # type: ignore[arg-type]
    for lan in ("127.0.0.1", "10.0.0.7", "192.168.1.20", "::1", "fd00::5"):
        status, body = asgi(station, "/healthz", client=lan)
        full = json.loads(body)
        assert status == 503 and full["branch"] == settings.branch.code and "pages" in full
    for outside in ("223.5.5.5", "2400:3200::1", "?"):
        status, body = asgi(station, "/healthz", client=outside)
        assert (status, json.loads(body)) == (503, {"ok": False}), outside


def test_doctor_passes_on_the_short_health_answer_from_outside_the_lan(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import urllib.request
    from types import SimpleNamespace

    from kiosk.commands.device_cmds import _web_check

    ours = replace(settings, printer=replace(settings.printer,
                                             qr_url_prefix="https://q.bank.test/sh/t/"))
    answers = {"ok": True}
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout: io.BytesIO(json.dumps(answers).encode()))
    check = _web_check(SimpleNamespace(settings=ours))  # type: ignore[arg-type]
    assert check.result == "ok" and "LAN only" in check.detail, check
    answers = {"ok": False}
    assert _web_check(SimpleNamespace(settings=ours)).failed  # type: ignore[arg-type]
