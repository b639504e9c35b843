"""Fault-test fixtures: a clean environment for in-process `kiosk` runs."""

from __future__ import annotations

from pathlib import Path

import pytest

NOW = "2026-11-24T10:00:00"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KIOSK_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KIOSK_NOW", NOW)
    for name in ("KIOSK_DATABASE_URL", "KIOSK_HASH_SECRET", "KIOSK_MODE", "KIOSK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path
