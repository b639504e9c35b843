"""What the phone page says (pure): every state in both languages, no customer data; and
the per-client rate limit's arithmetic."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from kiosk.config import Settings
from kiosk.queue.tickets import LEFT_OUTCOME
from kiosk.queue.views import TicketView
from kiosk.web.app import RateLimit
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
