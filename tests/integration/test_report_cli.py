"""`kiosk report` as a lobby manager runs it: the files open where they should (Excel's
CSV, JSON), several branches give a bank-wide report, and every refusal is one sentence
with no file left behind."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import Settings
from tests.support.cli_runner import assert_clear, kiosk
from tests.support.small_day import small_day_branch

BOM = b"\xef\xbb\xbf"
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def branch(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite branch holding the small day (2026-11-24); the report runs on 30 Nov."""
    monkeypatch.setenv("KIOSK_NOW", "2026-11-30T18:00:00")
    monkeypatch.setenv("KIOSK_VAR_DIR", str(tmp_path / "var"))
    url = f"sqlite:///{tmp_path / 'lujiazui.db'}"
    small_day_branch(url, settings)
    return url


def report(db: str, *args: str) -> tuple[int, str, str]:
    code, out, err = kiosk(db, "report", *args)
    assert_clear(code, out, err)
    return code, out, err


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)  # Excel reads UTF-8 only with it
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_csv_zip_one_table_a_file(branch: str, tmp_path: Path) -> None:
    out = tmp_path / "november.zip"
    code, text, _ = report(branch, "--month", "2026-11", "--format", "csv", "--out", str(out))
    assert code == 0 and "Wrote" in text and "5 tickets" in text
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names[:3] == ["summary.csv", "by_service.csv", "by_tier.csv"]
        service = read_csv(zf.read("by_service.csv"))
        tiers = read_csv(zf.read("by_tier.csv"))
        summary = dict(read_csv(zf.read("summary.csv"))[1:])  # type: ignore[arg-type]
        overrides = read_csv(zf.read("overrides.csv"))
    head = service[0]
    assert head[:5] == ["代码 Key", "名称 Name", "Name", "到达 Arrived", "办结 Served"]
    rows = {r[0]: dict(zip(head, r, strict=True)) for r in service[1:]}
    assert rows["A"]["名称 Name"] == "个人现金" and rows["A"]["到达 Arrived"] == "3"
    assert rows["all"]["平均等候(秒) Mean wait (s)"] == "705.0"
    assert rows["all"]["达标率% Service level %"] == "75.0"
    assert rows["C"]["达标率% Service level %"] == ""  # nobody called: no service level
    assert {r[1] for r in tiers[1:]} >= {"普通", "黄金", "合计"}
    assert summary["期间 Period"] == "2026-11-01 – 2026-11-30"
    assert summary["有数据的营业日 Days with data"] == "1"
    assert [r[6] for r in overrides[1:]] == ["黄金客户，卡未带", "老人，身体不适", "客户离开"]


def test_csv_one_table(branch: str, tmp_path: Path) -> None:
    out = tmp_path / "counters.csv"
    code, _, _ = report(branch, "--day", "2026-11-24", "--format", "csv", "--table",
                        "by_counter", "--out", str(out))
    assert code == 0
    rows = read_csv(out.read_bytes())
    assert rows[0][-1] == "利用率% Utilisation %"
    assert [r[:4] + r[-1:] for r in rows[1:4]] == [
        ["1", "1号窗口", "Counter 1", "2", "37.5"], ["2", "2号窗口", "Counter 2", "0", ""],
        ["3", "3号窗口", "Counter 3", "1", "25.0"]]


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_json_is_the_figures_as_data(branch: str, tmp_path: Path) -> None:
    out = tmp_path / "day.json"
    code, text, _ = report(branch, "--day", "2026-11-24", "--format", "json", "--out", str(out),
                           "--json")
    assert code == 0 and json.loads(text)["out"] == str(out)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask()  # like any new file, not 0600
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["kind"] == "branch" and data["first_day"] == "2026-11-24"
    assert data["generated_at"] == "2026-11-30T18:00:00"
    assert data["total"]["wait"] == {"count": 4, "mean_s": 705.0, "p50_s": 600.0,
                                     "p90_s": 900.0, "p95_s": 900.0, "max_s": 900.0}
    assert data["slots"][0]["start"] == "09:00" and data["busiest"][0]["day"] == "2026-11-24"
    assert data["overrides"][0]["at"] == "2026-11-24T09:14:00"
    assert data["overrides"][0]["detail"] == "普通 → 黄金"
    assert data["skipped_rows"] == 0 and data["skipped_message"] == ""


def test_several_branches_in_one_report(branch: str, tmp_path: Path,
                                        settings: Settings) -> None:
    other = f"sqlite:///{tmp_path / 'waitan.db'}"
    small_day_branch(other, settings)
    out = tmp_path / "bank.json"
    code, _, _ = report(branch, "--day", "2026-11-24", "--format", "json", "--out", str(out),
                        "--db", other, "--db", f"外滩={other}")
    # (--db given to the command replaces the runner's, which comes last: three branches)
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["kind"] == "bank"
    assert [r["key"] for r in data["by_branch"]] == ["waitan", "外滩", "lujiazui"]
    assert [b["branch_zh"] for b in data["branches"]] == ["waitan", "外滩", "lujiazui"]
    assert data["total"]["arrived"] == 15 and data["total"]["wait"]["p95_s"] == 900.0
    zipped = tmp_path / "bank.zip"
    assert report(branch, "--day", "2026-11-24", "--format", "csv", "--out", str(zipped),
                  "--db", f"外滩={other}")[0] == 0
    with zipfile.ZipFile(zipped) as zf:
        assert "by_branch.csv" in zf.namelist() and "外滩/by_service.csv" in zf.namelist()
        rows = read_csv(zf.read("by_branch.csv"))
    assert [r[0] for r in rows[1:]] == ["外滩", "lujiazui", "all"]


@pytest.mark.parametrize(("args", "message"), [
    (("--day", "2026-11-23"), "no tickets at 光明银行 上海陆家嘴支行 on 2026-11-23: nothing "
                              "to report"),
    (("--month", "2026-10"), "no tickets at 光明银行 上海陆家嘴支行 on 2026-10"),
    (("--month", "2027-01"), "2027-01 is in the future (today is 2026-11-30): there are no "
                             "figures yet"),
    (("--from", "2026-12-01", "--to", "2026-12-05"), "is in the future"),
    (("--from", "2026-11-20", "--to", "2026-11-10"), "the period ends (2026-11-10) before it "
                                                     "starts (2026-11-20)"),
    (("--from", "2026-11-20"), "--from needs --to"),
    (("--day", "2026-02-30"), "a day is written YYYY-MM-DD, e.g. 2026-11-03, not '2026-02-30'"),
    (("--day", "24/11/2026"), "a day is written YYYY-MM-DD"),
    (("--month", "2026-13"), "a month is written YYYY-MM, e.g. 2026-11, not '2026-13'"),
    (("--from", "2025-01-01", "--to", "2026-11-30"), "A report covers at most 366 days"),
])
def test_refusals_are_one_sentence_and_leave_no_file(branch: str, tmp_path: Path,
                                                     args: tuple[str, ...],
                                                     message: str) -> None:
    out = tmp_path / "out" / "report.zip"
    out.parent.mkdir()
    code, _, err = report(branch, *args, "--format", "csv", "--out", str(out))
    assert code != 0 and message in err
    assert list(out.parent.iterdir()) == []


def test_an_unreachable_database_is_one_sentence(branch: str, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code, _, err = report(f"sqlite:///{tmp_path / 'nowhere.db'}", "--day", "2026-11-24",
                          "--format", "json", "--out", str(out))
    assert code == 3 and "no branch database at" in err and "nowhere.db" in err
    closed = "postgresql://postgres@127.0.0.1:1/branch"  # nothing listens on port 1
    code, _, err = report(branch, "--day", "2026-11-24", "--format", "json", "--out",
                          str(out), "--db", f"外滩={closed}")
    assert code == 3 and err.startswith("kiosk: branch 外滩: database unavailable")
    assert not out.exists() and list(tmp_path.glob("*.part")) == []


def test_corrupt_rows_are_left_out_and_named(branch: str, tmp_path: Path) -> None:
    """A payload that is not JSON, an event of an unknown kind, events of a ticket that is
    gone: the report is written from the rest, and says what it left out."""
    path = branch.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        a001 = conn.execute("SELECT id FROM tickets WHERE number = 'A001'").fetchone()[0]
        called = conn.execute("SELECT id FROM events WHERE kind = 'called' AND ticket_id = ?",
                              (a001,)).fetchone()[0]
        conn.execute("UPDATE events SET payload = 'not json{' WHERE id = ?", (called,))
        conn.execute("INSERT INTO events (id, at, kind, ticket_id, counter, payload) VALUES "
                     "(9001, '2026-11-24 09:50:00.000000', 'teleport', ?, 1, '{}')", (a001,))
        conn.execute("DELETE FROM tickets WHERE number = 'B001'")  # its called and no_show
    out = tmp_path / "day.json"
    code, text, err = kiosk(branch, "report", "--day", "2026-11-24", "--format", "json",
                            "--out", str(out))
    assert code == 0 and "Traceback" not in err and text.startswith("Wrote")
    assert err.count("\n") == 1 and err.startswith(
        "kiosk: note: 4 rows of the database could not be read and were left out of these "
        f"figures (event {called}: its payload is not a JSON object; ")
    assert "event 9001: unknown kind 'teleport'" in err and "of a missing ticket" in err
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["skipped_rows"] == 4 and data["skipped_message"] in err
    # A001's wait is still known (the ticket keeps its call); B001 is gone
    assert data["total"]["arrived"] == 4 and data["total"]["wait"]["mean_s"] == 780.0


def test_the_report_takes_many_databases_and_the_other_commands_one() -> None:
    from kiosk.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(["status", "--db", "sqlite:///a.db"]).db == "sqlite:///a.db"
    report_args = parser.parse_args(["report", "--day", "2026-11-24", "--format", "json",
                                     "--out", "x.json", "--db", "a", "--db", "b"])
    assert report_args.db == ["a", "b"]
    issue_help = parser._subparsers._group_actions[0].choices["issue"].format_help()  # type: ignore[union-attr]
    assert "[--db URL]" in issue_help and "URL\n" not in issue_help.split("options:")[0]
