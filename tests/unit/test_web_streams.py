"""The web station's live streams without a server: how many may be open (from the
open-file limit, a few per ticket) and when one ends (final state, the day is over)."""

from __future__ import annotations

import asyncio
import json
import resource
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

from kiosk.config import Settings
from kiosk.web.app import MAX_STREAMS, WebOptions, WebStation, stream_cap
from kiosk.web.hub import STREAMS_PER_TICKET, PageHub
from kiosk.web.server import raise_open_file_limit

DAY = date(2026, 11, 24)


class Day:
    """The queue service's clock, all a stream asks of it."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 24, 10, 0)

    def now(self) -> datetime:
        return self.at

    def business_day(self, at: datetime) -> date:
        return (at - timedelta(hours=4)).date()


def test_the_open_file_limit_is_raised_and_sizes_the_stream_cap() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    low = min(1024, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard))
    try:
        now = raise_open_file_limit()
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == now
        assert now == hard or (hard == resource.RLIM_INFINITY and now >= 65536)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, now), hard))
    assert stream_cap(1024) == 409 and stream_cap(1_048_576) == MAX_STREAMS
    assert stream_cap(1) == 1


def test_the_station_takes_its_cap_from_the_limit_unless_given(settings: Settings) -> None:
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert WebStation(Day(), settings).max_streams == stream_cap(soft)  # type: ignore[arg-type]
    given = WebStation(Day(), settings, WebOptions(max_streams=7))  # type: ignore[arg-type]
    assert given.max_streams == 7


def test_a_fourth_page_on_one_ticket_ends_the_oldest(settings: Settings) -> None:
    hub = PageHub(Day(), settings, lambda v, n: {})  # type: ignore[arg-type]
    try:
        subs = [hub.subscribe(7) for _ in range(STREAMS_PER_TICKET + 1)]
        assert [s.ended for s in subs] == ["replaced", "", "", ""]
        other = hub.subscribe(8)
        assert not other.ended
        hub.unsubscribe(subs[0])
        assert hub.pages == STREAMS_PER_TICKET + 1
    finally:
        hub.stop()


async def messages(stream: AsyncIterator[str], most: int = 10) -> list[str]:
    out = []
    async for m in stream:
        out.append(m)
        assert len(out) <= most, out  # the stream must end by itself
    return out


def station(settings: Settings, clock: Day) -> WebStation:
    return WebStation(clock, settings, WebOptions(keepalive_s=0.01))  # type: ignore[arg-type]


def test_a_stream_ends_once_the_ticket_is_final(settings: Settings) -> None:
    web = station(settings, Day())
    waiting, done = json.dumps({"status": "waiting"}), json.dumps({"status": "done"})

    async def run() -> list[str]:
        stream = web._stream(7, DAY)
        first = await anext(stream)  # subscribed now
        web.hub._deliver({7: waiting})
        web.hub._deliver({7: done}, frozenset({7}))
        return [first, *await messages(stream)]

    out = asyncio.run(run())
    assert out[-2:] == [f"event: state\ndata: {done}\n\n", "event: end\ndata: final\n\n"]
    assert web.streams == 0 and web.hub.pages == 0
    web.hub.stop()


def test_a_stream_ends_when_the_business_day_is_over(settings: Settings) -> None:
    clock = Day()
    web = station(settings, clock)

    async def run() -> list[str]:
        stream = web._stream(7, DAY)
        out = [await anext(stream), await anext(stream)]  # retry, then online
        clock.at += timedelta(days=1)
        return out + await messages(stream)

    out = asyncio.run(run())
    assert out[-1] == "event: end\ndata: day\n\n" and web.streams == 0
    web.hub.stop()


def test_a_replaced_stream_says_so_and_ends(settings: Settings) -> None:
    web = station(settings, Day())

    async def run() -> list[str]:
        stream = web._stream(7, DAY)
        await anext(stream)
        for _ in range(STREAMS_PER_TICKET):
            web.hub.subscribe(7)
        return await messages(stream)

    assert asyncio.run(run())[-1] == "event: end\ndata: replaced\n\n"
    web.hub.stop()


def test_a_missed_number_keeps_its_stream_for_a_restore(settings: Settings) -> None:
    from kiosk.queue.tickets import LEFT_OUTCOME
    from tests.unit.test_web_page import view

    web = station(settings, Day())
    missed = view(status="no_show", counter=1)
    restored, left = view(), view(status="cancelled", outcome=LEFT_OUTCOME)

    class Reads:
        def __init__(self, *views: object) -> None:
            self.views = list(views)

        def tickets_now(self, ids: set[int]) -> dict[int, object]:
            return {7: self.views.pop(0)}

        def notice(self) -> tuple[str, str]:
            return ("", "")

    web.hub.service = Reads(missed, restored, left)  # type: ignore[assignment]
    delivered: list[tuple[object, ...]] = []
    web.hub._post = lambda fn, *args: delivered.append(args)  # type: ignore[method-assign]

    async def run() -> list[str]:
        stream = web._stream(7, DAY)
        out = [await anext(stream), await anext(stream)]  # retry, online
        for _ in range(3):
            web.hub._read(all_pages=True)
            web.hub._deliver(*delivered.pop())
            out.append(await anext(stream))
        return out + await messages(stream)

    out = asyncio.run(run())
    statuses = [json.loads(m.split("data: ", 1)[1])["status"] for m in out
                if m.startswith("event: state")]
    assert statuses == ["no_show", "waiting", "left"], out
    assert out[-1] == "event: end\ndata: final\n\n" and len(out) == 6, out
    web.hub.stop()
