"""`kiosk simulate --replay`: a branch's own days, read from its database, played through
each policy. The days are written through the real queue service first (three small days
on a real SQLite file), so the database holds what a branch's would."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.queue.db import Database
from kiosk.queue.replay import ReplayClock, read_real_days, replay_days
from kiosk.queue.service import QueueService
from kiosk.queue.simulate import Scenario, draw_days, load_scenario, simulate
from tests.conftest import EXAMPLE_CONFIG, MANAGER_PIN

QUIET = EXAMPLE_CONFIG.parent / "scenarios" / "quiet-day.toml"
FIRST = date(2026, 11, 2)


@pytest.fixture(scope="module")
def branch(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Scenario, list]:  # type: ignore[type-arg]
    """Three days of 90 customers at four counters (one cash, one non-cash, corporate,
    the green channel) written through the service into a SQLite branch."""
    scenario = replace(load_scenario(QUIET), customers=90, counters=(1, 3, 5, 6), breaks=())
    days = draw_days(scenario, 4, 3)
    url = f"sqlite:///{tmp_path_factory.mktemp('replay') / 'branch.db'}"
    clock = ReplayClock(datetime.combine(FIRST, time(8, 0)))
    service = QueueService(Database(url), scenario.settings, clock)
    service.prepare()
    try:
        replay_days(service, clock, scenario, days, FIRST)
        # a ticket that was cancelled: a real day has them, the replay leaves it out
        clock.now = datetime.combine(FIRST + timedelta(days=2), time(16, 0))
        service.staff.add("M001", "张经理", "manager", MANAGER_PIN)
        manager = service.login("M001", MANAGER_PIN, role="manager")
        left = service.issue("B", station="test")
        service.cancel(left.id, actor=manager, reason="客户离开")
    finally:
        service.db.dispose()
    return url, scenario, days


def test_real_days_read_back_as_they_happened(branch) -> None:  # type: ignore[no-untyped-def]
    url, scenario, days = branch
    real = read_real_days(url, scenario, FIRST, FIRST + timedelta(days=6), datetime.now)
    assert real.days == [FIRST + timedelta(days=k) for k in range(3)]
    assert (real.left_out, real.unknown) == (1, 0)
    for read, drawn in zip(real.customers, days, strict=True):
        assert [(c.tier, c.service, c.no_show) for c in read] == \
            [(c.tier, c.service, c.no_show) for c in drawn]
        assert [c.arrival_s for c in read] == pytest.approx([c.arrival_s for c in drawn],
                                                            abs=1e-3)
        served = [(r, d) for r, d in zip(read, drawn, strict=True) if not d.no_show]
        assert [r.service_s for r, _ in served] == \
            pytest.approx([d.service_s for _, d in served], abs=1e-3)


def test_replayed_days_give_the_waits_the_branch_had(branch) -> None:  # type: ignore[no-untyped-def]
    """The branch ran its own policy on those days: replaying them under that policy
    gives back the waits it had (the simulator and the service call alike)."""
    url, scenario, days = branch
    real = read_real_days(url, scenario, FIRST, FIRST + timedelta(days=2), datetime.now)
    policy = scenario.settings.rules.policy
    replayed = simulate(scenario, policy, 1, customers=real.customers, estimates=False)
    original = simulate(scenario, policy, 1, customers=days, estimates=False)
    assert [round(r.wait_s, 2) for r in replayed.records] == \
        [round(r.wait_s, 2) for r in original.records]


def test_simulate_replay_compare_reads_the_branch_database(
        branch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    url, _, days = branch
    db_file = Path(url.removeprefix("sqlite:///"))
    before = db_file.read_bytes()
    assert main(["simulate", "--scenario", str(QUIET), "--replay", "--from", "2026-11-01",
                 "--to", "2026-11-30", "--db", url, "--compare", "--resamples", "100",
                 "--json", "--set", "rules.policy=accumulating"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["replayed"] == {"days": ["2026-11-02", "2026-11-03", "2026-11-04"],
                                "customers": sum(len(d) for d in days), "left_out": 1,
                                "unknown": 0}
    assert "fifo_on_other_days" not in data
    assert data["policies"]["fifo"]["days"] == 3
    assert data["policies"]["fifo"]["customers"] == sum(len(d) for d in days)
    assert db_file.read_bytes() == before  # read only


def test_simulate_replay_frontier_writes_the_curve(
        branch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    url, _, _ = branch
    out = tmp_path / "curve"
    assert main(["simulate", "--scenario", str(QUIET), "--replay", "--from", "2026-11-02",
                 "--to", "2026-11-04", "--db", url, "--frontier", "--resamples", "100",
                 "--sweep", "vip.rate_factor=0.5,2", "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["days"] == 3 and data["scenario"] == "quiet-day (replayed days)"
    labels = [p["label"] for p in data["points"]]
    assert labels == ["as configured", "vip.rate_factor=0.5", "vip.rate_factor=2",
                      "strict_priority", "priority_cycle", "fixed_head_start", "same_service"]
    assert (out.parent / "curve.png").read_bytes().startswith(b"\x89PNG")
    assert (out.parent / "curve.csv").read_text(encoding="utf-8").startswith("label,kind,")


@pytest.mark.parametrize(("flags", "message"), [
    (["--replay", "--compare"], "--replay needs --from and --to"),
    (["--from", "2026-11-02", "--to", "2026-11-04", "--compare"], "--from and --to go with "
                                                                    "--replay"),
    (["--replay", "--from", "2026-11-04", "--to", "2026-11-02", "--compare"],
     "The period ends (2026-11-02) before it starts (2026-11-04)."),
    (["--replay", "--from", "2025-01-01", "--to", "2025-01-31", "--compare"],
     "no served tickets from 2025-01-01 to 2025-01-31"),
])
def test_bad_replay_is_one_line(branch, capsys: pytest.CaptureFixture[str], flags: list[str],  # type: ignore[no-untyped-def]
                                message: str) -> None:
    url, _, _ = branch
    assert main(["simulate", "--scenario", str(QUIET), "--db", url, *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("kiosk: ") and "\n" not in err and message in err
