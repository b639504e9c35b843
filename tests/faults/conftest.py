"""Fault-test fixtures: a clean environment for in-process `kiosk` runs, and a proxy
in front of PostgreSQL that a test can cut or hang."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.tcp_proxy import TcpProxy

NOW = "2026-11-24T10:00:00"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIOSK_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KIOSK_NOW", NOW)
    for name in ("KIOSK_DATABASE_URL", "KIOSK_HASH_SECRET", "KIOSK_MODE", "KIOSK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture
def proxy(pg_url: str) -> Iterator[TcpProxy]:
    """A TCP proxy to the test's PostgreSQL database (stations connect through it)."""
    parts = urlsplit(pg_url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432))
    yield proxy
    proxy.close()
