"""The figures' charts, drawn with Qt's own QtCharts on screen and into the PDF.

Each chart function takes plain sequences (the half hours of the figures, or
(label, count) pairs) and a language ("zh", "en" or "both") and returns a new QChart:

    arrivals_and_wait_chart(slots, lang)          arrivals per half hour (bars, left axis)
                                                  and mean wait in minutes (line, right axis)
    service_level_chart(slots, target_pct, lang)  % called within target per half hour
                                                  (bars, green at or above the target, amber
                                                  below) against the target (dashed line)
    waiting_now_chart(rows, lang)                 people waiting now per service (bars)

On screen, show the chart in a QChartView, which takes ownership of it:

    view = QChartView(arrivals_and_wait_chart(figures.slots, "zh"))
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    ...
    old = view.chart()                 # on a refresh: a new chart replaces the old one,
    view.setChart(waiting_now_chart(rows, "zh"))   # which the view gives back to the
    old.deleteLater()                              # caller to delete

Into a PDF (or any QPainter), `render_chart(chart, painter, rect)` draws a chart that
is on no screen into a rectangle, with its fonts at their point size on paper. The
charts' text is text (the PDF's text layer holds it) in the project's CJK font
(`cjk_family`, the font kiosk.devices.fonts finds), so Chinese labels read the same on
screen and on paper. QtCharts draws with QtWidgets' graphics scene, so a QApplication
must exist: `report_app()` makes one (offscreen when there is no display) for a command
line that has none.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Sequence
from datetime import time
from pathlib import Path
from typing import Protocol

from PySide6.QtCharts import (
    QAbstractAxis,
    QAbstractSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QLineSeries,
    QScatterSeries,
    QStackedBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPainter,
    QPen,
)
from PySide6.QtWidgets import QApplication, QGraphicsScene

from kiosk.devices.fonts import cjk_font_path
from kiosk.errors import KioskError
from kiosk.report.words import axis_decimals, check_lang, hhmm, nice_axis, runs, say

BLUE = QColor("#2f6db5")
ORANGE = QColor("#e07b00")
GREEN = QColor("#3a9a5b")
AMBER = QColor("#e8b04a")
RED = QColor("#c0392b")
GRID = QColor("#d8dde3")
TEXT = QColor("#222222")

TITLE_PT = 10.0
LABEL_PT = 7.5
MANY_SLOTS = 12  # more half hours than this: their labels stand upright

_app: QApplication | None = None  # the application report_app() made, kept alive


class HalfHour(Protocol):
    """What a chart reads of a half hour (kiosk.queue.figures.Slot has it)."""

    @property
    def start(self) -> time: ...
    @property
    def arrivals(self) -> int: ...
    @property
    def called(self) -> int: ...
    @property
    def mean_wait_s(self) -> float: ...
    @property
    def service_level_pct(self) -> float | None: ...


def report_app() -> QApplication:
    """The QApplication the charts need: the running one, or a new one for a command line
    (offscreen when there is neither an X11 nor a Wayland display), with the CJK font."""
    global _app
    app = QApplication.instance()
    if app is None:
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = _app = QApplication(["kiosk-report"])
    if not isinstance(app, QApplication):
        raise KioskError("Charts need a QApplication, and this process runs a "
                         "QGuiApplication; create a QApplication at start.")
    cjk_family()
    return app


@functools.cache
def _font_path() -> Path | None:
    return cjk_font_path()


_families: dict[Path, str] = {}


def cjk_family() -> str:
    """The family of the project's CJK font, loaded into Qt once (the application's
    font when the machine has none, in which case Chinese may draw as boxes)."""
    path = _font_path()
    if path is None:
        return QGuiApplication.font().family()
    if path not in _families:
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        _families[path] = families[0] if families else QGuiApplication.font().family()
    return _families[path]


def report_font(point_size: float, *, bold: bool = False) -> QFont:
    font = QFont(cjk_family())
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


# --- the charts ------------------------------------------------------------------------


def arrivals_and_wait_chart(slots: Sequence[HalfHour], lang: str) -> QChart:
    """Arrivals per half hour (bars) and the mean wait of those called in it (line)."""
    check_lang(lang)
    chart = _chart(say("分时段到达人数与平均等候", "Arrivals and mean wait per half hour",
                       lang))
    x_axis = _slot_axis(chart, slots)
    arrivals = QBarSet(say("到达人数", "Arrivals", lang))
    arrivals.append([float(s.arrivals) for s in slots])
    arrivals.setColor(BLUE)
    arrivals.setBorderColor(BLUE)
    bars = QBarSeries()
    bars.setBarWidth(_bar_width(len(slots)))
    bars.append(arrivals)
    chart.addSeries(bars)
    people = _value_axis(chart, max((s.arrivals for s in slots), default=0),
                         say("人数", "Customers", lang), Qt.AlignmentFlag.AlignLeft,
                         integer=True)
    _attach(bars, x_axis, people)

    waits = [s.mean_wait_s / 60 if s.called else None for s in slots]
    minutes = _value_axis(chart, max((w for w in waits if w is not None), default=0),
                          say("分钟", "Minutes", lang), Qt.AlignmentFlag.AlignRight)
    _lines(chart, waits, say("平均等候（分钟）", "Mean wait (minutes)", lang),
           QPen(ORANGE, 2.0), x_axis, minutes)
    return chart


def service_level_chart(slots: Sequence[HalfHour], target_pct: float, lang: str) -> QChart:
    """The % of tickets called within their target wait, per half hour, against the
    branch's service-level target. A half hour in which nobody was called has no bar."""
    check_lang(lang)
    chart = _chart(say("分时段服务达标率", "Service level per half hour", lang))
    x_axis = _slot_axis(chart, slots)
    met = QBarSet(say("达到目标", "At or above target", lang))
    below = QBarSet(say("低于目标", "Below target", lang))
    for s in slots:
        level = s.service_level_pct
        met.append(level if level is not None and level >= target_pct else 0.0)
        below.append(level if level is not None and level < target_pct else 0.0)
    for bar_set, colour in ((met, GREEN), (below, AMBER)):
        bar_set.setColor(colour)
        bar_set.setBorderColor(colour)
    bars = QStackedBarSeries()
    bars.setBarWidth(_bar_width(len(slots)))
    bars.append(met)
    bars.append(below)
    chart.addSeries(bars)
    y_axis = QValueAxis()
    y_axis.setRange(0, 100)
    y_axis.setTickCount(6)
    y_axis.setLabelFormat("%d%%")
    _style_axis(y_axis, "")
    chart.addAxis(y_axis, Qt.AlignmentFlag.AlignLeft)
    _attach(bars, x_axis, y_axis)

    target = QLineSeries()
    target.setName(say(f"目标 {target_pct:g}%", f"Target {target_pct:g}%", lang))
    # from the left edge of the first half hour to the right edge of the last
    target.append(-0.5, target_pct)
    target.append(max(len(slots), 1) - 0.5, target_pct)
    pen = QPen(RED, 1.5)
    pen.setStyle(Qt.PenStyle.DashLine)
    target.setPen(pen)
    chart.addSeries(target)
    _attach(target, x_axis, y_axis)
    return chart


def waiting_now_chart(rows: Sequence[tuple[str, int]], lang: str) -> QChart:
    """People waiting now per service: rows of (the service's label, how many wait)."""
    check_lang(lang)
    chart = _chart(say("各业务当前等候人数", "Waiting now per service", lang))
    chart.legend().setVisible(False)
    x_axis = QBarCategoryAxis()
    x_axis.append([label for label, _ in rows] or [""])
    _style_axis(x_axis, "")
    chart.addAxis(x_axis, Qt.AlignmentFlag.AlignBottom)
    waiting = QBarSet(say("等候人数", "Waiting", lang))
    waiting.append([float(n) for _, n in rows])
    waiting.setColor(BLUE)
    waiting.setBorderColor(BLUE)
    waiting.setLabelColor(TEXT)
    waiting.setLabelFont(report_font(LABEL_PT + 1, bold=True))
    bars = QBarSeries()
    bars.setBarWidth(_bar_width(len(rows), 0.55, few=4))
    bars.append(waiting)
    bars.setLabelsVisible(True)
    bars.setLabelsFormat("@value")
    bars.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
    chart.addSeries(bars)
    # room above the tallest bar for its label
    top = max((n for _, n in rows), default=0)
    people = _value_axis(chart, top + max(1, top // 8), say("人数", "Customers", lang),
                         Qt.AlignmentFlag.AlignLeft, integer=True)
    _attach(bars, x_axis, people)
    return chart


def render_chart(chart: QChart, painter: QPainter, rect: QRectF) -> None:
    """Draw a chart that is on no screen into `rect` of a painter (a PDF page, an image).

    The chart is laid out at the size `rect` has on paper, so its fonts keep their point
    size; its text stays text (a PDF holds it in its text layer).
    """
    if chart.scene() is not None:
        raise ValueError("render_chart draws a chart that is on no screen; "
                         "make a new one for the page")
    scale = painter.device().logicalDpiY() / _screen_dpi()
    size = QSizeF(rect.width() / scale, rect.height() / scale)
    scene = QGraphicsScene()
    scene.addItem(chart)
    try:
        chart.setGeometry(QRectF(QPointF(0, 0), size))
        scene.setSceneRect(QRectF(QPointF(0, 0), size))
        scene.render(painter, rect, scene.sceneRect(), Qt.AspectRatioMode.IgnoreAspectRatio)
    finally:
        scene.removeItem(chart)


# --- parts ---------------------------------------------------------------------------


def _screen_dpi() -> float:
    """The resolution a chart's point sizes are laid out at (the screen's)."""
    screen = QGuiApplication.primaryScreen()
    return screen.logicalDotsPerInchY() if screen is not None else 96.0


def _chart(title: str) -> QChart:
    chart = QChart()
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setTitle(title)
    chart.setTitleFont(report_font(TITLE_PT, bold=True))
    chart.setTitleBrush(TEXT)
    chart.setBackgroundRoundness(0)
    chart.setMargins(QMargins(4, 4, 4, 4))
    legend = chart.legend()
    legend.setFont(report_font(LABEL_PT + 0.5))
    legend.setLabelColor(TEXT)
    legend.setAlignment(Qt.AlignmentFlag.AlignBottom)
    return chart


def _bar_width(categories: int, width: float = 0.6, few: int = 8) -> float:
    """A bar's share of its category: narrower when there are only a few categories, so a
    short day's two half hours are not two slabs across the chart."""
    return width * min(1.0, max(categories, 1) / few)


def _style_axis(axis: QAbstractAxis, title: str) -> None:
    axis.setLabelsFont(report_font(LABEL_PT))
    axis.setLabelsColor(TEXT)
    axis.setGridLineColor(GRID)
    if title:
        axis.setTitleText(title)
        axis.setTitleFont(report_font(LABEL_PT))
        axis.setTitleBrush(TEXT)


def _slot_axis(chart: QChart, slots: Sequence[HalfHour]) -> QBarCategoryAxis:
    axis = QBarCategoryAxis()
    axis.append([hhmm(s.start) for s in slots] or [""])
    _style_axis(axis, "")
    axis.setGridLineVisible(False)
    if len(slots) > MANY_SLOTS:
        axis.setLabelsAngle(-90)
    chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
    return axis


def _value_axis(chart: QChart, top: float, title: str, side: Qt.AlignmentFlag, *,
                integer: bool = False) -> QValueAxis:
    maximum, ticks = nice_axis(top, integer=integer)
    axis = QValueAxis()
    axis.setRange(0, maximum)
    axis.setTickCount(ticks)
    step = maximum / (ticks - 1)
    axis.setLabelFormat(f"%.{0 if integer else axis_decimals(step)}f")
    _style_axis(axis, title)
    chart.addAxis(axis, side)
    return axis


def _attach(series: QAbstractSeries, *axes: QAbstractAxis) -> None:
    for axis in axes:
        series.attachAxis(axis)


def _lines(chart: QChart, values: Sequence[float | None], name: str, pen: QPen,
           x_axis: QAbstractAxis, y_axis: QAbstractAxis) -> None:
    """One line with holes: a series per unbroken stretch, one legend entry."""
    for n, stretch in enumerate(runs(values)):
        line = QLineSeries()
        line.setName(name)
        line.setPen(pen)
        line.setColor(pen.color())
        line.setPointsVisible(True)
        line.setMarkerSize(5.0)
        for i, value in stretch:
            line.append(float(i), value)
        chart.addSeries(line)
        _attach(line, x_axis, y_axis)
        if n:
            for marker in chart.legend().markers(line):
                marker.setVisible(False)


# --- the simulator's trade-off curve ---------------------------------------------------------


class CurvePoint(Protocol):
    """What the trade-off chart reads of a point (kiosk.queue.frontier gives it)."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...  # configured | sweep | anchor | variant
    @property
    def group(self) -> str: ...  # the setting swept, or the anchor's name
    @property
    def x(self) -> tuple[float, float, float]: ...  # VIP mean % of fifo's: value, low, high
    @property
    def y(self) -> tuple[float, float, float]: ...  # regular p95 % of fifo's: the same
    @property
    def on_curve(self) -> bool: ...


_SWEEP_COLOURS = ("#2f6db5", "#7b4fb0", "#1b9aaa", "#8c6d1f", "#5c8a2e", "#b5466e", "#4a4a4a",
                  "#c77c0e")
_ANCHOR_COLOURS = (ORANGE, RED, QColor("#a0522d"), QColor("#d81b60"))


def tradeoff_chart(points: Sequence[CurvePoint], title: str, bar_x: float,
                   bar_y: float, y_title: str = "Regular p95 wait, % of fifo's",
                   y_unit: str = "%") -> QChart:
    """The trade-off curve: each point's VIP mean wait (x) and regular p95 wait (y), both
    in % of fifo's, with 95 % intervals as crossing whiskers; the curve (points no other
    beats on both) as a grey line, the bars as red dashed lines. A point without a figure
    (nobody of that group waited under fifo) is left out."""
    chart = _chart(title)
    points = [p for p in points if all(math.isfinite(v) for v in (*p.x, *p.y))]
    x_axis, y_axis = QValueAxis(), QValueAxis()
    xs = [v for p in points for v in p.x] + [bar_x]
    ys = [v for p in points for v in p.y] + [bar_y]
    x_lo, x_hi = _padded(min(xs), max(xs))
    y_lo, y_hi = _padded(min(ys), max(ys))
    for axis, lo, hi, name, side in (
            (x_axis, x_lo, x_hi, "VIP mean wait, % of fifo's", Qt.AlignmentFlag.AlignBottom),
            (y_axis, y_lo, y_hi, y_title, Qt.AlignmentFlag.AlignLeft)):
        axis.setRange(lo, hi)
        step = _step(hi - lo)
        axis.setTickCount(int(round((hi - lo) / step)) + 1)
        axis.setLabelFormat("%.0f%%" if axis is x_axis or y_unit == "%" else
                            f"%+.{axis_decimals(step)}f {y_unit}")
        _style_axis(axis, name)
        chart.addAxis(axis, side)

    def add(series: QAbstractSeries, legend: bool = True) -> None:
        chart.addSeries(series)
        _attach(series, x_axis, y_axis)
        if not legend:
            for marker in chart.legend().markers(series):
                marker.setVisible(False)

    curve = sorted((p for p in points if p.on_curve), key=lambda p: p.x[0])
    line = QLineSeries()
    line.setName("the curve: no other point beats these on both")
    line.setPen(QPen(QColor("#9aa3ad"), 2.0))
    for p in curve:
        line.append(p.x[0], p.y[0])
    add(line)
    for value, vertical in ((bar_x, True), (bar_y, False)):
        bar = QLineSeries()
        bar.setName(f"the bars: VIP {bar_x:g}%, {bar_y:g}{y_unit}")
        pen = QPen(RED, 1.2)
        pen.setStyle(Qt.PenStyle.DashLine)
        bar.setPen(pen)
        if vertical:
            bar.append(value, y_lo)
            bar.append(value, y_hi)
        else:
            bar.append(x_lo, value)
            bar.append(x_hi, value)
        add(bar, legend=vertical)

    groups: dict[str, list[CurvePoint]] = {}
    for p in sorted(points, key=lambda p: p.kind == "configured"):  # configured on top
        groups.setdefault(p.group, []).append(p)
    sweeps = anchors = 0
    for group, members in groups.items():
        kind = members[0].kind
        if kind == "configured":
            colour, size, shape = GREEN, 22.0, QScatterSeries.MarkerShape.MarkerShapeStar
        elif kind == "sweep":
            colour = QColor(_SWEEP_COLOURS[sweeps % len(_SWEEP_COLOURS)])
            size, shape = 9.0, QScatterSeries.MarkerShape.MarkerShapeCircle
            sweeps += 1
        else:
            colour = _ANCHOR_COLOURS[anchors % len(_ANCHOR_COLOURS)]
            size = 13.0
            shape = (QScatterSeries.MarkerShape.MarkerShapeTriangle if kind == "anchor"
                     else QScatterSeries.MarkerShape.MarkerShapePentagon)
            anchors += 1
        for p in members:
            for (x0, y0), (x1, y1) in (((p.x[1], p.y[0]), (p.x[2], p.y[0])),
                                       ((p.x[0], p.y[1]), (p.x[0], p.y[2]))):
                whisker = QLineSeries()
                faint = QColor(colour)
                faint.setAlpha(120)
                whisker.setPen(QPen(faint, 1.0))
                whisker.append(x0, y0)
                whisker.append(x1, y1)
                add(whisker, legend=False)
        dots = QScatterSeries()
        dots.setName(group)
        dots.setMarkerShape(shape)
        dots.setMarkerSize(size)
        dots.setColor(colour)
        dots.setBorderColor(colour)
        for p in members:
            dots.append(p.x[0], p.y[0])
        add(dots)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignRight)
    return chart


def _step(width: float) -> float:
    """A tick step giving 4 to 12 ticks over this width: 1, 2 or 5 times a power of 10."""
    for step in (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0):
        if width / step <= 12:
            return step
    return 100.0


def _padded(lo: float, hi: float) -> tuple[float, float]:
    """An axis range around [lo, hi] with a little room, on whole ticks."""
    room = max((hi - lo) * 0.04, 1e-6)
    step = _step(hi - lo + 2 * room)
    return step * math.floor((lo - room) / step), step * math.ceil((hi + room) / step)


def save_chart_png(chart: QChart, path: Path, width: int = 1200, height: int = 760) -> None:
    """Draw a chart that is on no screen into a PNG file of this size in pixels."""
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        render_chart(chart, painter, QRectF(0, 0, width, height))
    finally:
        painter.end()
    if not image.save(str(path)):  # the format from the name (.png)
        raise KioskError(f"cannot write the chart to {path}")
