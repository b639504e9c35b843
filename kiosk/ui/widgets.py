"""Small touch widgets the kiosk screens share: big buttons, a keypad, the top bar."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPainterPath, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ui import style


def button(text: str, name: str, parent: QWidget | None = None) -> QPushButton:
    """A touch button: never takes keyboard focus (the card reader types into the window)."""
    b = QPushButton(text, parent)
    b.setObjectName(name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setCursor(Qt.CursorShape.BlankCursor)
    return b


def label(text: str = "", name: str = "", parent: QWidget | None = None, *,
          wrap: bool = True, align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter) -> QLabel:
    lab = QLabel(text, parent)
    if name:
        lab.setObjectName(name)
    lab.setWordWrap(wrap)
    lab.setAlignment(align)
    lab.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
    return lab


class ElidedLabel(QLabel):
    """One line that ends in "…" when the room is short; the full text stays its tool tip.

    For text a customer can do without in full (the branch name in the top bar): it never
    pushes the window wider than the screen."""

    def __init__(self, name: str = "", parent: QWidget | None = None, *,
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> None:
        super().__init__(parent)
        if name:
            self.setObjectName(name)
        self._full = ""
        self.setAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str) -> None:
        self._full = text
        self.setToolTip(text)
        self._elide()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event: object) -> None:  # noqa: N802 - Qt's name (font changes)
        super().changeEvent(event)  # type: ignore[arg-type]
        self._elide()

    def _elide(self) -> None:
        room = self.contentsRect().width()
        shown = QFontMetrics(self.font()).elidedText(self._full, Qt.TextElideMode.ElideRight,
                                                     max(room, 0))
        self.setProperty("elided", shown != self._full)
        if shown != self.text():
            self.setText(shown)


class Keypad(QWidget):
    """Digits, X (the resident ID's check character) and delete, in phone order."""

    pressed = Signal(str)  # "0"-"9", "X", or "DEL"

    KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", "DEL")

    def __init__(self, with_x: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(14)
        self.grid = grid
        self.buttons: dict[str, QPushButton] = {}
        for i, key in enumerate(self.KEYS):
            b = button("⌫" if key == "DEL" else key, "key", self)
            b.clicked.connect(lambda _=False, k=key: self.pressed.emit(k))
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            grid.addWidget(b, i // 3, i % 3)
            self.buttons[key] = b
        if not with_x:
            self.buttons["X"].setEnabled(False)
            self.buttons["X"].setText("")
        self.letters: dict[str, QPushButton] = {}

    def set_letters(self, letters: list[str]) -> None:
        """A row of letter keys below the digits (a staff number's prefix, e.g. M)."""
        if list(self.letters) == letters[:6]:
            return
        for b in self.letters.values():
            self.grid.removeWidget(b)
            b.hide()
            b.deleteLater()
        self.letters = {}
        for i, key in enumerate(letters[:6]):
            b = button(key, "key", self)
            b.clicked.connect(lambda _=False, k=key: self.pressed.emit(k))
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            self.grid.addWidget(b, 4 + i // 3, i % 3)
            self.letters[key] = b

    def set_scale(self, scale: float) -> None:
        self.grid.setSpacing(style.px(14, scale))


class ServiceButton(QPushButton):
    """One service: its name, and people waiting / estimated wait or why it is closed."""

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prefix = prefix
        self.setObjectName("service")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 12, 20, 12)
        row.setSpacing(22)
        self.badge = label(prefix, "prefix", self, wrap=False)
        text = QVBoxLayout()
        text.setSpacing(4)
        self.name = label("", "svcname", self, align=Qt.AlignmentFlag.AlignLeft)
        self.info = label("", "svcinfo", self, align=Qt.AlignmentFlag.AlignLeft)
        for lab in (self.badge, self.name, self.info):
            lab.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        text.addStretch(1)
        text.addWidget(self.name)
        text.addWidget(self.info)
        text.addStretch(1)
        row.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addLayout(text, 1)
        self.row = row

    def set_scale(self, scale: float) -> None:
        self.row.setContentsMargins(style.px(24, scale), style.px(12, scale),
                                    style.px(20, scale), style.px(12, scale))
        self.row.setSpacing(style.px(22, scale))

    # The size of a service button is the size of its badge and wrapped text: a QPushButton
    # would only count its own (empty) text, and the labels would be squeezed and cut.
    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.row.totalSizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.row.totalMinimumSize()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return max(self.row.totalHeightForWidth(width), self.minimumHeight())

    def show_option(self, name: str, info: str, available: bool) -> None:
        self.name.setText(name)
        self.info.setText(info)
        self.setEnabled(available)
        for lab in (self.badge, self.name, self.info):
            lab.setProperty("off", "false" if available else "true")
            lab.style().unpolish(lab)
            lab.style().polish(lab)

    def text_for_tests(self) -> str:
        return f"{self.name.text()} {self.info.text()}"


class CardPicture(QWidget):
    """A bank card going into a reader, drawn (no image files, sharp at any size)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(380, 190)

    def set_scale(self, scale: float) -> None:
        self.setFixedSize(style.px(380, scale), style.px(190, scale))

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        k = self.height() / 190  # drawn for 190 px, scaled with the type
        p.scale(k, k)
        w, h = self.width() / k, 190.0
        cw, ch = 260.0, 164.0
        x, y = (w - cw - 60) / 2, (h - ch) / 2
        card = QPainterPath()
        card.addRoundedRect(QRectF(x, y, cw, ch), 16, 16)
        p.fillPath(card, QColor(style.NAVY))
        p.fillRect(QRectF(x, y + 26, cw, 30), QColor("#000000"))  # the magnetic stripe
        p.fillRect(QRectF(x + 22, y + 82, 44, 34), QColor("#d9b45a"))  # the chip
        pen = QPen(QColor("#ffffff"))
        pen.setWidth(4)
        p.setPen(pen)
        for i in range(4):
            p.drawLine(int(x + 90 + i * 40), int(y + 132), int(x + 118 + i * 40), int(y + 132))
        arrow = QPen(QColor(style.RED))
        arrow.setWidth(10)
        arrow.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(arrow)
        ax, ay = x + cw + 20, y + ch / 2
        p.drawLine(int(ax), int(ay), int(ax + 44), int(ay))
        p.drawLine(int(ax + 26), int(ay - 18), int(ax + 44), int(ay))
        p.drawLine(int(ax + 26), int(ay + 18), int(ax + 44), int(ay))
        p.end()


class CalmMark(QWidget):
    """A round amber "!" (or a navy "i"): noticeable without alarming anyone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.symbol = "!"
        self.setFixedSize(120, 120)

    def set_scale(self, scale: float) -> None:
        side = style.px(120, scale)
        self.setFixedSize(side, side)

    def set_symbol(self, symbol: str) -> None:
        self.symbol = symbol
        self.update()

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor(style.AMBER_EDGE if self.symbol == "!" else style.NAVY)
        p.setBrush(colour)
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(4, 4, self.width() - 8, self.height() - 8)
        font = p.font()
        font.setPixelSize(int(self.height() * 0.6))
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("white"))
        p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.symbol)
        p.end()


class TopBar(QWidget):
    """Branch name, clock, large print and language on every screen."""

    language_clicked = Signal()
    large_print_clicked = Signal()
    secret_tapped = Signal()  # taps on the clock: the manager's way to the PIN pad

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("topbar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(self)
        row.setContentsMargins(28, 12, 28, 12)
        row.setSpacing(18)
        self.row = row
        self.branch = ElidedLabel("branch", self)
        self.demo = label("", "demo", self, wrap=False)
        self.demo.hide()
        self.clock = _TapLabel(self)
        self.clock.setObjectName("clock")
        self.clock.tapped.connect(self.secret_tapped)
        self.large = button("", "toggle", self)
        self.large.setCheckable(True)
        self.large.clicked.connect(self.large_print_clicked)
        self.language = button("", "toggle", self)
        self.language.clicked.connect(self.language_clicked)
        row.addWidget(self.branch, 1)
        row.addWidget(self.demo)
        row.addWidget(self.clock)
        row.addSpacing(12)
        row.addWidget(self.large)
        row.addWidget(self.language)

    def set_scale(self, scale: float) -> None:
        margin = style.px(20, scale)
        self.row.setContentsMargins(margin, style.px(10, scale), margin, style.px(10, scale))
        self.row.setSpacing(style.px(14, scale))


class _TapLabel(QLabel):
    tapped = Signal()

    def mousePressEvent(self, event: object) -> None:  # noqa: N802 - Qt's name
        self.tapped.emit()


class PixmapView(QWidget):
    """An image drawn as large as the space allows, never cropped (the ticket, the QR)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._pixmap = QPixmap()
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 200)

    def set_png(self, data: bytes) -> None:
        self._pixmap = QPixmap()
        self._pixmap.loadFromData(data, "PNG")
        self.update()

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def paintEvent(self, _event: object) -> None:  # noqa: N802 - Qt's name
        if self._pixmap.isNull():
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        room = self.rect().adjusted(6, 6, -6, -6)
        scaled = self._pixmap.size().scaled(room.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if scaled.width() > self._pixmap.width() * 2:  # never blow a small image up blurry
            scaled = self._pixmap.size() * 2
        x = room.x() + (room.width() - scaled.width()) // 2
        y = room.y() + (room.height() - scaled.height()) // 2
        p.fillRect(x - 6, y - 6, scaled.width() + 12, scaled.height() + 12, QColor("white"))
        p.setPen(QColor("#c8cdd3"))
        p.drawRect(x - 6, y - 6, scaled.width() + 11, scaled.height() + 11)
        p.drawPixmap(x, y, scaled.width(), scaled.height(), self._pixmap)
        p.end()
