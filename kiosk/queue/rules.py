"""Who is called next, and how long everyone will wait: pure functions over plain data.

No database, no Qt. The storage layer hands these functions plain `Candidate`s and
`CounterState`s; the simulator hands them the same, so the rules a branch runs are the
rules it simulates.

Contract with the storage layer (it keeps call-next fast with 10,000 tickets waiting):
within one (service, tier) group of unpinned tickets, a ticket that has waited longer
(earlier `rank_at`) never ranks below one that has waited less. So storage may pass only
the head of each (service, tier) group plus every pinned ticket, and `pick_next` must
choose the same ticket it would choose from the full list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kiosk.config import RuleSettings, Settings, Tier


@dataclass(frozen=True)
class Candidate:
    """A waiting ticket as the rules see it."""

    ticket_id: int
    service: str  # service prefix, e.g. "A"
    tier: str  # tier key, e.g. "gold"
    rank_at: datetime  # when its priority started growing (arrival; kept across transfers)
    pin: int | None = None  # a manager's position: lower goes first, beats every rule


@dataclass(frozen=True)
class CounterState:
    """A counter as the rules see it."""

    number: int
    services: tuple[str, ...]  # preference order
    green_channel: bool = False
    consecutive_priority: int = 0  # priority-tier calls in a row at this counter


@dataclass(frozen=True)
class Policy:
    """Everything the rules need from the branch configuration."""

    name: str  # fifo | strict | accumulating
    tiers: Mapping[str, Tier]
    service_targets: Mapping[str, float | None]  # per-service maximum-wait target, seconds
    rules: RuleSettings

    @classmethod
    def from_settings(cls, settings: Settings, name: str | None = None) -> Policy:
        return cls(
            name=name or settings.rules.policy,
            tiers={t.key: t for t in settings.tiers},
            service_targets={s.prefix: s.target_wait_s for s in settings.services},
            rules=settings.rules,
        )


@dataclass(frozen=True)
class Forecast:
    """Where a waiting ticket stands: people called before it and the expected wait."""

    ahead: int
    wait_s: float


def pick_next(
    counter: CounterState,
    now: datetime,
    candidates: Sequence[Candidate],
    policy: Policy,
) -> Candidate | None:
    """The ticket this counter should call now, or None when it may serve none of them."""
    raise NotImplementedError


def forecast(
    now: datetime,
    counters: Sequence[tuple[CounterState, float]],
    waiting: Sequence[Candidate],
    service_time_s: Mapping[str, float],
    policy: Policy,
) -> dict[int, Forecast]:
    """Fast-forward the policy over the current queue.

    `counters` are the open counters with the seconds until each is free (0 when idle);
    `service_time_s` is the expected service time per service prefix. Returns a forecast
    for every waiting ticket that some open counter will reach.
    """
    raise NotImplementedError
