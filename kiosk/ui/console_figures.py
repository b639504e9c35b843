"""The console's Figures tab (数据) as plain state: today's figures, kept live (no Qt).

The figures are computed on the console's worker (the queue's `figures` for the business
day, read from the events and tickets tables) and drawn by the window. On a busy day the
feed brings a batch of events every few hundred milliseconds and a day's figures take
longer to read than one batch, so refreshes are coalesced (`LiveFigures`):

- at most one computation is in flight, and at most one starts every `MIN_GAP_S`;
- events that arrive while one runs (or within the gap) only mark the figures stale;
  when it ends, one more computation starts, reading the database as it is by then, so
  a burst of events gives one refresh after the one already running, not one per event;
- the newest state wins: an answer started before a reset (a new business day, a logout)
  is dropped, and the figures shown are always the last ones read;
- nothing is computed while the tab is hidden; showing it refreshes stale figures.

`figures_view` turns a `Figures` and the hall the console already follows (who is waiting
now, by service and tier) into what the tab shows: the headline, one line per service
and per tier and the day's total, and the inputs of the three charts.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from kiosk.config import Settings
from kiosk.queue.figures import BookingRow, Figures, GroupRow, Slot
from kiosk.queue.views import FeedEvent

# Events that change nothing the figures count (the notice, alerts acknowledged, print
# jobs sent to a kiosk): they do not start a refresh.
QUIET_EVENTS = frozenset({"notice", "alert_ack", "print_job", "vip_arrival"})
# A change after a quiet spell is computed at once; in a burst, at most one computation
# starts in this time (the tab redraws at most 4 times a second, the hall stays quick).
MIN_GAP_S = 0.25


def moves_figures(events: Iterable[FeedEvent]) -> bool:
    return any(e.kind not in QUIET_EVENTS for e in events)


class LiveFigures:
    """When to compute the figures, and the last ones computed.

    The window asks `start()` whenever the figures may have changed (`note(events)`, the
    tab shown, an answer just drawn); a generation number comes back when a computation
    should start now, None when one is in flight, nothing changed, the tab is hidden or
    the last one started less than `gap_s` ago (`wait_s()` then says how long to wait).
    It hands the answer to `done(generation, figures)` (or `failed`), then asks `start()`
    again: events that came meanwhile start exactly one more computation.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 gap_s: float = MIN_GAP_S) -> None:
        self.clock = clock
        self.gap_s = gap_s
        self.started_at: float | None = None
        self.figures: Figures | None = None
        self.error: BaseException | None = None  # the last computation's failure
        self.visible = False
        self.stale = True  # nothing computed yet
        self.running: int | None = None  # the generation in flight (at most one)
        self.generation = 0
        self.valid_from = 1  # answers of older generations are dropped (see reset)
        self.started = 0  # computations started (for tests and the bench)
        self.dropped = 0  # answers dropped because the state they read was outdated

    def note(self, events: Sequence[FeedEvent]) -> bool:
        """Events from the feed: True when they may change the figures."""
        if moves_figures(events):
            self.stale = True
            return True
        return False

    def mark_stale(self) -> None:
        self.stale = True

    def show(self, visible: bool) -> None:
        self.visible = visible
        if visible and self.error is not None:
            self.stale = True

    def reset(self) -> None:
        """A new business day or another manager: the figures shown and the answer in
        flight (if any) are outdated; the next computation starts once that one ends."""
        self.valid_from = self.generation + 1
        self.figures = None
        self.error = None
        self.stale = True

    def due(self) -> bool:
        """A computation is wanted as soon as the one in flight and the gap allow."""
        return self.stale and self.visible

    def wait_s(self) -> float | None:
        """How long until a due computation may start (0: now); None when none is due
        or one is in flight (its answer asks again)."""
        if not self.due() or self.running is not None:
            return None
        if self.started_at is None:
            return 0.0
        return max(0.0, self.started_at + self.gap_s - self.clock())

    def start(self) -> int | None:
        """A generation to compute now, or None (one in flight, nothing new, hidden, or
        within the gap)."""
        if self.wait_s() != 0.0:
            return None
        self.started_at = self.clock()
        self.generation += 1
        self.running = self.generation
        self.stale = False
        self.started += 1
        return self.running

    def done(self, generation: int, figures: Figures) -> bool:
        """A computation's answer; True when it is kept (the tab redraws)."""
        if generation == self.running:
            self.running = None
        if generation < self.valid_from:
            self.dropped += 1
            return False
        self.figures = figures
        self.error = None
        return True

    def failed(self, generation: int, exc: BaseException) -> bool:
        """A computation that failed: the last figures stay, with the reason. Nothing is
        retried by itself (the next event, or the tab shown again, asks again)."""
        if generation == self.running:
            self.running = None
        if generation < self.valid_from:
            self.dropped += 1
            return False
        self.error = exc  # asked again by the next event, or by showing the tab again
        return True


# --- what the tab shows ---------------------------------------------------------------------


@dataclass(frozen=True)
class FiguresLine:
    """One line of the by-service or by-tier table (or the day's total)."""

    key: str
    label_zh: str
    label_en: str
    arrived: int
    served: int
    waiting: int  # waiting now (the hall as the console follows it)
    no_show_pct: float | None  # None: nobody called yet
    mean_wait_s: float | None  # None: nobody called yet
    p95_wait_s: float | None
    service_level_pct: float | None  # % called within their target wait


@dataclass(frozen=True)
class FiguresView:
    headline: FiguresLine  # the day's total
    by_service: tuple[FiguresLine, ...]
    by_tier: tuple[FiguresLine, ...]
    slots: tuple[Slot, ...]
    waiting_by_service: tuple[tuple[str, str, str, int], ...]  # (prefix, zh, en, waiting)
    service_level_target_pct: float
    bookings: tuple[BookingRow, ...] = ()  # 预约: per service with bookings, then all


def _line(key: str, zh: str, en: str, row: GroupRow | None, waiting: int) -> FiguresLine:
    if row is None:
        return FiguresLine(key, zh, en, 0, 0, waiting, None, None, None, None)
    called = row.served + row.no_show
    has_waits = row.wait.count > 0
    return FiguresLine(key, zh, en, row.arrived, row.served, waiting,
                       row.no_show_pct if called else None,
                       row.wait.mean_s if has_waits else None,
                       row.wait.p95_s if has_waits else None, row.service_level_pct)


def figures_view(figures: Figures, waiting: Iterable[tuple[str, str]], settings: Settings,
                 target_pct: float) -> FiguresView:
    """The tab's content: every service and tier of the branch (in the branch file's
    order, with zeros where nobody came), the total, and the chart inputs. `waiting` is
    (service, tier) of each ticket waiting now."""
    pairs = list(waiting)
    by_svc = Counter(s for s, _ in pairs)
    by_tier = Counter(t for _, t in pairs)
    svc_rows = {r.key: r for r in figures.by_service}
    tier_rows = {r.key: r for r in figures.by_tier}
    services = tuple(_line(s.prefix, s.name_zh, s.name_en, svc_rows.get(s.prefix),
                           by_svc[s.prefix]) for s in settings.services)
    tiers = tuple(_line(t.key, t.name_zh, t.name_en, tier_rows.get(t.key), by_tier[t.key])
                  for t in settings.tiers)
    total = _line("all", "合计", "Total", figures.total, len(pairs))
    return FiguresView(
        headline=total, by_service=services, by_tier=tiers, slots=tuple(figures.slots),
        waiting_by_service=tuple((line.key, line.label_zh, line.label_en, line.waiting)
                                 for line in services),
        service_level_target_pct=target_pct, bookings=tuple(figures.bookings))
