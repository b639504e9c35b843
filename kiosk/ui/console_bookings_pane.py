"""The console's Appointments tab (预约): draws `BookingsBoard` rows and forwards the
manager's book / move / cancel / re-issue of a code (the window runs them on its worker).

A booking code is shown in clear once, in the tab's code card, after the action that made
it (a booking, a move to another day, a re-issue): the list shows every code as ******.
The card goes when the manager says the customer has it, at logout, or after
CODE_SHOWN_MS."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Settings
from kiosk.queue.appointments import HIDDEN_CODE, BookingView
from kiosk.queue.booking_rules import AMOUNT_BANDS, AMOUNT_BANDS_ZH, PURPOSE_WORDS
from kiosk.ui.console_bookings import BookingRow, BookingsBoard, Counts

STATUS_COLOURS = {"late": "#fde7b0", "due": "#fde7b0", "missed": "#f6c7c7",
                  "checked_in": "#d5efd9", "served": "#e4e4e4", "cancelled": "#eeeeee"}
CODE_SHOWN_MS = 180_000  # a new code left on screen goes after three minutes


class BookingsPane(QWidget):
    """`book_requested(fields)`, `move_requested(id, day, time, reason)`,
    `cancel_requested(id, reason)`, `reissue_requested(id, reason)`; the window answers
    with `show_rows`, and `show_code` after an action that made a code."""

    book_requested = Signal(dict)
    move_requested = Signal(int, str, str, str)
    cancel_requested = Signal(int, str)
    reissue_requested = Signal(int, str)

    def __init__(self, board: BookingsBoard, settings: Settings,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.board = board
        self.settings = settings
        self.lang = "zh"
        box = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("sectionTitle")
        box.addWidget(self.summary)
        box.addWidget(self._code_card())
        self.table = QTableWidget(0, 8, self)
        self.table.setObjectName("bookingsTable")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(  # the masked card in full
            2, QHeaderView.ResizeMode.ResizeToContents)
        box.addWidget(self.table, 1)
        self.form_title = QLabel(self)
        self.form_title.setObjectName("sectionTitle")
        box.addWidget(self.form_title)
        self.service = QComboBox(self)
        self.identifier = QLineEdit(self)
        self.identifier.setObjectName("bookingIdentifier")
        self.day = QDateEdit(self)
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.time = QComboBox(self)
        self.time.setEditable(True)
        self.purpose = QComboBox(self)
        self.amount = QComboBox(self)
        self.reason = QLineEdit(self)
        self.reason.setObjectName("bookingReason")
        self.labels = [QLabel(self) for _ in range(7)]
        left, right = QFormLayout(), QFormLayout()
        widgets = (self.service, self.identifier, self.day, self.time, self.purpose,
                   self.amount, self.reason)
        for i, (lab, w) in enumerate(zip(self.labels, widgets, strict=True)):
            (left if i < 4 else right).addRow(lab, w)
        forms = QHBoxLayout()
        forms.addLayout(left, 1)
        forms.addLayout(right, 1)
        box.addLayout(forms)
        buttons = QHBoxLayout()
        self.book_button = QPushButton(self)
        self.book_button.setObjectName("primaryAction")
        self.move_button = QPushButton(self)
        self.move_button.setObjectName("action")
        self.cancel_button = QPushButton(self)
        self.cancel_button.setObjectName("action")
        self.reissue_button = QPushButton(self)
        self.reissue_button.setObjectName("action")
        for b in (self.book_button, self.move_button, self.cancel_button, self.reissue_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        box.addLayout(buttons)
        self.book_button.clicked.connect(self._book)
        self.move_button.clicked.connect(self._move)
        self.cancel_button.clicked.connect(self._cancel)
        self.reissue_button.clicked.connect(self._reissue)
        self.service.currentIndexChanged.connect(self._fill_times)
        self.purpose.currentIndexChanged.connect(self._amount_shown)

    def _code_card(self) -> QFrame:
        """The card a new code is shown on, once: the code large, what it is for, and
        a button for when the customer has it."""
        card = self.code_card = QFrame(self)
        card.setObjectName("bookingCodeCard")
        row = QHBoxLayout(card)
        self.code_value = QLabel(card)
        self.code_value.setObjectName("bookingCode")
        self.code_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code_title = QLabel(card)
        self.code_title.setObjectName("sectionTitle")
        self.code_detail = QLabel(card)
        self.code_detail.setWordWrap(True)
        words = QVBoxLayout()
        words.addWidget(self.code_title)
        words.addWidget(self.code_detail, 1)
        self.code_done = QPushButton(card)
        self.code_done.setObjectName("action")
        self.code_done.clicked.connect(self.hide_code)
        row.addWidget(self.code_value)
        row.addSpacing(16)
        row.addLayout(words, 1)
        row.addWidget(self.code_done, 0, Qt.AlignmentFlag.AlignVCenter)
        card.hide()
        self.code_shown: tuple[BookingView, str] | None = None
        self.code_timer = QTimer(self)
        self.code_timer.setSingleShot(True)
        self.code_timer.setInterval(CODE_SHOWN_MS)
        self.code_timer.timeout.connect(self.hide_code)
        return card

    # --- filling -----------------------------------------------------------------------

    def set_today(self, today: date) -> None:
        self.day.setDate(QDate(today.year, today.month, today.day))

    def retranslate(self, lang: str) -> None:
        self.lang = lang
        en = lang == "en"
        self.form_title.setText(self.tr("预约、改期、取消或重发预约码（需填写原因，记入审计）"))
        for lab, text in zip(self.labels, (self.tr("业务"), self.tr("卡号或身份证号"),
                                            self.tr("日期"), self.tr("时间"), self.tr("事项"),
                                            self.tr("取现金额"), self.tr("原因")), strict=True):
            lab.setText(text)
        self.reason.setPlaceholderText(self.tr("例如：客户经理电话预约"))
        self.book_button.setText(self.tr("预约"))
        self.move_button.setText(self.tr("改到所填时间"))
        self.cancel_button.setText(self.tr("取消所选预约"))
        self.reissue_button.setText(self.tr("重发预约码"))
        self.code_done.setText(self.tr("客户已记下，隐藏"))
        self._fill_code()
        self.table.setHorizontalHeaderLabels(
            [self.tr("时间"), self.tr("业务"), self.tr("客户"), self.tr("等级"),
             self.tr("事项"), self.tr("预约码"), self.tr("状态"), self.tr("号码")])
        current = self.service.currentData()
        self.service.blockSignals(True)
        self.service.clear()
        for prefix in self.board.bookable_services():
            svc = self.settings.service(prefix)
            self.service.addItem(f"{prefix} {svc.name_en if en else svc.name_zh}", prefix)
        index = self.service.findData(current)
        self.service.setCurrentIndex(max(0, index))
        self.service.blockSignals(False)
        purpose = self.purpose.currentData()
        self.purpose.blockSignals(True)
        self.purpose.clear()
        for key, (zh, en_word) in PURPOSE_WORDS.items():
            self.purpose.addItem(en_word if en else zh, key)
        self.purpose.setCurrentIndex(max(0, self.purpose.findData(purpose)))
        self.purpose.blockSignals(False)
        self.amount.clear()
        for band in AMOUNT_BANDS:
            self.amount.addItem(band if en else AMOUNT_BANDS_ZH[band], band)
        self._fill_times()
        self._amount_shown()
        self.show_rows()

    # --- the code, shown once ----------------------------------------------------------

    def show_code(self, view: BookingView, kind: str) -> None:
        """The code an action just made (`kind`: booked, moved, reissued), in clear; a view
        without one (HIDDEN_CODE: a move within the day) shows nothing."""
        if view.code == HIDDEN_CODE:
            return
        self.code_shown = (view, kind)
        self._fill_code()
        self.code_card.show()
        self.code_timer.start()

    def hide_code(self) -> None:
        """The code off the screen (and out of memory): it cannot be shown again."""
        self.code_timer.stop()
        self.code_shown = None
        self.code_value.clear()
        self.code_detail.clear()
        self.code_card.hide()

    def _fill_code(self) -> None:
        if self.code_shown is None:
            return
        v, kind = self.code_shown
        en = self.lang == "en"
        self.code_value.setText(f"{v.code[:3]} {v.code[3:]}")
        self.code_title.setText({
            "booked": self.tr("已预约：预约码只显示这一次"),
            "moved": self.tr("已改到另一天：新预约码只显示这一次，原预约码已失效"),
            "reissued": self.tr("已重发：新预约码只显示这一次，原预约码已失效"),
        }.get(kind, ""))
        end = v.slot_at.hour * 60 + v.slot_at.minute + v.length_min
        who = f"{v.name_masked or ''} {v.customer_masked}".strip()
        self.code_detail.setText(
            f"#{v.id} · {v.slot_at:%Y-%m-%d %H:%M}–{end // 60:02d}:{end % 60:02d} · "
            f"{v.service} {v.service_name_en if en else v.service_name_zh} · {who}\n"
            + self.tr("请现在告诉客户或写在预约单上。系统不保存预约码本身，此后列表中只显示 "
                      "******，无法再查看；客户遗失时可重发。"))

    def _fill_times(self) -> None:
        prefix = self.service.currentData()
        current = self.time.currentText()
        self.time.clear()
        if prefix:
            self.time.addItems(self.board.slot_times(prefix))
        if current:
            self.time.setCurrentText(current)

    def _amount_shown(self) -> None:
        on = self.purpose.currentData() == "large_cash"
        self.amount.setEnabled(on)

    def status_text(self, status: str) -> str:
        return {"booked": self.tr("已预约"), "due": self.tr("已到时间，未签到"),
                "checked_in": self.tr("已签到"), "late": self.tr("迟到签到"),
                "served": self.tr("已办理"), "missed": self.tr("未到"),
                "cancelled": self.tr("已取消")}.get(status, status)

    def summary_text(self, c: Counts) -> str:
        return (self.tr("今日预约 %1 · 已签到 %2 · 迟到 %3 · 未到 %4")
                .replace("%1", str(c.booked)).replace("%2", str(c.checked_in))
                .replace("%3", str(c.late)).replace("%4", str(c.missed)))

    def show_rows(self) -> None:
        en = self.lang == "en"
        rows = self.board.rows
        self.summary.setText(self.summary_text(self.board.counts()))
        selected = self.selected_id()
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            self._set_row(i, r, en)
            if r.id == selected:
                self.table.selectRow(i)

    def _set_row(self, i: int, r: BookingRow, en: bool) -> None:
        v = r.view
        zh_word, en_word = PURPOSE_WORDS.get(v.purpose, (v.purpose, v.purpose))
        purpose = en_word if en else zh_word
        if v.amount_band:
            purpose += f" {v.amount_band if en else AMOUNT_BANDS_ZH.get(v.amount_band, '')}"
        end = v.slot_at.hour * 60 + v.slot_at.minute + v.length_min
        cells = [f"{v.slot_at:%H:%M}–{end // 60:02d}:{end % 60:02d}",
                 f"{v.service} {v.service_name_en if en else v.service_name_zh}",
                 f"{v.name_masked or ''} {v.customer_masked}".strip(),
                 v.tier_name_en if en else v.tier_name_zh, purpose, v.code,
                 self.status_text(r.status), v.ticket_number or "—"]
        colour = STATUS_COLOURS.get(r.status)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if col == 0:
                item.setData(Qt.ItemDataRole.UserRole, v.id)
            if colour:
                item.setBackground(QBrush(QColor(colour)))
                item.setForeground(QBrush(QColor("#1a1a1a")))
            self.table.setItem(i, col, item)

    # --- what the manager asks -------------------------------------------------------------

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select(self, booking_id: int) -> bool:
        for i in range(self.table.rowCount()):
            item = self.table.item(i, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == booking_id:
                self.table.selectRow(i)
                return True
        return False

    def _day_text(self) -> str:
        return self.day.date().toString("yyyy-MM-dd")

    def _book(self) -> None:
        self.book_requested.emit({
            "service": self.service.currentData() or "",
            "identifier": self.identifier.text(), "day_text": self._day_text(),
            "time_text": self.time.currentText().strip(),
            "purpose": self.purpose.currentData() or "other",
            "amount_band": self.amount.currentData() if self.amount.isEnabled() else "",
            "reason": self.reason.text()})

    def _move(self) -> None:
        booking = self.selected_id()
        self.move_requested.emit(-1 if booking is None else booking, self._day_text(),
                                 self.time.currentText().strip(), self.reason.text())

    def _cancel(self) -> None:
        booking = self.selected_id()
        self.cancel_requested.emit(-1 if booking is None else booking, self.reason.text())

    def _reissue(self) -> None:
        booking = self.selected_id()
        self.reissue_requested.emit(-1 if booking is None else booking, self.reason.text())

    def set_enabled(self, on: bool) -> None:
        for b in (self.book_button, self.move_button, self.cancel_button, self.reissue_button):
            b.setEnabled(on)
