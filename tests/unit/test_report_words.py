"""The report's words and number formats (no Qt), and the report package's layering."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime, time

import pytest

from kiosk.report import words as w


def test_waits_and_shares_as_the_report_writes_them() -> None:
    assert w.mmss(0) == "0:00"
    assert w.mmss(431.4) == "7:11"
    assert w.mmss(3599.6) == "1:00:00"
    assert w.mmss(None) == w.mmss(float("nan")) == "—"
    assert w.hours(27000) == "7:30"
    assert w.pct(83.333) == "83.3%" and w.pct(None) == "—"
    assert w.count(12345) == "12,345"
    assert w.slot_label(time(9, 30)) == "09:30–10:00"
    assert w.slot_label(time(23, 30)) == "23:30–00:00"
    assert w.stamp(datetime(2026, 11, 24, 18, 5, 59)) == "2026-11-24 18:05"


def test_a_period_is_a_day_a_month_or_a_range() -> None:
    assert w.period(date(2026, 11, 24), date(2026, 11, 24)) == (
        "2026-11-24（周二）", "2026-11-24 (Tue)")
    assert w.period(date(2026, 2, 1), date(2026, 2, 28)) == ("2026年2月", "February 2026")
    assert w.period(date(2026, 11, 1), date(2026, 11, 29))[1] == "2026-11-01 to 2026-11-29"
    assert w.report_title(date(2026, 11, 1), date(2026, 11, 30))[0] == "大堂经理月报"


def test_the_chart_language() -> None:
    assert w.say("到达", "Arrivals", "zh") == "到达"
    assert w.say("到达", "Arrivals", "en") == "Arrivals"
    assert w.say("到达", "Arrivals", "both") == "到达 Arrivals"
    with pytest.raises(ValueError):
        w.say("到达", "Arrivals", "de")


@pytest.mark.parametrize(("top", "integer", "axis"), [
    (0, False, (1.0, 2)), (3, True, (3.0, 4)), (12, True, (15.0, 4)), (0.37, False, (0.4, 5)),
    (19.6, False, (20.0, 5)), (1950, True, (2000.0, 5)), (100, False, (100.0, 6)),
])
def test_axes_end_on_round_numbers_above_the_data(top: float, integer: bool,
                                                   axis: tuple[float, int]) -> None:
    maximum, ticks = w.nice_axis(top, integer=integer)
    assert (pytest.approx(maximum), ticks) == axis
    assert maximum >= top and 2 <= ticks <= 6


@pytest.mark.parametrize("top", [0.02, 0.07, 0.37, 1.3, 19.6, 1950])
def test_an_axis_s_tick_labels_are_all_different(top: float) -> None:
    """A mean wait of a few seconds, in minutes: ticks 0.00, 0.01, ... not 0.0 0.0 0.0."""
    maximum, ticks = w.nice_axis(top)
    step = maximum / (ticks - 1)
    decimals = w.axis_decimals(step)
    labels = [f"{i * step:.{decimals}f}" for i in range(ticks)]
    assert len(set(labels)) == ticks, labels


def test_a_line_stops_where_a_figure_does_not_exist() -> None:
    assert w.runs([1.0, None, 2.0, 3.0, None]) == [[(0, 1.0)], [(2, 2.0), (3, 3.0)]]
    assert w.runs([None, None]) == []


def test_the_words_need_no_qt_and_the_report_no_database_and_no_windows() -> None:
    code = ("import sys\nimport kiosk.report.words\nprint(any(m.startswith('PySide6') "
            "for m in sys.modules))\nimport kiosk.report.pdf\nprint(sorted(m for m in "
            "sys.modules if m.startswith(('sqlalchemy', 'kiosk.ui'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "False"
    assert out[1] == "[]"
