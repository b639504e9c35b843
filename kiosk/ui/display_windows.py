"""The hall display (大屏) and the counter display: thin views of a `DisplayModel`.

Only numbers are shown (ticket numbers, counters, counts, minutes), never a name or an
identifier. Every line is bilingual: Chinese first, English under or beside it. Sizes
come from `settings.display` (points), chosen to be read from 10 m on a lobby screen:
the ticket number at `hall_number_pt` (180 pt = 240 px, about 15 cm on a 55" screen).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from html import escape

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QFontMetricsF,
    QGuiApplication,
    QPainter,
    QPaintEvent,
    QPixmap,
    QResizeEvent,
    QTextDocument,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Settings
from kiosk.devices.fonts import cjk_font_path
from kiosk.queue.feed import ServiceStatus
from kiosk.ui.display import CallText, DisplayModel
from kiosk.waits import wait_phrase

log = logging.getLogger(__name__)

BACKGROUND = "#0b2545"
PANEL = "#13315c"
TEXT = "#ffffff"
MUTED = "#b8c4d6"
ACCENT = "#ffd166"  # ticket numbers
COUNTER_ACCENT = "#7bdff2"
WARN = "#ff6b6b"
PAUSED = "#f4a261"
WEEKDAYS_ZH = "一二三四五六日"
# The notice moves 60 px/s in even 3-pixel steps at 20 frames/s: on a 60 Hz screen every
# frame shows for three refreshes, so it moves at one speed (at 25 frames/s frames showed for
# two or three refreshes, in 2- or 3-pixel steps). Each frame wakes the display up: 30
# frames/s of 2 pixels would cost a full hall a fifth more CPU.
MARQUEE_FPS = 20
MARQUEE_STEP_PX = 3

_font_family: str | None = None


def display_font_family() -> str:
    """A font family that draws Chinese (loaded once from cjk_font_path())."""
    global _font_family
    if _font_family is None:
        _font_family = ""
        path = cjk_font_path()
        if path is not None:
            font_id = QFontDatabase.addApplicationFont(str(path))
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            _font_family = families[0] if families else ""
        if not _font_family:
            log.warning("no Chinese font loaded; the display may show boxes")
    return _font_family


def _font(pt: float, bold: bool = False) -> QFont:
    font = QFont(display_font_family())
    font.setPointSizeF(max(6.0, pt))
    font.setBold(bold)
    return font


def _label(pt: float, color: str = TEXT, bold: bool = False,
           align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> QLabel:
    label = QLabel()
    label.setFont(_font(pt, bold))
    label.setStyleSheet(f"color: {color}; background: transparent;")
    label.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    label.setTextFormat(Qt.TextFormat.RichText)
    return label


def _span(text: str, pt: float, color: str = TEXT, bold: bool = False) -> str:
    weight = "font-weight:700;" if bold else ""
    return (f'<span style="font-size:{pt:.0f}pt; color:{color}; {weight}">'
            f"{escape(text)}</span>")


def _unbroken(text: str) -> str:
    """A short phrase ("16 waiting", "about 4 min") kept on one line when a card wraps."""
    return text.replace(" ", "\u00a0")


def wait_text(s: ServiceStatus) -> tuple[str, str]:
    """The expected wait of a service in words (zh, en)."""
    if not s.open_now:
        return "今日已结束", "Closed now"
    if s.wait_s is None:
        return "暂无窗口办理", "No counter open"
    if s.wait_s < 60 and not s.beyond:
        return "无需等候", "No wait"
    return wait_phrase(s.wait_s, s.beyond)


class FitLabel(QLabel):
    """Rich text drawn as large as configured, or smaller until it fits the label.

    `content(scale)` returns the HTML at a font scale; the largest scale that fits is
    used (a small screen shrinks the text instead of clipping it)."""

    SCALES = (1.0, 0.92, 0.85, 0.78, 0.7, 0.62, 0.55, 0.48, 0.4)

    def __init__(self, align: Qt.AlignmentFlag) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        self.setStyleSheet(f"color: {TEXT}; background: transparent;")
        self.setFont(_font(12))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.content: Callable[[float], str] = lambda scale: ""
        self.scale = 1.0

    def set_content(self, content: Callable[[float], str]) -> None:
        self.content = content
        self._fit()

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._fit()

    def _fit(self) -> None:
        room = self.contentsRect().size()
        html = ""
        for scale in self.SCALES:
            html = self.content(scale)
            doc = QTextDocument()
            doc.setDefaultFont(self.font())
            doc.setDocumentMargin(0)
            doc.setHtml(html)
            size = doc.size()
            if size.width() <= room.width() and size.height() <= room.height():
                break
        self.scale = scale
        if html != self.text():
            self.setText(html)


class Marquee(QWidget):
    """A one-line notice; it scrolls only when it does not fit (an idle screen stays idle).

    A frame moves what is already drawn `MARQUEE_STEP_PX` to the left (`QWidget.scroll`, a
    copy inside the backing store) and paints only the column it uncovers, so the text is
    laid out once per notice and a frame costs a copy and a sliver of paint."""

    def __init__(self, pt: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFont(_font(pt))
        self.text = ""
        self.offset = 0  # pixels scrolled since the notice started, within one period
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # even steps, no 5% slack
        self._timer.setInterval(round(1000 / MARQUEE_FPS))
        self._timer.timeout.connect(self._advance)
        self.setFixedHeight(int(QFontMetricsF(self.font()).height() * 1.5))
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        # it paints every pixel itself: Qt need not repaint the window behind it each frame,
        # and may scroll its pixels in place
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self._panel, self._ink = QColor(PANEL), QColor(TEXT)
        self._text_px = 0  # the notice's width in whole pixels, measured once per text
        self._strip: QPixmap | None = None  # the text drawn once; frames only copy it

    @property
    def scrolling(self) -> bool:
        return self._timer.isActive()

    def set_text(self, text: str) -> None:
        if text != self.text:
            self.text, self.offset, self._strip = text, 0, None
            self._text_px = math.ceil(QFontMetricsF(self.font()).horizontalAdvance(text))
            self._update_scrolling()
            self.update()

    def _update_scrolling(self) -> None:
        fits = self._text_px <= self.width() - 40
        if fits or not self.isVisible():
            self._timer.stop()
        else:
            self._timer.start()

    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._strip = None
        self._update_scrolling()

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._update_scrolling()

    def hideEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        self._timer.stop()

    def _period(self) -> int:
        """Pixels from one copy of the notice to the next: the text and a gap after it."""
        return self._text_px + 2 + int(self.width() * 0.3)

    def _advance(self) -> None:
        self.offset = (self.offset + MARQUEE_STEP_PX) % self._period()
        self.scroll(-MARQUEE_STEP_PX, 0)  # Qt repaints only the uncovered column

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        area = event.rect()
        painter.fillRect(area, self._panel)
        if not self.scrolling:
            painter.setPen(self._ink)
            painter.drawText(QRectF(0, 0, self.width(), self.height()),
                             Qt.AlignmentFlag.AlignCenter, self.text)
            return
        strip = self._text_strip()
        period = self._period()
        # a new notice starts readable at the left edge, moves left, repeats after a gap;
        # whole pixels throughout, so a frame's scrolled pixels and its fresh column agree
        x = int(self.height() * 0.3) - self.offset - period
        while x <= area.right():
            if x + strip.width() > area.left():
                painter.drawPixmap(x, 0, strip)
            x += period

    def _text_strip(self) -> QPixmap:
        if self._strip is None:
            strip = QPixmap(self._text_px + 2, self.height())
            strip.fill(self._panel)
            painter = QPainter(strip)
            painter.setFont(self.font())
            painter.setPen(self._ink)
            painter.drawText(QRectF(0, 0, strip.width(), strip.height()),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                             self.text)
            painter.end()
            self._strip = strip
        return self._strip


class DisplayWindow(QWidget):
    """What the hall and counter windows share: the model, shutdown, full screen."""

    def __init__(self, model: DisplayModel, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.model = model
        self.settings = settings
        self.clock = clock
        self.setAutoFillBackground(True)
        self.setStyleSheet(f"background: {BACKGROUND};")
        self.setCursor(Qt.CursorShape.BlankCursor)
        self._shut_down = False
        model.listeners.append(self.refresh)

    def refresh(self) -> None:
        raise NotImplementedError

    def shutdown(self) -> None:
        """Stop drawing and let Qt delete the window (idempotent).

        Deleting through Qt, not through Python's garbage collector: PySide6 6.12 crashes
        when the collector frees a shown hall window (a cycle through its bound methods)."""
        if self._shut_down:
            return
        self._shut_down = True
        if self.refresh in self.model.listeners:
            self.model.listeners.remove(self.refresh)
        for timer in self.findChildren(QTimer):
            timer.stop()
        self.hide()
        self.deleteLater()

    def offline_label(self, pt: float) -> QLabel:
        label = _label(pt, WARN, bold=True)
        label.setText("● 离线 / offline")
        label.setVisible(False)
        return label

    def show_on_screen(self, index: int | None) -> None:
        """Full screen on monitor `index` (0 = primary; None = where the system puts it)."""
        screens = QGuiApplication.screens()
        if index is not None and screens:
            screen = screens[min(max(index, 0), len(screens) - 1)]
            self.setScreen(screen)
            self.setGeometry(screen.geometry())
        self.showFullScreen()


class HallWindow(DisplayWindow):
    """大屏: the latest call huge, recent calls, waiting per service, notice, clock."""

    def __init__(self, model: DisplayModel, settings: Settings,
                 clock: Callable[[], datetime]) -> None:
        super().__init__(model, settings, clock)
        self.setWindowTitle(f"{settings.branch.name_zh} · 叫号大屏")
        n = float(settings.display.hall_number_pt)
        self.pt_number = n
        self.pt_words = n * 0.4
        self.pt_en = n * 0.2
        self.pt_list = n * 0.22
        self.pt_small = n * 0.13

        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addWidget(self._header())
        body = QBoxLayout(QBoxLayout.Direction.LeftToRight)  # portrait: recent calls below
        self.body = body
        body.setContentsMargins(int(n * 0.2), int(n * 0.1), int(n * 0.2), int(n * 0.1))
        body.setSpacing(int(n * 0.2))
        self.call = FitLabel(Qt.AlignmentFlag.AlignLeft)  # takes what is left, shrinks to fit
        body.addWidget(self.call, 3)
        body.addWidget(self._recent_panel(), 2)
        root.addLayout(body, 1)
        self.services_row = QHBoxLayout()
        self.services_row.setContentsMargins(int(n * 0.2), 0, int(n * 0.2), int(n * 0.1))
        self.services_row.setSpacing(int(n * 0.1))
        self.service_cards: list[QLabel] = []
        root.addLayout(self.services_row)
        self.marquee = Marquee(n * 0.18)
        root.addWidget(self.marquee)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_clock)
        self._tick.start()
        self.refresh()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        portrait = self.height() > self.width()
        self.body.setDirection(QBoxLayout.Direction.TopToBottom if portrait
                               else QBoxLayout.Direction.LeftToRight)
        super().resizeEvent(event)

    def _header(self) -> QWidget:
        bar = QFrame()
        bar.setStyleSheet(f"background: {PANEL};")
        row = QHBoxLayout(bar)
        n = self.pt_number
        row.setContentsMargins(int(n * 0.2), int(n * 0.05), int(n * 0.2), int(n * 0.05))
        self.branch = _label(self.pt_small)
        self.branch.setText(_span(self.settings.branch.name_zh, self.pt_small * 1.25, bold=True)
                            + "<br>" + _span(self.settings.branch.name_en, self.pt_small * 0.8,
                                            MUTED))
        row.addWidget(self.branch)
        row.addStretch(1)
        self.offline = self.offline_label(self.pt_small)
        row.addWidget(self.offline)
        row.addSpacing(int(n * 0.2))
        self.clock_label = _label(self.pt_small, align=Qt.AlignmentFlag.AlignRight)
        row.addWidget(self.clock_label)
        self._update_clock()
        return bar

    def _recent_panel(self) -> QWidget:
        panel = QFrame()
        panel.setStyleSheet(f"background: {PANEL}; border-radius: 12px;")
        col = QVBoxLayout(panel)
        pad = int(self.pt_number * 0.12)
        col.setContentsMargins(pad, pad, pad, pad)
        title = _label(self.pt_small)
        title.setText(_span("最近叫号", self.pt_small * 1.2, bold=True) + "  "
                      + _span("Recent calls", self.pt_small, MUTED))
        col.addWidget(title)
        self.recent = _label(self.pt_list)
        self.recent.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        col.addWidget(self.recent, 1)
        return panel

    def _update_clock(self) -> None:
        now = self.clock()
        text = (_span(now.strftime("%H:%M"), self.pt_small * 1.6, bold=True) + "<br>"
                + _span(f"{now:%Y-%m-%d} 星期{WEEKDAYS_ZH[now.weekday()]}", self.pt_small * 0.8,
                        MUTED))
        if text != self.clock_label.text():
            self.clock_label.setText(text)

    def refresh(self) -> None:
        m = self.model
        self.offline.setVisible(m.loaded and not m.online)
        self.call.set_content(self._call_html)
        self.recent.setText(self._recent_html())
        self._refresh_services()
        zh, en = m.notice
        self.marquee.set_text("    ".join(t for t in (zh, en) if t))

    def _call_html(self, scale: float = 1.0) -> str:
        text = self.model.latest_text()
        w, big, en = self.pt_words * scale, self.pt_number * scale, self.pt_en * scale
        if text is None:
            return (_span("欢迎光临", big * 0.6, bold=True) + "<br>"
                    + _span("Welcome", en * 1.5, MUTED))
        recall = ""
        if text.recall:
            recall = _span("再次呼叫 · Calling again", en, PAUSED, bold=True) + "<br>"
        return (f'<p style="line-height:100%">{recall}{_span("请 ", w)}'
                f'{_span(text.number, big, ACCENT, bold=True)}{_span(" 号", w)}<br>'
                f'{_span("到 ", w)}'
                f'{_span(str(text.counter), big * 0.65, COUNTER_ACCENT, bold=True)}'
                f'{_span(" 号窗口", w)}<br>{_span(text.en, en, MUTED)}</p>')

    def _recent_html(self) -> str:
        rows = []
        latest = self.model.latest
        shown = {latest.number} if latest else set()
        for c in self.model.recent:  # each ticket once, its latest call; not the one above
            if c.number in shown:
                continue
            shown.add(c.number)
            rows.append(f'<tr><td style="padding-right:24px">'
                        f'{_span(c.number, self.pt_list, ACCENT, bold=True)}</td>'
                        f'<td>{_span(f"{c.counter} 号窗口", self.pt_list * 0.8)}'
                        f'{_span(f"  Counter {c.counter}", self.pt_list * 0.55, MUTED)}</td></tr>')
        if not rows:
            return _span("—", self.pt_list, MUTED)
        return f'<table cellspacing="6">{"".join(rows)}</table>'

    def _refresh_services(self) -> None:
        services = [s for s in self.model.services]
        while len(self.service_cards) < len(services):
            card = _label(self.pt_small)
            card.setStyleSheet(f"color: {TEXT}; background: {PANEL}; border-radius: 12px;"
                               f"padding: {int(self.pt_number * 0.08)}px;")
            card.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            card.setWordWrap(True)  # a narrow screen wraps a card's lines, never widens
            card.setMinimumWidth(1)
            self.services_row.addWidget(card, 1)
            self.service_cards.append(card)
        for card, s in zip(self.service_cards, services, strict=False):
            card.setText(self._service_html(s))
        for i, card in enumerate(self.service_cards):
            card.setVisible(i < len(services))

    def _service_html(self, s: ServiceStatus) -> str:
        p = self.pt_small
        wait_zh, wait_en = wait_text(s)
        return (f"{_span(s.prefix, p * 1.5, ACCENT, bold=True)} "
                f"{_span(s.name_zh, p * 1.2, bold=True)}"
                f"<br>{_span(s.name_en, p * 0.75, MUTED)}"
                f"<br>{_span(_unbroken(f'等候 {s.waiting} 人'), p * 1.2)} "
                f"{_span(_unbroken(f'· {s.waiting} waiting'), p * 0.8, MUTED)}"
                f"<br>{_span(_unbroken(wait_zh), p * 1.2)} "
                f"{_span(_unbroken(f'· {wait_en}'), p * 0.8, MUTED)}")


class CounterWindow(DisplayWindow):
    """The display above one counter: its number and the ticket it serves, or 暂停服务."""

    def __init__(self, model: DisplayModel, settings: Settings, counter: int,
                 clock: Callable[[], datetime]) -> None:
        super().__init__(model, settings, clock)
        self.number = counter
        self.setWindowTitle(f"{counter}号窗口")
        n = float(settings.display.counter_number_pt)
        self.pt_number = n
        self.pt_small = n * 0.16
        root = QVBoxLayout(self)
        margin = int(n * 0.12)
        root.setContentsMargins(margin, margin // 2, margin, margin // 2)
        top = QHBoxLayout()
        self.title = _label(self.pt_small)
        self.title.setWordWrap(True)
        top.addWidget(self.title, 1)
        top.addStretch(1)
        self.offline = self.offline_label(self.pt_small * 0.8)
        top.addWidget(self.offline)
        root.addLayout(top)
        self.main = FitLabel(Qt.AlignmentFlag.AlignHCenter)
        root.addWidget(self.main, 1)
        self.sub = _label(self.pt_small, align=Qt.AlignmentFlag.AlignHCenter)
        self.sub.setWordWrap(True)  # Chinese and English on one line, or on two
        root.addWidget(self.sub)
        self.refresh()

    def refresh(self) -> None:
        c = self.model.counter(self.number)
        p, n = self.pt_small, self.pt_number
        self.offline.setVisible(self.model.loaded and not self.model.online)
        self.title.setText(_span(c.label_zh, p * 1.2, bold=True) + "  "
                           + _span(c.label_en, p * 0.9, MUTED))
        if c.status != "open":
            self.main.set_content(lambda k: _span("暂停服务", n * 0.45 * k, PAUSED, bold=True)
                                  + "<br>" + _span("Paused", n * 0.22 * k, PAUSED))
            self.sub.setText(_span("请到其他窗口办理", p) + "  "
                             + _span("Please use another counter", p * 0.9, MUTED))
        elif c.ticket_number:
            number = c.ticket_number
            self.main.set_content(lambda k: _span(number, n * k, ACCENT, bold=True))
            if c.serving:
                zh, en = f"正在办理 {number} 号", f"Now serving {number}"
            else:
                call = CallText(number, self.number)
                zh, en = call.zh, f"Number {number}, please come to this counter"
            self.sub.setText(_span(zh, p * 1.1) + "  " + _span(en, p * 0.9, MUTED))
        else:
            self.main.set_content(lambda k: _span("欢迎光临", n * 0.45 * k, bold=True))
            self.sub.setText(_span("Welcome", p, MUTED))
