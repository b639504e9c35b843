"""The lobby manager's console window (大堂经理控制台): thin, draws `ConsoleModel`.

Behind a login (staff number + PIN; a manager or an admin). Tabs: the hall (every
waiting ticket, live, sortable and filterable, and the actions on the selected one),
the counters, alerts, issuing on a customer's behalf, the hall notice, and the audit log.
Every call into the queue runs on the worker; the change feed (`LiveFeed`, on its own
thread) moves the model, and the hall table follows it row by row (a Qt table model over
the Qt-free rows, no widget per row), so it stays quick with thousands waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QCloseEvent, QColor, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.config import Settings
from kiosk.queue.feed import FeedEvent
from kiosk.queue.figures import Figures
from kiosk.queue.forecast import ServiceWaits
from kiosk.queue.staff import Actor
from kiosk.queue.views import AuditRecord, TicketView
from kiosk.ui import style
from kiosk.ui.console import (
    AUDIT_ACTIONS,
    Alert,
    ConsoleModel,
    ConsoleState,
    HallRow,
    Problem,
    problem,
)
from kiosk.ui.console_bookings_pane import BookingsPane
from kiosk.ui.console_dialogs import CounterDialog, ReasonDialog, minutes_text
from kiosk.ui.console_figures import figures_view
from kiosk.ui.console_figures_pane import FiguresPane
from kiosk.ui.feed_qt import LiveFeed
from kiosk.ui.i18n import Languages
from kiosk.ui.worker import Worker

log = logging.getLogger(__name__)

ESTIMATES_EVERY_MS = 3_000  # forecasts for the hall, coalesced (they fast-forward the queue)
STATIONS_EVERY_MS = 3_000  # heartbeats write no event: the console reads them now and then
TICK_MS = 10_000  # "waited" ages, targets come near


def _fmt_clock(at: datetime | None) -> str:
    return at.strftime("%H:%M:%S") if at else ""


# --- the hall table -------------------------------------------------------------------------


class HallTableModel(QAbstractTableModel):
    """The waiting tickets as rows, sorted and filtered here in Python (keys computed once
    per row, not through a proxy calling `data()` tens of thousands of times), following
    the console model with row-level changes: a change that keeps the order is a
    `dataChanged` of that row; one that moves rows is one layout change."""

    COLUMNS = ("number", "service", "tier", "customer", "waited", "estimate", "pin")

    def __init__(self, console: ConsoleModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.console = console
        self.rows: list[HallRow] = []
        self.index_of: dict[int, int] = {}
        self.lang = "zh"
        self.now = console.now()
        s = console.settings
        self.services = {x.prefix: x for x in s.services}
        self.tiers = {t.key: t for t in s.tiers}
        self.sort_column = self.COLUMNS.index("waited")
        self.sort_order = Qt.SortOrder.AscendingOrder
        self.service_filter = ""
        self.tier_filter = ""
        self.text_filter = ""

    def headers(self) -> list[str]:
        return [self.tr("号码"), self.tr("业务"), self.tr("客户等级"), self.tr("客户"),
                self.tr("已等"), self.tr("预计等候"), self.tr("置顶位置")]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.BackgroundRole and col in ("waited", "number"):
            target = self.console.target_s(row.service, row.tier)
            if target is not None:
                waited = self.console.waited_s(row, self.now)
                if waited >= target:
                    return QBrush(QColor("#f6c7c7"))
                if waited >= target - self.console.settings.rules.deadline_lead_s:
                    return QBrush(QColor("#fde9b8"))
        if role == Qt.ItemDataRole.ForegroundRole and col == "tier":
            tier = self.tiers.get(row.tier)
            if tier is not None and tier.priority:
                return QBrush(QColor(style.GOLD))
        return None

    def _text(self, row: HallRow, col: str) -> str:
        en = self.lang == "en"
        if col == "number":
            return row.number
        if col == "service":
            svc = self.services.get(row.service)
            return f"{row.service} {(svc.name_en if en else svc.name_zh) if svc else ''}"
        if col == "tier":
            tier = self.tiers.get(row.tier)
            return (tier.name_en if en else tier.name_zh) if tier else row.tier
        if col == "customer":
            return row.customer
        if col == "waited":
            return minutes_text(self.console.waited_s(row, self.now), self.lang)
        if col == "estimate":
            if row.wait_s is None:
                return "—"
            more = "> " if row.beyond else ""  # beyond the forecast's horizon: lower bounds
            return more + minutes_text(row.wait_s, self.lang) + (
                f" ({row.ahead}{'+' if row.beyond else ''})" if row.ahead is not None else "")
        if col == "pin":
            return str(row.pin) if row.pin is not None else ""
        return ""

    def _key(self, row: HallRow) -> Any:
        col = self.COLUMNS[self.sort_column]
        if col == "waited":
            return (row.arrived_at, row.ticket_id)
        if col == "estimate":
            return (row.wait_s if row.wait_s is not None else 1e12, row.ticket_id)
        if col == "pin":
            return (row.pin if row.pin is not None else 10_000, row.ticket_id)
        if col == "number":
            return (row.service, row.ticket_id)
        return (getattr(row, col), row.ticket_id)

    def _wanted(self, row: HallRow) -> bool:
        if self.service_filter and row.service != self.service_filter:
            return False
        if self.tier_filter and row.tier != self.tier_filter:
            return False
        text = self.text_filter
        return not text or text in row.number or text in row.customer.upper()

    def _ordered(self) -> list[HallRow]:
        rows = [r for r in self.console.hall.values() if self._wanted(r)]
        rows.sort(key=self._key, reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        return rows

    def row_at(self, row: int) -> HallRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sort_column, self.sort_order = column, order
        self.sync()

    def set_filter(self, service: str, tier: str, text: str) -> None:
        self.service_filter, self.tier_filter = service, tier
        self.text_filter = text.strip().upper()
        self.sync()

    def sync(self) -> None:
        """Bring the rows in line with the console model."""
        new = self._ordered()
        if [r.ticket_id for r in new] == [r.ticket_id for r in self.rows]:
            changed = [i for i, (a, b) in enumerate(zip(self.rows, new, strict=True))
                       if a is not b]
            self.rows = new
            last = len(self.COLUMNS) - 1
            if len(changed) > 50:
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], last))
            else:
                for i in changed:
                    self.dataChanged.emit(self.index(i, 0), self.index(i, last))
            return
        self.layoutAboutToBeChanged.emit()
        old_ids = [r.ticket_id for r in self.rows]
        self.rows = new
        self.index_of = {r.ticket_id: i for i, r in enumerate(new)}
        olds = self.persistentIndexList()
        news = []
        for idx in olds:
            tid = old_ids[idx.row()] if 0 <= idx.row() < len(old_ids) else None
            at = self.index_of.get(tid) if tid is not None else None
            news.append(self.index(at, idx.column()) if at is not None else QModelIndex())
        self.changePersistentIndexList(olds, news)
        self.layoutChanged.emit()

    def age(self, now: datetime) -> None:
        """Time passes: the waited column (and its colours) change."""
        self.now = now
        if self.rows:
            col = self.COLUMNS.index("waited")
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, col))

    def relabel(self, lang: str) -> None:
        self.lang = lang
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.COLUMNS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self.rows) - 1, len(self.COLUMNS) - 1))


# --- the window ---------------------------------------------------------------------------


class ConsoleWindow(QWidget):
    """The console. `logged_in(actor)`, `hall_changed()` after the table follows a change."""

    logged_in = Signal(object)
    hall_changed = Signal()
    panes_changed = Signal(set)
    figures_drawn = Signal()  # the Figures tab shows newly computed figures
    bookings_shown = Signal()  # the Appointments tab shows bookings read again
    action_done = Signal(str, object)  # (action, result)
    action_failed = Signal(str, object)  # (action, Problem)
    message_shown = Signal(str)

    def __init__(self, model: ConsoleModel, languages: Languages,
                 live_factory: Callable[[], LiveFeed] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.languages = languages
        self.live_factory = live_factory
        self.live: LiveFeed | None = None
        self.worker = Worker(self, threads=2)
        self.dialog: ReasonDialog | None = None
        self.busy = False
        self.last_problem: Problem | None = None
        self.audit_rows: list[AuditRecord] = []
        self.last_issued: TicketView | None = None
        self._estimating = False
        self._skipped_logged = 0  # unreadable rows the log was last told of
        self._figures_note: Callable[[], str] | None = None  # a line over the figures
        self._scale = 0.0
        self.setObjectName("console")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.settings: Settings = model.settings
        self._build()
        self._timers()
        self.apply_style()
        self.retranslate()
        if model.actor is not None:
            self._enter(model.actor)
        else:
            self.stack.setCurrentWidget(self.login_page)

    # --- building -------------------------------------------------------------------------

    def _build(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(0)
        self.topbar = QWidget(self)
        self.topbar.setObjectName("consoleTop")
        self.topbar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        top = QHBoxLayout(self.topbar)
        top.setContentsMargins(16, 8, 16, 8)
        self.branch = QLabel(self.topbar)
        self.branch.setObjectName("consoleBranch")
        self.title = QLabel(self.topbar)
        self.title.setObjectName("consoleTitle")
        for name in (self.branch, self.title):  # a narrow window cuts them, not widens
            name.setMinimumWidth(80)
        self.who = QLabel(self.topbar)
        self.who.setObjectName("consoleWho")
        self.status = QLabel(self.topbar)
        self.status.setObjectName("consoleStatus")
        self.clock = QLabel(self.topbar)
        self.clock.setObjectName("consoleWho")
        self.language = QPushButton(self.topbar)
        self.language.setObjectName("topButton")
        self.language.clicked.connect(self.toggle_language)
        self.logout_button = QPushButton(self.topbar)
        self.logout_button.setObjectName("topButton")
        self.logout_button.clicked.connect(self.logout)
        top.addWidget(self.branch)
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.who)
        top.addWidget(self.status)
        top.addWidget(self.clock)
        top.addWidget(self.language)
        top.addWidget(self.logout_button)
        box.addWidget(self.topbar)
        self.banner = QLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        box.addWidget(self.banner)
        self.stack = QStackedWidget(self)
        box.addWidget(self.stack, 1)
        self._build_login()
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("consoleTabs")
        self.stack.addWidget(self.tabs)
        self._build_hall()
        self._build_counters()
        self._build_alerts()
        self._build_issue()
        self._build_notice()
        self._build_audit()
        self._build_figures()
        self.bookings_pane = BookingsPane(self.model.bookings, self.settings, self)
        self.bookings_pane.set_today(self.model.now().date())
        self.bookings_pane.book_requested.connect(self.book)
        self.bookings_pane.move_requested.connect(self.move_booking)
        self.bookings_pane.cancel_requested.connect(self.cancel_booking)
        self.bookings_pane.reissue_requested.connect(self.reissue_code)
        self.tabs.addTab(self.bookings_pane, "")

    def _build_login(self) -> None:
        page = QWidget(self)
        outer = QVBoxLayout(page)
        outer.addStretch(1)
        card = QWidget(page)
        card.setObjectName("loginCard")
        card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        form = QVBoxLayout(card)
        self.login_title = QLabel(card)
        self.login_title.setObjectName("loginTitle")
        self.login_hint = QLabel(card)
        self.login_hint.setWordWrap(True)
        self.staff_edit = QLineEdit(card)
        self.staff_edit.setObjectName("staffNo")
        self.pin_edit = QLineEdit(card)
        self.pin_edit.setObjectName("pin")
        self.pin_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin_edit.returnPressed.connect(self.submit_login)
        self.login_button = QPushButton(card)
        self.login_button.setObjectName("primaryAction")
        self.login_button.clicked.connect(self.submit_login)
        self.login_error = QLabel(card)
        self.login_error.setObjectName("dialogError")
        self.login_error.setWordWrap(True)
        self.login_error.hide()
        self.staff_label, self.pin_label = QLabel(card), QLabel(card)
        for w in (self.login_title, self.login_hint, self.staff_label, self.staff_edit,
                  self.pin_label, self.pin_edit, self.login_error, self.login_button):
            form.addWidget(w)
        card.setFixedWidth(460)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.login_page = page
        self.stack.addWidget(page)

    def _build_hall(self) -> None:
        page = QWidget(self)
        box = QVBoxLayout(page)
        filters = QHBoxLayout()
        self.service_filter = QComboBox(page)
        self.tier_filter = QComboBox(page)
        self.search = QLineEdit(page)
        self.search.setObjectName("search")
        self.hall_count = QLabel(page)
        self.hall_count.setObjectName("sectionTitle")
        for w in (self.hall_count, self.service_filter, self.tier_filter, self.search):
            filters.addWidget(w)
        filters.addStretch(1)
        box.addLayout(filters)
        self.hall_model = HallTableModel(self.model, self)
        self.hall_view = QTableView(page)
        self.hall_view.setObjectName("hallTable")
        self.hall_view.setModel(self.hall_model)
        self.hall_view.setSortingEnabled(True)
        self.hall_view.sortByColumn(HallTableModel.COLUMNS.index("waited"),
                                    Qt.SortOrder.AscendingOrder)
        self.hall_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.hall_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.hall_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.hall_view.verticalHeader().hide()
        self.hall_view.verticalHeader().setDefaultSectionSize(30)
        self.hall_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.hall_view.setAlternatingRowColors(True)
        box.addWidget(self.hall_view, 1)
        actions = QHBoxLayout()
        self.hall_buttons: dict[str, QPushButton] = {}
        for name in ("pin", "tier", "call", "transfer", "cancel", "reprint"):
            b = QPushButton(page)
            b.setObjectName("action")
            b.clicked.connect(lambda _c=False, n=name: self.ask_hall_action(n))
            self.hall_buttons[name] = b
            actions.addWidget(b)
        actions.addStretch(1)
        box.addLayout(actions)
        self.noshow_title = QLabel(page)
        self.noshow_title.setObjectName("sectionTitle")
        box.addWidget(self.noshow_title)
        self.noshow_table = self._table(page, 5)
        self.noshow_table.setFixedHeight(140)
        box.addWidget(self.noshow_table)
        row = QHBoxLayout()
        self.restore_button = QPushButton(page)
        self.restore_button.setObjectName("action")
        self.restore_button.clicked.connect(self.ask_restore)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        box.addLayout(row)
        self.service_filter.currentIndexChanged.connect(self._filter_hall)
        self.tier_filter.currentIndexChanged.connect(self._filter_hall)
        self.search.textChanged.connect(self._filter_hall)
        self.hall_page = page
        self.tabs.addTab(page, "")

    def _table(self, parent: QWidget, columns: int) -> QTableWidget:
        t = QTableWidget(0, columns, parent)
        t.verticalHeader().hide()
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        t.setAlternatingRowColors(True)
        return t

    def _build_counters(self) -> None:
        page = QWidget(self)
        box = QVBoxLayout(page)
        self.counters_table = self._table(page, 6)
        self.counters_table.setObjectName("countersTable")
        box.addWidget(self.counters_table, 1)
        self.counters_note = QLabel(page)
        self.counters_note.setWordWrap(True)
        box.addWidget(self.counters_note)
        row = QHBoxLayout()
        self.counter_buttons: dict[str, QPushButton] = {}
        for name in ("open", "pause", "close", "services"):
            b = QPushButton(page)
            b.setObjectName("action")
            b.clicked.connect(lambda _c=False, n=name: self.ask_counter_action(n))
            self.counter_buttons[name] = b
            row.addWidget(b)
        row.addStretch(1)
        box.addLayout(row)
        self.counters_page = page
        self.tabs.addTab(page, "")

    def _build_alerts(self) -> None:
        page = QWidget(self)
        box = QVBoxLayout(page)
        self.alerts_table = self._table(page, 4)
        self.alerts_table.setObjectName("alertsTable")
        self.alerts_table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.alerts_table, 1)
        row = QHBoxLayout()
        self.ack_button = QPushButton(page)
        self.ack_button.setObjectName("action")
        self.ack_button.clicked.connect(self.acknowledge_selected)
        self.ack_resolved_button = QPushButton(page)
        self.ack_resolved_button.setObjectName("action")
        self.ack_resolved_button.clicked.connect(self.acknowledge_resolved)
        row.addWidget(self.ack_button)
        row.addWidget(self.ack_resolved_button)
        row.addStretch(1)
        box.addLayout(row)
        self.alerts_page = page
        self.tabs.addTab(page, "")

    def _build_issue(self) -> None:
        page = QWidget(self)
        grid = QGridLayout(page)
        form = QFormLayout()
        self.issue_service = QComboBox(page)
        self.issue_tier = QComboBox(page)
        self.issue_identifier = QLineEdit(page)
        self.issue_identifier.setObjectName("identifier")
        self.issue_kiosk = QComboBox(page)
        self.issue_reason = QLineEdit(page)
        self.issue_reason.setObjectName("issueReason")
        self.issue_labels = [QLabel(page) for _ in range(5)]
        for lab, w in zip(self.issue_labels, (self.issue_service, self.issue_tier,
                                              self.issue_identifier, self.issue_kiosk,
                                              self.issue_reason), strict=True):
            form.addRow(lab, w)
        self.issue_button = QPushButton(page)
        self.issue_button.setObjectName("primaryAction")
        self.issue_button.clicked.connect(self.issue_for)
        self.issue_result = QLabel(page)
        self.issue_result.setObjectName("issuedNumber")
        self.issue_result.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.issue_detail = QLabel(page)
        self.issue_detail.setWordWrap(True)
        self.issue_detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.issue_title = QLabel(page)
        self.issue_title.setObjectName("sectionTitle")
        left = QVBoxLayout()
        left.addWidget(self.issue_title)
        left.addLayout(form)
        left.addWidget(self.issue_button)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addStretch(1)
        right.addWidget(self.issue_result)
        right.addWidget(self.issue_detail)
        right.addStretch(1)
        grid.addLayout(left, 0, 0)
        grid.addLayout(right, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.issue_page = page
        self.tabs.addTab(page, "")

    def _build_notice(self) -> None:
        page = QWidget(self)
        box = QVBoxLayout(page)
        self.notice_current = QLabel(page)
        self.notice_current.setWordWrap(True)
        self.notice_current.setObjectName("noticeNow")
        self.notice_zh_label, self.notice_en_label = QLabel(page), QLabel(page)
        self.notice_zh = QPlainTextEdit(page)
        self.notice_zh.setObjectName("noticeZh")
        self.notice_en = QPlainTextEdit(page)
        self.notice_en.setObjectName("noticeEn")
        for edit in (self.notice_zh, self.notice_en):
            edit.setFixedHeight(110)
        self.notice_button = QPushButton(page)
        self.notice_button.setObjectName("primaryAction")
        self.notice_button.clicked.connect(self.post_notice)
        for w in (self.notice_current, self.notice_zh_label, self.notice_zh,
                  self.notice_en_label, self.notice_en):
            box.addWidget(w)
        row = QHBoxLayout()
        row.addWidget(self.notice_button)
        row.addStretch(1)
        box.addLayout(row)
        box.addStretch(1)
        self.notice_page = page
        self.tabs.addTab(page, "")

    def _build_audit(self) -> None:
        page = QWidget(self)
        box = QVBoxLayout(page)
        row = QHBoxLayout()
        self.audit_staff = QLineEdit(page)
        self.audit_staff.setObjectName("auditStaff")
        self.audit_action = QComboBox(page)
        self.audit_since = QDateEdit(page)
        self.audit_until = QDateEdit(page)
        today = self.model.now().date()
        for edit, day in ((self.audit_since, today), (self.audit_until, today)):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setDate(QDate(day.year, day.month, day.day))
        self.audit_search = QPushButton(page)
        self.audit_search.setObjectName("action")
        self.audit_search.clicked.connect(self.load_audit)
        self.audit_export = QPushButton(page)
        self.audit_export.setObjectName("action")
        self.audit_export.clicked.connect(lambda: self.export_audit())
        self.audit_labels = [QLabel(page) for _ in range(4)]
        # two rows (who and what; when, and the buttons): one row in English large type
        # was wider than a 1280-pixel screen
        dates = QHBoxLayout()
        for lab, w, line in zip(self.audit_labels, (self.audit_staff, self.audit_action,
                                                    self.audit_since, self.audit_until),
                                (row, row, dates, dates), strict=True):
            line.addWidget(lab)
            line.addWidget(w)
        row.addStretch(1)
        dates.addWidget(self.audit_search)
        dates.addWidget(self.audit_export)
        dates.addStretch(1)
        box.addLayout(row)
        box.addLayout(dates)
        self.audit_table = self._table(page, 7)
        self.audit_table.setObjectName("auditTable")
        box.addWidget(self.audit_table, 1)
        self.audit_page = page
        self.tabs.addTab(page, "")

    def _build_figures(self) -> None:
        self.figures_pane = FiguresPane(self)
        self.figures_page = self.figures_pane
        self.tabs.addTab(self.figures_pane, "")
        self.tabs.currentChanged.connect(self._tab_changed)

    def _timers(self) -> None:
        def timer(ms: int, slot: Callable[[], None]) -> QTimer:
            t = QTimer(self)
            t.setInterval(ms)
            t.timeout.connect(slot)
            return t

        self.estimates_timer = timer(ESTIMATES_EVERY_MS, self.refresh_estimates)
        self.stations_timer = timer(STATIONS_EVERY_MS, self.refresh_stations)
        self.tick_timer = timer(TICK_MS, self._tick)
        self.figures_timer = timer(0, self._figures_due)  # a refresh held back by the gap
        self.figures_timer.setSingleShot(True)
        self.clock_timer = timer(1_000, self._update_clock)
        self.clock_timer.start()

    # --- look and language ------------------------------------------------------------------

    def apply_style(self) -> None:
        scale = round(min(1.4, max(1.0, (self.height() or 800) / 800)), 2)
        if scale == self._scale:
            return
        self._scale = scale
        self.setStyleSheet(style.console_stylesheet(scale))
        self.figures_pane.set_scale(scale)  # its charts and bold totals follow the print

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.apply_style()

    @property
    def lang(self) -> str:
        return self.languages.current

    def toggle_language(self) -> None:
        self.set_language("en" if self.lang == "zh" else "zh")

    def set_language(self, language: str) -> None:
        self.languages.set(language)
        self.retranslate()

    def retranslate(self) -> None:
        en = self.lang == "en"
        b = self.settings.branch
        self.branch.setText(b.name_en if en else b.name_zh)
        self.title.setText(self.tr("大堂经理控制台"))
        self.language.setText("中文" if en else "English")
        self.logout_button.setText(self.tr("退出登录"))
        self.login_title.setText(self.tr("大堂经理登录"))
        self.login_hint.setText(self.tr("请输入工号和密码。只有大堂经理和管理员可以使用本控制台。"))
        self.staff_label.setText(self.tr("工号"))
        self.pin_label.setText(self.tr("密码"))
        self.staff_edit.setPlaceholderText("M001")
        self.login_button.setText(self.tr("登录"))
        for i, text in enumerate((self.tr("大厅"), self.tr("窗口"), self.tr("提醒"),
                                  self.tr("主动派号"), self.tr("公告"), self.tr("审计"),
                                  self.tr("数据"), self.tr("预约"))):
            self.tabs.setTabText(i, text)
        self._alerts_tab_text()
        names = {"pin": self.tr("置顶 / 移到第几位"), "tier": self.tr("更改等级"),
                 "call": self.tr("叫到窗口"), "transfer": self.tr("转业务"),
                 "cancel": self.tr("取消号码"), "reprint": self.tr("补打")}
        for name, button in self.hall_buttons.items():
            button.setText(names[name])
        self.noshow_title.setText(self.tr("今日过号"))
        self.noshow_table.setHorizontalHeaderLabels(
            [self.tr("号码"), self.tr("业务"), self.tr("客户等级"), self.tr("窗口号"),
             self.tr("取号时间")])
        self.restore_button.setText(self.tr("恢复过号"))
        self.search.setPlaceholderText(self.tr("查找号码或客户"))
        self._fill_filters()
        self.hall_model.relabel(self.lang)
        self.counters_table.setHorizontalHeaderLabels(
            [self.tr("窗口号"), self.tr("状态"), self.tr("业务（按顺序）"), self.tr("登录员工"),
             self.tr("当前号码"), self.tr("叫号时间")])
        self.counters_note.setText(self.tr("红色：窗口叫号后长时间没有下一步，可能已死机。"
                                           "开启、暂停、关闭或调整业务之前，会先显示调整前后的预计等候。"))
        for name, text in (("open", self.tr("开启")), ("pause", self.tr("暂停")),
                           ("close", self.tr("关闭")), ("services", self.tr("调整业务"))):
            self.counter_buttons[name].setText(text)
        self.alerts_table.setHorizontalHeaderLabels(
            [self.tr("时间"), self.tr("提醒"), self.tr("内容"), self.tr("状态")])
        self.ack_button.setText(self.tr("确认所选提醒"))
        self.ack_resolved_button.setText(self.tr("确认全部已解除的提醒"))
        self.issue_title.setText(self.tr("为客户取号（主动派号）"))
        for lab, text in zip(self.issue_labels, (self.tr("业务"), self.tr("客户等级"),
                                                  self.tr("卡号或身份证号（可不填）"),
                                                  self.tr("打印"), self.tr("原因")), strict=True):
            lab.setText(text)
        self.issue_reason.setPlaceholderText(self.tr("例如：老年客户，代为取号"))
        self.issue_button.setText(self.tr("派号"))
        self._fill_issue_choices()
        self.notice_zh_label.setText(self.tr("中文公告"))
        self.notice_en_label.setText(self.tr("英文公告"))
        self.notice_button.setText(self.tr("发布到大屏"))
        self._show_notice()
        for lab, text in zip(self.audit_labels, (self.tr("工号"), self.tr("操作"),
                                                  self.tr("从"), self.tr("到")), strict=True):
            lab.setText(text)
        self.audit_search.setText(self.tr("查询"))
        self.audit_export.setText(self.tr("导出 CSV"))
        self._fill_audit_actions()
        self.audit_table.setHorizontalHeaderLabels(
            [self.tr("时间"), self.tr("员工"), self.tr("操作"), self.tr("号码"), self.tr("原因"),
             self.tr("之前"), self.tr("之后")])
        self._show_status()
        self.refresh_panes({"hall", "no_shows", "counters", "alerts", "audit"})
        self.figures_pane.retranslate(self.lang)
        self.bookings_pane.retranslate(self.lang)
        self._draw_figures()
        self._update_clock()

    def _fill_filters(self) -> None:
        en = self.lang == "en"
        for box, items, all_text in (
                (self.service_filter, [(f"{s.prefix} {s.name_en if en else s.name_zh}", s.prefix)
                                       for s in self.settings.services], self.tr("全部业务")),
                (self.tier_filter, [(t.name_en if en else t.name_zh, t.key)
                                    for t in self.settings.tiers], self.tr("全部等级"))):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(all_text, "")
            for text, value in items:
                box.addItem(text, value)
            i = box.findData(current)
            box.setCurrentIndex(max(i, 0))
            box.blockSignals(False)

    def _fill_issue_choices(self) -> None:
        en = self.lang == "en"
        service = self.issue_service.currentData()
        self.issue_service.clear()
        for s in self.settings.services:
            self.issue_service.addItem(f"{s.prefix} {s.name_en if en else s.name_zh}", s.prefix)
        self.issue_service.setCurrentIndex(max(0, self.issue_service.findData(service)))
        tier = self.issue_tier.currentData()
        self.issue_tier.clear()
        self.issue_tier.addItem(self.tr("按客户档案（未登记为普通）"), "")
        for t in self.settings.tiers:
            self.issue_tier.addItem(t.name_en if en else t.name_zh, t.key)
        self.issue_tier.setCurrentIndex(max(0, self.issue_tier.findData(tier)))
        self._fill_kiosks()

    def _fill_kiosks(self) -> None:
        kiosk = self.issue_kiosk.currentData()
        self.issue_kiosk.clear()
        self.issue_kiosk.addItem(self.tr("不打印：显示号码，由客户记下"), "")
        alive = {s.name: s.alive for s in self.model.stations if s.kind == "kiosk"}
        for name in self.model.kiosks():
            self.issue_kiosk.addItem(
                self.tr("在 %1 打印").replace("%1", name)
                + ("" if alive.get(name) else self.tr("（无心跳）")), name)
        self.issue_kiosk.setCurrentIndex(max(0, self.issue_kiosk.findData(kiosk)))

    def _fill_audit_actions(self) -> None:
        current = self.audit_action.currentData()
        self.audit_action.clear()
        self.audit_action.addItem(self.tr("全部操作"), "")
        for action in AUDIT_ACTIONS:
            self.audit_action.addItem(self.action_name(action), action)
        self.audit_action.setCurrentIndex(max(0, self.audit_action.findData(current)))

    def action_name(self, action: str) -> str:
        names = {"pin": self.tr("置顶"), "change_tier": self.tr("更改等级"),
                 "call_ticket": self.tr("插队叫号"), "transfer": self.tr("转业务"),
                 "cancel": self.tr("取消号码"), "restore_no_show": self.tr("恢复过号"),
                 "issue_for": self.tr("主动派号"), "reprint": self.tr("补打"),
                 "notice": self.tr("公告"), "counter_open": self.tr("开启窗口"),
                 "counter_pause": self.tr("暂停窗口"), "counter_close": self.tr("关闭窗口"),
                 "counter_services": self.tr("调整窗口业务"),
                 "leave": self.tr("客户离开排队"), "book": self.tr("新建预约"),
                 "move_booking": self.tr("预约改期"), "cancel_booking": self.tr("取消预约"),
                 "reissue_code": self.tr("重发预约码")}
        return names.get(action, action)

    def _update_clock(self) -> None:
        self.clock.setText(self.model.now().strftime("%H:%M"))

    def _show_status(self) -> None:
        self.who.setText(self.model.signed_in)
        self.status.setText(self.tr("在线") if self.model.online else self.tr("离线：正在重连"))
        self.status.setProperty("offline", not self.model.online)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.logout_button.setVisible(self.model.actor is not None)
        self.status.setVisible(self.model.actor is not None)

    def show_message(self, text: str, ok: bool = False) -> None:
        self.banner.setText(text)
        self.banner.setProperty("ok", ok)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner.show()
        self.message_shown.emit(text)

    def problem_text(self, p: Problem) -> str:
        if p.kind == "break":  # a booking in a slot whose counters are on their break
            if p.next_free:
                return self.tr("操作未执行：该时段是窗口休息时间，不再接受此业务的预约；"
                               "下一个可预约时段是 %1。").replace("%1", p.next_free)
            return self.tr("操作未执行：该时段是窗口休息时间，不再接受此业务的预约；"
                           "当天之后没有可预约的时段。")
        if p.kind == "busy":  # a booking in one of the branch's busiest hours
            if p.next_free:
                return self.tr("操作未执行：该时段在网点最繁忙的时间，此业务的预约名额已满；"
                               "下一个可预约时段是 %1。").replace("%1", p.next_free)
            return self.tr("操作未执行：该时段在网点最繁忙的时间，此业务的预约名额已满；"
                           "当天之后没有可预约的时段。")
        head = {
            "wrong_pin": self.tr("工号或密码错误。"),
            "locked": self.tr("该账号因多次输错密码已被锁定，请稍后再试或联系管理员。"),
            "not_manager": self.tr("需要大堂经理或管理员账号：柜员账号不能使用大堂经理控制台。"),
            "reason": self.tr("请写明原因：每一项调整都记入审计日志，没有原因不能执行。"),
            "refused": self.tr("操作未执行："),
            "invalid_id": self.tr("卡号或身份证号无效，请核对后重新输入。"),
            "offline": self.tr("连不上数据库，操作未执行；恢复后请重试。"),
            "error": self.tr("操作未执行：发生意外错误，详情已记入日志。"),
        }[p.kind]
        return f"{head} {p.detail}" if p.kind in ("refused", "locked") and p.detail else head

    # --- logging in and out -----------------------------------------------------------------

    def submit_login(self) -> None:
        if self.busy:
            return
        staff_no, pin = self.staff_edit.text(), self.pin_edit.text()
        self.busy = True
        self.login_button.setEnabled(False)
        self.worker.run(self.model.login, staff_no, pin, on_done=self._logged_in,
                        on_error=self._login_failed)

    def _logged_in(self, actor: Actor) -> None:
        self.busy = False
        self.login_button.setEnabled(True)
        self.pin_edit.clear()
        self.login_error.hide()
        self._enter(actor)

    def _login_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.login_button.setEnabled(True)
        self.pin_edit.clear()
        p = problem(exc)
        self.last_problem = p
        self.login_error.setText(self.problem_text(p))
        self.login_error.show()
        self.action_failed.emit("login", p)

    def _enter(self, actor: Actor) -> None:
        self.model.set_actor(actor)
        self.stack.setCurrentWidget(self.tabs)
        self._show_status()
        self.start_feed()
        for t in (self.estimates_timer, self.stations_timer, self.tick_timer):
            t.start()
        self.model.figures.mark_stale()
        self._figures_due()
        self.refresh_bookings()
        self.logged_in.emit(actor)

    def logout(self) -> None:
        self.stop_feed()
        for t in (self.estimates_timer, self.stations_timer, self.tick_timer):
            t.stop()
        self.model.set_actor(None)
        self.banner.hide()
        self.bookings_pane.hide_code()
        self.stack.setCurrentWidget(self.login_page)
        self._show_status()

    # --- the feed ----------------------------------------------------------------------------

    def start_feed(self) -> None:
        if self.live is not None or self.live_factory is None:
            return
        self.live = self.live_factory()
        self.live.events.connect(self.on_events)
        self.live.missed.connect(self.on_events)
        self.live.snapshot.connect(self.on_state)
        self.live.online.connect(self.on_online)
        self.live.start()

    def stop_feed(self) -> None:
        if self.live is not None:
            self.live.stop()
            self.live = None

    def on_events(self, events: list[FeedEvent]) -> None:
        self.refresh_panes(self.model.apply(events))  # estimates follow on their timer
        if self.model.bookings.wants(events):
            self.refresh_bookings()

    def on_state(self, state: ConsoleState) -> None:
        self.refresh_panes(self.model.load(state))
        self._fill_kiosks()
        if not any(r.wait_s is not None for r in self.model.hall.values()):
            self._estimates_soon()

    def on_online(self, online: bool) -> None:
        self.model.online = online
        self._show_status()

    def _estimates_soon(self) -> None:
        if not self.estimates_timer.isActive() or self.estimates_timer.remainingTime() > 500:
            QTimer.singleShot(300, self.refresh_estimates)

    def refresh_estimates(self) -> None:
        if self._estimating or self.model.actor is None:
            return
        self._estimating = True
        self.worker.run(self.model.read_estimates, on_done=self._got_estimates,
                        on_error=self._estimates_failed)

    def _got_estimates(self, estimates: dict[int, tuple[int, float, bool]]) -> None:
        self._estimating = False
        self.refresh_panes(self.model.set_estimates(estimates))

    def _estimates_failed(self, exc: BaseException) -> None:
        self._estimating = False
        log.info("estimates not read: %s", exc)

    # --- the Figures tab (computed on the worker, coalesced: see console_figures) ---------

    def _figures_due(self) -> None:
        if self.model.actor is None:
            return
        generation = self.model.figures.start()
        if generation is None:
            wait = self.model.figures.wait_s()
            if wait and not self.figures_timer.isActive():
                self.figures_timer.start(max(1, round(wait * 1000)))
            return
        self.worker.run(self.model.read_figures,
                        on_done=lambda figs: self._got_figures(generation, figs),
                        on_error=lambda exc: self._figures_failed(generation, exc))

    def _got_figures(self, generation: int, figures: Figures) -> None:
        if self.model.figures.done(generation, figures):
            skipped = figures.skipped_rows
            self._figures_note = (lambda: self.tr(
                "有 %1 条记录无法读取，未计入以上数据（详情见日志）。").replace(
                "%1", str(skipped))) if skipped else None
            if skipped != self._skipped_logged:
                self._skipped_logged = skipped
                log.warning("figures: %s", figures.skipped_message or "every row read again")
            self._draw_figures()
            self.figures_drawn.emit()
        self._figures_due()  # events that came meanwhile: one more, newest state

    def _figures_failed(self, generation: int, exc: BaseException) -> None:
        if self.model.figures.failed(generation, exc):
            log.info("figures not read: %s", exc)
            self._figures_note = lambda: self.figures_problem_text(exc)
            self._draw_figures()
        self._figures_due()

    def figures_problem_text(self, exc: BaseException) -> str:
        p = problem(exc)
        if p.kind == "offline":
            return self.tr("连不上数据库，数据暂未更新；恢复后自动更新。")
        detail = f" {p.detail}" if p.kind == "refused" and p.detail else ""
        return self.tr("数据暂未更新：") + (detail or self.problem_text(p))

    def _draw_figures(self) -> None:
        figs = self.model.figures.figures
        view = None if figs is None else figures_view(
            figs, self.model.waiting_now(), self.settings,
            self.settings.rules.service_level_target_pct)
        self.figures_pane.draw(view, self.lang, figs.generated_at if figs else None)
        self.figures_pane.show_problem(self._figures_note() if self._figures_note else "")

    def refresh_stations(self) -> None:
        if self.model.actor is None:
            return
        self.worker.run(self.model.read_stations,
                        on_done=lambda st: self.refresh_panes(self.model.set_stations(st)),
                        on_error=lambda e: log.info("stations not read: %s", e))

    def _tick(self) -> None:
        now = self.model.now()
        self.hall_model.age(now)
        board = self.model.bookings  # a slot begins, a grace window ends: no event
        board.load([r.view for r in board.rows], now)
        self.bookings_pane.show_rows()
        self.refresh_panes(self.model.check_waits(now) | {"counters"})

    # --- drawing the panes ------------------------------------------------------------------

    def refresh_panes(self, panes: set[str]) -> None:
        if "hall" in panes:
            self.hall_model.now = self.model.now()
            self.hall_model.sync()
            self.hall_count.setText(self.tr("等候 %1 人").replace("%1", str(len(self.model.hall))))
            self.hall_changed.emit()
        if "no_shows" in panes:
            self._show_no_shows()
        if "counters" in panes:
            self._show_counters()
        if "alerts" in panes:
            self._show_alerts()
        if "notice" in panes:
            self._show_notice()
        if "stations" in panes:
            self._fill_kiosks_if_changed()
        if "figures" in panes:
            self._figures_due()
        if panes:
            self.panes_changed.emit(panes)

    def _fill_kiosks_if_changed(self) -> None:
        have = [self.issue_kiosk.itemData(i) for i in range(1, self.issue_kiosk.count())]
        if have != self.model.kiosks():
            self._fill_kiosks()

    def _filter_hall(self) -> None:
        self.hall_model.set_filter(self.service_filter.currentData() or "",
                                   self.tier_filter.currentData() or "", self.search.text())

    def _set_row(self, table: QTableWidget, i: int, cells: list[str],
                 colour: str | None = None, data: object = None) -> None:
        for j, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if colour:
                item.setBackground(QBrush(QColor(colour)))
            if j == 0 and data is not None:
                item.setData(Qt.ItemDataRole.UserRole, data)
            table.setItem(i, j, item)

    def _tier_name(self, key: str) -> str:
        t = next((t for t in self.settings.tiers if t.key == key), None)
        return (t.name_en if self.lang == "en" else t.name_zh) if t else key

    def _service_name(self, prefix: str) -> str:
        s = next((s for s in self.settings.services if s.prefix == prefix), None)
        return f"{prefix} {(s.name_en if self.lang == 'en' else s.name_zh) if s else ''}"

    def _show_no_shows(self) -> None:
        rows = self.model.no_shows
        self.noshow_table.setRowCount(len(rows))
        for i, v in enumerate(rows):
            self._set_row(self.noshow_table, i, [
                v.number, self._service_name(v.service), self._tier_name(v.tier),
                str(v.counter or ""), _fmt_clock(v.arrived_at)], data=v.id)

    def counter_status_text(self, status: str) -> str:
        return {"open": self.tr("开启"), "paused": self.tr("暂停"),
                "closed": self.tr("关闭")}.get(status, status)

    def _show_counters(self) -> None:
        rows = self.model.counters
        now = self.model.now()
        selected = self.selected_counter()
        self.counters_table.setRowCount(len(rows))
        for i, c in enumerate(rows):
            cur = c.current
            current = ""
            if cur is not None:
                state = self.tr("已叫号") if cur.status == "called" else self.tr("办理中")
                current = f"{cur.number} · {state}"
            label = (c.name_en if self.lang == "en" else c.name_zh) or str(c.number)
            colour = "#f6c7c7" if self.model.counter_held_too_long(c, now) else None
            self._set_row(self.counters_table, i, [
                label, self.counter_status_text(c.status),
                " → ".join(self._service_name(p) for p in c.services),
                c.staff or "", current, _fmt_clock(cur.called_at) if cur else ""],
                colour=colour, data=c.number)
            if c.number == selected:
                self.counters_table.selectRow(i)

    def alert_kind_text(self, kind: str) -> str:
        return {"vip": self.tr("贵宾到店"), "paper_out": self.tr("取号机缺纸"),
                "printer_offline": self.tr("打印机离线"), "reader_offline": self.tr("读卡器离线"),
                "silent": self.tr("设备无心跳"), "wait_near": self.tr("即将超时"),
                "wait_past": self.tr("已超时")}.get(kind, kind)

    def alert_text(self, a: Alert) -> str:
        d = a.detail
        if a.kind == "vip":
            rm = d.get("relationship_manager") or ""
            return (f"{a.subject} · {self._tier_name(str(d.get('tier')))} "
                    f"{d.get('customer') or ''} · {self._service_name(str(d.get('service')))}"
                    + (" · " + self.tr("客户经理 %1").replace("%1", rm) if rm else ""))
        if a.kind.startswith("wait_"):
            return (f"{a.subject} · {self._service_name(str(d.get('service')))} · "
                    f"{self._tier_name(str(d.get('tier')))} {d.get('customer') or ''} · "
                    + self.tr("已等 %1，目标 %2").replace(
                        "%1", minutes_text(d.get("waited_s"), self.lang)).replace(
                        "%2", minutes_text(d.get("target_s"), self.lang)))
        return f"{a.subject} {d.get('detail') or ''}".strip()

    def _alerts_tab_text(self) -> None:
        n = sum(1 for a in self.model.alerts.values() if not a.resolved)
        text = self.tr("提醒")
        self.tabs.setTabText(2, f"{text} ({n})" if n else text)

    def _show_alerts(self) -> None:
        alerts = self.model.open_alerts()
        self.alerts_table.setRowCount(len(alerts))
        colours = {"vip": "#fdf0d0", "paper_out": "#f6c7c7", "printer_offline": "#f6c7c7",
                   "reader_offline": "#fde9b8", "silent": "#f6c7c7", "wait_near": "#fde9b8",
                   "wait_past": "#f6c7c7"}
        for i, a in enumerate(alerts):
            self._set_row(self.alerts_table, i, [
                _fmt_clock(a.at), self.alert_kind_text(a.kind), self.alert_text(a),
                self.tr("已解除，待确认") if a.resolved else self.tr("待处理")],
                colour=None if a.resolved else colours.get(a.kind), data=a.key)
        self._alerts_tab_text()

    def _show_notice(self) -> None:
        zh, en = self.model.notice
        self.notice_current.setText(self.tr("大屏当前公告：") + (zh or "—") + "\n" + (en or "—"))

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.audit_page and self.model.actor is not None:
            self.load_audit()
        self.model.figures.show(self.tabs.widget(index) is self.figures_page)
        self._figures_due()

    # --- the Appointments tab (预约) -------------------------------------------------------------

    def refresh_bookings(self) -> None:
        """Today's bookings read again on the worker (a change came by the feed)."""
        if self.model.actor is None:
            return
        self.worker.run(self.model.bookings.read, on_done=self._got_bookings,
                        on_error=lambda e: log.info("bookings not read: %s", e))

    def _got_bookings(self, views: list[Any]) -> None:
        self.model.bookings.load(views, self.model.now())
        self.bookings_pane.show_rows()
        self.bookings_shown.emit()

    def book(self, fields: dict[str, str]) -> bool:
        def booked(view: Any) -> None:
            self.show_message(self.tr("已预约"), ok=True)
            self.bookings_pane.identifier.clear()
            self.bookings_pane.show_code(view, "booked")  # the code, this once

        return self.run_action("book", self.model.bookings.book, fields["service"],
                               fields["identifier"], fields["day_text"], fields["time_text"],
                               fields["purpose"], fields["amount_band"], fields["reason"],
                               on_done=booked)

    def move_booking(self, booking_id: int, day_text: str, time_text: str,
                     reason: str) -> bool:
        if booking_id < 0:
            self.show_message(self.tr("请先在列表中选中一个预约。"))
            return False
        def moved(view: Any) -> None:
            self.show_message(self.tr("预约已改期"), ok=True)
            self.bookings_pane.show_code(view, "moved")  # another day: a new code

        return self.run_action("move_booking", self.model.bookings.move, booking_id,
                               day_text, time_text, reason, on_done=moved)

    def cancel_booking(self, booking_id: int, reason: str) -> bool:
        if booking_id < 0:
            self.show_message(self.tr("请先在列表中选中一个预约。"))
            return False
        return self.run_action("cancel_booking", self.model.bookings.cancel, booking_id,
                               reason, on_done=self._done(self.tr("预约已取消")))

    def reissue_code(self, booking_id: int, reason: str) -> bool:
        """A new code for the selected booking (the customer lost theirs), shown once."""
        if booking_id < 0:
            self.show_message(self.tr("请先在列表中选中一个预约。"))
            return False

        def reissued(view: Any) -> None:
            self.show_message(self.tr("已重发预约码，原预约码已失效"), ok=True)
            self.bookings_pane.show_code(view, "reissued")

        return self.run_action("reissue_code", self.model.bookings.reissue, booking_id,
                               reason, on_done=reissued)

    # --- selections ----------------------------------------------------------------------------

    def selected_ticket(self) -> HallRow | None:
        rows = self.hall_view.selectionModel().selectedRows()
        if not rows:
            return None
        return self.hall_model.row_at(rows[0].row())

    def select_ticket(self, ticket_id: int) -> bool:
        i = self.hall_model.index_of.get(ticket_id)
        if i is None:
            return False
        self.hall_view.selectRow(i)
        return True

    def selected_counter(self) -> int | None:
        rows = self.counters_table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.counters_table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def select_counter(self, number: int) -> None:
        for i in range(self.counters_table.rowCount()):
            item = self.counters_table.item(i, 0)
            if item and item.data(Qt.ItemDataRole.UserRole) == number:
                self.counters_table.selectRow(i)

    def _selected_data(self, table: QTableWidget) -> Any:
        rows = table.selectionModel().selectedRows()
        if not rows:
            return None
        item = table.item(rows[0].row(), 0)
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    # --- running actions -------------------------------------------------------------------------

    def run_action(self, name: str, fn: Callable[..., Any], *args: Any,
                   on_done: Callable[[Any], None] | None = None, **kwargs: Any) -> bool:
        """One action on the worker; a second click meanwhile does nothing."""
        if self.busy:
            return False
        self.busy = True
        self._enable_actions(False)

        def done(result: Any) -> None:
            self.busy = False
            self._enable_actions(True)
            if on_done is not None:
                on_done(result)
            self.action_done.emit(name, result)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self._enable_actions(True)
            p = problem(exc)
            self.last_problem = p
            self.show_message(self.problem_text(p))
            self.action_failed.emit(name, p)

        self.worker.run(fn, *args, on_done=done, on_error=failed, **kwargs)
        return True

    def _enable_actions(self, on: bool) -> None:
        for b in [*self.hall_buttons.values(), *self.counter_buttons.values(),
                  self.restore_button, self.issue_button, self.notice_button,
                  self.ack_button, self.ack_resolved_button]:
            b.setEnabled(on)
        self.bookings_pane.set_enabled(on)

    def _open(self, dialog: ReasonDialog, on_ok: Callable[[], object]) -> ReasonDialog:
        if self.dialog is not None:
            self.dialog.close()
        self.dialog = dialog
        dialog.confirmed.connect(on_ok)
        dialog.finished.connect(lambda _r: self._dialog_closed(dialog))
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: ReasonDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def _done(self, text: str) -> Callable[[Any], None]:
        def show(_result: Any) -> None:
            self.show_message(text, ok=True)
        return show

    def ask_hall_action(self, action: str) -> ReasonDialog | None:
        row = self.selected_ticket()
        if row is None:
            self.show_message(self.tr("请先在列表中选中一个号码。"))
            return None
        en = self.lang == "en"
        who = f"{row.number} · {self._service_name(row.service)} · {self._tier_name(row.tier)}"
        if action == "pin":
            d = ReasonDialog(self.tr("置顶 / 移到第几位"), who, self)
            pos = d.spin(self.tr("位置（1 = 下一个）"), 1, 999, 1)
            return self._open(d, lambda: self.run_action(
                "pin", self.model.pin, row.ticket_id, pos.value(), d.reason(),
                on_done=self._done(self.tr("已调整 %1 的位置。").replace("%1", row.number))))
        if action == "tier":
            d = ReasonDialog(self.tr("更改等级"), who, self)
            tier = d.combo(self.tr("新等级"), [(t.name_en if en else t.name_zh, t.key)
                                               for t in self.settings.tiers], row.tier)
            return self._open(d, lambda: self.run_action(
                "tier", self.model.change_tier, row.ticket_id, tier.currentData(), d.reason(),
                on_done=self._done(self.tr("已更改 %1 的等级。").replace("%1", row.number))))
        if action == "call":
            d = ReasonDialog(self.tr("叫到窗口（插队）"), who, self)
            counters = [(f"{(c.name_en if en else c.name_zh) or c.number} · "
                         f"{self.counter_status_text(c.status)}", c.number)
                        for c in self.model.counters if row.service in c.services]
            counter = d.combo(self.tr("窗口"), counters)
            return self._open(d, lambda: self.run_action(
                "call", self.model.call_ticket, row.ticket_id, counter.currentData(),
                d.reason(), on_done=self._done(self.tr("已叫 %1 到窗口。").replace("%1",
                                                                                 row.number))))
        if action == "transfer":
            d = ReasonDialog(self.tr("转业务"), who, self)
            svc = d.combo(self.tr("转到业务"), [(self._service_name(s.prefix), s.prefix)
                                                for s in self.settings.services
                                                if s.prefix != row.service])
            place = d.combo(self.tr("排在"), [
                (self.tr("按原取号时间（规则）"), "priority"), (self.tr("最前面"), "first"),
                (self.tr("最后面"), "last")], self.settings.rules.transfer_placement)
            return self._open(d, lambda: self.run_action(
                "transfer", self.model.transfer, row.ticket_id, svc.currentData(),
                place.currentData(), d.reason(),
                on_done=self._done(self.tr("已转 %1。").replace("%1", row.number))))
        if action == "cancel":
            d = ReasonDialog(self.tr("取消号码"), who, self)
            return self._open(d, lambda: self.run_action(
                "cancel", self.model.cancel, row.ticket_id, d.reason(),
                on_done=self._done(self.tr("已取消 %1。").replace("%1", row.number))))
        if action == "reprint":
            kiosks = self.model.kiosks()
            if not kiosks:
                self.show_message(self.tr("没有取号机在线，无法补打。"))
                return None
            d = ReasonDialog(self.tr("在取号机上补打"), who, self)
            kiosk = d.combo(self.tr("取号机"), [(k, k) for k in kiosks])
            return self._open(d, lambda: self.run_action(
                "reprint", self.model.reprint, row.ticket_id, kiosk.currentData(), d.reason(),
                on_done=self._done(self.tr("已发送到取号机打印。"))))
        return None

    def ask_restore(self) -> ReasonDialog | None:
        ticket_id = self._selected_data(self.noshow_table)
        view = next((v for v in self.model.no_shows if v.id == ticket_id), None)
        if view is None:
            self.show_message(self.tr("请先在今日过号中选中一个号码。"))
            return None
        d = ReasonDialog(self.tr("恢复过号"), f"{view.number} · {self._service_name(view.service)}",
                         self)
        return self._open(d, lambda: self.run_action(
            "restore", self.model.restore_no_show, view.id, d.reason(),
            on_done=self._done(self.tr("%1 已恢复排队。").replace("%1", view.number))))

    def ask_counter_action(self, action: str) -> CounterDialog | None:
        number = self.selected_counter()
        c = next((c for c in self.model.counters if c.number == number), None)
        if c is None:
            self.show_message(self.tr("请先选中一个窗口。"))
            return None
        titles = {"open": self.tr("开启窗口"), "pause": self.tr("暂停窗口"),
                  "close": self.tr("关闭窗口"), "services": self.tr("调整窗口业务")}
        others = bool(c.staff) and c.staff != (self.model.actor.staff_no
                                              if self.model.actor else None)
        summary = f"{(c.name_en if self.lang == 'en' else c.name_zh) or c.number} · " \
                  f"{self.counter_status_text(c.status)}" + \
                  (" · " + self.tr("%1 正在使用").replace("%1", c.staff or "") if c.staff else "")
        names = {s.prefix: (s.name_en if self.lang == "en" else s.name_zh)
                 for s in self.settings.services}
        d = CounterDialog(titles[action], summary, self.lang, names,
                          services=",".join(c.services) if action == "services" else None,
                          reason_required=action == "services" or
                          (others and c.status != "closed"),
                          parent=self)

        def preview(_text: str = "") -> None:
            services = d.services() if action == "services" else None
            if action == "services" and not services:
                return
            self.worker.run(self.model.what_if, c.number, action, services,
                            on_done=lambda rows: _show(d, rows),
                            on_error=lambda e: _fail(d, e))

        def _show(dialog: CounterDialog, rows: list[ServiceWaits]) -> None:
            if self.dialog is dialog:
                dialog.show_what_if(rows)

        def _fail(dialog: CounterDialog, exc: BaseException) -> None:
            if self.dialog is dialog:
                dialog.show_what_if_error(self.problem_text(problem(exc)))

        d.services_edited.connect(preview)
        self._open(d, lambda: self.run_action(
            f"counter_{action}", self.model.counter_action, c.number, action, d.reason(),
            d.services() if action == "services" else None,
            on_done=self._done(self.tr("窗口 %1 已更新。").replace("%1", str(c.number)))))
        preview()
        return d

    def issue_for(self) -> bool:
        service = self.issue_service.currentData()
        kiosk = self.issue_kiosk.currentData() or None
        reason = self.issue_reason.text()
        if not reason.strip():
            p = Problem("reason")
            self.last_problem = p
            self.show_message(self.problem_text(p))
            self.action_failed.emit("issue_for", p)
            return False

        def issued(view: TicketView) -> None:
            self.last_issued = view
            self.issue_identifier.clear()
            self.issue_reason.clear()
            self.issue_result.setText(view.number)
            where = (self.tr("已发送到 %1 打印").replace("%1", kiosk) if kiosk
                     else self.tr("请客户记下号码"))
            self.issue_detail.setText(f"{self._service_name(view.service)} · "
                                      f"{self._tier_name(view.tier)} {view.customer_masked} · "
                                      f"{where}")
            self.show_message(self.tr("已派号 %1。").replace("%1", view.number), ok=True)

        return self.run_action("issue_for", self.model.issue_for, service, reason,
                               tier=self.issue_tier.currentData() or None,
                               identifier=self.issue_identifier.text(), kiosk=kiosk,
                               on_done=issued)

    def post_notice(self) -> bool:
        return self.run_action("notice", self.model.set_notice, self.notice_zh.toPlainText(),
                               self.notice_en.toPlainText(),
                               on_done=self._done(self.tr("公告已发布到大屏。")))

    def acknowledge_selected(self) -> bool:
        key = self._selected_data(self.alerts_table)
        if not key:
            self.show_message(self.tr("请先选中一条提醒。"))
            return False
        return self._acknowledge([key])

    def acknowledge_resolved(self) -> bool:
        keys = [a.key for a in self.model.alerts.values() if a.resolved]
        return bool(keys) and self._acknowledge(keys)

    def _acknowledge(self, keys: list[str]) -> bool:
        return self.run_action("acknowledge", self.model.acknowledge, keys,
                               on_done=lambda _ids: self.refresh_panes(
                                   self.model.mark_acknowledged(keys)))

    def load_audit(self) -> bool:
        since = self.audit_since.date().toPython()
        until = self.audit_until.date().toPython()

        def show(rows: list[AuditRecord]) -> None:
            self.audit_rows = rows
            self.audit_table.setRowCount(len(rows))
            for i, r in enumerate(rows):
                self._set_row(self.audit_table, i, [
                    r.at.strftime("%m-%d %H:%M:%S"), r.actor, self.action_name(r.action),
                    r.number, r.reason, _short(r.before), _short(r.after)])

        return self.run_action("audit", self.model.audit, self.audit_staff.text(),
                               self.audit_action.currentData() or "", since, until,
                               on_done=show)

    def export_audit(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("导出 CSV"),
                                                  str(Path.home() / "audit.csv"), "CSV (*.csv)")
            if not path:
                return False
        return self.run_action("export", self.model.export_audit, list(self.audit_rows), path,
                               on_done=lambda n: self.show_message(
                                   self.tr("已导出 %1 条到 %2").replace("%1", str(n))
                                   .replace("%2", str(path)), ok=True))

    # --- closing ----------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        for t in self.findChildren(QTimer):
            t.stop()
        self.stop_feed()
        self.worker.wait(5000)


def _short(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in values.items())

