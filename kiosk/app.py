"""The composition root: config -> database -> queue service -> devices -> windows.

Nothing else in the project builds these; everything below receives what it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from kiosk.config import Settings
from kiosk.errors import ConfigError
from kiosk.queue.db import Database
from kiosk.queue.service import QueueService


def system_clock(settings: Settings, offset: timedelta = timedelta(0)) -> Callable[[], datetime]:
    """The branch's local time (naive), optionally shifted (the demo's business hours)."""
    tz = settings.branch.tz

    def now() -> datetime:
        return datetime.now(tz).replace(tzinfo=None) + offset

    return now


def fixed_clock(iso: str) -> Callable[[], datetime]:
    """A clock stopped at `iso` (KIOSK_NOW), so scripts get the same answers every run."""
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        raise ConfigError(f"KIOSK_NOW: not an ISO date-time: {iso!r}") from None
    return lambda: at


def build_service(settings: Settings, url: str,
                  clock: Callable[[], datetime] | None = None) -> QueueService:
    """A ready queue service: schema created/upgraded and counters in line with config."""
    service = QueueService(Database(url), settings, clock or system_clock(settings))
    service.prepare()
    return service
