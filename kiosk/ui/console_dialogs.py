"""The console's dialogs: every override asks for a reason; a counter change shows the
estimated waits now and after it (what if) before it is made.

Dialogs are shown with `open()` (window-modal, never a nested event loop), so the
console keeps following the feed while one is up, and tests drive them like a user.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kiosk.queue.forecast import ServiceWaits


def minutes_text(seconds: float | None, lang: str, beyond: bool = False) -> str:
    """Minutes in words; `beyond`: a lower bound past the forecast's horizon ("> 180 min")."""
    if seconds is None:
        return "—"
    m = max(0, round(seconds / 60))
    return ("> " if beyond else "") + (f"{m} 分钟" if lang == "zh" else f"{m} min")


class ReasonDialog(QDialog):
    """A manager action: its fields, then a reason (required; the queue refuses a blank
    one too). `confirmed` carries nothing: read the fields and `reason()`."""

    confirmed = Signal()

    def __init__(self, title: str, summary: str, parent: QWidget | None = None,
                 reason_required: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("consoleDialog")
        self.setWindowTitle(title)
        self.reason_required = reason_required
        self.box = QVBoxLayout(self)
        self.title = QLabel(title, self)
        self.title.setObjectName("dialogTitle")
        self.summary = QLabel(summary, self)
        self.summary.setWordWrap(True)
        self.form = QFormLayout()
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setObjectName("reason")
        self.reason_edit.setPlaceholderText(self.tr("写明原因（记入审计日志）"))
        self.reason_edit.setFixedHeight(80)
        self.error = QLabel("", self)
        self.error.setObjectName("dialogError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(self)
        self.ok = self.buttons.addButton(self.tr("确定"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("primaryAction")
        self.cancel = self.buttons.addButton(self.tr("取消"),
                                             QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.box.addWidget(self.title)
        self.box.addWidget(self.summary)
        self.box.addLayout(self.form)
        self.extra = QVBoxLayout()
        self.box.addLayout(self.extra)
        self.reason_label = QLabel(self.tr("原因（必填）") if reason_required else self.tr("原因"),
                                   self)
        self.box.addWidget(self.reason_label)
        self.box.addWidget(self.reason_edit)
        self.box.addWidget(self.error)
        self.box.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def add_row(self, label: str, widget: QWidget) -> QWidget:
        self.form.addRow(label, widget)
        return widget

    def combo(self, label: str, items: Sequence[tuple[str, object]],
              current: object = None) -> QComboBox:
        box = QComboBox(self)
        for text, value in items:
            box.addItem(text, value)
        if current is not None:
            i = box.findData(current)
            if i >= 0:
                box.setCurrentIndex(i)
        self.add_row(label, box)
        return box

    def spin(self, label: str, low: int, high: int, value: int) -> QSpinBox:
        box = QSpinBox(self)
        box.setRange(low, high)
        box.setValue(value)
        self.add_row(label, box)
        return box

    def line(self, label: str, text: str = "", placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(text, self)
        edit.setPlaceholderText(placeholder)
        self.add_row(label, edit)
        return edit

    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    def set_reason(self, text: str) -> None:
        self.reason_edit.setPlainText(text)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def accept(self) -> None:
        if self.reason_required and not self.reason():
            self.show_error(self.tr("请写明原因：每一项调整都记入审计日志，没有原因不能执行。"))
            self.reason_edit.setFocus()
            return
        self.confirmed.emit()
        super().accept()


class CounterDialog(ReasonDialog):
    """Open, pause or close a counter, or change its services: the estimated waits per
    service now and after the change are shown first (what if)."""

    services_edited = Signal(str)

    def __init__(self, title: str, summary: str, lang: str, service_names: dict[str, str],
                 *, services: str | None = None, reason_required: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(title, summary, parent, reason_required=reason_required)
        self.lang = lang
        self.service_names = service_names
        self.services_edit: QLineEdit | None = None
        if services is not None:
            self.services_edit = self.line(self.tr("业务（按优先顺序）"), services, "B,A")
            self.services_edit.editingFinished.connect(
                lambda: self.services_edited.emit(self.services_edit.text()
                                                  if self.services_edit else ""))
        self.what_if_title = QLabel(self.tr("假如：各业务预计等候（现在 → 调整后）"), self)
        self.what_if_title.setObjectName("sectionTitle")
        self.table = QTableWidget(0, 5, self)
        self.table.setObjectName("whatIf")
        self.table.setHorizontalHeaderLabels([
            self.tr("业务"), self.tr("等候人数"), self.tr("新取号预计等候"),
            self.tr("调整后"), self.tr("排队中最长等候")])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFixedHeight(190)
        self.what_if_note = QLabel(self.tr("正在计算…"), self)
        self.what_if_note.setWordWrap(True)
        self.extra.addWidget(self.what_if_title)
        self.extra.addWidget(self.table)
        self.extra.addWidget(self.what_if_note)
        if not reason_required:
            self.reason_label.setText(self.tr("原因（调整他人正在使用的窗口时必填）"))
        self.setMinimumWidth(900)

    def services(self) -> list[str]:
        text = self.services_edit.text() if self.services_edit else ""
        return [p.strip().upper() for p in text.replace("，", ",").split(",") if p.strip()]

    def show_what_if(self, rows: list[ServiceWaits]) -> None:
        self.table.setRowCount(len(rows))
        worse = 0
        for i, r in enumerate(rows):
            before, after = r.new_before, r.new_after
            lang = self.lang
            cells = [f"{r.service} {self.service_names.get(r.service, '')}", str(r.waiting),
                     minutes_text(before, lang, r.new_before_beyond),
                     minutes_text(after, lang, r.new_after_beyond),
                     f"{minutes_text(r.longest_before, lang, r.longest_before_beyond)} → "
                     f"{minutes_text(r.longest_after, lang, r.longest_after_beyond)}"
                     + (f"  ({r.unserved_after} ⚠)" if r.unserved_after else "")]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 3 and _worse(before, after):
                    item.setForeground(Qt.GlobalColor.darkRed)
                    worse += 1
                elif j == 3 and _worse(after, before):
                    item.setForeground(Qt.GlobalColor.darkGreen)
                self.table.setItem(i, j, item)
        self.what_if_note.setText(
            self.tr("调整后有业务等候变长（红色），或无人办理（—）。") if worse else
            self.tr("按与取号机相同的预测计算；调整尚未执行。"))

    def show_what_if_error(self, text: str) -> None:
        self.what_if_note.setText(text)


def _worse(before: float | None, after: float | None) -> bool:
    if after is None:
        return before is not None
    return before is not None and after > before + 30
