"""The figures' charts (Qt's own QtCharts): what each draws, in which language and font,
and that the same chart draws into a picture or a page as on screen."""

from __future__ import annotations

from datetime import time

import pytest
from PySide6.QtCharts import QBarSeries, QChart, QChartView, QLineSeries, QStackedBarSeries
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QApplication

from kiosk.queue.figures import Slot
from kiosk.report.charts import (
    arrivals_and_wait_chart,
    render_chart,
    report_font,
    service_level_chart,
    waiting_now_chart,
)
from kiosk.ui.qtfonts import missing_glyphs
from tests.support.report_figures import slots


def _lines(chart: QChart) -> list[QLineSeries]:
    return [s for s in chart.series() if isinstance(s, QLineSeries)]


def _draw(chart: QChart) -> QImage:
    image = QImage(800, 400, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    render_chart(chart, painter, QRectF(0, 0, 800, 400))
    painter.end()
    return image


def test_arrivals_are_bars_and_the_mean_wait_a_line_that_stops_where_nobody_was_called(
        qapp: QApplication) -> None:
    half_hours = list(slots())
    # nobody called at 10:00 either: the line has a hole there
    half_hours[2] = Slot(start=time(10, 0), arrivals=26, called=0, mean_wait_s=0.0,
                         service_level_pct=None)
    chart = arrivals_and_wait_chart(half_hours, "zh")
    bars = next(s for s in chart.series() if isinstance(s, QBarSeries))
    assert [bars.barSets()[0].at(i) for i in range(16)] == [s.arrivals for s in half_hours]
    assert bars.barSets()[0].label() == "到达人数"
    stretches = [[(p.x(), p.y()) for p in line.points()] for line in _lines(chart)]
    assert [[x for x, _ in s] for s in stretches] == [[0, 1], list(range(3, 15))]
    assert stretches[0][1][1] == pytest.approx(half_hours[1].mean_wait_s / 60)
    # one legend entry for the line, not one per stretch (as drawn: on a scene)
    _draw(chart)
    shown = [m.label() for m in chart.legend().markers() if m.isVisible()]
    assert shown == ["到达人数", "平均等候（分钟）"]
    assert chart.title() == "分时段到达人数与平均等候"
    assert len(chart.axes(Qt.Orientation.Vertical)) == 2  # people left, minutes right
    english = arrivals_and_wait_chart(half_hours, "en")
    assert english.title() == "Arrivals and mean wait per half hour"
    assert arrivals_and_wait_chart(half_hours, "both").title().startswith("分时段到达人数")


def test_service_level_bars_split_at_the_target_with_a_target_line(qapp: QApplication) -> None:
    half_hours = slots()
    chart = service_level_chart(half_hours, 80.0, "en")
    stacked = next(s for s in chart.series() if isinstance(s, QStackedBarSeries))
    met, below = stacked.barSets()
    for i, s in enumerate(half_hours):
        level = s.service_level_pct
        assert met.at(i) == (level if level is not None and level >= 80 else 0)
        assert below.at(i) == (level if level is not None and level < 80 else 0)
    assert met.at(15) == below.at(15) == 0  # nobody called: no bar at all
    (target,) = _lines(chart)
    assert [p.y() for p in target.points()] == [80.0, 80.0]
    assert target.points()[0].x() == -0.5 and target.points()[1].x() == 15.5
    assert target.name() == "Target 80%"


def test_waiting_now_per_service(qapp: QApplication) -> None:
    rows = [("个人现金", 12), ("个人非现金", 3), ("对公业务", 0), ("贵宾理财", 1)]
    chart = waiting_now_chart(rows, "zh")
    bars = next(s for s in chart.series() if isinstance(s, QBarSeries))
    assert [bars.barSets()[0].at(i) for i in range(4)] == [12, 3, 0, 1]
    (x_axis,) = chart.axes(Qt.Orientation.Horizontal)
    assert x_axis.categories() == [label for label, _ in rows]
    (y_axis,) = chart.axes(Qt.Orientation.Vertical)
    assert y_axis.max() > 12  # room for the label over the tallest bar
    assert chart.title() == "各业务当前等候人数"
    assert waiting_now_chart([], "en").series()  # no service: an empty chart, no error


def test_the_chart_font_draws_the_chinese_labels(qapp: QApplication) -> None:
    labels = "分时段到达人数与平均等候分钟达到目标低于各业务当前"
    assert missing_glyphs(report_font(8), labels) == ""


def test_a_chart_draws_into_a_picture_and_the_same_chart_shows_in_a_view(
        qapp: QApplication) -> None:
    image = _draw(arrivals_and_wait_chart(slots(), "both"))
    blue = sum(1 for x in range(0, 800, 4) for y in range(0, 400, 4)
               if image.pixelColor(x, y).name() == "#2f6db5")
    assert blue > 500  # the bars were drawn

    chart = waiting_now_chart([("A", 2)], "zh")
    view = QChartView(chart)
    view.resize(400, 300)
    assert chart.scene() is view.scene()
    with pytest.raises(ValueError, match="on no screen"):
        render_chart(chart, QPainter(), QRectF(0, 0, 10, 10))


def test_a_language_outside_zh_en_both_is_refused(qapp: QApplication) -> None:
    with pytest.raises(ValueError, match="zh, en, both"):
        waiting_now_chart([("A", 1)], "fr")
