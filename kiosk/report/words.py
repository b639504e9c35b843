"""The report's words and how its figures are written, shared by the charts and the PDF.

No Qt here: plain functions over plain values, tested on their own.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from datetime import date, datetime, time

LANGS = ("zh", "en", "both")
"""A chart's language: Chinese, English, or both ("到达 Arrivals", as the PDF prints)."""

NONE = "—"  # a figure that does not exist (nobody called, a counter never open)

WEEKDAYS = (("周一", "Mon"), ("周二", "Tue"), ("周三", "Wed"), ("周四", "Thu"),
            ("周五", "Fri"), ("周六", "Sat"), ("周日", "Sun"))

def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"a chart's language is one of {', '.join(LANGS)}, not {lang!r}")
    return lang


def say(zh: str, en: str, lang: str) -> str:
    """The words in `lang`; "both" puts the Chinese first, as the report's headings do."""
    check_lang(lang)
    if lang == "zh":
        return zh
    if lang == "en":
        return en
    return f"{zh} {en}"


def count(n: int) -> str:
    return f"{n:,}"


def mmss(seconds: float | None) -> str:
    """A wait or a service time as m:ss (h:mm:ss from an hour)."""
    if seconds is None or math.isnan(seconds):
        return NONE
    s = round(seconds)
    if s >= 3600:
        return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    return f"{s // 60}:{s % 60:02d}"


def hours(seconds: float) -> str:
    """An opening or serving time as h:mm."""
    m = round(seconds / 60)
    return f"{m // 60}:{m % 60:02d}"


def pct(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return NONE
    return f"{value:.{digits}f}%"


def hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def slot_label(start: time) -> str:
    """A half hour as its start and end, 09:00–09:30."""
    minutes = start.hour * 60 + start.minute + 30
    return f"{hhmm(start)}–{minutes // 60 % 24:02d}:{minutes % 60:02d}"


def weekday(d: date) -> tuple[str, str]:
    return WEEKDAYS[d.weekday()]


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M")


def is_whole_month(first: date, last: date) -> bool:
    return (first.day == 1 and (first.year, first.month) == (last.year, last.month)
            and last.day == calendar.monthrange(last.year, last.month)[1])


def period(first: date, last: date) -> tuple[str, str]:
    """The report's period in words: a day, a calendar month, or a range."""
    if first == last:
        zh, en = weekday(first)
        return f"{first.isoformat()}（{zh}）", f"{first.isoformat()} ({en})"
    if is_whole_month(first, last):
        return (f"{first.year}年{first.month}月",
                f"{calendar.month_name[first.month]} {first.year}")
    return (f"{first.isoformat()} 至 {last.isoformat()}",
            f"{first.isoformat()} to {last.isoformat()}")


def report_title(first: date, last: date) -> tuple[str, str]:
    if first == last:
        return "大堂经理日报", "Lobby manager's daily report"
    if is_whole_month(first, last):
        return "大堂经理月报", "Lobby manager's monthly report"
    return "大堂经理报告", "Lobby manager's report"


def nice_axis(top: float, max_ticks: int = 6, *, integer: bool = False) -> tuple[float, int]:
    """An axis from 0 that holds `top`, ticked at 1, 2 or 5 × 10^k (whole numbers when
    `integer`): (maximum, tick count), the count with both ends as QValueAxis counts it."""
    if not top > 0 or math.isinf(top):
        return 1.0, 2
    raw = top / (max_ticks - 1)
    if integer:
        raw = max(raw, 1.0)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    intervals = math.ceil(top / step - 1e-9)
    return step * intervals, intervals + 1


def axis_decimals(step: float) -> int:
    """Decimals that tell an axis's ticks apart: 0 for steps of 1 and more, 2 for 0.05
    (0.05, 0.10, ... rather than 0.0, 0.1, 0.1), at most 3."""
    if not step > 0 or step >= 1 or math.isinf(step):
        return 0
    return min(3, -math.floor(math.log10(step) + 1e-9))


def runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The unbroken stretches of a series with holes: [(index, value), ...] per stretch.

    A half hour in which nobody was called has no mean wait and no service level; a line
    through it would draw a figure that does not exist, so the line stops there.
    """
    out: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for i, value in enumerate(values):
        if value is None:
            if current:
                out.append(current)
                current = []
        else:
            current.append((i, float(value)))
    if current:
        out.append(current)
    return out
