"""`kiosk appointments`: booked, listed, moved, cancelled, a code re-issued and imported
through a logged-in staff member; a booking code printed once by the command that made it,
****** everywhere else, and never in the database file; refusals are one line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.conftest import EXAMPLE_CONFIG
from tests.support.identifiers import CARD, card


def _file_bytes(tmp_path: Path) -> bytes:
    """The branch database as it lies on disk (the file and its write-ahead log)."""
    return b"".join(p.read_bytes() for p in tmp_path.glob("branch.db*") if p.is_file())


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


def test_add_list_move_cancel(cli, tmp_path: Path) -> None:
    code, out, err = cli("appointments", "add", "--service", "V", "--card", CARD,
                         "--date", "2026-11-24", "--at", "10:30", "--staff", "M001", "--json")
    assert code == 0, err
    booked = json.loads(out)
    assert booked["state"] == "booked" and booked["customer_masked"].endswith(CARD[-4:])
    assert re.fullmatch(r"[0-9]{6}", booked["code"])  # shown this once
    assert CARD not in out  # never in clear
    code, out, _ = cli("appointments", "move", booked["code"], "--to", "11:00",
                       "--reason", "customer asked", "--staff", "M001", "--json")
    moved = json.loads(out)
    assert code == 0 and moved["slot_at"] == "2026-11-24T11:00:00"
    assert moved["code"] == "******"  # the same day: the same code, not shown again
    code, out, _ = cli("appointments", "cancel", booked["code"], "--reason", "customer rang",
                       "--staff", "M001")
    assert code == 0 and out.startswith(f"Cancelled #{booked['id']}")
    code, out, _ = cli("appointments", "list")
    assert code == 0 and "******" in out and booked["code"] not in out
    code, out, _ = cli("appointments", "list", "--json")
    [listed] = json.loads(out)
    assert listed["state"] == "cancelled" and listed["code"] == "******"
    code, out, _ = cli("audit", "--json")
    assert {"book", "move_booking", "cancel_booking"} <= {a["action"] for a in json.loads(out)}
    assert booked["code"] not in out
    assert booked["code"].encode() not in _file_bytes(tmp_path)


def test_a_code_is_printed_once_and_reissued_for_a_customer_who_lost_it(
        cli, tmp_path: Path) -> None:
    code, out, err = cli("appointments", "add", "--service", "V", "--card", CARD,
                         "--date", "2026-11-24", "--at", "10:30", "--staff", "M001")
    assert code == 0, err
    first = re.search(r"The booking code is ([0-9]{6}): give it to the customer now", out)
    assert first is not None and out.startswith("Booked #1 ")
    code, out, err = cli("appointments", "reissue", "--booking", "1", "--staff", "M001")
    assert code == 2 and "--reason" in err  # a re-issue is audited with its reason
    code, out, _ = cli("appointments", "reissue", "--booking", "1", "--reason", "lost the slip",
                       "--staff", "M001", "--json")
    second = json.loads(out)["code"]
    assert code == 0 and re.fullmatch(r"[0-9]{6}", second) and second != first.group(1)
    code, _, err = cli("appointments", "cancel", first.group(1), "--reason", "x",
                       "--staff", "M001")
    assert code == 1 and "There is no booking with that code on 2026-11-24" in err
    assert first.group(1) not in err  # a code is not echoed
    code, out, _ = cli("appointments", "move", "--booking", "1", "--to-date", "2026-11-25",
                       "--to", "10:00", "--reason", "customer asked", "--staff", "M001")
    third = re.search(r"A new day, a new booking code: ([0-9]{6})", out)
    assert code == 0 and third is not None
    code, out, _ = cli("appointments", "list", "--date", "2026-11-25")
    assert "#1 " in out and "******" in out and third.group(1) not in out
    code, out, _ = cli("audit", "--json")
    reissued = [a for a in json.loads(out) if a["action"] == "reissue_code"]
    assert [a["reason"] for a in reissued] == ["lost the slip"]
    on_disk = _file_bytes(tmp_path)
    for shown in (first.group(1), second, third.group(1)):
        assert shown not in out and shown.encode() not in on_disk


def test_refusals_are_one_line(cli) -> None:
    code, _, err = cli("appointments", "add", "--service", "A", "--card", CARD,
                       "--date", "2026-11-24", "--at", "14:30", "--purpose", "large_cash",
                       "--amount", "1m+", "--staff", "M001")
    assert code == 1 and "at least 1 day ahead" in err and err.count("\n") == 1
    code, _, err = cli("appointments", "cancel", "000000", "--reason", "x", "--staff", "M001")
    assert code == 1 and err.startswith("kiosk: There is no booking with that code")
    code, _, err = cli("appointments", "cancel", "--booking", "99", "--reason", "x",
                       "--staff", "M001")
    assert code == 1 and err == "kiosk: There is no booking 99.\n"
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
    assert "booked 2 (2 with a new booking code, shown only now); 1 bad rows" in out
    assert "line 3:" in out
    assert len(re.findall(r"^  #[0-9]+ +[0-9]{6} ", out, re.M)) == 2  # each code, once
    assert "are not shown again" in out
    code, out, _ = cli("appointments", "list", "--json")
    assert [b["code"] for b in json.loads(out)] == ["******"] * 2


def test_import_refuses_a_row_at_the_counters_lunch_by_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("证件号码,业务,日期,时间,目的\n"
                    f"{card('6222053')},C,2026-11-24,12:00,其他\n"
                    f"{card('6222054')},C,2026-11-24,13:00,其他\n", encoding="utf-8")
    code, out, _ = cli("appointments", "import", str(path), "--staff", "M001")
    assert code == 1 and "booked 1 (1 with a new booking code, shown only now); 1 bad rows" \
        in out
    assert "line 2: The 12:00 slot of service C on 2026-11-24 is during a break of the " \
           "counters that serve it (counters 4, 5 away; as few as 1 of 2 at work): it " \
           "takes no bookings; the next free slot is 13:00." in out


def test_import_takes_the_booking_systems_own_codes(cli, tmp_path: Path) -> None:
    """A code column: the customers have those codes already; they are hashed on the way
    in (the same code on two days is fine, twice on one day is a bad row) and check in."""
    path = tmp_path / "export.csv"
    path.write_text("证件号码,业务,日期,时间,目的,预约码\n"
                    f"{card('6222043')},V,2026-11-24,15:00,consultation,731902\n"
                    f"{card('6222044')},V,2026-11-25,15:00,consultation,731902\n"
                    f"{card('6222045')},V,2026-11-24,15:30,consultation,731902\n"
                    f"{card('6222046')},V,2026-11-24,16:00,consultation,12345\n"
                    f"{card('6222047')},V,2026-11-24,16:00,consultation,\n", encoding="utf-8")
    code, out, _ = cli("appointments", "import", str(path), "--staff", "M001")
    assert code == 1
    assert "booked 3 (1 with a new booking code, shown only now); 2 bad rows" in out
    assert "line 4: That booking code is another booking's on 2026-11-24 already." in out
    assert "line 5: A booking code has six digits." in out
    assert "731902" not in out  # the file's codes are not shown back
    assert b"731902" not in _file_bytes(tmp_path)
    code, out, _ = cli("appointments", "cancel", "731902", "--date", "2026-11-25",
                       "--reason", "customer rang", "--staff", "M001")
    assert code == 0 and "2026-11-25 15:00" in out
