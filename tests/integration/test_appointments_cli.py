"""`kiosk appointments`: booked, listed, moved, cancelled and imported through a logged-in
staff member; refusals are one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.conftest import EXAMPLE_CONFIG
from tests.support.identifiers import CARD, card


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    monkeypatch.setenv("KIOSK_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KIOSK_NOW", "2026-11-24T10:00:00")
    monkeypatch.setenv("KIOSK_NEW_PIN", "2468")
    monkeypatch.setenv("KIOSK_STAFF_PIN", "2468")
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    db = f"sqlite:///{tmp_path / 'branch.db'}"

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main([*args, "--db", db, "--config", str(EXAMPLE_CONFIG)])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    assert run("db", "upgrade")[0] == 0
    assert run("staff", "add", "M001", "--name", "张经理", "--role", "manager")[0] == 0
    return run


def test_add_list_move_cancel(cli) -> None:
    code, out, err = cli("appointments", "add", "--service", "V", "--card", CARD,
                         "--date", "2026-11-24", "--at", "10:30", "--staff", "M001", "--json")
    assert code == 0, err
    booked = json.loads(out)
    assert booked["state"] == "booked" and booked["customer_masked"].endswith(CARD[-4:])
    assert CARD not in out  # never in clear
    code, out, _ = cli("appointments", "move", booked["code"], "--to", "11:00",
                       "--reason", "customer asked", "--staff", "M001", "--json")
    assert code == 0 and json.loads(out)["slot_at"] == "2026-11-24T11:00:00"
    code, out, _ = cli("appointments", "cancel", booked["code"], "--reason", "customer rang",
                       "--staff", "M001")
    assert code == 0 and "Cancelled" in out
    code, out, _ = cli("appointments", "list", "--json")
    [listed] = json.loads(out)
    assert listed["state"] == "cancelled"
    assert listed["code"] == "******"  # a code checks a customer in: not without a login
    code, out, _ = cli("appointments", "list", "--staff", "M001", "--json")
    assert [b["code"] for b in json.loads(out)] == [booked["code"]]
    code, out, _ = cli("audit", "--json")
    assert {"book", "move_booking", "cancel_booking"} <= {a["action"] for a in json.loads(out)}


def test_refusals_are_one_line(cli) -> None:
    code, _, err = cli("appointments", "add", "--service", "A", "--card", CARD,
                       "--date", "2026-11-24", "--at", "14:30", "--purpose", "large_cash",
                       "--amount", "1m+", "--staff", "M001")
    assert code == 1 and "at least 1 day ahead" in err and err.count("\n") == 1
    code, _, err = cli("appointments", "cancel", "000000", "--reason", "x", "--staff", "M001")
    assert code == 1 and err.startswith("kiosk: There is no booking 000000")
    code, _, err = cli("appointments", "add", "--service", "V", "--card", CARD,
                       "--date", "2026-11-24", "--at", "10:30")
    assert code == 2 and "--staff" in err  # no booking without a staff member
    code, _, err = cli("appointments", "add", "--service", "A", "--card", CARD,
                       "--date", "2026-11-24", "--at", "12:30", "--staff", "M001")
    assert code == 1 and err.count("\n") == 1, err  # the counters' lunch: one line
    assert err.startswith("kiosk: The 12:30 slot of service A on 2026-11-24 is during a "
                          "break of the counters that serve it (counter 2 away; as few as 3 "
                          "of 4 at work): it takes no bookings; the next free slot is 14:00.")


def test_import_reports_bad_rows_by_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("identifier,service,date,time,purpose\n"
                    f"{card('6222041')},V,2026-11-24,15:00,consultation\n"
                    "not-a-card,V,2026-11-24,15:00,consultation\n"
                    f"{card('6222042')},V,2026-11-24,15:30,other\n", encoding="utf-8")
    code, out, _ = cli("appointments", "import", str(path), "--staff", "M001")
    assert code == 1
    assert "booked 2; 1 bad rows" in out and "line 3:" in out
    code, out, _ = cli("appointments", "list", "--json")
    assert len(json.loads(out)) == 2


def test_import_refuses_a_row_at_the_counters_lunch_by_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("证件号码,业务,日期,时间,目的\n"
                    f"{card('6222043')},C,2026-11-24,12:00,其他\n"
                    f"{card('6222044')},C,2026-11-24,13:00,其他\n", encoding="utf-8")
    code, out, _ = cli("appointments", "import", str(path), "--staff", "M001")
    assert code == 1 and "booked 1; 1 bad rows" in out
    assert "line 2: The 12:00 slot of service C on 2026-11-24 is during a break of the " \
           "counters that serve it (counters 4, 5 away; as few as 1 of 2 at work): it " \
           "takes no bookings; the next free slot is 13:00." in out
