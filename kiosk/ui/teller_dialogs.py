"""The teller panel's dialogs: login, transfer, call a specific ticket, suspended list.

Each only collects what the teller types and shows the panel's message; the window turns
the input into a model intent and closes the dialog when the action succeeded. A dialog
that needs a manager's approval (a transfer ahead of the branch's rule, calling a ticket
out of turn) has an `ApprovalBox`: the manager's staff number, PIN and the reason, typed
at the teller's counter. Strings are Chinese in the code, English in assets/i18n.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.queue.views import TicketView
from kiosk.ui.teller import PLACEMENTS, Approval


def _message_label() -> QLabel:
    lab = QLabel("")
    lab.setObjectName("dialogmsg")
    lab.setWordWrap(True)
    lab.hide()
    return lab


def _pin_field() -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setMaxLength(12)
    field.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly
                              | Qt.InputMethodHint.ImhSensitiveData)
    return field


class PanelDialog(QDialog):
    """A dialog with a message line and OK / Cancel; `submitted` when OK is pressed."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("tellerdialog")
        self.setModal(True)
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(18, 16, 18, 16)
        self.box.setSpacing(10)
        self.message = _message_label()
        self.ok = QPushButton()
        self.ok.setObjectName("dialogok")
        self.ok.setDefault(True)
        self.cancel = QPushButton()
        self.cancel.setObjectName("dialogcancel")
        self.ok.clicked.connect(self.submitted)
        self.cancel.clicked.connect(self.reject)

    def finish_layout(self) -> None:
        self.box.addWidget(self.message)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel)
        row.addWidget(self.ok)
        self.box.addLayout(row)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def set_busy(self, busy: bool) -> None:
        self.ok.setEnabled(not busy)


class ApprovalBox(QGroupBox):
    """A manager's approval: staff number, PIN and the reason (written to the audit log)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("approval")
        form = QFormLayout(self)
        form.setContentsMargins(10, 8, 10, 8)
        self.staff = QLineEdit()
        self.staff.setMaxLength(16)
        self.pin = _pin_field()
        self.reason = QLineEdit()
        self.reason.setMaxLength(500)
        self.staff_label, self.pin_label, self.reason_label = QLabel(), QLabel(), QLabel()
        form.addRow(self.staff_label, self.staff)
        form.addRow(self.pin_label, self.pin)
        form.addRow(self.reason_label, self.reason)
        self.note = QLabel()
        self.note.setObjectName("dialognote")
        self.note.setWordWrap(True)
        form.addRow(self.note)

    def retranslate(self) -> None:
        self.setTitle(self.tr("经理授权"))
        self.staff_label.setText(self.tr("经理工号"))
        self.pin_label.setText(self.tr("经理密码"))
        self.reason_label.setText(self.tr("原因"))
        self.reason.setPlaceholderText(self.tr("必填，记入审计日志"))
        self.note.setText(self.tr("由大堂经理在本窗口输入；柜员本人的登录不受影响。"))

    def approval(self) -> Approval:
        return Approval(self.staff.text().strip(), self.pin.text(), self.reason.text().strip())

    def clear(self) -> None:
        for field in (self.staff, self.pin, self.reason):
            field.clear()


class LoginDialog(PanelDialog):
    """Staff number and PIN; opens the panel (and the counter, when it is closed)."""

    def __init__(self, counter: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.counter = counter
        self.title = QLabel()
        self.title.setObjectName("dialogtitle")
        form = QFormLayout()
        self.staff = QLineEdit()
        self.staff.setMaxLength(16)
        self.pin = _pin_field()
        self.staff_label, self.pin_label = QLabel(), QLabel()
        form.addRow(self.staff_label, self.staff)
        form.addRow(self.pin_label, self.pin)
        self.box.addWidget(self.title)
        self.box.addLayout(form)
        self.finish_layout()
        self.pin.returnPressed.connect(self.submitted)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("柜员登录"))
        self.title.setText(self.tr("柜员登录 · {counter}号窗口").format(counter=self.counter))
        self.staff_label.setText(self.tr("工号"))
        self.pin_label.setText(self.tr("密码"))
        self.ok.setText(self.tr("登录"))
        self.cancel.setText(self.tr("退出"))

    def reset(self) -> None:
        self.pin.clear()
        self.show_message("")
        self.set_busy(False)


class TransferDialog(PanelDialog):
    """Move the held ticket to another service, placed by the branch's rule or, with a
    manager's approval, further ahead."""

    def __init__(self, rule: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rule = rule
        self.number = ""
        self.current_service = ""
        self.title = QLabel()
        self.title.setObjectName("dialogtitle")
        self.services_box = QGroupBox()
        self.services_layout = QVBoxLayout(self.services_box)
        self.service_group = QButtonGroup(self)
        self.service_buttons: dict[str, QRadioButton] = {}
        self.placement_box = QGroupBox()
        placement_layout = QVBoxLayout(self.placement_box)
        self.placement_group = QButtonGroup(self)
        self.placement_buttons: dict[str, QRadioButton] = {}
        for placement in PLACEMENTS:
            radio = QRadioButton()
            self.placement_buttons[placement] = radio
            self.placement_group.addButton(radio)
            placement_layout.addWidget(radio)
            radio.toggled.connect(self._placement_changed)
        self.approval = ApprovalBox()
        self.box.addWidget(self.title)
        self.box.addWidget(self.services_box)
        self.box.addWidget(self.placement_box)
        self.box.addWidget(self.approval)
        self.finish_layout()
        self.needs_approval = lambda placement: False
        self.names: list[tuple[str, str, str]] = []
        self.lang = "zh"

    def prepare(self, number: str, current_service: str, services: list[tuple[str, str, str]],
                lang: str) -> None:
        self.number, self.current_service, self.names, self.lang = (
            number, current_service, services, lang)
        for radio in self.service_buttons.values():
            self.service_group.removeButton(radio)
            radio.deleteLater()
        self.service_buttons = {}
        first = None
        for prefix, _zh, _en in services:
            radio = QRadioButton()
            radio.setEnabled(prefix != current_service)
            self.service_group.addButton(radio)
            self.services_layout.addWidget(radio)
            self.service_buttons[prefix] = radio
            if first is None and prefix != current_service:
                first = radio
        if first is not None:
            first.setChecked(True)
        self.placement_buttons[self.rule].setChecked(True)
        self.approval.clear()
        self.show_message("")
        self.set_busy(False)
        self.retranslate()
        self._placement_changed()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("转移"))
        self.title.setText(self.tr("把 {number} 转到").format(number=self.number))
        self.services_box.setTitle(self.tr("业务"))
        self.placement_box.setTitle(self.tr("排队位置"))
        for prefix, zh, en in self.names:
            radio = self.service_buttons.get(prefix)
            if radio is not None:
                radio.setText(f"{prefix}  {en if self.lang == 'en' else zh}")
        words = {"last": self.tr("排在最后"), "priority": self.tr("按原取号时间"),
                 "first": self.tr("排在最前")}
        for placement, radio in self.placement_buttons.items():
            text = words[placement]
            if placement == self.rule:
                text += self.tr("（本行规则）")
            elif self.needs_approval(placement):
                text += self.tr("（需经理授权）")
            radio.setText(text)
        self.approval.retranslate()
        self.ok.setText(self.tr("转移"))
        self.cancel.setText(self.tr("取消"))

    def placement(self) -> str:
        return next((p for p, r in self.placement_buttons.items() if r.isChecked()), self.rule)

    def service(self) -> str:
        return next((p for p, r in self.service_buttons.items() if r.isChecked()), "")

    def _placement_changed(self) -> None:
        self.approval.setVisible(self.needs_approval(self.placement()))
        self.adjustSize()


class CallTicketDialog(PanelDialog):
    """Call a specific ticket out of turn: the number, and a manager's approval."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("dialogtitle")
        form = QFormLayout()
        self.ticket = QLineEdit()
        self.ticket.setMaxLength(16)
        self.ticket_label = QLabel()
        form.addRow(self.ticket_label, self.ticket)
        self.approval = ApprovalBox()
        self.box.addWidget(self.title)
        self.box.addLayout(form)
        self.box.addWidget(self.approval)
        self.finish_layout()
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("指定叫号"))
        self.title.setText(self.tr("指定叫号（不按顺序，需经理授权）"))
        self.ticket_label.setText(self.tr("号码"))
        self.ticket.setPlaceholderText(self.tr("例如 B002"))
        self.approval.retranslate()
        self.ok.setText(self.tr("叫号"))
        self.cancel.setText(self.tr("取消"))

    def prepare(self) -> None:
        self.ticket.clear()
        self.approval.clear()
        self.show_message("")
        self.set_busy(False)


class SuspendedDialog(PanelDialog):
    """This counter's suspended tickets: pick the customer who is back."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("dialogtitle")
        self.list = QListWidget()
        self.list.setObjectName("suspended")
        self.box.addWidget(self.title)
        self.box.addWidget(self.list, 1)
        self.finish_layout()
        self.list.itemDoubleClicked.connect(lambda _item: self.submitted.emit())
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("挂起的号"))
        self.title.setText(self.tr("挂起的号：选择回到窗口的客户"))
        self.ok.setText(self.tr("恢复"))
        self.cancel.setText(self.tr("取消"))

    def prepare(self, tickets: tuple[TicketView, ...], lang: str) -> None:
        self.list.clear()
        for t in tickets:
            service = t.service_name_en if lang == "en" else t.service_name_zh
            tier = t.tier_name_en if lang == "en" else t.tier_name_zh
            text = f"{t.number}   {service} · {tier}"
            if t.customer_masked:
                text += f" · {t.customer_masked}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, t.id)
            self.list.addItem(item)
        if tickets:
            self.list.setCurrentRow(0)
        self.show_message("")
        self.set_busy(False)

    def chosen(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))
