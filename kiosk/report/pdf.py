"""The lobby manager's report as a PDF: A4, Chinese with English headings, vector text.

`write_pdf(figures, out, author=...)` writes one branch's report (kiosk.queue.figures
.Figures) or a bank's (BankFigures: a table with a row per branch and the total first,
then each branch's section) and returns its page count. A branch's section holds the
headline figures, the tables by service, by tier and (for more than one day) by day,
counter utilisation, the half hours with their charts, no-shows, every override with the
staff member and the reason, and the busiest half hours. Every page is numbered
("第 2 页 / 共 7 页 · Page 2 of 7").

The file is written beside `out` under a temporary name and renamed when complete, so a
failure never leaves half a report where the full one is expected. It works from a
command line without a display (kiosk.report.charts.report_app).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

from kiosk.errors import KioskError
from kiosk.queue.figures import (
    OVERRIDE_KINDS,
    BankFigures,
    Figures,
    GroupRow,
    OverrideRow,
    Slot,
)
from kiosk.report import words as w
from kiosk.report.charts import (
    arrivals_and_wait_chart,
    report_app,
    service_level_chart,
)
from kiosk.report.export import replacing
from kiosk.report.layout import BODY_PT, GREY, LEFT, SMALL_PT, WARN, Cell, Column, Document, Table

SERVICE_LEVEL_TARGET_PCT = 80.0
"""The share of customers called within their target wait a branch aims at, drawn as
the target line of the service-level chart and printed beside the service level."""

RESOLUTION_DPI = 1200  # the PDF's coordinate grid; text and lines are vectors anyway
CHART_MM = 78.0


def write_pdf(figs: Figures | BankFigures, out: Path, *, author: str,
              target_pct: float = SERVICE_LEVEL_TARGET_PCT) -> int:
    """Write the report to `out` (replacing it only once the new one is complete); the
    number of pages."""
    report_app()
    with replacing(Path(out)) as part:
        return _write(figs, part, author=author, target_pct=target_pct)


def _write(figs: Figures | BankFigures, path: Path, *, author: str,
           target_pct: float) -> int:
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageOrientation(QPageLayout.Orientation.Portrait)
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
    writer.setResolution(RESOLUTION_DPI)
    writer.setCreator("kiosk")
    writer.setAuthor(author)
    title_zh, title_en = w.report_title(figs.first_day, figs.last_day)
    writer.setTitle(f"{title_zh} {title_en}")

    report = Report(Document(writer), author=author, target_pct=target_pct)
    if isinstance(figs, BankFigures):
        report.bank(figs)
    else:
        report.branch_report(figs)

    painter = QPainter()
    if not painter.begin(writer):
        raise KioskError(f"Cannot write the report to {path.parent}.")
    try:
        pages = report.doc.paint(painter, writer.newPage)
    finally:
        painter.end()
    return pages


COUNT_COLUMNS = (Column("排队人数\nArrived"), Column("已办理\nServed"),
                 Column("过号\nNo-show"), Column("过号率\nNo-show %"),
                 Column("取消\nCancelled"), Column("转出\nTransferred", 1.15),
                 Column("服务达标率\nService level", 1.15))
TIME_COLUMNS = (Column("已叫号\nCalled", 0.85), Column("平均等候\nMean wait"),
                Column("中位等候\np50 wait"), Column("90% 等候\np90 wait"),
                Column("95% 等候\np95 wait"), Column("最长等候\nMax wait"),
                Column("平均办理\nMean service", 1.25), Column("90% 办理\np90 service", 1.2))
# the label column as wide in both tables of a grouping
LABEL_WEIGHT = 1.9
COUNT_WEIGHT = sum(c.weight for c in COUNT_COLUMNS)
TIME_WEIGHT = sum(c.weight for c in TIME_COLUMNS)
DEFINITIONS = ("等候：取号到首次叫号；办理：开始办理到完成；"
               "转出：转到其他业务；服务达标率：在目标等候时间内被叫号的比例。 "
               "Wait: from taking the ticket to the first call. Service: from start to "
               "finish. Transferred: sent on to another service. Service level: the share "
               "of called customers called within their target wait.")


class Report:
    """The report's content, block by block, onto a Document."""

    def __init__(self, doc: Document, *, author: str, target_pct: float) -> None:
        self.doc = doc
        self.author = author
        self.target_pct = target_pct

    # --- whole reports ----------------------------------------------------------------

    def branch_report(self, f: Figures) -> None:
        self.doc.header = self._running_header(f.branch_zh, f.branch_en, f.first_day,
                                               f.last_day)
        self._cover(f.branch_zh, f.branch_en, f.first_day, f.last_day, f.generated_at,
                    f"{f.days_with_data}", skipped=(f.skipped_rows, f.skipped_message))
        self._headline(f)
        self.doc.new_page()
        self._branch_body(f)

    def bank(self, b: BankFigures) -> None:
        doc = self.doc
        doc.header = self._running_header("全行", "Bank-wide", b.first_day, b.last_day)
        self._cover("全行汇总", "Bank-wide", b.first_day, b.last_day, b.generated_at,
                    None, branches=len(b.branches),
                    skipped=(b.skipped_rows, b.skipped_message))
        doc.heading("全行概要 Bank-wide headline figures", 1)
        self._boxes(b.total)
        doc.heading("各支行 By branch", 1)
        self._group_tables("支行\nBranch", b.by_branch, b.total)
        for f in b.branches:
            doc.new_page(self._running_header(f.branch_zh, f.branch_en, f.first_day,
                                              f.last_day))
            doc.heading(f.branch_zh or f.branch_en, 0)
            if f.branch_en != f.branch_zh:
                doc.text(f.branch_en, size=12.0, colour=GREY)
            doc.text(f"营业天数 Days with data：{f.days_with_data}", size=BODY_PT)
            self._skipped(f.skipped_rows, f.skipped_message)
            self._headline(f)
            self._branch_body(f)

    # --- parts --------------------------------------------------------------------------

    def _running_header(self, zh: str, en: str, first: date, last: date) -> str:
        title_zh, title_en = w.report_title(first, last)
        period_zh, _ = w.period(first, last)
        return f"{_both(zh, en)} · {period_zh} · {title_zh} {title_en}"

    def _cover(self, zh: str, en: str, first: date, last: date, generated_at: datetime,
               days: str | None, *, branches: int | None = None,
               skipped: tuple[int, str] = (0, "")) -> None:
        doc = self.doc
        title_zh, title_en = w.report_title(first, last)
        period_zh, period_en = w.period(first, last)
        doc.y += doc.mm(8)
        doc.heading(zh or en, 0)
        if en != zh:
            doc.text(en, size=13.0, colour=GREY)
        doc.y += doc.mm(6)
        doc.text(title_zh, size=22.0, bold=True)
        doc.text(title_en, size=14.0, colour=GREY)
        doc.y += doc.mm(6)
        facts = [("报告期间", "Period", f"{period_zh}  {period_en}")]
        if branches is not None:
            facts.append(("支行数", "Branches", str(branches)))
        if days is not None:
            facts.append(("营业天数", "Days with data", days))
        facts += [("编制人", "Prepared by", self.author or w.NONE),
                  ("生成时间", "Generated at", w.stamp(generated_at))]
        for fact_zh, fact_en, value in facts:
            doc.text(f"{fact_zh} {fact_en}：{value}", size=11.0)
        self._skipped(*skipped)
        doc.y += doc.mm(4)

    def _skipped(self, rows: int, message: str) -> None:
        if rows:
            self.doc.text(f"注意：数据库中有 {w.count(rows)} 行无法读取，未计入本报告。 "
                          f"Note: {message}", size=BODY_PT, colour=WARN)

    def _headline(self, f: Figures) -> None:
        self.doc.heading("概要 Headline figures", 1)
        self._boxes(f.total, overrides=len(f.overrides))

    def _boxes(self, t: GroupRow, overrides: int | None = None) -> None:
        doc = self.doc
        doc.key_figures([
            (w.count(t.arrived), "排队人数 Arrived"),
            (w.count(t.served), "已办理 Served"),
            (_no_show_pct(t), f"过号率 No-show rate（{w.count(t.no_show)} 人）"),
            (_wait(t, t.wait.mean_s), "平均等候 Mean wait"),
            (_wait(t, t.wait.p95_s), "95% 等候 p95 wait"),
            (w.pct(t.service_level_pct),
             f"服务达标率 Service level（目标 target {self.target_pct:g}%）"),
        ])
        small = [(w.count(t.cancelled), "取消 Cancelled"),
                 (w.count(t.transferred), "转出 Transferred"),
                 (_wait(t, t.wait.max_s), "最长等候 Max wait"),
                 (_service(t, t.service_mean_s), "平均办理 Mean service")]
        if overrides is not None:
            small.append((w.count(overrides), "人工干预 Overrides"))
        doc.key_figures(small, per_row=len(small), value_pt=12.0)
        doc.text(DEFINITIONS, size=SMALL_PT, colour=GREY)

    def _branch_body(self, f: Figures) -> None:
        doc = self.doc
        doc.heading("按业务 By service", 1)
        self._group_tables("业务\nService", f.by_service, f.total)
        doc.heading("按客户等级 By customer tier", 1)
        self._group_tables("等级\nTier", f.by_tier, f.total)
        if f.first_day != f.last_day:
            doc.heading("按日 By day", 1)
            self._group_tables("日期\nDay", f.by_day, f.total, day_labels=True)
        doc.heading("窗口利用率 Counter utilisation", 1)
        self._counters(f)
        doc.heading("分时段 By half hour", 1)
        self._half_hours(f)
        doc.heading("过号 No-shows", 1)
        self._no_shows(f)
        if f.bookings:
            doc.heading("预约 Appointments", 1)
            self._bookings(f)
        doc.heading("人工干预 Overrides", 1)
        self._overrides(f)
        doc.heading("最繁忙时段 Busiest half hours", 1)
        self._busiest(f.busiest, dated=f.first_day != f.last_day)

    def _group_tables(self, what: str, rows: Sequence[GroupRow], total: GroupRow, *,
                      day_labels: bool = False) -> None:
        def label(r: GroupRow) -> Cell:
            if day_labels and r is not total:
                return _day_label(r.key)
            return (r.label_zh, r.label_en)

        everything = [*rows, total]
        bold = frozenset({len(rows)})
        self.doc.table(Table(
            "人数 Customers", (Column(what, LABEL_WEIGHT, LEFT), *COUNT_COLUMNS),
            [[label(r), w.count(r.arrived), w.count(r.served), w.count(r.no_show),
              _no_show_pct(r), w.count(r.cancelled), w.count(r.transferred),
              w.pct(r.service_level_pct)] for r in everything], bold))
        self.doc.table(Table(
            "等候与办理时间 Waiting and service times (m:ss)",
            (Column(what, LABEL_WEIGHT * TIME_WEIGHT / COUNT_WEIGHT, LEFT), *TIME_COLUMNS),
            [[label(r), w.count(r.wait.count), _wait(r, r.wait.mean_s), _wait(r, r.wait.p50_s),
              _wait(r, r.wait.p90_s), _wait(r, r.wait.p95_s), _wait(r, r.wait.max_s),
              _service(r, r.service_mean_s), _service(r, r.service_p90_s)]
             for r in everything], bold))

    def _counters(self, f: Figures) -> None:
        rows: list[list[Cell]] = [[(c.label_zh, c.label_en), w.count(c.served), w.hours(c.open_s),
                 w.hours(c.serving_s), w.pct(c.utilisation_pct)] for c in f.by_counter]
        self.doc.table(Table(
            "办理时长占开放时长的比例 Serving time as a share of open time",
            (Column("窗口\nCounter", 2.0, LEFT), Column("已办理\nServed"),
             Column("开放时长\nOpen (h:mm)"), Column("办理时长\nServing (h:mm)"),
             Column("利用率\nUtilisation")), rows, width=0.75))

    def _half_hours(self, f: Figures) -> None:
        doc = self.doc
        if not f.slots:
            doc.text("本期没有分时段数据。 No half-hour figures in this period.", colour=GREY)
            return
        note = ("各天同一时段合计。 Each half hour summed over the period's days."
                if f.days_with_data > 1 else "")
        doc.table(Table(
            "到达、叫号、等候与达标 Arrivals, calls, waits and service level",
            (Column("时段\nHalf hour", 1.6, LEFT), Column("到达\nArrivals"),
             Column("叫号\nCalled"), Column("平均等候\nMean wait"),
             Column("服务达标率\nService level")),
            [_slot_cells(s) for s in f.slots], note=note, width=0.75))
        slots = f.slots
        doc.heading("图表 Charts", 2)
        doc.chart(lambda: arrivals_and_wait_chart(slots, "both"), CHART_MM)
        target = self.target_pct
        doc.chart(lambda: service_level_chart(slots, target, "both"), CHART_MM)

    def _no_shows(self, f: Figures) -> None:
        def cells(r: GroupRow) -> list[Cell]:
            return [(r.label_zh, r.label_en), w.count(r.served), w.count(r.no_show),
                    _no_show_pct(r)]

        columns = (Column("已办理\nServed"), Column("过号\nNo-show"),
                   Column("过号率\nNo-show %"))
        note = "过号率 = 过号 ÷（已办理 + 过号）。 No-show % = no-shows ÷ (served + no-shows)."
        self.doc.table(Table("按业务 By service", (Column("业务\nService", 2.4, LEFT), *columns),
                             [*map(cells, f.by_service), cells(f.total)],
                             frozenset({len(f.by_service)}), note=note, width=0.7))
        self.doc.table(Table("按等级 By tier", (Column("等级\nTier", 2.4, LEFT), *columns),
                             [*map(cells, f.by_tier), cells(f.total)],
                             frozenset({len(f.by_tier)}), width=0.7))

    def _bookings(self, f: Figures) -> None:
        rows: list[list[Cell]] = [
            [(b.label_zh, b.label_en), w.count(b.made), w.count(b.kept), w.count(b.late),
             w.count(b.missed), w.pct(b.punctuality_pct)] for b in f.bookings]
        note = ("准时率：到时已在的预约客户中，在预约时间后 5 分钟内被叫号的比例。 Punctuality: of "
                "the booked customers who came by their slot, the share called within 5 minutes "
                "of it.")
        self.doc.table(Table(
            "预约、签到与准时 Bookings made, kept, late, missed and punctuality",
            (Column("业务\nService", 2.4, LEFT), Column("预约\nMade"), Column("按时签到\nKept"),
             Column("迟到\nLate"), Column("未到\nMissed"), Column("准时率\nPunctuality")),
            rows, frozenset({len(rows) - 1}), note=note, width=0.8))

    def _overrides(self, f: Figures) -> None:
        doc = self.doc
        if not f.overrides:
            doc.text("本期没有人工干预。 No overrides in this period.", colour=GREY)
            return
        labels = {**KIND_LABELS, **{o.kind: _kind(o) for o in f.overrides}}
        doc.table(Table("按类型 By kind", (Column("类型\nKind", 3.0, LEFT),
                                           Column("次数\nCount")),
                        [[labels.get(kind, (kind, kind)), w.count(n)]
                         for kind, n in f.overrides_by_kind], width=0.5))
        doc.table(Table("按员工 By staff member",
                        (Column("工号\nStaff no.", 1.2, LEFT), Column("姓名\nName", 2.0, LEFT),
                         Column("次数\nCount")),
                        [[sid, name, w.count(n)] for sid, name, n in f.overrides_by_staff],
                        width=0.5))
        one_day = f.first_day == f.last_day
        doc.table(Table(
            f"每一次人工干预及其原因 Every override and its reason（{w.count(len(f.overrides))}）",
            (Column("时间\nTime", 0.9 if one_day else 1.3, LEFT),
             Column("类型\nKind", 2.3, LEFT), Column("号码\nTicket", 0.8, LEFT),
             Column("员工\nStaff", 1.5, LEFT), Column("原因\nReason", 3.4, LEFT),
             Column("详情\nDetail", 2.0, LEFT)),
            [[o.at.strftime("%H:%M" if one_day else "%m-%d %H:%M"), _kind(o), o.ticket,
              f"{o.staff_id} {o.staff_name}", o.reason, (o.detail, o.detail_en or o.detail)]
             for o in f.overrides]))

    def _busiest(self, slots: Sequence[Slot], *, dated: bool) -> None:
        if not slots:
            self.doc.text("本期没有分时段数据。 No half-hour figures in this period.",
                          colour=GREY)
            return
        columns = [Column("名次\nRank", 0.6, LEFT)]
        if dated:
            columns.append(Column("日期\nDay", 1.6, LEFT))
        columns += [Column("时段\nHalf hour", 1.4, LEFT), Column("到达\nArrivals"),
                    Column("叫号\nCalled"), Column("平均等候\nMean wait"),
                    Column("服务达标率\nService level")]
        rows = []
        for rank, s in enumerate(slots, start=1):
            cells = [str(rank)]
            if dated:
                cells.append(_day_label(s.day.isoformat()) if s.day else w.NONE)
            cells += _slot_cells(s)
            rows.append(cells)
        self.doc.table(Table("到达人数最多的半小时 The half hours with the most arrivals",
                             columns, rows, width=0.85))


KIND_LABELS = {kind: (zh, en) for kind, zh, en in OVERRIDE_KINDS.values()}
"""An override's kind in words, by the event kind the figures count it under."""


def _kind(o: OverrideRow) -> tuple[str, str]:
    if o.label_zh or o.label_en:
        return o.label_zh or o.label_en, o.label_en or o.label_zh
    return KIND_LABELS.get(o.kind, (o.kind, o.kind))


def _both(zh: str, en: str) -> str:
    return zh if zh == en or not en else f"{zh} {en}".strip()


def _wait(r: GroupRow, seconds: float) -> str:
    """A wait of a row with called tickets; a dash when nobody was called."""
    return w.mmss(seconds) if r.wait.count else w.NONE


def _service(r: GroupRow, seconds: float) -> str:
    return w.mmss(seconds) if r.served else w.NONE


def _no_show_pct(r: GroupRow) -> str:
    return w.pct(r.no_show_pct) if r.served + r.no_show else w.NONE


def _slot_cells(s: Slot) -> list[str]:
    return [w.slot_label(s.start), w.count(s.arrivals), w.count(s.called),
            w.mmss(s.mean_wait_s if s.called else None), w.pct(s.service_level_pct)]


def _day_label(key: str) -> str:
    """A day of a period's table on one line: 11-03 周二 Tue."""
    try:
        day = date.fromisoformat(key)
    except ValueError:
        return key
    zh, en = w.weekday(day)
    return f"{day:%m-%d} {zh} {en}"
