"""The console's Figures tab (数据): today's figures, drawn from a `FiguresView`.

Thin: the headline, the by-service and by-tier tables and three charts. The charts are
drawn by the report's chart code (kiosk.report.charts, Qt's own QtCharts), the same
functions that draw them into the PDF, shown here in QChartViews. When and what to
compute lives in kiosk.ui.console_figures (no Qt); the window runs it on its worker.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCharts import QChart, QChartView
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.queue.figures import BookingRow
from kiosk.report import charts
from kiosk.ui.console_figures import FiguresLine, FiguresView

HEADLINE = ("arrived", "served", "waiting", "mean_wait", "p95_wait", "service_level",
            "no_show")
COLUMNS = ("name", "arrived", "served", "waiting", "no_show", "mean_wait", "p95_wait",
           "service_level")
BOOKING_COLUMNS = ("name", "booked", "kept", "late", "missed", "punctual")
BELOW_TARGET = "#f6c7c7"
AT_TARGET = "#d5efd9"


def wait_text(seconds: float | None) -> str:
    """m:ss (the simulator's reports read the same), "—" when nobody was called."""
    if seconds is None:
        return "—"
    s = max(0, round(seconds))
    return f"{s // 60}:{s % 60:02d}"


def pct_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def two_lines(label: str, longest: int = 12) -> str:
    """A bar's label on two lines (the axis reads rich text) when it is long: "V VIP
    wealth management" would be cut under a narrow bar."""
    if len(label) <= longest or " " not in label:
        return label
    middle = len(label) / 2
    cut = min((i for i, c in enumerate(label) if c == " "), key=lambda i: abs(i - middle))
    return f"{label[:cut]}<br>{label[cut + 1:]}"


class FiguresPane(QWidget):
    """The tab. `draw(view, lang, at)` shows a FiguresView; `show_problem(text)` a line
    above it when the figures could not be read (the last ones stay)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("figuresPane")
        self.view: FiguresView | None = None
        self.lang = "zh"
        self.at: datetime | None = None
        self.scale = 1.0  # the console's print size (it grows with the window's height)
        self.draws = 0
        box = QVBoxLayout(self)
        box.setSpacing(8)
        head = QHBoxLayout()
        self.title = QLabel(self)
        self.title.setObjectName("sectionTitle")
        self.updated = QLabel(self)
        self.updated.setObjectName("figuresUpdated")
        self.problem = QLabel(self)
        self.problem.setObjectName("dialogError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        head.addWidget(self.title)
        head.addStretch(1)
        head.addWidget(self.updated)
        box.addLayout(head)
        box.addWidget(self.problem)
        cards = QHBoxLayout()
        cards.setSpacing(8)
        self.cards: dict[str, tuple[QLabel, QLabel]] = {}
        for name in HEADLINE:
            card = QWidget(self)
            card.setObjectName("figureCard")
            card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
            inner = QVBoxLayout(card)
            inner.setContentsMargins(10, 4, 10, 4)
            inner.setSpacing(0)
            value, caption = QLabel(card), QLabel(card)
            value.setObjectName("figureValue")
            caption.setObjectName("figureCaption")
            inner.addWidget(value)
            inner.addWidget(caption)
            self.cards[name] = (value, caption)
            cards.addWidget(card, 1)
        box.addLayout(cards)
        # left: the two tables and who waits now; right: the day by half hour
        body = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        # (each table's first heading names it: 业务 / 客户等级)
        self.service_table = self._table("figuresByService")
        self.tier_table = self._table("figuresByTier")
        left.addWidget(self.service_table)
        left.addWidget(self.tier_table)
        self.booking_table = self._table("figuresBookings", len(BOOKING_COLUMNS))
        left.addWidget(self.booking_table)
        self.chart_views: dict[str, QChartView] = {}
        for name, column in (("waiting", left), ("arrivals", right),
                             ("service_level", right)):
            view = QChartView(self)
            view.setObjectName(f"chart_{name}")
            view.setRenderHint(QPainter.RenderHint.Antialiasing)
            view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            view.setMinimumHeight(120)
            self.chart_views[name] = view
            column.addWidget(view, 1)
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        box.addLayout(body, 1)
        self.retranslate("zh")

    def _table(self, name: str, columns: int = len(COLUMNS)) -> QTableWidget:
        t = QTableWidget(0, columns, self)
        t.setObjectName(name)
        t.verticalHeader().hide()
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        t.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        t.setAlternatingRowColors(True)
        t.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = t.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignCenter)
        t.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return t

    # --- words ------------------------------------------------------------------------------

    def retranslate(self, lang: str) -> None:
        """The fixed words; `draw` then the figures in this language."""
        self.lang = lang
        self.title.setText(self.tr("今日数据"))
        captions = {"arrived": self.tr("今日取号"), "served": self.tr("已办结"),
                    "waiting": self.tr("正在等候"), "mean_wait": self.tr("平均等候"),
                    "p95_wait": self.tr("95% 等候不超过"),
                    "service_level": self.tr("目标时间内叫号"), "no_show": self.tr("过号率")}
        for name, (_value, caption) in self.cards.items():
            caption.setText(captions[name])
        # column headings (narrow: the English ones take two lines)
        heads = [self.tr("业务"), self.tr("取号", "column"), self.tr("已办结", "column"),
                 self.tr("正在等候", "column"), self.tr("过号率", "column"),
                 self.tr("平均等候", "column"), self.tr("95% 等候", "column"),
                 self.tr("目标内叫号", "column")]
        self.service_table.setHorizontalHeaderLabels(heads)
        self.tier_table.setHorizontalHeaderLabels([self.tr("客户等级"), *heads[1:]])
        self.booking_table.setHorizontalHeaderLabels(
            [self.tr("预约"), self.tr("预约", "column"), self.tr("按时签到", "column"),
             self.tr("迟到", "column"), self.tr("未到", "column"),
             self.tr("5 分钟内叫号", "column")])

    def set_scale(self, scale: float) -> None:
        """The console's print size changed: the charts' type and the totals' bold font
        (set on the items, so they do not follow the style sheet by themselves)."""
        if scale == self.scale:
            return
        self.scale = scale
        if self.view is not None:
            self.draw(self.view, self.lang, self.at)

    def name(self, line: FiguresLine) -> str:
        if line.key == "all":
            return self.tr("合计")
        return line.label_en if self.lang == "en" else line.label_zh

    # --- drawing ------------------------------------------------------------------------------

    def draw(self, view: FiguresView | None, lang: str, at: datetime | None) -> None:
        self.view, self.lang, self.at = view, lang, at
        self.updated.setText(self.tr("更新于 %1").replace("%1", at.strftime("%H:%M:%S"))
                             if at else self.tr("正在读取…"))
        if view is None:
            for value, _caption in self.cards.values():
                value.setText("—")
            for table in (self.service_table, self.tier_table, self.booking_table):
                table.setRowCount(0)
                self._fit(table)
            self.booking_table.hide()
            for v in self.chart_views.values():
                self._set_chart(v, None)
            return
        target = view.service_level_target_pct
        h = view.headline
        texts = {"arrived": str(h.arrived), "served": str(h.served), "waiting": str(h.waiting),
                 "mean_wait": wait_text(h.mean_wait_s), "p95_wait": wait_text(h.p95_wait_s),
                 "service_level": pct_text(h.service_level_pct), "no_show": pct_text(h.no_show_pct)}
        for name, (value, _caption) in self.cards.items():
            value.setText(texts[name])
        below = h.service_level_pct is not None and h.service_level_pct < target
        level = self.cards["service_level"][0]
        level.setProperty("below", below)
        level.style().unpolish(level)
        level.style().polish(level)
        self._fill(self.service_table, [*view.by_service, h], target)
        self._fill(self.tier_table, [*view.by_tier, h], target)
        self._fill_bookings(view.bookings)
        self._charts(view)
        self.draws += 1

    def _fill(self, table: QTableWidget, lines: list[FiguresLine], target: float) -> None:
        table.setRowCount(len(lines))
        table.ensurePolished()
        bold = QFont(table.font())  # the style sheet's size, as the other rows
        bold.setBold(True)
        for i, line in enumerate(lines):
            cells = [self.name(line), str(line.arrived), str(line.served), str(line.waiting),
                     pct_text(line.no_show_pct), wait_text(line.mean_wait_s),
                     wait_text(line.p95_wait_s), pct_text(line.service_level_pct)]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if line.key == "all":
                    item.setFont(bold)
                if j == len(cells) - 1 and line.service_level_pct is not None:
                    item.setBackground(QBrush(QColor(
                        BELOW_TARGET if line.service_level_pct < target else AT_TARGET)))
                table.setItem(i, j, item)
        self._fit(table)

    def _fill_bookings(self, rows: tuple[BookingRow, ...]) -> None:
        """预约: made, kept, late, missed and the share called within 5 minutes of the
        slot, per service (hidden on a day without bookings)."""
        table = self.booking_table
        table.setVisible(bool(rows))
        table.setRowCount(len(rows))
        bold = QFont(table.font())
        bold.setBold(True)
        for i, b in enumerate(rows):
            name = self.tr("合计") if b.key == "all" else (
                b.label_en if self.lang == "en" else b.label_zh)
            cells = [name, str(b.made - b.cancelled), str(b.kept), str(b.late), str(b.missed),
                     pct_text(b.punctuality_pct)]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if b.key == "all":
                    item.setFont(bold)
                table.setItem(i, j, item)
        self._fit(table)

    @staticmethod
    def _fit(table: QTableWidget) -> None:
        """The table as tall as its rows: no scrolling for a handful of lines."""
        table.resizeRowsToContents()
        height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth()
        height += sum(table.rowHeight(i) for i in range(table.rowCount()))
        table.setFixedHeight(height)

    def _charts(self, view: FiguresView) -> None:
        en = self.lang == "en"
        self._set_chart(self.chart_views["arrivals"],
                        charts.arrivals_and_wait_chart(view.slots, self.lang))
        self._set_chart(self.chart_views["service_level"],
                        charts.service_level_chart(view.slots, view.service_level_target_pct,
                                                   self.lang))
        self._set_chart(self.chart_views["waiting"], charts.waiting_now_chart(
            [(two_lines(f"{prefix} {en_name if en else zh}"), n)
             for prefix, zh, en_name, n in view.waiting_by_service], self.lang))

    def _set_chart(self, view: QChartView, chart: QChart | None) -> None:
        if chart is not None and self.scale != 1.0:
            scale_chart_type(chart, self.scale)
        old = view.chart()
        view.setChart(chart if chart is not None else QChart())
        if old is not None:
            old.deleteLater()

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))



def scale_chart_type(chart: QChart, scale: float) -> None:
    """The shared charts' type is sized for paper and a 1280x800 console; on a larger
    console it grows with the rest of the console's print."""

    def grown(font: QFont) -> QFont:
        f = QFont(font)
        if f.pointSizeF() > 0:
            f.setPointSizeF(f.pointSizeF() * scale)
        elif f.pixelSize() > 0:
            f.setPixelSize(round(f.pixelSize() * scale))
        return f

    chart.setTitleFont(grown(chart.titleFont()))
    chart.legend().setFont(grown(chart.legend().font()))
    for axis in chart.axes():
        axis.setLabelsFont(grown(axis.labelsFont()))
        axis.setTitleFont(grown(axis.titleFont()))
    for series in chart.series():
        for bar_set in getattr(series, "barSets", lambda: [])():
            bar_set.setLabelFont(grown(bar_set.labelFont()))
