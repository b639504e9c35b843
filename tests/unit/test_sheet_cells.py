"""CSV files are opened in Excel: a text cell that starts like a formula stays text."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from kiosk.queue.audit_csv import sheet_cell, write_audit_rows
from kiosk.queue.views import AuditRecord
from kiosk.report.export import Table, csv_text


def test_text_that_starts_like_a_formula_gets_an_apostrophe() -> None:
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert sheet_cell(text) == "'" + text
    for kept in ("老年客户，代为取号", "A001", "", "—", "1-2"):
        assert sheet_cell(kept) == kept
    assert sheet_cell(-5) == -5 and sheet_cell(2.5) == 2.5 and sheet_cell(None) is None


def test_the_audit_csv_and_the_report_csv_keep_typed_reasons_as_text() -> None:
    record = AuditRecord(at=datetime(2026, 11, 24, 9, 30), actor="M001 张经理", action="pin",
                         ticket_id=3, reason="=cmd|' /C calc'!A0", event_id=7,
                         details={"number": "A003", "after": {"position": 1}})
    out = io.StringIO()
    assert write_audit_rows([record], out) == 1
    row = list(csv.reader(io.StringIO(out.getvalue())))[1]
    assert row[5] == "'=cmd|' /C calc'!A0" and row[1] == "M001"
    table = Table("overrides", "干预", "Overrides", ("原因 Reason", "数 Count"),
                  (("@evil", 3), (None, -1)))
    rows = list(csv.reader(io.StringIO(csv_text(table))))
    assert rows[1:] == [["'@evil", "3"], ["", "-1"]]
