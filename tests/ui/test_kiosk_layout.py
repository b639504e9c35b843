"""Nothing on a kiosk or display screen overlaps or is cut, at every size a branch uses.

The real windows are shown offscreen at each size; every visible button and label is
checked: (a) no two of them overlap, (b) each lies within its parent and the window,
(c) its text fits its content rect (QFontMetrics, word wrap as the label draws it), or
the label says it is elided and carries the full text as its tool tip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtGui import QFontMetrics, QTextDocument  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QApplication,
    QLabel,
    QPushButton,
    QStyle,
    QStyleOptionButton,
    QWidget,
)

from kiosk.config import Settings, load_settings  # noqa: E402
from kiosk.ui.screenshots import (  # noqa: E402
    DISPLAY_SIZES,
    SIZES,
    KioskStudio,
    busy_hall,
    display_windows,
    settle,
    size_name,
)
from kiosk.ui.widgets import CalmMark, CardPicture, PixmapView  # noqa: E402
from tests.conftest import EXAMPLE_CONFIG  # noqa: E402

PAINTED = (CardPicture, CalmMark, PixmapView)  # drawn widgets: they must not overlap either


def window_rect(widget: QWidget, window: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def parts(window: QWidget) -> list[QWidget]:
    """The visible buttons, labels and drawn pictures of the window."""
    found = []
    for w in window.findChildren(QWidget):
        if not w.isVisible():
            continue
        if isinstance(w, QLabel) and not (w.text() or not w.pixmap().isNull()):
            continue  # an empty label draws nothing
        if isinstance(w, (QAbstractButton, QLabel, *PAINTED)):
            found.append(w)
    return found


def describe(w: QWidget) -> str:
    text = w.text() if isinstance(w, QLabel | QAbstractButton) else ""
    text = text.replace("\n", " ")
    return f"{type(w).__name__}#{w.objectName()} {text[:40]!r}"


def text_problem(w: QWidget) -> str | None:
    """Why the text of `w` does not fit its rect (None when it fits or is elided)."""
    if isinstance(w, QPushButton) and w.text():
        option = QStyleOptionButton()
        w.initStyleOption(option)
        room = w.style().subElementRect(QStyle.SubElement.SE_PushButtonContents, option, w)
        metrics = QFontMetrics(w.font())
        need = metrics.boundingRect(QRect(0, 0, 100_000, 100_000),
                                    int(Qt.AlignmentFlag.AlignCenter), w.text())
        if need.width() > room.width() + 1 or metrics.height() > room.height() + 1:
            return f"text {need.width()}x{need.height()} in a {room.width()}x{room.height()} button"
        return None
    if isinstance(w, QLabel) and w.text():
        if w.property("elided"):
            full = w.toolTip()
            return None if full and w.text().rstrip("…") in full else "elided without full text"
        room = w.contentsRect()
        if w.textFormat() == Qt.TextFormat.RichText or w.text().lstrip().startswith("<"):
            doc = QTextDocument()
            doc.setDefaultFont(w.font())
            doc.setDocumentMargin(0)
            doc.setHtml(w.text())
            if w.wordWrap():
                doc.setTextWidth(room.width())
            width, height = doc.idealWidth(), doc.size().height()
        else:
            flags = int(w.alignment())
            if w.wordWrap():
                flags |= int(Qt.TextFlag.TextWordWrap)
            need = QFontMetrics(w.font()).boundingRect(room, flags, w.text())
            width, height = need.width(), need.height()
        if width > room.width() + 1 or height > room.height() + 1:
            return f"text {width:.0f}x{height:.0f} in a {room.width()}x{room.height()} label"
    return None


def layout_problems(window: QWidget) -> list[str]:
    found = parts(window)
    problems = []
    bounds = window.rect()
    rects = {w: window_rect(w, window) for w in found}
    for w in found:
        if not bounds.contains(rects[w]):
            problems.append(f"{describe(w)} at {rects[w].getRect()} leaves the window")
        parent = w.parentWidget()
        if parent is not None and parent is not window and not parent.rect().contains(
                w.geometry()):
            problems.append(f"{describe(w)} is cut by its parent {describe(parent)}")
        why = text_problem(w)
        if why:
            problems.append(f"{describe(w)}: {why}")
    for i, a in enumerate(found):
        for b in found[i + 1:]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            if rects[a].intersects(rects[b]):
                problems.append(f"{describe(a)} overlaps {describe(b)}")
    return problems


@pytest.fixture(scope="module")
def example_settings() -> Settings:
    return load_settings(EXAMPLE_CONFIG, environ={})


@pytest.fixture(scope="module")
def studio(qapp: QApplication, ui_font, example_settings: Settings,  # noqa: ANN001
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[KioskStudio]:
    studio = KioskStudio(example_settings, tmp_path_factory.mktemp("studio"))
    yield studio
    studio.close()


COMBINATIONS = [pytest.param(size, large, lang,
                             id=f"{size_name(size)}-{'large' if large else 'normal'}-{lang}")
                for size in SIZES for large in (False, True) for lang in ("zh", "en")]


@pytest.mark.parametrize(("size", "large", "lang"), COMBINATIONS)
def test_every_kiosk_screen_fits(studio: KioskStudio, size: tuple[int, int], large: bool,
                                 lang: str) -> None:
    studio.set_size(size, large)
    problems = []
    for name in studio.scenes:
        window = studio.stage(name, lang)
        if (window.width(), window.height()) != size:
            problems.append(f"{name}: the window is {window.width()}x{window.height()}")
        problems += [f"{name}: {p}" for p in layout_problems(window)]
    assert not problems, "\n".join(problems)


def font_sizes(window: QWidget) -> dict[QWidget, int]:
    return {w: w.font().pixelSize() for w in parts(window)
            if isinstance(w, QLabel | QAbstractButton) and w.text()}


@pytest.mark.parametrize("size", SIZES, ids=size_name)
def test_large_print_stays_large(studio: KioskStudio, size: tuple[int, int]) -> None:
    """Every text of every screen is at least a quarter larger in large print."""
    normal: dict[str, dict[QWidget, int]] = {}
    studio.set_size(size, False)
    for name in studio.scenes:
        normal[name] = font_sizes(studio.stage(name, "en"))
    studio.set_size(size, True)
    smaller = []
    for name in studio.scenes:
        for w, px in font_sizes(studio.stage(name, "en")).items():
            before = normal[name].get(w)
            if w.objectName() == "number":  # sized to the room, but always huge
                if px < 90:
                    smaller.append(f"{name}: the number is only {px}px")
            elif before and px < before * 1.25 and w.objectName() != "clock":
                smaller.append(f"{name}: {describe(w)} {before}px -> {px}px")
    assert not smaller, "\n".join(smaller)


@pytest.fixture(scope="module")
def displays(studio: KioskStudio) -> Iterator[list[tuple[str, QWidget]]]:
    windows = display_windows(studio, busy_hall(studio))
    yield windows
    for _name, window in windows:
        window.shutdown()  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", DISPLAY_SIZES, ids=size_name)
def test_the_hall_and_counter_displays_fit(displays: list[tuple[str, QWidget]],
                                           size: tuple[int, int]) -> None:
    """A busy hall (a recall, a paused counter, a long notice, offline): all of it fits."""
    problems = []
    for name, window in displays:
        window.resize(*size)
        window.show()
        settle()
        if (window.width(), window.height()) != size:
            problems.append(f"{name}: the window is {window.width()}x{window.height()}")
        problems += [f"{name}: {p}" for p in layout_problems(window)]
    assert not problems, "\n".join(problems)


def test_the_checker_sees_an_overlap_and_a_cut_text(qapp: QApplication,
                                                    tmp_path: Path) -> None:
    """The geometry check itself: two labels on top of each other, a text too long."""
    window = QWidget()
    window.resize(400, 200)
    a, b = QLabel("first", window), QLabel("a text far too long for its little label", window)
    a.setGeometry(0, 0, 200, 40)
    b.setGeometry(100, 20, 80, 40)
    window.show()
    problems = layout_problems(window)
    window.deleteLater()
    assert any("overlaps" in p for p in problems)
    assert any("text" in p and "label" in p for p in problems)
