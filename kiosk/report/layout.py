"""A4 pages from headings, text, figure boxes, tables and charts.

A `Document` lays its content out first (every block measured with the PDF's own font
metrics) and paints afterwards, so each page's footer knows how many pages there are
("第 2 页 / 共 7 页 · Page 2 of 7"). Tables run over as many pages as they need and repeat
their title and heading row on each; a heading never stays alone at the foot of a page.
Everything is drawn as text and lines: a PDF keeps its text layer and its vector shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from PySide6.QtCharts import QChart
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPagedPaintDevice, QPainter, QPen

from kiosk.report.charts import render_chart, report_font

A4_MM = (210.0, 297.0)
MARGIN_MM = (18.0, 20.0, 18.0, 18.0)  # left, top, right, bottom

INK = QColor("#1f1f1f")
GREY = QColor("#6b6b6b")
RULE = QColor("#b8c0ca")
HEAD_FILL = QColor("#e6ecf4")
STRIPE = QColor("#f5f7fa")
ACCENT = QColor("#1d4f91")
WARN = QColor("#b03a2e")

BODY_PT = 9.0
TABLE_PT = 7.8
SMALL_PT = 7.0

KEEP_WHOLE = 0.4  # a table up to this share of a page starts a new page rather than split
MIN_ROWS = 3  # rows a table keeps together at its start and its end when it is split

Draw = Callable[[QPainter, float], None]  # draws one block with its top at y
LEFT = Qt.AlignmentFlag.AlignLeft
RIGHT = Qt.AlignmentFlag.AlignRight
CENTRE = Qt.AlignmentFlag.AlignHCenter


@dataclass(frozen=True)
class Column:
    title: str  # "\n" between the Chinese and the English
    weight: float = 1.0  # share of the table's width
    align: Qt.AlignmentFlag = RIGHT


Cell = str | tuple[str, str]
"""A table cell: text, or (Chinese, English) on one line when they fit, else two."""


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    bold_rows: frozenset[int] = field(default_factory=frozenset)  # e.g. the total
    note: str = ""  # a line under the title
    width: float = 1.0  # share of the page's width (a two-column table needs less)


@dataclass
class _Page:
    header: str
    blocks: list[tuple[float, Draw]] = field(default_factory=list)


class Document:
    """One report's pages on a paged device (a QPdfWriter set to A4 without margins)."""

    def __init__(self, device: QPagedPaintDevice, header: str = "") -> None:
        self.device = device
        self.dpi = device.logicalDpiY()
        self.left = self.mm(MARGIN_MM[0])
        self.top = self.mm(MARGIN_MM[1])
        self.right = self.mm(A4_MM[0] - MARGIN_MM[2])
        self.bottom = self.mm(A4_MM[1] - MARGIN_MM[3])
        self.width = self.right - self.left
        self.header = header
        self.pages: list[_Page] = [_Page(header)]
        self.y = self.top
        self._trailing_headings: list[tuple[float, Draw]] = []

    # --- units and text -----------------------------------------------------------

    def mm(self, value: float) -> float:
        return value / 25.4 * self.dpi

    def pt(self, value: float) -> float:
        return value / 72.0 * self.dpi

    def metrics(self, font: QFont) -> QFontMetricsF:
        return QFontMetricsF(font, self.device)

    def text_height(self, text: str, font: QFont, width: float) -> float:
        flags = int(Qt.TextFlag.TextWordWrap)
        return self.metrics(font).boundingRect(QRectF(0, 0, width, 1e7), flags, text).height()

    # --- placing blocks -----------------------------------------------------------

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def new_page(self, header: str | None = None) -> None:
        """Continue on a fresh page (the current one if it is still empty), from now on
        under `header` when one is given."""
        if header is not None:
            self.header = header
        if self.pages[-1].blocks:
            self.pages.append(_Page(self.header))
        else:
            self.pages[-1].header = self.header
        self.y = self.top
        self._trailing_headings = []

    def _place(self, height: float, draw: Draw) -> None:
        self.pages[-1].blocks.append((self.y, draw))
        self.y += height

    def _fit(self, height: float) -> None:
        """Start a new page unless `height` fits below; headings just placed go with it."""
        if self.y + height <= self.bottom or self.y <= self.top:
            return
        moved = self._trailing_headings
        page = self.pages[-1]
        del page.blocks[len(page.blocks) - len(moved):]
        self.pages.append(_Page(self.header))
        self.y = self.top
        for height_, draw in moved:
            self._place(height_, draw)
        self._trailing_headings = []

    def _content(self, height: float, draw: Draw) -> None:
        self._fit(height)
        self._place(height, draw)
        self._trailing_headings = []

    def space(self, mm: float) -> None:
        if self.y > self.top:
            self.y = min(self.y + self.mm(mm), self.bottom)

    # --- blocks ---------------------------------------------------------------------

    def heading(self, text: str, level: int = 1) -> None:
        font = report_font({0: 20.0, 1: 13.0, 2: 10.5}[level], bold=True)
        before = self.mm({0: 0.0, 1: 5.0, 2: 3.5}[level])
        if self.y > self.top:
            self.y += before
        height = self.text_height(text, font, self.width) + self.mm(1.5)
        rule = level == 1

        def draw(p: QPainter, y: float) -> None:
            p.setFont(font)
            p.setPen(ACCENT if level < 2 else INK)
            p.drawText(QRectF(self.left, y, self.width, height),
                       int(LEFT | Qt.TextFlag.TextWordWrap), text)
            if rule:
                p.setPen(QPen(ACCENT, self.pt(0.8)))
                p.drawLine(QPointF(self.left, y + height - self.mm(0.8)),
                           QPointF(self.right, y + height - self.mm(0.8)))

        self._fit(height + self.mm(12))
        self._place(height, draw)
        self._trailing_headings.append((height, draw))

    def text(self, text: str, *, size: float = BODY_PT, colour: QColor = INK,
             bold: bool = False, align: Qt.AlignmentFlag = LEFT) -> None:
        font = report_font(size, bold=bold)
        height = self.text_height(text, font, self.width) + self.mm(1.2)

        def draw(p: QPainter, y: float) -> None:
            p.setFont(font)
            p.setPen(colour)
            p.drawText(QRectF(self.left, y, self.width, height),
                       int(align | Qt.TextFlag.TextWordWrap), text)

        self._content(height, draw)

    def key_figures(self, items: Sequence[tuple[str, str]], per_row: int = 3,
                    value_pt: float = 16.0) -> None:
        """Boxes with a big figure over its label, `per_row` to a row."""
        value_font = report_font(value_pt, bold=True)
        label_font = report_font(SMALL_PT + 0.5)
        gap = self.mm(3)
        box_w = (self.width - gap * (per_row - 1)) / per_row
        label_h = max(self.text_height(label, label_font, box_w - self.mm(4))
                      for _, label in items)
        value_h = self.metrics(value_font).height()
        box_h = value_h + label_h + self.mm(5)
        rows = [items[i:i + per_row] for i in range(0, len(items), per_row)]

        def draw(p: QPainter, top: float) -> None:
            for r, row in enumerate(rows):
                y = top + r * (box_h + gap)
                for i, (value, label) in enumerate(row):
                    x = self.left + i * (box_w + gap)
                    p.setPen(QPen(RULE, self.pt(0.6)))
                    p.setBrush(STRIPE)
                    p.drawRect(QRectF(x, y, box_w, box_h))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                    p.setFont(value_font)
                    p.setPen(ACCENT)
                    p.drawText(QRectF(x, y + self.mm(1.5), box_w, value_h), int(CENTRE), value)
                    p.setFont(label_font)
                    p.setPen(GREY)
                    p.drawText(QRectF(x + self.mm(2), y + self.mm(1.5) + value_h + self.mm(1),
                                      box_w - self.mm(4), label_h),
                               int(CENTRE | Qt.TextFlag.TextWordWrap), label)

        self._content(len(rows) * (box_h + gap), draw)

    def chart(self, make: Callable[[], QChart], height_mm: float) -> None:
        """A chart the full width of the page, made when its page is painted."""
        height = self.mm(height_mm)

        def draw(p: QPainter, y: float) -> None:
            render_chart(make(), p, QRectF(self.left, y, self.width, height))

        self._content(height + self.mm(3), draw)

    def table(self, table: Table) -> None:
        """A table that runs over pages; each page repeats its title and heading row."""
        font = report_font(TABLE_PT)
        bold = report_font(TABLE_PT, bold=True)
        title_font = report_font(BODY_PT + 0.5, bold=True)
        note_font = report_font(SMALL_PT)
        pad_x, pad_y = self.mm(1.2), self.mm(0.9)
        total_weight = sum(c.weight for c in table.columns)
        table_w = self.width * table.width
        right = self.left + table_w
        widths = [table_w * c.weight / total_weight for c in table.columns]
        lefts = [self.left + sum(widths[:i]) for i in range(len(widths))]

        def cells_height(texts: Sequence[str], f: QFont) -> float:
            return max(self.text_height(t, f, w - 2 * pad_x) for t, w in zip(texts, widths,
                                                                           strict=True))

        head_h = cells_height([c.title for c in table.columns], bold) + 2 * pad_y
        title_h = self.text_height(table.title, title_font, self.width) + self.mm(1)
        note_h = (self.text_height(table.note, note_font, self.width) + self.mm(0.8)
                  if table.note else 0.0)

        def draw_title(p: QPainter, y: float, continued: bool) -> None:
            p.setFont(title_font)
            p.setPen(INK)
            title = f"{table.title}（续 continued）" if continued else table.title
            p.drawText(QRectF(self.left, y, self.width, title_h), int(LEFT), title)
            if table.note and not continued:
                p.setFont(note_font)
                p.setPen(GREY)
                p.drawText(QRectF(self.left, y + title_h, self.width, note_h),
                           int(LEFT | Qt.TextFlag.TextWordWrap), table.note)

        def draw_head(p: QPainter, y: float) -> None:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(HEAD_FILL)
            p.drawRect(QRectF(self.left, y, table_w, head_h))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setFont(bold)
            p.setPen(INK)
            for column, x, w in zip(table.columns, lefts, widths, strict=True):
                p.drawText(QRectF(x + pad_x, y + pad_y, w - 2 * pad_x, head_h - 2 * pad_y),
                           int(column.align | Qt.AlignmentFlag.AlignVCenter
                               | Qt.TextFlag.TextWordWrap), column.title)
            p.setPen(QPen(INK, self.pt(0.6)))
            p.drawLine(QPointF(self.left, y + head_h), QPointF(right, y + head_h))

        def place_top(continued: bool) -> None:
            h = title_h + (0 if continued else note_h)
            self._place(h, lambda p, y: draw_title(p, y, continued))
            self._place(head_h, draw_head)

        def fitted(cell: Cell, width: float, f: QFont) -> str:
            if isinstance(cell, str):
                return cell
            zh, en = cell
            if zh == en:
                return zh
            one = f"{zh} {en}"
            return one if self.metrics(f).horizontalAdvance(one) <= width - 2 * pad_x else (
                f"{zh}\n{en}")

        rows = []
        for i, cells in enumerate(table.rows):
            is_bold = i in table.bold_rows
            f = bold if is_bold else font
            rows.append(([fitted(c, wd, f) for c, wd in zip(cells, widths, strict=True)],
                         is_bold))
        heights = [cells_height(r, bold if b else font) + 2 * pad_y for r, b in rows]
        whole = title_h + note_h + head_h + sum(heights)
        if whole <= (self.bottom - self.top) * KEEP_WHOLE:
            self._fit(whole)  # a short table is not split
        else:
            self._fit(title_h + note_h + head_h + sum(heights[:MIN_ROWS]))
        place_top(False)
        self._trailing_headings = []
        breaks = self._row_breaks(heights, self.y, title_h + head_h)
        for n, ((texts, is_bold), row_h) in enumerate(zip(rows, heights, strict=True)):
            if n in breaks:
                self.pages.append(_Page(self.header))
                self.y = self.top
                place_top(True)

            def draw_row(p: QPainter, y: float, texts: list[str] = texts, n: int = n,
                         is_bold: bool = is_bold, row_h: float = row_h) -> None:
                if n % 2:
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(STRIPE)
                    p.drawRect(QRectF(self.left, y, table_w, row_h))
                    p.setBrush(Qt.BrushStyle.NoBrush)
                if is_bold:
                    p.setPen(QPen(INK, self.pt(0.6)))
                    p.drawLine(QPointF(self.left, y), QPointF(right, y))
                p.setFont(bold if is_bold else font)
                p.setPen(INK)
                for column, x, w, t in zip(table.columns, lefts, widths, texts, strict=True):
                    p.drawText(QRectF(x + pad_x, y + pad_y, w - 2 * pad_x, row_h - 2 * pad_y),
                               int(column.align | Qt.AlignmentFlag.AlignVCenter
                                   | Qt.TextFlag.TextWordWrap), t)

            self._place(row_h, draw_row)
        if not rows:
            self.text("无 None", size=TABLE_PT, colour=GREY)
        self.y += self.mm(2)

    def _row_breaks(self, heights: Sequence[float], y: float, repeated: float) -> set[int]:
        """The rows that start a new page: as late as they fit, but never fewer than
        MIN_ROWS rows (the total alone, say) on the last page."""
        breaks: list[int] = []
        for i, height in enumerate(heights):
            if y + height > self.bottom and i > (breaks[-1] if breaks else 0):
                breaks.append(i)
                y = self.top + repeated
            y += height
        if breaks and len(heights) - breaks[-1] < MIN_ROWS:
            earlier = len(heights) - MIN_ROWS
            if earlier - (breaks[-2] if len(breaks) > 1 else 0) >= MIN_ROWS:
                breaks[-1] = earlier
        return set(breaks)

    # --- painting -------------------------------------------------------------------

    def paint(self, painter: QPainter, new_page: Callable[[], bool]) -> int:
        """Paint every page (calling `new_page` between them); the page count."""
        total = self.page_count
        for number, page in enumerate(self.pages, start=1):
            if number > 1 and not new_page():
                raise OSError("the PDF writer could not start a new page")
            for y, draw in page.blocks:
                draw(painter, y)
            self._furniture(painter, page.header, number, total)
        return total

    def _furniture(self, p: QPainter, header: str, number: int, total: int) -> None:
        small = report_font(SMALL_PT)
        p.setFont(small)
        p.setPen(GREY)
        line_h = self.metrics(small).height()
        if header:
            y = self.top - self.mm(6)
            p.drawText(QRectF(self.left, y - line_h, self.width, line_h), int(LEFT), header)
            p.setPen(QPen(RULE, self.pt(0.5)))
            p.drawLine(QPointF(self.left, y + self.mm(1)), QPointF(self.right, y + self.mm(1)))
        p.setPen(GREY)
        footer = f"第 {number} 页 / 共 {total} 页 · Page {number} of {total}"
        y = self.bottom + self.mm(7)
        p.drawText(QRectF(self.left, y, self.width, line_h), int(CENTRE), footer)
