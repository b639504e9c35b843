"""Weeks of uptime, in a minute: a real hall display process and a real kiosk process on
one SQLite branch, driven through a busy week (kiosk.bench.soak). Both stay alive (a
leaking binding aborts them, exit 134), their memory stays flat after the warm-up, and
nothing they hold grows without bound. `kiosk bench --soak` runs the same with 20,000
events and reports the figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.bench.soak import run_soak, size_bounds
from kiosk.config import Settings
from tests.conftest import EXAMPLE_CONFIG

pytestmark = pytest.mark.slow

EVENTS = 8_000
# Generous for a short run on a shared 2-core machine: catches a leak of ~1 KB per event
# or one image per call; the long soak's figure is what README reports. The heap in use
# is read while a busy kiosk renders its next ticket: a megabyte either way in one sample.
RSS_BAR_MB_PER_10K = 12.0
HEAP_BAR_MB_PER_10K = 12.0


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    workdir: Path = tmp_path_factory.mktemp("soak")
    return run_soak(str(EXAMPLE_CONFIG), EVENTS, sample_every=300,
                    rss_bar_mb=RSS_BAR_MB_PER_10K, heap_bar_mb=HEAP_BAR_MB_PER_10K,
                    walk_in_ms=80, workdir=workdir)


def test_both_stations_live_through_a_busy_week(soak: dict[str, Any]) -> None:
    assert soak["exits"] == {"display": None, "kiosk": None}, soak["problems"]
    assert soak["events"] >= EVENTS
    assert soak["business_days"] >= 7  # the day rolled over in the running processes
    assert soak["kiosk_tickets"] >= 20  # the kiosk issued and printed all along
    assert len(soak["samples"]) >= 8


def test_memory_is_flat_after_the_warm_up(soak: dict[str, Any]) -> None:
    for name in ("display", "kiosk"):
        growth = soak[name]["growth_mb_per_10k_events"]
        assert growth is not None
        assert growth <= RSS_BAR_MB_PER_10K, f"{name}: {soak[name]}"
        heap = soak[name]["heap_growth_mb_per_10k_events"]  # glibc's count of the heap in use
        assert heap <= HEAP_BAR_MB_PER_10K, f"{name}: {soak[name]}"


def test_nothing_a_station_holds_grows_without_bound(soak: dict[str, Any],
                                                     settings: Settings) -> None:
    bounds = size_bounds(settings)
    display, kiosk = soak["display"]["sizes_max"], soak["kiosk"]["sizes_max"]
    # what the soak watches is there: the hall's calls and voice, the kiosk's jobs and prints
    assert {"recent_calls", "announcer_pending", "announcer_spoken", "player_played",
            "qt_objects"} <= display.keys()
    assert {"worker_jobs", "printer_kept", "qt_objects"} <= kiosk.keys()
    for sizes in (display, kiosk):
        for key, value in sizes.items():
            if key != "qt_objects":
                assert value <= bounds[key], f"{key} reached {value}"
    assert display["announcer_spoken"] == bounds["announcer_spoken"]  # many calls spoken
    for name in ("display", "kiosk"):
        assert soak[name]["sizes_end"]["qt_objects"] <= \
            soak[name]["sizes_after_warmup"]["qt_objects"] + 10
    assert soak["problems"] == []
    assert soak["ok"]
