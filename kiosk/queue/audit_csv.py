"""The audit log as CSV, for the branch head or the bank's inspectors."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from kiosk.errors import KioskError
from kiosk.queue.views import AuditRecord

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def sheet_cell(value: object) -> object:
    """A text cell a spreadsheet shows as text: one that starts like a formula (a reason
    typed as "=HYPERLINK(...)") gets a leading apostrophe; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


COLUMNS = ("at", "staff_no", "actor", "action", "ticket", "reason", "before", "after",
           "event_id")


def write_audit_rows(rows: Iterable[AuditRecord], out: TextIO) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    n = 0
    for r in rows:
        writer.writerow([sheet_cell(c) for c in (
            r.at.isoformat(sep=" ", timespec="seconds"), r.staff_no, r.actor, r.action,
            r.number or (r.ticket_id or ""), r.reason,
            json.dumps(r.before, ensure_ascii=False, default=str),
            json.dumps(r.after, ensure_ascii=False, default=str), r.event_id)])
        n += 1
    return n


def write_audit_csv(rows: Iterable[AuditRecord], path: str | Path) -> int:
    """Write the rows (UTF-8 with a BOM, so spreadsheet programs read the Chinese)."""
    try:
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            return write_audit_rows(rows, out)
    except OSError as exc:
        raise KioskError(f"cannot write {path}: {exc.strerror or exc}") from None
