"""The lobby manager's PDF report: real PDFs, read back with poppler (pdftotext, pdfinfo,
pdffonts) and rendered with pdftoppm, from figures made by hand and from a day made
through the real queue service."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter
from PySide6.QtWidgets import QApplication

from kiosk.config import Settings
from kiosk.errors import KioskError
from kiosk.queue.figures import Figures
from kiosk.queue.service import QueueService
from kiosk.report import words as w
from kiosk.report.layout import LEFT, MIN_ROWS, Column, Document, Table
from kiosk.report.pdf import write_pdf
from tests.conftest import MANAGER_PIN, FakeClock
from tests.support.report_figures import (
    BANK_BRANCHES,
    BRANCH,
    REASONS,
    bank_figures,
    day_figures,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE_FOOTER = re.compile(r"第 (\d+) 页 / 共 (\d+) 页 · Page (\d+) of (\d+)")


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M)[1])  # type: ignore[index]


def page_text(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


def render(path: Path, into: Path) -> list[Path]:
    into.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(into / "page")],
                   check=True, capture_output=True)
    return sorted(into.glob("page-*.png"))


def check_pages(path: Path, pages: int, tmp_path: Path) -> list[str]:
    """Every page numbered "n of pages", and rendered; the text of each page."""
    assert pdf_pages(path) == pages
    texts = []
    for n in range(1, pages + 1):
        text = page_text(path, n)
        footers = PAGE_FOOTER.findall(text)
        assert footers == [(str(n), str(pages), str(n), str(pages))], (n, footers)
        texts.append(text)
    assert len(render(path, tmp_path / "png")) == pages
    return texts


def test_a_days_report_holds_its_figures_and_chinese_headings(qapp: QApplication,
                                                              tmp_path: Path) -> None:
    figs = day_figures(6)
    out = tmp_path / "day.pdf"
    pages = write_pdf(figs, out, author="张经理")
    texts = check_pages(out, pages, tmp_path)
    text = "\n".join(texts)

    cover = texts[0]
    for words in (BRANCH[0], BRANCH[1], "大堂经理日报", "2026-11-24", "张经理",
                  "2026-11-24 18:05", "排队人数 Arrived", "服务达标率 Service level"):
        assert words in cover, words
    t = figs.total
    for figure in (w.count(t.arrived), w.count(t.served), w.pct(t.no_show_pct),
                   w.mmss(t.wait.mean_s), w.mmss(t.wait.p95_s), w.pct(t.service_level_pct)):
        assert figure in cover, figure
    for heading in ("按业务 By service", "按客户等级 By customer tier",
                    "窗口利用率 Counter utilisation", "分时段 By half hour", "过号 No-shows",
                    "人工干预 Overrides", "最繁忙时段 Busiest half hours"):
        assert heading in text, heading
    # one day: no table by day
    assert "按日 By day" not in text
    # the tables' rows, the charts' own text (vector text, not pictures)
    for s in figs.by_service:
        assert s.label_zh in text and w.count(s.arrived) in text
    for c in figs.by_counter:
        assert c.label_zh in text and w.pct(c.utilisation_pct) in text
    assert "分时段到达人数与平均等候 Arrivals and mean wait per half hour" in text
    assert "目标 80% Target 80%" in text
    assert "09:00–09:30" in text and "16:30–17:00" in text
    for o in figs.overrides:
        assert o.ticket in text and f"{o.staff_id} {o.staff_name}" in text
    assert REASONS[0] in text and REASONS[1] in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts)  # every font embedded


def test_a_long_override_list_runs_over_pages_with_its_heading_on_each(
        qapp: QApplication, tmp_path: Path) -> None:
    short = write_pdf(day_figures(6), tmp_path / "short.pdf", author="")
    figs = day_figures(240)
    out = tmp_path / "long.pdf"
    pages = write_pdf(figs, out, author="张经理")
    assert pages >= short + 5
    texts = check_pages(out, pages, tmp_path)
    title = "每一次人工干预及其原因 Every override and its reason（240）"
    with_list = [n for n, t in enumerate(texts) if title in t]
    assert len(with_list) >= 6
    assert with_list == list(range(with_list[0], with_list[-1] + 1))  # one run of pages
    for n in with_list[1:]:
        assert f"{title}（续 continued）" in texts[n]
        assert "原因" in texts[n] and "Reason" in texts[n]  # the heading row again
    listed = "\n".join(texts[n] for n in with_list)
    found = [o.ticket for o in figs.overrides if o.ticket in listed]
    assert found == [o.ticket for o in figs.overrides]


def test_a_month_has_a_table_by_day(qapp: QApplication, tmp_path: Path) -> None:
    figs = day_figures(20, first=date(2026, 11, 1), last=date(2026, 11, 30))
    out = tmp_path / "month.pdf"
    pages = write_pdf(figs, out, author="张经理")
    text = "\n".join(check_pages(out, pages, tmp_path))
    assert "大堂经理月报" in text and "2026年11月" in text and "November 2026" in text
    assert "按日 By day" in text
    assert "11-01 周日 Sun" in text and "11-30 周一 Mon" in text
    assert "各天同一时段合计" in text


def test_a_bank_report_starts_with_the_branches_table_then_each_branch(
        qapp: QApplication, tmp_path: Path) -> None:
    bank = bank_figures()
    out = tmp_path / "bank.pdf"
    pages = write_pdf(bank, out, author="王行长")
    texts = check_pages(out, pages, tmp_path)
    first = texts[0]
    assert "全行汇总" in first and "各支行 By branch" in first
    for (zh, _), row in zip(BANK_BRANCHES, bank.by_branch, strict=True):
        assert zh in first and w.count(row.arrived) in first
    assert "全行合计" in first and w.count(bank.total.arrived) in first
    # then each branch's section, in order, on pages of its own
    starts = [next(n for n, t in enumerate(texts) if f"{zh}\n" in t and
                   "营业天数 Days with data" in t and n > 0) for zh, _ in BANK_BRANCHES]
    assert starts == sorted(starts) and starts[0] > 0
    for zh, _ in BANK_BRANCHES:  # every page of a branch names it in its header
        assert sum(t.startswith(zh) for t in texts) >= 3


def test_a_failure_leaves_the_previous_report_and_no_part_file(qapp: QApplication,
                                                               tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    write_pdf(day_figures(2), out, author="")
    before = out.read_bytes()
    broken = replace(day_figures(2), by_counter=(None,))  # type: ignore[arg-type]
    with pytest.raises(AttributeError):
        write_pdf(broken, out, author="")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]
    with pytest.raises(KioskError, match="no folder"):
        write_pdf(day_figures(2), tmp_path / "missing" / "r.pdf", author="")


def test_a_command_line_without_a_display_writes_the_pdf(tmp_path: Path) -> None:
    """No QApplication, no DISPLAY, no QT_QPA_PLATFORM: write_pdf makes its own, offscreen."""
    out = tmp_path / "cli.pdf"
    code = ("import sys; from pathlib import Path\n"
            "from tests.support.report_figures import day_figures\n"
            "from kiosk.report.pdf import write_pdf\n"
            f"print(write_pdf(day_figures(3), Path({str(out)!r}), author='张经理'))\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) == pdf_pages(out) >= 4
    assert "排队人数 Arrived" in page_text(out, 1)


def _a_day(service: QueueService, clock: FakeClock) -> None:
    """A morning at the branch: 24 customers over three counters, two no-shows, and a
    manager's pin, tier change and cancellation, each with its reason."""
    service.staff.add("M001", "张经理", "manager", MANAGER_PIN)
    manager = service.login("M001", MANAGER_PIN, role="manager")
    for n in (1, 2, 3):
        service.open_counter(n)
    tickets = []
    for i in range(24):
        tickets.append(service.issue("ABC"[i % 3], station="KIOSK-1").id)
        clock.advance(minutes=2)
    service.pin(tickets[20], 1, actor=manager, reason="老人站立不便，优先办理")
    service.change_tier(tickets[21], "gold", actor=manager, reason="客户忘带卡，已核实身份")
    service.cancel(tickets[22], actor=manager, reason="customer left the branch")
    served = 0
    while True:
        called = [v for v in (service.call_next(n) for n in (1, 2, 3)) if v is not None]
        if not called:
            break
        clock.advance(minutes=1)
        for v in called:
            if served in (3, 11):
                service.no_show(v.id)
            else:
                service.start(v.id)
            served += 1
        clock.advance(minutes=4)
        for v in called:
            if service.ticket(v.id).status == "serving":
                service.finish(v.id)


def test_a_real_day_made_through_the_service(qapp: QApplication, tmp_path: Path,
                                             sqlite_queue: QueueService,
                                             clock: FakeClock, settings: Settings) -> None:
    _a_day(sqlite_queue, clock)
    day = clock.now.date()
    figs: Figures = sqlite_queue.figures(day, day)
    assert figs.total.arrived == 24 and figs.total.no_show == 2 and len(figs.overrides) == 3
    out = tmp_path / "real.pdf"
    pages = write_pdf(figs, out, author="张经理")
    texts = check_pages(out, pages, tmp_path)
    text = "\n".join(texts)
    assert settings.branch.name_zh in texts[0]
    t = figs.total
    for figure in ("24", w.count(t.served), w.pct(t.no_show_pct), w.mmss(t.wait.mean_s),
                   w.mmss(t.wait.p95_s), w.pct(t.service_level_pct)):
        assert figure in texts[0], figure
    for s in figs.by_service:
        assert s.label_zh in text
    for o in figs.overrides:
        assert o.reason in text and o.ticket in text and "M001 张经理" in text
    assert "置顶" in text and "更改等级" in text and "取消号码" in text


def test_generated_at_and_period_words(tmp_path: Path, qapp: QApplication) -> None:
    figs = replace(day_figures(1), generated_at=datetime(2026, 12, 1, 7, 30),
                   first_day=date(2026, 11, 3), last_day=date(2026, 11, 9))
    out = tmp_path / "range.pdf"
    write_pdf(figs, out, author="")
    cover = page_text(out, 1)
    assert "2026-11-03 至 2026-11-09" in cover and "2026-11-03 to 2026-11-09" in cover
    assert "大堂经理报告" in cover and "2026-12-01 07:30" in cover


def _document(tmp_path: Path) -> Document:
    writer = QPdfWriter(str(tmp_path / "layout.pdf"))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setResolution(1200)
    return Document(writer)


def _rows_per_page(doc: Document) -> list[int]:
    """Rows of the one table on each page (its title and heading row are two blocks)."""
    return [len(page.blocks) - 2 for page in doc.pages]


def test_a_split_table_leaves_no_row_alone_and_a_short_one_is_not_split(
        qapp: QApplication, tmp_path: Path) -> None:
    columns = (Column("日期\nDay", 2, LEFT), Column("排队人数\nArrived"))
    for n in range(40, 110):
        doc = _document(tmp_path)
        doc.table(Table("按日 By day", columns, [[f"row {i}", str(i)] for i in range(n)]))
        per_page = _rows_per_page(doc)
        assert sum(per_page) == n
        assert min(per_page) >= MIN_ROWS, (n, per_page)
    # a short table that does not fit in what is left of a page starts on the next, whole
    doc = _document(tmp_path)
    doc.text("…")
    doc.y = doc.bottom - doc.mm(30)
    doc.table(Table("短 Short", columns, [[f"row {i}", "1"] for i in range(12)]))
    assert doc.page_count == 2 and len(doc.pages[1].blocks) == 2 + 12
