"""`kiosk ticket`, `kiosk customers import` and `kiosk doctor` as a lobby manager runs them."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from kiosk.cli import main
from tests.conftest import EXAMPLE_CONFIG
from tests.support.identifiers import CARD
from tests.support.printer_emulator import PrinterEmulator

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Run:
    monkeypatch.setenv("KIOSK_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("KIOSK_NOW", "2026-11-24T10:00:00")
    monkeypatch.delenv("KIOSK_DATABASE_URL", raising=False)
    monkeypatch.delenv("KIOSK_HASH_SECRET", raising=False)
    db = f"sqlite:///{tmp_path / 'branch.db'}"

    def run(*args: str, config: Path = EXAMPLE_CONFIG) -> tuple[int, str, str]:
        code = main([*args, "--db", db, "--config", str(config)])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def branch_with_printer(tmp_path: Path, printer_toml: str) -> Path:
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8")
    text = re.sub(r"\[printer\][^\[]*", printer_toml + "\n\n", text, count=1)
    path = tmp_path / "branch.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def emulator() -> Iterator[PrinterEmulator]:
    emu = PrinterEmulator()
    yield emu
    emu.close()


def test_a_vip_ticket_prints_with_masked_name_and_a_scannable_qr(cli: Run, tmp_path: Path) -> None:
    crm = tmp_path / "crm.csv"
    crm.write_text(f"identifier,name,tier\n{CARD},孙丽华,白金\n", encoding="utf-8")
    assert cli("db", "upgrade")[0] == 0
    assert cli("customers", "import", str(crm))[0] == 0
    code, out, _ = cli("issue", "--service", "V", "--card", CARD, "--json")
    ticket_id = json.loads(out)["ticket_id"]
    bin_path, png_path = tmp_path / "t.bin", tmp_path / "t.png"
    code, out, err = cli("ticket", str(ticket_id), "--out", str(bin_path), "--png", str(png_path))
    assert code == 0, err
    data = bin_path.read_bytes()
    assert f"{len(data)} bytes" in out and len(data) <= 600
    text = data.decode("gb18030")
    assert "V001" in text and "贵宾理财" in text and "白金客户 Platinum" in text
    assert "孙*华" in text and CARD not in text
    img = Image.open(io.BytesIO(png_path.read_bytes()))
    assert img.width == 576
    [code_] = zxingcpp.read_barcodes(img.convert("L"))
    assert code_.text.startswith("https://q.example-bank.cn/t/")
    assert code_.text.split("/t/")[1].startswith(f"{ticket_id}.")


def test_ticket_on_58mm_paper_with_an_image_qr(cli: Run, tmp_path: Path) -> None:
    cli("db", "upgrade")
    cli("issue", "--service", "A")
    code, out, _ = cli("ticket", "1", "--out", str(tmp_path / "t.bin"), "--paper", "58",
                       "--image-qr", "--json")
    result = json.loads(out)
    assert (code, result["paper"], result["qr"]) == (0, 58, "image QR")
    assert b"\x1dv0" in (tmp_path / "t.bin").read_bytes()


def test_an_unknown_ticket_is_one_line(cli: Run, tmp_path: Path) -> None:
    cli("db", "upgrade")
    code, _, err = cli("ticket", "42", "--out", str(tmp_path / "t.bin"))
    assert code != 0 and err.strip().count("\n") == 0 and "42" in err


def test_import_reports_bad_rows_and_keeps_the_good_ones(cli: Run, tmp_path: Path) -> None:
    crm = tmp_path / "crm.csv"
    crm.write_text(f"identifier,name,tier\n{CARD},孙丽华,黄金\n12345,李四,普通\n",
                   encoding="utf-8")
    cli("db", "upgrade")
    code, out, _ = cli("customers", "import", str(crm))
    assert code == 1
    assert "imported 1 customers" in out and "line 3: A bank card number has 13 to 19" in out
    code, out, _ = cli("issue", "--service", "A", "--card", CARD, "--json")
    assert json.loads(out)["tier"] == "gold"


def add_manager(cli: Run, monkeypatch: pytest.MonkeyPatch, config: Path = EXAMPLE_CONFIG) -> None:
    monkeypatch.setenv("KIOSK_NEW_PIN", "2468")
    code, _, err = cli("staff", "add", "M001", "--name", "张经理", "--role", "manager",
                       config=config)
    assert code == 0, err


def test_doctor_passes_on_a_ready_branch(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("db", "upgrade")[0] == 0
    add_manager(cli, monkeypatch)
    code, out, _ = cli("doctor", "--skip", "audio")
    lines = out.strip().splitlines()
    assert code == 0, out
    assert [ln.split()[1] for ln in lines] == ["config", "database", "staff", "printer", "wedge",
                                              "fonts", "translations", "web"]
    assert all(ln.split()[0] in ("ok", "warn") for ln in lines)


def test_doctor_fails_without_a_manager_account(cli: Run) -> None:
    assert cli("db", "upgrade")[0] == 0
    code, out, _ = cli("doctor", "--skip", "audio", "--json")
    checks = {c["name"]: (c["result"], c["detail"]) for c in json.loads(out)["checks"]}
    assert code == 1
    assert checks["staff"][0] == "FAIL" and "no manager account" in checks["staff"][1]


def test_doctor_fails_on_an_empty_database_and_a_silent_printer(
        cli: Run, tmp_path: Path, emulator: PrinterEmulator) -> None:
    emulator.silent = True
    config = branch_with_printer(
        tmp_path, f'[printer]\nbackend = "serial"\ntarget = "{emulator.path}"')
    code, out, _ = cli("doctor", "--skip", "audio", "--json", config=config)
    checks = {c["name"]: (c["result"], c["detail"]) for c in json.loads(out)["checks"]}
    assert code == 1
    assert checks["database"][0] == "FAIL" and "kiosk db upgrade" in checks["database"][1]
    assert checks["printer"][0] == "FAIL" and "does not answer" in checks["printer"][1]


def test_doctor_sees_paper_running_low(cli: Run, tmp_path: Path, emulator: PrinterEmulator,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.state = "paper_near_end"
    config = branch_with_printer(
        tmp_path, f'[printer]\nbackend = "serial"\ntarget = "{emulator.path}"')
    cli("db", "upgrade", config=config)
    add_manager(cli, monkeypatch, config)
    code, out, _ = cli("doctor", "--skip", "audio", config=config)
    printer_line = next(ln for ln in out.splitlines() if " printer " in ln)
    assert code == 0 and printer_line.startswith("warn") and "running low" in printer_line


def test_doctor_checks_that_the_qr_codes_address_answers(
        cli: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support.web_station import WebProcess

    assert cli("db", "upgrade")[0] == 0
    add_manager(cli, monkeypatch)
    code, out, _ = cli("doctor", "--skip", "audio", "--json")  # the example address
    checks = {c["name"]: (c["result"], c["detail"]) for c in json.loads(out)["checks"]}
    assert checks["web"][0] == "warn" and "example" in checks["web"][1]

    web = WebProcess(f"sqlite:///{tmp_path / 'branch.db'}", tmp_path)
    try:
        config = branch_with_printer(tmp_path, f'[printer]\nqr_url_prefix = "{web.url}t/"')
        code, out, _ = cli("doctor", "--skip", "audio", config=config)
        web_line = next(ln for ln in out.splitlines() if ln.split()[1] == "web")
        assert code == 0 and web_line.startswith("ok") and web.url in web_line
    finally:
        web.stop()
    code, out, _ = cli("doctor", "--skip", "audio", config=config)  # the station is gone
    web_line = next(ln for ln in out.splitlines() if ln.split()[1] == "web")
    assert code == 1 and web_line.startswith("FAIL") and "does not answer" in web_line
