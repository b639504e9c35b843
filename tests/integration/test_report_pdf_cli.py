"""`kiosk report --format pdf` as a lobby manager runs it, in a process of its own with no
display: one branch's day, and a bank-wide report over two branch databases."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import Settings
from tests.conftest import EXAMPLE_CONFIG
from tests.support.small_day import small_day_branch
from tests.ui.test_report_pdf import PAGE_FOOTER, page_text, pdf_pages

ROOT = Path(__file__).resolve().parents[2]


def _report(tmp_path: Path, *args: str,
            config: Path = EXAMPLE_CONFIG) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(KIOSK_NOW="2026-11-30T18:00:00", KIOSK_VAR_DIR=str(tmp_path / "var"),
               PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "report", *args,
                           "--config", str(config)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_a_days_pdf_and_a_bank_wide_pdf_from_the_command_line(tmp_path: Path,
                                                              settings: Settings) -> None:
    one = small_day_branch(f"sqlite:///{tmp_path / 'lujiazui.db'}", settings)
    out = tmp_path / "day.pdf"
    done = _report(tmp_path, "--day", "2026-11-24", "--format", "pdf", "--out", str(out),
                   "--author", "张经理", "--db", one)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    pages = pdf_pages(out)
    assert f"{pages} pages" in done.stdout
    cover = page_text(out, 1)
    assert "大堂经理日报" in cover and "张经理" in cover and "排队人数 Arrived" in cover
    text = page_text(out)
    assert "老人，身体不适" in text and "黄金客户，卡未带" in text  # the overrides' reasons
    assert len(PAGE_FOOTER.findall(text)) == pages
    assert "目标 80% Target 80%" in text  # the branch's aim (rules.service_level_target_pct)

    aim = tmp_path / "aim.toml"
    aim.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8").replace(
        "service_level_target_pct = 80 ", "service_level_target_pct = 90 "), encoding="utf-8")
    done = _report(tmp_path, "--day", "2026-11-24", "--format", "pdf", "--out",
                   str(tmp_path / "aim.pdf"), "--db", one, config=aim)
    assert done.returncode == 0, done.stderr
    assert "目标 90% Target 90%" in page_text(tmp_path / "aim.pdf")

    two = small_day_branch(f"sqlite:///{tmp_path / 'xujiahui.db'}", settings)
    bank = tmp_path / "bank.pdf"
    done = _report(tmp_path, "--day", "2026-11-24", "--format", "pdf", "--out", str(bank),
                   "--db", f"陆家嘴={one}", "--db", f"徐家汇={two}")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    first = page_text(bank, 1)
    assert "全行汇总" in first and "陆家嘴" in first and "徐家汇" in first
    assert pdf_pages(bank) > pages
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".pdf") == [
        "aim.pdf", "bank.pdf", "day.pdf"]
