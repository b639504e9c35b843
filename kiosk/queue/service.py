"""The branch queue as one object: a thin facade over its parts.

Each concern lives in a module named for it; `QueueService` builds them around one
`Branch` (database, settings, clock, transaction frame) and hands out their operations:

- `txn.py`        the transaction frame, the feed lock, the business day and the clock
- `tickets.py`    issuing, calling by the rules, the ticket's steps at the counter
- `counters.py`   open, pause, close, and what a counter holds
- `staff.py`      staff accounts, logins, roles, and the audit record
- `overrides.py`  a manager's audited changes to the order
- `forecast.py`   the queue fast-forwarded by the rules: people ahead, estimated waits
- `reads.py`      what screens and commands show (typed values, see `views.py`)
- `figures_read.py` a day's or a range's figures (arithmetic in `figures.py`)
- `stations.py`   heartbeats and device states
- `appointments.py` bookings: made, moved, cancelled, codes re-issued by staff, checked in at
                    the kiosk

Callers may use the parts directly (`service.tickets.issue(...)`) or the flat names below.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import select

from kiosk.config import Settings
from kiosk.queue import models as m
from kiosk.queue.appointments import Appointments
from kiosk.queue.counters import Counters
from kiosk.queue.db import Database
from kiosk.queue.forecast import Forecasts
from kiosk.queue.overrides import Overrides
from kiosk.queue.reads import Reads
from kiosk.queue.staff import StaffDirectory
from kiosk.queue.stations import Stations
from kiosk.queue.tickets import Tickets
from kiosk.queue.txn import Branch, Clock

if TYPE_CHECKING:
    from kiosk.queue.figures import Figures
    from kiosk.queue.figures_read import FigureReads


class QueueService:
    """The branch queue. `clock` returns the branch's local time (naive datetime).

    `max_clock_skew_s` (None: no check) refuses writes from a station whose clock is
    further than that from the database server's: stations on the real clock are checked;
    an injected clock (tests, KIOSK_NOW scripts, the demo's shifted hours) is not.
    """

    def __init__(self, db: Database, settings: Settings, clock: Clock, *,
                 max_clock_skew_s: float | None = None) -> None:
        self.branch = branch = Branch(db, settings, clock, max_clock_skew_s=max_clock_skew_s)
        self.db, self.settings, self.clock = db, settings, clock
        self.max_clock_skew_s = max_clock_skew_s
        self.policy = branch.policy
        self.now, self.business_day = branch.now, branch.business_day

        self.staff = staff = StaffDirectory(branch)
        self.login = staff.login

        self.tickets = tickets = Tickets(branch, staff)
        self.issue, self.issue_for = tickets.issue, tickets.issue_for
        self.call_next = tickets.call_next
        self.recall, self.start, self.finish = tickets.recall, tickets.start, tickets.finish
        self.no_show, self.cancel = tickets.no_show, tickets.cancel
        self.leave = tickets.leave  # the customer, from their ticket's link
        self.suspend, self.resume = tickets.suspend, tickets.resume
        self.transfer, self.hand_back = tickets.transfer, tickets.hand_back
        self.peek_next = tickets.peek_next

        self.counter_ops = counters = Counters(branch, staff)
        self.open_counter, self.pause_counter = counters.open, counters.pause
        self.close_counter, self.counter = counters.close, counters.get
        self.set_counter_services = counters.set_services

        self.overrides = overrides = Overrides(branch, staff, tickets)
        self.call_ticket, self.pin = overrides.call_ticket, overrides.pin
        self.change_tier, self.set_notice = overrides.change_tier, overrides.set_notice
        self.restore_no_show, self.reprint = overrides.restore_no_show, overrides.reprint
        self.acknowledge_alert = overrides.acknowledge_alert

        self.forecasts = forecasts = Forecasts(branch)
        self.forecast_all, self.new_ticket_forecasts = forecasts.all, forecasts.new_tickets
        self.what_if = forecasts.what_if

        self.reads = reads = Reads(branch, forecasts, tickets)
        self.ticket_id = reads.ticket_id
        self.ticket, self.with_forecast, self.waiting = reads.ticket, reads.with_forecast, \
            reads.waiting
        self.counters, self.service_summary = reads.counters, reads.service_summary
        self.recent_calls, self.events_since = reads.recent_calls, reads.events_since
        self.last_event_id, self.audit_log = reads.last_event_id, reads.audit_log
        self.notice, self.customer = reads.notice, reads.customer
        self.hall, self.estimates = reads.hall, reads.estimates
        self.tickets_today, self.events_today = reads.tickets_today, reads.events_today
        self.counter_panel = reads.counter_panel
        self.tickets_now = reads.tickets_now


        self.appointments = Appointments(branch, staff, tickets)

        self.station_ops = stations = Stations(branch)
        self.heartbeat, self.stations = stations.heartbeat, stations.all

    @cached_property
    def figure_reads(self) -> FigureReads:
        """A day's or a range's figures (loaded when first asked for: the stations and
        most commands never do)."""
        from kiosk.queue.figures_read import FigureReads

        return FigureReads(self.branch)

    def figures(self, first_day: date, last_day: date) -> Figures:
        """The branch's figures over [first_day, last_day] (business days)."""
        return self.figure_reads.figures(first_day, last_day)

    def prepare(self) -> None:
        """Create/upgrade the schema and bring services and counters in line with config."""
        self.db.ensure_schema(self.settings.hash_secret)
        with self.db.begin() as s:
            if s.get(m.BranchState, 1) is None:
                s.add(m.BranchState(id=1, last_event_id=0, business_day=None,
                                    notice_zh="", notice_en=""))
                s.flush()
            for i, svc in enumerate(self.settings.services):
                row = s.get(m.ServiceRow, svc.prefix)
                if row is None:
                    s.add(m.ServiceRow(prefix=svc.prefix, name_zh=svc.name_zh, name_en=svc.name_en,
                                       sort=i, enabled=True, mean_service_s=svc.default_service_s,
                                       served=0))
                else:
                    row.name_zh, row.name_en, row.sort = svc.name_zh, svc.name_en, i
            state = s.get(m.BranchState, 1)
            switched: set[int] = set()  # a manager's services for today stay (set_services)
            if state is not None and state.business_day is not None:
                since = self.branch.day_start(state.business_day)
                switched = {int(n) for n in s.scalars(
                    select(m.Event.counter).where(m.Event.kind == "counter_services",
                                                  m.Event.at >= since)) if n is not None}
            for c in self.settings.counters:
                crow = s.get(m.CounterRow, c.number)
                if crow is None:
                    crow = m.CounterRow(number=c.number, status=m.COUNTER_CLOSED,
                                        consecutive_priority=0)
                    s.add(crow)
                crow.name_zh, crow.name_en = c.label_zh, c.label_en
                if c.number not in switched or not crow.services:
                    crow.services = ",".join(c.services)
                crow.green_channel = c.green_channel
