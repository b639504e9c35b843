"""The kiosk's screens. Each shows what it is given and emits what the customer chose.

Strings are Chinese in the code (`self.tr`) and English in assets/i18n/kiosk_en.ts; every
screen has `retranslate()`, called after a language switch. Data from config (service and
tier names) comes in both languages and is picked by `lang`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QBoxLayout, QGridLayout, QHBoxLayout, QLayout, QVBoxLayout, QWidget

from kiosk.ui import style
from kiosk.ui.flow import Greeting, IssueOutcome, ServiceOption
from kiosk.ui.widgets import (
    CalmMark,
    CardPicture,
    Keypad,
    PixmapView,
    ServiceButton,
    button,
    label,
)
from kiosk.waits import over, wait_minutes

MAX_ENTRY = 19  # the longest card number


def group(text: str, size: int = 4) -> str:
    """3101 1519 8001 0100 16: easier to check on screen than 18 digits in a row."""
    return " ".join(text[i:i + size] for i in range(0, len(text), size))


def _invalidate(layout: QLayout) -> None:
    """Drop the sizes `layout` and the layouts nested in it have cached.

    The nested layouts are found as the layout's QObject children, never by `itemAt()`:
    PySide ties a wrapper of every item `itemAt()` returns to the layout's own wrapper, and
    Qt deletes the item by itself when its widget leaves the layout (the old service
    buttons), so the wrapper stays registered under a freed address. When an object later
    made at that address is deleted, shiboken still finds a wrapper there and releases the
    object's own, already freed, wrapper again: a segfault (Object::destroy)."""
    layout.invalidate()
    for child in layout.children():
        if isinstance(child, QLayout):
            _invalidate(child)


def set_direction(row: QBoxLayout, horizontal: bool) -> None:
    want = QBoxLayout.Direction.LeftToRight if horizontal else QBoxLayout.Direction.TopToBottom
    if row.direction() != want:
        row.setDirection(want)


class Screen(QWidget):
    """A page of the kiosk; `lang` is "zh" or "en".

    Screens reflow to fit the window at any print size: `arrange()` chooses rows or
    columns for the room there is, then the widgets in `optional` (pictures, tips) are
    left out, least needed first, until everything fits; `squeeze()` is the last step
    (the result screen sizes its number to the room). Nothing is placed by position."""

    name = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lang = "zh"
        self.scale = 1.0
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(64, 40, 64, 40)
        self.box.setSpacing(24)
        self.optional: list[QWidget] = []  # left out in this order when the room is short
        self._wanted: dict[QWidget, bool] = {}
        self._fitting = False

    def retranslate(self) -> None:
        raise NotImplementedError

    def want(self, widget: QWidget, shown: bool) -> None:
        """Show or hide `widget` for what the screen says (room permitting if optional)."""
        self._wanted[widget] = shown
        widget.setVisible(shown)

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self.box.setContentsMargins(self.px(56), self.px(28), self.px(56), self.px(28))
        self.box.setSpacing(self.px(20))
        for child in self.findChildren(QWidget):
            rescale = getattr(child, "set_scale", None)
            if callable(rescale):
                rescale(scale)
        self.fit()

    def px(self, size: float) -> int:
        return style.px(size, self.scale)

    def need(self) -> int:
        """The height the screen's content needs at its present width."""
        _invalidate(self.box)
        if self.box.hasHeightForWidth():
            return self.box.totalMinimumHeightForWidth(self.width())
        return self.box.totalMinimumSize().height()

    def fits(self) -> bool:
        return (self.need() <= self.height()
                and self.box.totalMinimumSize().width() <= self.width())

    def arrange(self) -> None:
        """Choose rows or columns for the present width (screens that can, do)."""

    def squeeze(self) -> None:
        """The last step when even the essentials are too tall (the result's number)."""

    def fit(self) -> None:
        if self._fitting or self.width() <= 0 or self.height() <= 0:
            return
        self._fitting = True
        try:
            for widget in self.optional:
                widget.setVisible(self._wanted.get(widget, True))
            self.arrange()
            for widget in self.optional:
                if self.fits():
                    break
                widget.setVisible(False)
                self.arrange()  # with that room, another arrangement may now fit
            self.squeeze()
        finally:
            self._fitting = False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.fit()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.fit()

    def pick(self, zh: str, en: str) -> str:
        return en if self.lang == "en" and en else zh


class HomeScreen(Screen):
    name = "home"
    no_card = Signal()
    manual = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label("", "title", self)
        self.subtitle = label("", "subtitle", self)
        self.picture = CardPicture(self)
        self.no_card_button = button("", "primary", self)
        self.no_card_button.clicked.connect(self.no_card)
        self.manual_button = button("", "secondary", self)
        self.manual_button.clicked.connect(self.manual)
        self.box.addStretch(2)
        self.box.addWidget(self.title)
        self.box.addWidget(self.subtitle)
        self.box.addSpacing(12)
        self.box.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignHCenter)
        self.box.addStretch(2)
        buttons = QVBoxLayout()
        buttons.setSpacing(22)
        buttons.addWidget(self.no_card_button)
        buttons.addWidget(self.manual_button)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addLayout(buttons, 4)
        row.addStretch(1)
        self.box.addLayout(row)
        self.box.addStretch(1)
        self.optional = [self.picture, self.subtitle]
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("请刷卡或插入身份证"))
        self.subtitle.setText(self.tr("贵宾客户刷卡后可优先办理；预约客户请刷卡或输入预约码"))
        self.no_card_button.setText(self.tr("不刷卡取号"))
        self.manual_button.setText(self.tr("输入身份证号、卡号或预约码"))
        self.fit()


class IdentifiedScreen(Screen):
    name = "identified"
    proceed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.greeting: Greeting | None = None
        self.salute = label("", "greeting", self)
        self.who = label("", "greetname", self)
        self.badge = label("", "badge", self, wrap=False)
        self.note = label("", "subtitle", self)
        self.go = button("", "primary", self)
        self.go.clicked.connect(self.proceed)
        self.box.addStretch(2)
        self.box.addWidget(self.salute)
        self.box.addWidget(self.who)
        self.box.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignHCenter)
        self.box.addWidget(self.note)
        self.box.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.go, 3)
        row.addStretch(1)
        self.box.addLayout(row)
        self.box.addStretch(1)
        self.optional = [self.note, self.badge]

    def show_greeting(self, greeting: Greeting) -> None:
        self.greeting = greeting
        self.retranslate()

    def retranslate(self) -> None:
        g = self.greeting
        self.go.setText(self.tr("选择业务"))
        if g is None:
            return
        tier = self.pick(g.tier.name_zh, g.tier.name_en)
        if g.vip:
            self.salute.setText(self.tr("尊敬的{tier}客户").format(tier=tier))
            self.badge.setText(self.tr("{tier}客户 · 优先办理").format(tier=tier))
            self.note.setText(self.tr("您的到来已通知大堂经理"))
        else:
            self.salute.setText(self.tr("欢迎光临"))
            self.note.setText("")
        self.want(self.badge, g.vip)
        self.want(self.note, g.vip)
        who = g.name_masked or g.identity.masked
        self.who.setText(self.tr("{name}，您好").format(name=who))
        self.fit()


class ServicesScreen(Screen):
    name = "services"
    chosen = Signal(str)
    back = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.greeting: Greeting | None = None
        self.options: list[ServiceOption] = []
        self.buttons: dict[str, ServiceButton] = {}
        self.title = label("", "title", self,
                           align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.who = label("", "greeting", self, align=Qt.AlignmentFlag.AlignLeft)
        self.grid = QGridLayout()
        self.grid.setSpacing(22)
        self.hints = label("", "hint", self, align=Qt.AlignmentFlag.AlignLeft)
        self.back_button = button("", "plain", self)
        self.back_button.clicked.connect(self.back)
        top = QHBoxLayout()  # the way back beside the title: no row of its own
        top.setSpacing(24)
        top.addWidget(self.title, 1)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        self.box.addLayout(top)
        self.box.addWidget(self.who)
        self.box.addLayout(self.grid, 1)
        self.box.addWidget(self.hints)
        self.columns = 2
        self.optional = [self.hints, self.who, self.title]

    def set_scale(self, scale: float) -> None:
        self.grid.setSpacing(style.px(18, scale))
        super().set_scale(scale)

    def _place(self, columns: int) -> None:
        self.columns = columns
        for b in self.buttons.values():
            self.grid.removeWidget(b)
        for i, b in enumerate(self.buttons.values()):
            self.grid.addWidget(b, i // columns, i % columns)
        for column in range(2):
            self.grid.setColumnStretch(column, 1 if column < columns else 0)

    def arrange(self) -> None:
        """Two columns on a landscape screen, one when two would not fit (or portrait)."""
        if self.height() > self.width():
            self._place(1)
            return
        self._place(2)
        if self.fits():
            return
        two = self.need()
        self._place(1)
        if not self.fits() and self.need() >= two:
            self._place(2)

    def show_options(self, options: list[ServiceOption], greeting: Greeting | None) -> None:
        self.options, self.greeting = options, greeting
        for b in self.buttons.values():
            b.setParent(None)
            b.deleteLater()
        self.buttons = {}
        for i, opt in enumerate(options):
            b = ServiceButton(opt.prefix, self)
            b.set_scale(self.scale)
            b.clicked.connect(lambda _=False, p=opt.prefix: self.chosen.emit(p))
            self.grid.addWidget(b, i // self.columns, i % self.columns)
            self.buttons[opt.prefix] = b
            b.show()  # now, not when Qt gets round to it: the screen is fitted below
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("请选择您要办理的业务"))
        self.back_button.setText(self.tr("返回首页"))
        g = self.greeting
        if g is not None and g.vip:
            tier = self.pick(g.tier.name_zh, g.tier.name_en)
            who = g.name_masked or g.identity.masked
            self.who.setText(self.tr("尊敬的{tier}客户 {name}").format(tier=tier, name=who))
        self.want(self.who, g is not None and g.vip)
        for opt in self.options:
            self.buttons[opt.prefix].show_option(self.pick(opt.name_zh, opt.name_en),
                                                 self.describe(opt), opt.available)
        hints = [self.pick(o.hint_zh, o.hint_en) for o in self.options
                 if o.available and (o.hint_zh or o.hint_en)]
        self.hints.setText("\n".join([self.tr("温馨提示："), *(f"· {h}" for h in hints)]))
        self.want(self.hints, bool(hints))
        self.fit()

    def describe(self, opt: ServiceOption) -> str:
        if opt.reason == "closed_since":
            return self.tr("{time} 停止取号").format(time=opt.at)
        if opt.reason == "closed_until":
            return self.tr("{time} 开始取号").format(time=opt.at)
        if opt.reason == "paused":
            return self.tr("暂停办理，请咨询大堂经理")
        if opt.waiting == 0:
            return self.tr("无需等候")
        text = self.tr("等候 {n} 人").format(n=opt.waiting)
        if opt.wait_s is not None and opt.beyond:
            n, unit = over(opt.wait_s)
            text += (self.tr("，{n} 小时以上") if unit == "h"
                     else self.tr("，{n} 分钟以上")).format(n=n)
        elif opt.wait_s is not None:
            text += self.tr("，约 {m} 分钟").format(m=wait_minutes(opt.wait_s))
        return text


class ResultScreen(Screen):
    """The number, very large; people ahead, wait, the ticket (or its QR when unprinted)."""

    name = "result"
    done = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.outcome: IssueOutcome | None = None
        self.seconds_left = 0
        self.booked = label("", "ahead", self)  # 您预约了 10:30 贵宾理财
        self.caption = label("", "numbercaption", self)
        self.number = label("", "number", self, wrap=False)
        self.service = label("", "servicename", self)
        self.ahead = label("", "ahead", self)
        self.wait = label("", "wait", self)
        self.take = label("", "take", self)
        self.notice = label("", "notice", self)
        self.preview = PixmapView(self)
        self.scan = label("", "wait", self)
        self.countdown = label("", "countdown", self)
        self.done_button = button("", "secondary", self)
        self.done_button.clicked.connect(self.done)
        left = QVBoxLayout()
        left.setSpacing(14)
        left.addStretch(1)
        for w in (self.booked, self.caption, self.number, self.service, self.ahead, self.wait,
                  self.take, self.notice):
            left.addWidget(w)
        left.addStretch(1)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(40)
        self.row.addLayout(left, 3)
        right = QVBoxLayout()  # the ticket (or its QR), then the way out under it
        right.setSpacing(14)
        right.addWidget(self.preview, 1)
        right.addWidget(self.scan)
        right.addWidget(self.countdown)
        right.addWidget(self.done_button, 0, Qt.AlignmentFlag.AlignRight)
        self.row.addLayout(right, 2)
        self.box.addLayout(self.row, 1)
        self.optional = [self.caption]

    def arrange(self) -> None:
        set_direction(self.row, self.width() >= self.height())  # portrait: ticket below

    def squeeze(self) -> None:
        """The number as large as designed, or as large as the room leaves (half at least)."""
        full = self.px(190)
        size = full
        self._number_px(size)
        while not self.fits() and size > full // 2:
            size = max(full // 2, int(size * 0.9))
            self._number_px(size)

    def _number_px(self, size: int) -> None:
        if self.number.property("px") != size:
            self.number.setProperty("px", size)
            self.number.setStyleSheet(f"font-size: {size}px;")

    def show_outcome(self, outcome: IssueOutcome, seconds: int) -> None:
        self.outcome = outcome
        self.seconds_left = seconds
        unprinted = outcome.printer_error is not None and bool(outcome.qr_png)
        self.preview.set_png(outcome.qr_png if unprinted else outcome.preview_png)
        # the printed ticket's picture can give way; the QR of an unprinted one cannot
        self.optional = [self.caption] if unprinted else [self.caption, self.preview]
        self.retranslate()

    def tick(self) -> None:
        self.seconds_left = max(0, self.seconds_left - 1)
        self._countdown()

    def _countdown(self) -> None:
        self.countdown.setText(self.tr("{s} 秒后自动返回首页").format(s=self.seconds_left))

    def retranslate(self) -> None:
        self.done_button.setText(self.tr("完成"))
        o = self.outcome
        if o is None:
            return
        v = o.view
        self.caption.setText(self.tr("您的号码"))
        self.number.setText(v.number)
        self.service.setText(self.pick(v.service_name_zh, v.service_name_en))
        if not v.ahead:
            self.ahead.setText(self.tr("前面没有人等候，请留意叫号"))
            self.want(self.wait, False)
        elif v.beyond:  # a very long queue: lower bounds
            self.ahead.setText(self.tr("前面超过 {n} 人").format(n=v.ahead))
            if v.estimated_wait_s is not None:
                n, unit = over(v.estimated_wait_s)
                self.wait.setText((self.tr("预计等候 {n} 小时以上") if unit == "h"
                                   else self.tr("预计等候 {n} 分钟以上")).format(n=n))
            self.want(self.wait, v.estimated_wait_s is not None)
        else:
            self.ahead.setText(self.tr("前面还有 {n} 人").format(n=v.ahead))
            if v.estimated_wait_s is not None:
                self.wait.setText(self.tr("预计等候约 {m} 分钟").format(
                    m=wait_minutes(v.estimated_wait_s)))
            self.want(self.wait, v.estimated_wait_s is not None)
        self._show_booking(o)
        self._show_print_state(o)
        self._countdown()
        self.fit()

    def _show_booking(self, o: IssueOutcome) -> None:
        """A booked customer's check-in: their slot, and when they will be called."""
        b = o.booking
        self.want(self.booked, b is not None)
        if b is None:
            return
        slot = f"{b.slot_at:%H:%M}"
        service = self.pick(b.service_name_zh, b.service_name_en)
        if o.check_in == "late":
            self.booked.setText(self.tr("您预约的 {t} 已过时，已为您取普通号码，"
                                        "我们会尽快为您办理").format(t=slot))
            return
        self.booked.setText(self.tr("您预约了 {t} {service}").format(t=slot, service=service))
        if o.arrival == "early" and o.check_in == "booked":
            self.ahead.setText(self.tr("到 {t} 时优先为您叫号，请在大厅稍候").format(t=slot))
            self.want(self.wait, False)
        elif o.check_in == "booked":
            self.ahead.setText(self.tr("请稍候，我们会优先为您叫号"))
            self.want(self.wait, False)

    def _show_print_state(self, o: IssueOutcome) -> None:
        self.scan.setText(self.tr("手机扫码，保存您的号码"))
        self.want(self.scan, o.printer_error is not None)
        if o.printer_error is None:
            self.take.setText(self.tr("已为您重新打印号票，请取票") if o.reprint
                              else self.tr("请取走号票，留意叫号"))
            self.want(self.take, True)
            self.want(self.notice, False)
            return
        self.want(self.take, False)
        self.notice.setText(self.tr("号票未能打印（打印机缺纸）。您的号码仍然有效，请记住号码"
                                    "或用手机扫描右侧二维码。已通知大堂经理。")
                            if o.printer_state == "paper_out" else
                            self.tr("号票未能打印（打印机故障）。您的号码仍然有效，请记住号码"
                                    "或用手机扫描右侧二维码。已通知大堂经理。"))
        self.want(self.notice, True)


class MessageScreen(Screen):
    """A calm full-screen message: what happened and what to do."""

    name = "message"
    home = Signal()
    retry = Signal()

    KINDS = ("card_unreadable", "invalid_id", "service_closed", "error", "booking_not_found",
             "booking_other_day", "booking_cancelled", "booking_used", "booking_locked")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = "error"
        self.mark = CalmMark(self)
        self.title = label("", "msgtitle", self)
        self.body = label("", "msgbody", self)
        self.retry_button = button("", "primary", self)
        self.retry_button.clicked.connect(self.retry)
        self.home_button = button("", "secondary", self)
        self.home_button.clicked.connect(self.home)
        self.box.addStretch(2)
        self.box.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignHCenter)
        self.box.addWidget(self.title)
        self.box.addWidget(self.body)
        self.box.addStretch(2)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(30)
        self.row.addStretch(1)
        self.row.addWidget(self.retry_button, 3)
        self.row.addWidget(self.home_button, 3)
        self.row.addStretch(1)
        self.box.addLayout(self.row)
        self.box.addStretch(1)
        self.optional = [self.mark]

    def arrange(self) -> None:
        """The two buttons side by side when both texts fit, else one above the other."""
        room = self.width() - self.box.contentsMargins().left() * 2
        side_by_side = (self.retry_button.sizeHint().width() + self.home_button.sizeHint().width()
                        + self.row.spacing()) <= room
        set_direction(self.row, side_by_side or self.retry_button.isHidden())

    def show_kind(self, kind: str) -> None:
        self.kind = kind if kind in self.KINDS else "error"
        self.retranslate()

    def retranslate(self) -> None:
        texts = {
            "card_unreadable": (self.tr("未能读取您的卡片"),
                                self.tr("请将卡片磁条朝向读卡器，匀速重新刷卡一次；"
                                        "也可以输入卡号或不刷卡取号。")),
            "invalid_id": (self.tr("号码有误"),
                           self.tr("您输入的身份证号或卡号不正确，请核对后重新输入。")),
            "service_closed": (self.tr("该业务现在不能取号"),
                               self.tr("请选择其他业务，或咨询大堂经理。")),
            "error": (self.tr("暂时无法取号"),
                      self.tr("请稍后再试，或请大堂经理为您取号。")),
            "booking_not_found": (self.tr("没有找到今天的预约"),
                                  self.tr("请核对 6 位预约码后重新输入，或不刷卡取号；"
                                          "大堂经理也可以帮您查询。")),
            "booking_other_day": (self.tr("您的预约不是今天"),
                                  self.tr("这个预约码是其他日期的预约。今天办理业务请不刷卡取号，"
                                          "或咨询大堂经理。")),
            "booking_cancelled": (self.tr("这个预约已取消"),
                                  self.tr("今天办理业务请不刷卡取号，或咨询大堂经理。")),
            "booking_used": (self.tr("这个预约已经使用过"),
                             self.tr("今天办理业务请不刷卡取号，或咨询大堂经理。")),
            "booking_locked": (self.tr("请稍后再输入预约码"),
                               self.tr("这里输错的预约码太多了。请刷卡或身份证签到，"
                                       "或请大堂经理帮您查询。")),
        }
        title, body = texts[self.kind]
        self.title.setText(title)
        self.body.setText(body)
        retype = self.kind in ("invalid_id", "booking_not_found")
        self.retry_button.setText(self.tr("重新输入") if retype else self.tr("不刷卡取号"))
        self.retry_button.setVisible(retype or self.kind == "card_unreadable")
        self.home_button.setText(self.tr("返回首页"))
        self.fit()


class OutOfServiceScreen(Screen):
    name = "out_of_service"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mark = CalmMark(self)
        self.mark.set_symbol("i")
        self.title = label("", "msgtitle", self)
        self.body = label("", "msgbody", self)
        self.status = label("", "countdown", self)
        self.box.addStretch(1)
        self.box.addWidget(self.mark, 0, Qt.AlignmentFlag.AlignHCenter)
        self.box.addWidget(self.title)
        self.box.addWidget(self.body)
        self.box.addWidget(self.status)
        self.box.addStretch(1)
        self.optional = [self.mark]
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("本机暂停服务"))
        self.body.setText(self.tr("系统正在恢复，请稍候片刻，或请大堂经理为您取号。"))
        self.status.setText(self.tr("正在自动重新连接……"))
        self.fit()


class EntryScreen(Screen):
    """Typing a resident ID or card number on the touch keypad (no system keyboard)."""

    name = "manual"
    submitted = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QWidget | None = None, *, secret: bool = False,
                 max_len: int = MAX_ENTRY, staff: bool = False) -> None:
        super().__init__(parent)
        self.secret = secret
        self.staff = staff  # a staff number: digits and the letters the keypad offers
        self.problem = ""
        self.max_len = max_len
        self.text = ""
        self.title = label("", "entrytitle", self)
        self.entry = label("", "entry", self, wrap=False)
        self.keypad = Keypad(with_x=not (secret or staff), parent=self)
        self.keypad.pressed.connect(self.key)
        self.ok = button("", "primary", self)
        self.ok.clicked.connect(self._submit)
        self.cancel = button("", "plain", self)
        self.cancel.clicked.connect(self.cancelled)
        self.box.addWidget(self.title)
        self.box.addWidget(self.entry)
        self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        self.row.setSpacing(30)
        self.row.addStretch(1)
        self.row.addWidget(self.keypad, 3)
        side = QVBoxLayout()
        side.addStretch(1)
        side.addWidget(self.ok)
        side.addWidget(self.cancel)
        self.row.addLayout(side, 2)
        self.row.addStretch(1)
        self.box.addLayout(self.row, 1)
        self.retranslate()

    def arrange(self) -> None:
        set_direction(self.row, self.width() >= self.height())  # portrait: OK below the keys

    def say(self, problem: str) -> None:
        """Show why the entry was refused, in place of the title (cleared on clear())."""
        self.problem = problem
        self.retranslate()

    def clear(self) -> None:
        self.text = ""
        if self.problem:
            self.problem = ""
            self.retranslate()
        self._show()

    def key(self, key: str) -> None:
        if key == "DEL":
            self.text = self.text[:-1]
        elif len(self.text) < self.max_len and (
                key.isdigit() or (key == "X" and not (self.secret or self.staff))
                or (self.staff and key in self.keypad.letters)):
            self.text += key
        self._show()

    def _submit(self) -> None:
        if self.text:
            self.submitted.emit(self.text)

    def _show(self) -> None:
        shown = "●" * len(self.text) if self.secret else group(self.text)
        self.entry.setText(shown)
        self.ok.setEnabled(bool(self.text))

    def retranslate(self) -> None:
        if self.problem:
            self.title.setText(self.problem)
        elif self.staff:
            self.title.setText(self.tr("请输入大堂经理工号"))
        elif self.secret:
            self.title.setText(self.tr("请输入大堂经理密码"))
        else:
            self.title.setText(self.tr("请输入身份证号、银行卡号或 6 位预约码"))
        self.ok.setText(self.tr("确定"))
        self.cancel.setText(self.tr("返回"))
        self._show()
        self.fit()
