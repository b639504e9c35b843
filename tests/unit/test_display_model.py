"""The display model: what the hall and counter displays show, and which calls they speak."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kiosk.config import Settings
from kiosk.queue.feed import CallRecord, CounterStatus, FeedEvent, ServiceStatus, Snapshot
from kiosk.ui.display import DisplayModel, latest_call_per_counter

AT = datetime(2026, 11, 24, 10, 0)


def ev(event_id: int, kind: str, ticket_id: int | None = None, counter: int | None = None,
       **payload: Any) -> FeedEvent:
    return FeedEvent(event_id, AT, kind, ticket_id, counter, payload)


def called(event_id: int, number: str, counter: int, ticket_id: int = 0) -> FeedEvent:
    return ev(event_id, "called", ticket_id or event_id, counter, number=number, service="A")


def snapshot(last: int, calls: tuple[CallRecord, ...] = (), notice: tuple[str, str] = ("", ""),
             counters: tuple[CounterStatus, ...] = ()) -> Snapshot:
    services = (ServiceStatus("A", "个人现金", "Personal cash", 3, 720, True, (1, 2)),)
    return Snapshot(last, date(2026, 11, 24), services, counters, calls, *notice)


def test_a_call_shows_big_in_the_recent_list_and_on_its_counter(settings: Settings) -> None:
    model = DisplayModel(settings)
    new = model.apply([called(5, "A023", 3, ticket_id=17)])
    assert [(c.number, c.counter, c.recall) for c in new] == [("A023", 3, False)]
    text = model.latest_text()
    assert text is not None
    assert text.zh == "请 A023 号 到 3 号窗口"
    assert text.en == "Number A023, please go to counter 3"
    assert [c.number for c in model.recent] == ["A023"]
    assert model.counter(3).ticket_number == "A023"


def test_each_call_is_spoken_once_even_if_delivered_twice(settings: Settings) -> None:
    model = DisplayModel(settings)
    events = [called(5, "A023", 3), called(6, "B001", 1)]
    assert [c.number for c in model.apply(events)] == ["A023", "B001"]
    assert model.apply(events) == []
    assert [c.number for c in model.recent] == ["B001", "A023"]


def test_a_recall_is_spoken_again_and_marked(settings: Settings) -> None:
    model = DisplayModel(settings)
    model.apply([called(5, "A023", 3, ticket_id=17)])
    again = model.apply([ev(6, "recall", 17, 3, number="A023")])
    assert [(c.number, c.recall) for c in again] == [("A023", True)]
    text = model.latest_text()
    assert text is not None and text.recall


def test_a_snapshot_running_ahead_does_not_swallow_a_call(settings: Settings) -> None:
    """The full state can be read after events the reader has not delivered yet."""
    model = DisplayModel(settings)
    model.load(snapshot(9, calls=(CallRecord(9, "A024", 2, False, AT),)))
    spoken = model.apply([called(9, "A024", 2)])
    assert [c.number for c in spoken] == ["A024"]
    assert [c.number for c in model.recent] == ["A024"]  # not twice


def test_finish_frees_the_counter_and_pause_shows_paused(settings: Settings) -> None:
    model = DisplayModel(settings)
    model.apply([ev(1, "counter_open", counter=3, status="open"),
                 called(2, "A023", 3, ticket_id=17)])
    assert model.counter(3).status == "open"
    model.apply([ev(3, "finish", 17, 3, number="A023")])
    assert model.counter(3).ticket_number is None
    model.apply([ev(4, "counter_pause", counter=3, status="paused")])
    assert model.counter(3).status == "paused"


def test_a_counter_shows_serving_once_the_customer_has_come(settings: Settings) -> None:
    model = DisplayModel(settings)
    model.apply([called(1, "A023", 3, ticket_id=17)])
    assert not model.counter(3).serving  # called: still waiting for the customer
    model.apply([ev(2, "start", 99, 3)])  # another ticket's start changes nothing here
    assert not model.counter(3).serving
    model.apply([ev(3, "start", 17, 3)])
    assert model.counter(3).serving
    model.apply([called(4, "A024", 3, ticket_id=18)])
    assert not model.counter(3).serving and model.counter(3).ticket_number == "A024"
    model.apply([ev(5, "start", 18, 3), ev(6, "finish", 18, 3)])
    assert not model.counter(3).serving and model.counter(3).ticket_number is None


def test_finishing_an_older_ticket_keeps_the_counters_current_one(settings: Settings) -> None:
    model = DisplayModel(settings)
    model.apply([called(2, "A023", 3, ticket_id=17), called(3, "A024", 3, ticket_id=18)])
    model.apply([ev(4, "cancel", 17, 3, number="A023")])
    assert model.counter(3).ticket_number == "A024"


def test_the_managers_notice_replaces_the_configured_one(settings: Settings) -> None:
    model = DisplayModel(settings)
    assert model.notice == (settings.display.notice_zh, settings.display.notice_en)
    model.apply([ev(1, "notice", zh="今日外币业务暂停", en="No foreign currency today")])
    assert model.notice == ("今日外币业务暂停", "No foreign currency today")


def test_a_new_business_day_clears_the_calls(settings: Settings) -> None:
    model = DisplayModel(settings)
    model.apply([called(2, "A023", 3)])
    model.apply([ev(3, "day_rollover", day="2026-11-25")])
    assert model.latest is None and model.recent == []
    assert model.counter(3).ticket_number is None


def test_recent_calls_keep_the_newest_up_to_the_configured_count(settings: Settings) -> None:
    model = DisplayModel(settings, recent_limit=3)
    model.apply([called(i, f"A{i:03d}", 1) for i in range(1, 8)])
    assert [c.number for c in model.recent] == ["A007", "A006", "A005"]


def test_a_snapshot_brings_counts_counters_and_recent_calls(settings: Settings) -> None:
    model = DisplayModel(settings)
    changes: list[int] = []
    model.listeners.append(lambda: changes.append(1))
    paused = CounterStatus(4, "4号窗口", "Counter 4", "paused", None, None)
    model.load(snapshot(12, calls=(CallRecord(11, "B002", 1, False, AT),
                                   CallRecord(7, "A001", 2, False, AT)),
                        notice=("暂停", "Paused"), counters=(paused,)))
    assert model.services[0].waiting == 3
    assert model.counter(4).status == "paused"
    assert [c.number for c in model.recent] == ["B002", "A001"]
    assert model.latest is not None and model.latest.number == "B002"
    assert model.notice == ("暂停", "Paused")
    assert changes, "a loaded snapshot must redraw the windows"


def test_online_state_is_reported_to_the_windows(settings: Settings) -> None:
    model = DisplayModel(settings)
    seen: list[bool] = []
    model.listeners.append(lambda: seen.append(model.online))
    model.set_online(True)
    model.set_online(True)
    model.set_online(False)
    assert seen == [True, False]


def test_after_an_outage_only_each_counters_latest_call_is_worth_speaking(
        settings: Settings) -> None:
    model = DisplayModel(settings)
    calls = model.apply([called(1, "A001", 1), called(2, "A002", 2), called(3, "A003", 1),
                         ev(4, "recall", 3, 1, number="A003")])
    assert [c.number for c in calls] == ["A001", "A002", "A003", "A003"]
    spoken = latest_call_per_counter(calls)
    assert [(c.number, c.counter, c.recall) for c in spoken] == [("A002", 2, False),
                                                                 ("A003", 1, True)]
