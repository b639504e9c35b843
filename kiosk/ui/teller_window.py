"""The teller panel window (柜员窗口): a thin view of a `TellerModel`.

A compact window (about 420×560) beside the banking application, optionally on top. It
draws the model, turns clicks and shortcuts (shown on every button) into model intents,
runs the actions the model hands back on its worker thread, and follows the change feed
(`LiveFeed`, the model's `CounterPanel` as the feed's full state). Nothing here decides
anything: the queue service does; the model says what the panel shows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.queue import models as m
from kiosk.queue.feed import FeedEvent
from kiosk.queue.views import CounterPanel
from kiosk.ui import style
from kiosk.ui import teller as t
from kiosk.ui.feed_qt import LiveFeed
from kiosk.ui.i18n import Languages
from kiosk.ui.teller import Action, Notice, TellerModel, format_duration
from kiosk.ui.teller_dialogs import (
    CallTicketDialog,
    LoginDialog,
    PanelDialog,
    SuspendedDialog,
    TransferDialog,
)
from kiosk.ui.worker import Worker

log = logging.getLogger(__name__)

PANEL_SIZE = (420, 560)

# The buttons, their shortcuts, in the order of the grid (the call button is on its own).
KEYS = {
    t.CALL_NEXT: "F1", t.RECALL: "F2", t.START: "F3", t.FINISH: "F4", t.NO_SHOW: "F5",
    t.TRANSFER: "F6", t.SUSPEND: "F7", t.RESUME: "F8", t.CALL_TICKET: "F9",
    t.HAND_BACK: "F10", t.PAUSE: "F11", t.CLOSE: "F12",
}
GRID = (t.RECALL, t.START, t.FINISH, t.NO_SHOW, t.TRANSFER, t.SUSPEND, t.RESUME,
        t.CALL_TICKET, t.HAND_BACK, t.PAUSE, t.CLOSE)


class TellerWindow(QWidget):
    """One counter's teller panel. `changed` after every redraw (tests, the bench)."""

    changed = Signal()
    quit_requested = Signal()  # the teller cancelled the login: the program may end

    def __init__(self, model: TellerModel, languages: Languages, live: LiveFeed | None = None,
                 *, on_top: bool = False, ask_login: bool = True,
                 clock: Callable[[], datetime] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.languages = languages
        self.live = live
        self.ask_login = ask_login
        self.clock = clock or model.clock
        self.worker = Worker(self, threads=1)
        self.closers: list[Callable[[], None]] = []  # what the builder wants closed last
        self._closed = False
        self.setObjectName("teller")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        if on_top:
            self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self.resize(*PANEL_SIZE)
        self.setStyleSheet(style.teller_stylesheet())
        self._build()
        self._dialogs()
        self._shortcuts()
        self.tick = QTimer(self)
        self.tick.setInterval(1000)
        self.tick.timeout.connect(self._draw_times)
        self.tick.start()
        model.listeners.append(self.refresh)
        if live is not None:
            model.reload_requested.append(live.reload)
            live.events.connect(self._on_events)
            live.missed.connect(self._on_events)
            live.snapshot.connect(self._on_snapshot)
            live.online.connect(model.set_online)
        self.retranslate()

    # --- building ------------------------------------------------------------------------

    def _build(self) -> None:
        head = QWidget(self)
        head.setObjectName("tellerhead")
        head.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        row = QHBoxLayout(head)
        row.setContentsMargins(12, 8, 12, 8)
        names = QVBoxLayout()
        names.setSpacing(0)
        self.counter_label = _named(QLabel(), "tcounter")
        self.staff_label = _named(QLabel(), "tstaff")
        names.addWidget(self.counter_label)
        names.addWidget(self.staff_label)
        self.status_chip = _named(QLabel(), "tstatus")
        self.language = _named(QPushButton(), "tlang")
        self.language.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.language.clicked.connect(self.toggle_language)
        row.addLayout(names, 1)
        row.addWidget(self.status_chip)
        row.addWidget(self.language)

        self.offline = _named(QLabel(), "toffline")
        self.offline.setWordWrap(True)
        self.offline.hide()

        self.card = _named(QWidget(), "tcard")
        self.card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        card = QVBoxLayout(self.card)
        card.setContentsMargins(14, 8, 14, 10)
        card.setSpacing(2)
        top = QHBoxLayout()
        self.number = _named(QLabel(), "tnumber")
        self.vip = _named(QLabel(), "tvip")
        self.state = _named(QLabel(), "tstate")
        self.state.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.number)
        top.addWidget(self.vip, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        top.addWidget(self.state)
        self.service_line = _named(QLabel(), "tservice")
        self.service_line.setWordWrap(True)
        self.times = _named(QLabel(), "ttimes")
        card.addLayout(top)
        card.addWidget(self.service_line)
        card.addWidget(self.times)

        queue_row = QHBoxLayout()
        self.queue_line = _named(QLabel(), "tqueue")
        self.queue_line.setWordWrap(True)
        self.next_vip = _named(QLabel(), "tnextvip")
        queue_row.addWidget(self.queue_line, 1)
        queue_row.addWidget(self.next_vip)

        self.notice = _named(QLabel(), "tnotice")
        self.notice.setWordWrap(True)
        self.notice.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.buttons: dict[str, QPushButton] = {}
        call = _named(QPushButton(), "tcall")
        call.clicked.connect(lambda: self.trigger(t.CALL_NEXT))
        self.buttons[t.CALL_NEXT] = call
        grid = QGridLayout()
        grid.setSpacing(6)
        for i, intent in enumerate(GRID):
            b = _named(QPushButton(), "tbtn")
            b.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            b.clicked.connect(lambda _=False, it=intent: self.trigger(it))
            self.buttons[intent] = b
            grid.addWidget(b, i // 3, i % 3)
        self.logout_button = _named(QPushButton(), "tbtn")
        self.logout_button.clicked.connect(self.logout)
        grid.addWidget(self.logout_button, len(GRID) // 3, len(GRID) % 3)
        for b in [*self.buttons.values(), self.logout_button]:
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        body = QVBoxLayout()
        body.setContentsMargins(10, 8, 10, 10)
        body.setSpacing(7)
        body.addWidget(self.card)
        body.addLayout(queue_row)
        body.addWidget(self.notice)
        body.addStretch(1)
        body.addWidget(call)
        body.addLayout(grid)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        box.addWidget(head)
        box.addWidget(self.offline)
        box.addLayout(body, 1)

    def _dialogs(self) -> None:
        self.login_dialog = LoginDialog(self.model.counter, self)
        self.login_dialog.submitted.connect(self._submit_login)
        self.login_dialog.rejected.connect(self._login_cancelled)
        self.transfer_dialog = TransferDialog(self.model.transfer_rule, self)
        self.transfer_dialog.needs_approval = self.model.needs_approval
        self.transfer_dialog.submitted.connect(self._submit_transfer)
        self.call_dialog = CallTicketDialog(self)
        self.call_dialog.submitted.connect(self._submit_call_ticket)
        self.suspended_dialog = SuspendedDialog(self)
        self.suspended_dialog.submitted.connect(self._submit_resume)
        for dialog in (self.login_dialog, self.transfer_dialog, self.call_dialog,
                       self.suspended_dialog):
            dialog.setStyleSheet(style.teller_stylesheet())

    def _shortcuts(self) -> None:
        for intent, key in KEYS.items():
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda it=intent: self.trigger(it))

    # --- language ------------------------------------------------------------------------

    @property
    def lang(self) -> str:
        return self.languages.current

    def pick(self, zh: str, en: str) -> str:
        return en if self.lang == "en" and en else zh

    def toggle_language(self) -> None:
        self.set_language("en" if self.lang == "zh" else "zh")

    def set_language(self, language: str) -> None:
        self.languages.set(language)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("柜员窗口 · {counter}号窗口").format(
            counter=self.model.counter))
        self.language.setText("中文" if self.lang == "en" else "EN")
        words = self._button_words()
        for intent, b in self.buttons.items():
            b.setText(f"{words[intent]}\n{KEYS[intent]}" if intent != t.CALL_NEXT
                      else f"{words[intent]}   {KEYS[intent]}")
        self.logout_button.setText(self.tr("退出登录"))
        for dialog in (self.login_dialog, self.call_dialog, self.suspended_dialog):
            dialog.retranslate()
        self.transfer_dialog.retranslate()
        self.refresh()

    def _button_words(self) -> dict[str, str]:
        pause = self.tr("暂停") if self.model.status == m.COUNTER_OPEN else self.tr("开放窗口")
        return {
            t.CALL_NEXT: self.tr("叫下一位"), t.RECALL: self.tr("重呼"),
            t.START: self.tr("开始办理"), t.FINISH: self.tr("办结"),
            t.NO_SHOW: self.tr("未到"), t.TRANSFER: self.tr("转移"),
            t.SUSPEND: self.tr("挂起"), t.RESUME: self.tr("恢复挂起"),
            t.CALL_TICKET: self.tr("指定叫号"), t.HAND_BACK: self.tr("退回队列"),
            t.PAUSE: pause, t.CLOSE: self.tr("关闭窗口"),
        }

    # --- drawing -------------------------------------------------------------------------

    def refresh(self) -> None:
        """Draw the model (called after every change of it)."""
        model = self.model
        self.counter_label.setText(self.pick(model.label_zh, model.label_en))
        if model.actor is not None:
            self.staff_label.setText(model.actor.signature)
        else:
            self.staff_label.setText(self.tr("未登录"))
        status_words = {m.COUNTER_OPEN: self.tr("开放"), m.COUNTER_PAUSED: self.tr("暂停"),
                        m.COUNTER_CLOSED: self.tr("关闭")}
        self.status_chip.setText(status_words.get(model.status, model.status))
        _set_prop(self.status_chip, "state", model.status)
        self.offline.setVisible(not model.online and model.loaded)
        self.offline.setText(self.tr("与数据库的连接中断，正在重连…… 恢复前不能叫号。"))
        self._draw_ticket()
        self._draw_queue()
        self._draw_notice(model.notice)
        words = self._button_words()
        self.buttons[t.PAUSE].setText(f"{words[t.PAUSE]}\n{KEYS[t.PAUSE]}")
        pause_intent = t.PAUSE if model.status == m.COUNTER_OPEN else t.OPEN
        for intent, b in self.buttons.items():
            b.setEnabled(model.can(pause_intent if intent == t.PAUSE else intent))
        self.logout_button.setEnabled(model.actor is not None and model.busy is None)
        self.changed.emit()

    def _draw_ticket(self) -> None:
        held = self.model.current
        _set_prop(self.card, "vip", "true" if held is not None and held.vip else "false")
        if held is None:
            self.number.setText("—")
            _set_prop(self.number, "idle", "true")
            self.vip.hide()
            self.state.setText(self.tr("空闲"))
            if self.model.status == m.COUNTER_OPEN:
                self.service_line.setText(self.tr("按 F1 叫下一位"))
            else:
                self.service_line.setText(self.tr("窗口未开放"))
            self.times.setText("")
            return
        self.number.setText(held.number)
        _set_prop(self.number, "idle", "false")
        self.vip.setVisible(held.vip)
        self.vip.setText(f"★ {self.pick(held.tier_zh, held.tier_en)}")
        self.state.setText(self.tr("办理中") if held.status == m.SERVING else self.tr("已叫号"))
        parts = [self.pick(held.service_zh, held.service_en)]
        if not held.vip:
            parts.append(self.pick(held.tier_zh, held.tier_en))
        if held.customer_masked:
            parts.append(held.customer_masked)
        if held.recalls:
            parts.append(self.tr("已重呼 {n} 次").format(n=held.recalls))
        self.service_line.setText(" · ".join(parts))
        self._draw_times()

    def _draw_times(self) -> None:
        held = self.model.current
        if held is None:
            return
        now = self.clock()
        text = self.tr("等候 {waited}　在窗口 {here}").format(
            waited=format_duration(held.waited_s), here=format_duration(held.at_counter_s(now)))
        if held.started_at is not None:
            text += self.tr("　办理 {took}").format(
                took=format_duration((now - held.started_at).total_seconds()))
        self.times.setText(text)

    def _draw_queue(self) -> None:
        model = self.model
        text = self.tr("等候 {n} 人").format(n=model.waiting)
        nxt = model.next
        if nxt is not None:
            waited = format_duration((self.clock() - nxt.arrived_at).total_seconds())
            what = self.pick(nxt.service_name_zh, nxt.service_name_en)
            if model.next_vip:
                what = self.pick(nxt.tier_name_zh, nxt.tier_name_en)
            text += self.tr(" · 下一位 {number}（{what}）已等 {waited}").format(
                number=nxt.number, what=what, waited=waited)
        self.queue_line.setText(text)
        self.next_vip.setVisible(nxt is not None and model.next_vip)
        self.next_vip.setText(self.tr("★ 下一位 VIP"))

    def _draw_notice(self, notice: Notice | None) -> None:
        text = self.notice_text(notice) if notice is not None else ""
        if self.model.busy is not None and not text:
            text = self.tr("处理中……")
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        _set_prop(self.notice, "level", notice.level if notice is not None else "info")

    def notice_text(self, n: Notice) -> str:
        """The words of a model notice in the language shown."""
        a = n.args
        number = a.get("number", "")
        by = a.get("by", "")
        kinds = {
            "wrong_pin": self.tr("工号或密码错误。"),
            "approver_wrong_pin": self.tr("经理工号或密码错误，未授权。"),
            "locked": self.tr("密码连续输错 5 次，该工号已锁定，"
                              "请 {minutes} 分钟后再试或联系管理员。"),
            "not_manager": self.tr("授权需要大堂经理的工号和密码；柜员不能授权。"),
            "not_allowed": self.tr("该工号无权操作。"),
            "login_incomplete": self.tr("请输入工号和密码。"),
            "blank_reason": self.tr("请填写原因（将记入审计日志）。"),
            "approver_missing": self.tr("请输入经理工号和密码。"),
            "needs_approval": self.tr("排在规则之前需要经理授权。"),
            "ticket_missing": self.tr("请输入要叫的号码。"),
            "same_service": self.tr("{number} 已在该业务，请选择其他业务。"),
            "taken": self.tr("{number} 已被 {counter} 号窗口叫走，本窗口未叫号。"),
            "not_found": self.tr("找不到号码 {number}（今天没有这个号）。"),
            "nobody_waiting": self.tr("本窗口业务暂无人等候。"),
            "db_lost": self.tr("数据库连接中断，操作可能未完成；"
                               "恢复后会重新载入，请核对后再操作。"),
            "refused": self.tr("操作未执行：{detail}"),
            "error": self.tr("操作失败（{detail}），请重试或联系管理员。"),
            "worked_by_other": self.tr("本窗口正由 {by} 使用；请对方关闭窗口或由经理处理。"),
            "resumed": self.tr("本窗口仍有 {number}：可重呼、办结、未到或退回队列。"),
            "opened": self.tr("窗口已开放。"),
            "called_here": self.tr("已为本窗口叫号 {number}（{by}）。") if by
            else self.tr("已为本窗口叫号 {number}（其他终端）。"),
            "released": self.tr("{number} 已不在本窗口（{kind}{by}）。"),
            "counter_changed": self.tr("窗口状态已被更改为「{status}」（{by}）。"),
            "resumed_ticket": self.tr("{number} 已恢复，排在该业务最前。"),
            "transferred": self.tr("{number} 已转到 {service} 业务。"),
        }
        text = kinds.get(n.kind, n.detail or n.kind)
        kind_words = {"finish": self.tr("已办结"), "no_show": self.tr("未到"),
                      "suspend": self.tr("挂起"), "cancel": self.tr("已被取消"),
                      "transfer": self.tr("已转移"), "hand_back": self.tr("已退回队列")}
        status_words = {m.COUNTER_OPEN: self.tr("开放"), m.COUNTER_PAUSED: self.tr("暂停"),
                        m.COUNTER_CLOSED: self.tr("关闭")}
        return text.format(
            number=number, counter=a.get("counter", ""), minutes=a.get("minutes", ""),
            by=(f" · {by}" if n.kind == "released" and by else by),
            kind=kind_words.get(str(a.get("kind", "")), a.get("kind", "")),
            status=status_words.get(str(a.get("status", "")), a.get("status", "")),
            service=a.get("service", ""), detail=n.detail)

    # --- intents -------------------------------------------------------------------------

    def trigger(self, intent: str) -> None:
        """A button or its shortcut."""
        model = self.model
        if intent == t.PAUSE and model.status != m.COUNTER_OPEN:
            intent = t.OPEN
        if not model.can(intent):
            return
        if intent == t.TRANSFER:
            self.open_transfer()
            return
        if intent == t.CALL_TICKET:
            self.open_call_ticket()
            return
        if intent == t.RESUME:
            self.open_suspended()
            return
        make = {t.CALL_NEXT: model.call_next, t.RECALL: model.recall, t.START: model.start,
                t.FINISH: model.finish, t.NO_SHOW: model.no_show, t.SUSPEND: model.suspend,
                t.HAND_BACK: model.hand_back, t.PAUSE: model.pause, t.OPEN: model.open,
                t.CLOSE: model.close}[intent]
        self.submit(make())

    def submit(self, action: Action | None, dialog: PanelDialog | None = None) -> None:
        """Run an action the model handed back on the worker; None: the model refused
        (its notice says why; a dialog shows it too)."""
        if action is None:
            if dialog is not None:
                notice = self.model.notice
                dialog.show_message(self.notice_text(notice) if notice else "")
            return
        if dialog is not None:
            dialog.set_busy(True)
            dialog.show_message("")

        def done(result: object) -> None:
            if dialog is not None:
                dialog.set_busy(False)
                dialog.accept()
            self.model.finished(action, result)

        def failed(exc: BaseException) -> None:
            self.model.failed(action, exc)
            if dialog is not None:
                dialog.set_busy(False)
                notice = self.model.notice
                dialog.show_message(self.notice_text(notice) if notice else "")
                if action.intent == t.LOGIN or isinstance(dialog, (CallTicketDialog,
                                                                    TransferDialog)):
                    for field in _pin_fields(dialog):
                        field.clear()

        self.worker.run(action.run, on_done=done, on_error=failed)

    def open_login(self) -> None:
        self.login_dialog.reset()
        self.login_dialog.open()
        self.login_dialog.staff.setFocus()

    def auto_login(self, staff_no: str, pin: str) -> None:
        """Log in without the dialog (the demo's tellers)."""
        self.submit(self.model.login(staff_no, pin))

    def _submit_login(self) -> None:
        d = self.login_dialog
        self.submit(self.model.login(d.staff.text(), d.pin.text()), d)

    def _login_cancelled(self) -> None:
        if self.model.actor is None and not self._closed:
            self.quit_requested.emit()

    def logout(self) -> None:
        if self.model.busy is not None:
            return
        self.model.logout()
        if self.ask_login:
            self.open_login()

    def open_transfer(self) -> None:
        held = self.model.current
        if held is None:
            return
        self.transfer_dialog.prepare(held.number, held.service, self.model.transfer_targets(),
                                     self.lang)
        self.transfer_dialog.open()

    def _submit_transfer(self) -> None:
        d = self.transfer_dialog
        placement = d.placement()
        approval = d.approval.approval() if self.model.needs_approval(placement) else None
        self.submit(self.model.transfer(d.service(), placement, approval), d)

    def open_call_ticket(self) -> None:
        self.call_dialog.prepare()
        self.call_dialog.open()
        self.call_dialog.ticket.setFocus()

    def _submit_call_ticket(self) -> None:
        d = self.call_dialog
        self.submit(self.model.call_ticket(d.ticket.text(), d.approval.approval()), d)

    def open_suspended(self) -> None:
        self.suspended_dialog.prepare(self.model.suspended, self.lang)
        self.suspended_dialog.open()

    def _submit_resume(self) -> None:
        d = self.suspended_dialog
        chosen = d.chosen()
        if chosen is not None:
            self.submit(self.model.resume(chosen), d)

    # --- the feed ------------------------------------------------------------------------

    def _on_events(self, events: list[FeedEvent]) -> None:
        self.model.apply(events)

    def _on_snapshot(self, panel: object) -> None:
        if isinstance(panel, CounterPanel):
            self.model.load(panel)

    def start(self) -> None:
        """Start following the feed; ask for the login unless someone is logged in."""
        if self.live is not None:
            self.live.start()
        if self.model.actor is None and self.ask_login:
            QTimer.singleShot(0, self.open_login)

    # --- closing -------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.tick.stop()
        for dialog in (self.login_dialog, self.transfer_dialog, self.call_dialog,
                       self.suspended_dialog):
            dialog.hide()
        if self.live is not None:
            self.live.stop()
        self.worker.wait(5000)
        for closer in self.closers:
            closer()
        self.closers.clear()


_W = TypeVar("_W", bound=QWidget)


def _named(widget: _W, name: str) -> _W:
    widget.setObjectName(name)
    return widget


def _set_prop(widget: QWidget, name: str, value: str) -> None:
    if widget.property(name) != value:
        widget.setProperty(name, value)
        widget.style().unpolish(widget)
        widget.style().polish(widget)


def _pin_fields(dialog: PanelDialog) -> list[QLineEdit]:
    return [f for f in dialog.findChildren(QLineEdit)
            if f.echoMode() == QLineEdit.EchoMode.Password]
