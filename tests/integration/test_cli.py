"""The `kiosk` command as scripts and people use it: JSON out, one clear line on errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.conftest import EXAMPLE_CONFIG

NOW = "2026-11-24T10:00:00"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `kiosk ARGS` in-process against a fresh SQLite branch; returns (code, out, err)."""
    monkeypatch.setenv("KIOSK_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KIOSK_NOW", NOW)
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    db = f"sqlite:///{tmp_path / 'branch.db'}"

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--db", db, "--config", str(EXAMPLE_CONFIG)])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("db", "upgrade")[0] == 0  # the branch exists before its stations start
    return run


def test_issue_call_finish_as_json(cli) -> None:
    code, out, _ = cli("issue", "--service", "A", "--json")
    assert code == 0
    issued = json.loads(out)
    assert {k: issued[k] for k in ("number", "service", "tier", "ahead")} == {
        "number": "A001", "service": "A", "tier": "regular", "ahead": None}
    assert issued["estimated_wait_s"] is None  # no counter open for it yet
    assert cli("counter", "open", "1")[0] == 0
    code, out, _ = cli("issue", "--service", "A", "--json")
    second = json.loads(out)
    assert second["ahead"] == 1 and second["estimated_wait_s"] == 240
    code, out, _ = cli("call", "--counter", "1", "--json")
    called = json.loads(out)
    assert (called["ticket_id"], called["number"], called["counter"]) == (
        issued["ticket_id"], "A001", 1)
    assert cli("finish", str(issued["ticket_id"]))[0] == 0
    code, out, _ = cli("status", "--json")
    status = json.loads(out)
    assert [w["number"] for w in status["waiting"]] == ["A002"]
    assert status["waiting"][0]["tier"] == "regular"
    assert status["recent_calls"][0]["number"] == "A001"
    assert {c["number"]: c["status"] for c in status["counters"]}[1] == "open"
    code, out, _ = cli("events", "--since", "0", "--json")
    kinds = [e["kind"] for e in json.loads(out)]
    assert kinds == ["day_rollover", "issued", "counter_open", "issued", "called", "finish"]


def test_call_with_nobody_waiting_prints_null_number(cli) -> None:
    cli("counter", "open", "5")
    code, out, _ = cli("call", "--counter", "5", "--json")
    assert code == 0 and json.loads(out) == {"ticket_id": None, "number": None, "counter": 5}


def test_identified_issue_returns_tier_and_reprints(cli) -> None:
    code, out, _ = cli("issue", "--service", "B", "--id", "11010519491231002X", "--json")
    first = json.loads(out)
    code, out, _ = cli("issue", "--service", "B", "--id", "11010519491231002x", "--json")
    again = json.loads(out)
    assert again["ticket_id"] == first["ticket_id"] and again["existing"] is True
    assert "11010519491231002X" not in out


@pytest.mark.parametrize(("args", "message", "code"), [
    (("issue", "--service", "Z"), "There is no service 'Z'", 1),
    (("issue", "--service", "A", "--card", "6222021234567890127"), "check digit", 1),
    (("issue", "--service", "A", "--id", "110105194912310021"), "check character", 1),
    (("finish", "1"), "no ticket 1", 1),
    (("call", "--counter", "2"), "Counter 2 is closed", 1),
    (("call", "--counter", "42"), "no counter 42", 1),
    (("transfer", "1", "--service", "Q"), "no service 'Q'", 1),
])
def test_errors_are_one_clear_line(cli, args: tuple[str, ...], message: str, code: int) -> None:
    rc, out, err = cli(*args)
    assert rc == code
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_illegal_transition_changes_nothing(cli) -> None:
    _, out, _ = cli("issue", "--service", "A", "--json")
    ticket = json.loads(out)["ticket_id"]
    rc, _, err = cli("finish", str(ticket))
    assert rc == 1 and "A001 is waiting and cannot be finished" in err
    _, out, _ = cli("status", "--json")
    assert [w["number"] for w in json.loads(out)["waiting"]] == ["A001"]


def run_kiosk(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=60)


def test_bad_config_exits_2_with_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "branch.toml"
    bad.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        'prefix = "B"', 'prefix = "BB"'), encoding="utf-8")
    proc = run_kiosk("issue", "--service", "A", "--config", str(bad),
                     env={"KIOSK_VAR_DIR": str(tmp_path)})
    assert proc.returncode == 2
    assert proc.stderr.strip() == (f"kiosk: {bad}: services[1].prefix: must be one capital "
                                   "letter A-Z, not 'BB'")


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    proc = run_kiosk("status", "--db", "postgresql://nobody@127.0.0.1:1/none",
                     "--config", str(EXAMPLE_CONFIG), env={"KIOSK_VAR_DIR": str(tmp_path)})
    assert proc.returncode == 3
    assert proc.stderr.startswith("kiosk: database unavailable")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unknown_command_and_missing_argument(tmp_path: Path) -> None:
    proc = run_kiosk("fly", env={"KIOSK_VAR_DIR": str(tmp_path)})
    assert proc.returncode == 2 and "invalid choice" in proc.stderr
    proc = run_kiosk("call", env={"KIOSK_VAR_DIR": str(tmp_path)})
    assert proc.returncode == 2 and "--counter" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_status_lists_the_next_to_be_called_and_counts_them_all(cli) -> None:
    """`kiosk status --json` lists the first --limit waiting tickets in the order they are
    forecast to be called, with the whole count beside them; --all lists every one."""
    cli("counter", "open", "1")
    numbers = [json.loads(cli("issue", "--service", "A", "--json")[1])["number"]
               for _ in range(5)]
    status = json.loads(cli("status", "--json", "--limit", "2")[1])
    assert status["waiting_total"] == 5
    assert [w["number"] for w in status["waiting"]] == numbers[:2]
    assert [w["ahead"] for w in status["waiting"]] == [0, 1]
    every = json.loads(cli("status", "--json", "--all")[1])
    assert [w["number"] for w in every["waiting"]] == numbers
    with pytest.raises(SystemExit) as refused:  # argparse's one line, as a process exits
        cli("status", "--limit", "0")
    assert refused.value.code == 2
