"""Several kiosk and counter processes at once: no duplicate numbers, no double calls."""

from __future__ import annotations

import pytest

from kiosk.bench.queue import run_hammer
from tests.conftest import EXAMPLE_CONFIG

pytestmark = pytest.mark.slow


def _check(result: dict, issuers: int, per_issuer: int) -> None:
    assert result["exit_codes"] == [0] * len(result["exit_codes"])
    assert result["tickets"] == issuers * per_issuer
    assert result["duplicate_numbers"] == 0
    assert result["double_calls"] == 0
    # the counters keep calling until nobody waits: every ticket was called exactly once
    assert result["calls"] == issuers * per_issuer


def test_hammer_sqlite(sqlite_url: str) -> None:
    result = run_hammer(sqlite_url, str(EXAMPLE_CONFIG), issuers=3, per_issuer=150,
                        counters=(1, 3))
    _check(result, 3, 150)


@pytest.mark.pg
def test_hammer_postgresql(pg_url: str) -> None:
    result = run_hammer(pg_url, str(EXAMPLE_CONFIG), issuers=3, per_issuer=150,
                        counters=(1, 3))
    _check(result, 3, 150)
