"""Shared fixtures: the example branch, an injected clock, real SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from kiosk.config import Settings, load_settings  # noqa: E402
from kiosk.queue.db import Database  # noqa: E402
from kiosk.queue.service import QueueService  # noqa: E402
from kiosk.queue.staff import Actor  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "config" / "branch.toml"
PG_URL = os.environ.get("KIOSK_TEST_PG_URL", "")


class FakeClock:
    """A clock the test moves by hand (injected, never patched)."""

    def __init__(self, start: datetime = datetime(2026, 11, 24, 10, 0, 0)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **kw: float) -> datetime:
        self.now += timedelta(seconds=seconds, **kw)
        return self.now


@pytest.fixture
def settings() -> Settings:
    return load_settings(EXAMPLE_CONFIG, environ={})


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    if not PG_URL:
        pytest.skip("KIOSK_TEST_PG_URL is not set")
    import psycopg

    name = f"kiosk_t_{uuid.uuid4().hex[:12]}"
    admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'branch.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from _pg_database()


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every service-layer test runs on both databases."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'branch.db'}"
    else:
        yield from _pg_database()


def open_queue(url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    """A prepared queue service on `url` (its own engine), disposed afterwards."""
    service = QueueService(Database(url), settings, clock)
    service.prepare()
    yield service
    service.db.dispose()


@pytest.fixture
def queue(db_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    yield from open_queue(db_url, settings, clock)


@pytest.fixture
def sqlite_queue(sqlite_url: str, settings: Settings, clock: FakeClock) -> Iterator[QueueService]:
    yield from open_queue(sqlite_url, settings, clock)


MANAGER_PIN = "2468"
TELLER_PIN = "1357"


@pytest.fixture
def manager(queue: QueueService) -> Actor:
    """A logged-in lobby manager (M001) of the branch under test."""
    queue.staff.add("M001", "张经理", "manager", MANAGER_PIN)
    return queue.login("M001", MANAGER_PIN, role="manager")


@pytest.fixture
def teller(queue: QueueService) -> Actor:
    """A logged-in teller (T002)."""
    queue.staff.add("T002", "李柜员", "teller", TELLER_PIN)
    return queue.login("T002", TELLER_PIN)
