"""The Qt binding must not leak references on signal emits (PySide6 6.12.0 does, and
aborts a station within hours). The check runs in a fresh interpreter, on the project's
own QObjects, the way `kiosk bench` and a lock upgrade run it (kiosk.bench.binding)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from kiosk.bench.binding import DRIFT_LIMIT, check_binding


def test_the_installed_binding_keeps_true_false_and_none_counts_flat() -> None:
    result = check_binding(emits=24_000)
    assert result["exit_code"] == 0, result["error"]
    assert result["emits"] >= 20_000
    assert result["drift"] is not None
    for name, moved in result["drift"].items():
        assert abs(moved) < DRIFT_LIMIT, f"{name} moved by {moved}: {result}"
    # and not just at the end: no round drifted away and came back
    for counts in result["rounds"]:
        for name in ("True", "False", "None"):
            assert abs(counts[name] - result["before"][name]) < DRIFT_LIMIT
    assert result["ok"]


@pytest.fixture
def leak(request: pytest.FixtureRequest) -> Iterator[None]:
    os.environ["KIOSK_LEAK"] = request.param
    yield
    del os.environ["KIOSK_LEAK"]


@pytest.mark.parametrize("leak", ["drop"], indirect=True)
def test_a_binding_that_drops_a_reference_per_emit_fails_the_check(leak: None) -> None:
    """The 6.12.0 failure itself: True loses a reference per emit until Python aborts."""
    result = check_binding(emits=24_000, child_module="tests.support.leaky_binding")
    assert not result["ok"]
    assert result["exit_code"] != 0
    assert "exit" in result["error"]
    assert result["rounds"], "the rounds before the abort are kept, to show the drift"
    if len(result["rounds"]) > 1:
        assert result["rounds"][-1]["True"] < result["rounds"][0]["True"] - DRIFT_LIMIT


@pytest.mark.parametrize("leak", ["hold"], indirect=True)
def test_a_binding_that_keeps_a_reference_per_emit_fails_the_check(leak: None) -> None:
    """A leak that does not crash (counts growing) fails on the drift alone."""
    result = check_binding(emits=2_000, child_module="tests.support.leaky_binding")
    assert result["exit_code"] == 0
    assert not result["ok"]
    assert result["drift"]["None"] >= 2_000
    assert "moved" in result["error"]
