"""The figures as files: CSV tables (for Excel) and JSON (for the bank's own systems).

CSV: one table per file, UTF-8 with a byte-order mark (Excel then reads the Chinese),
headings in Chinese with English; several tables travel as one zip. JSON: the figures as
data, dates and times in ISO 8601, seconds as numbers.

Every file is written beside its destination under a temporary name and moved into place
once whole: a failed report leaves no file, and never an empty one.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from kiosk.errors import KioskError
from kiosk.queue.audit_csv import sheet_cell
from kiosk.queue.figures import (
    BankFigures,
    BookingRow,
    CounterFigures,
    Figures,
    GroupRow,
    Slot,
)
from kiosk.report.tables import BANK_TABLES, TABLES

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    name: str  # the file's name without .csv: by_service, slots, ...
    title_zh: str
    title_en: str
    headings: tuple[str, ...]  # "中文 English"
    rows: tuple[tuple[Cell, ...], ...]


# The tables of one branch, in the report's order: name -> (zh, en) title.
GROUP_HEADINGS = (
    "代码 Key", "名称 Name", "Name", "到达 Arrived", "办结 Served", "过号 No-shows",
    "过号率% No-show %", "取消 Cancelled", "转出 Transferred out", "转入 Transferred in",
    "日终未办 Expired", "未完成 Still open", "已叫号 Called", "平均等候(秒) Mean wait (s)",
    "等候P50(秒) Wait p50 (s)", "等候P90(秒) Wait p90 (s)", "等候P95(秒) Wait p95 (s)",
    "最长等候(秒) Longest wait (s)", "平均办理(秒) Mean service (s)",
    "办理P90(秒) Service p90 (s)", "达标 Within target", "达标率% Service level %")


def _s(seconds: float) -> float:
    return round(seconds, 1)


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def group_cells(r: GroupRow) -> tuple[Cell, ...]:
    w = r.wait
    return (r.key, r.label_zh, r.label_en, r.arrived, r.served, r.no_show,
            round(r.no_show_pct, 1), r.cancelled, r.transferred, r.transferred_in, r.expired,
            r.still_open, w.count, _s(w.mean_s), _s(w.p50_s), _s(w.p90_s), _s(w.p95_s),
            _s(w.max_s), _s(r.service_mean_s), _s(r.service_p90_s), r.within_target,
            _pct(r.service_level_pct))


def _groups(name: str, rows: Sequence[GroupRow], total: GroupRow | None = None) -> Table:
    zh, en = BANK_TABLES[name]
    body = [group_cells(r) for r in rows]
    if total is not None:
        body.append(group_cells(total))
    return Table(name, zh, en, GROUP_HEADINGS, tuple(body))


def _counter_cells(c: CounterFigures) -> tuple[Cell, ...]:
    return (c.number, c.label_zh, c.label_en, c.served, c.no_show, _s(c.serving_s),
            _s(c.open_s), _pct(c.utilisation_pct))


def _slot_cells(s: Slot) -> tuple[Cell, ...]:
    day = (s.day.isoformat(),) if s.day is not None else ()
    return (*day, f"{s.start:%H:%M}", s.arrivals, s.called, _s(s.mean_wait_s),
            _pct(s.service_level_pct))


SLOT_HEADINGS = ("时段 Half hour", "到达 Arrivals", "叫号 Called",
                 "平均等候(秒) Mean wait (s)", "达标率% Service level %")


def _summary(f: Figures) -> Table:
    t, w = f.total, f.total.wait
    rows: list[tuple[Cell, ...]] = [
        ("网点 Branch", f"{f.branch_zh} {f.branch_en}".strip()),
        ("期间 Period", f"{f.first_day.isoformat()} – {f.last_day.isoformat()}"),
        ("有数据的营业日 Days with data", f.days_with_data),
        ("生成时间 Generated", f.generated_at.isoformat(sep=" ", timespec="seconds")),
        ("到达 Arrived", t.arrived), ("办结 Served", t.served), ("过号 No-shows", t.no_show),
        ("过号率% No-show %", round(t.no_show_pct, 1)), ("取消 Cancelled", t.cancelled),
        ("转业务 Transferred", t.transferred), ("已叫号 Called", w.count),
        ("平均等候(秒) Mean wait (s)", _s(w.mean_s)),
        ("等候P90(秒) Wait p90 (s)", _s(w.p90_s)), ("等候P95(秒) Wait p95 (s)", _s(w.p95_s)),
        ("最长等候(秒) Longest wait (s)", _s(w.max_s)),
        ("平均办理(秒) Mean service (s)", _s(t.service_mean_s)),
        ("达标率% Service level %", _pct(t.service_level_pct)),
        ("人工干预 Overrides", len(f.overrides)),
    ]
    if f.skipped_rows:
        rows.append(("未能读取的记录 Rows left out", f.skipped_message))
    zh, en = TABLES["summary"]
    return Table("summary", zh, en, ("项目 Item", "数值 Value"), tuple(rows))


def branch_tables(f: Figures) -> list[Table]:
    """The tables of one branch's figures, in the report's order."""
    def titled(name: str, headings: Sequence[str], rows: Sequence[tuple[Cell, ...]]) -> Table:
        zh, en = TABLES[name]
        return Table(name, zh, en, tuple(headings), tuple(rows))

    return [
        _summary(f),
        _groups("by_service", f.by_service, f.total),
        _groups("by_tier", f.by_tier, f.total),
        _groups("by_day", f.by_day, f.total),
        titled("by_counter", ("窗口 Counter", "名称 Name", "Name", "办结 Served",
                              "过号 No-shows", "服务时长(秒) Serving (s)",
                              "开放时长(秒) Open (s)", "利用率% Utilisation %"),
               [_counter_cells(c) for c in f.by_counter]),
        titled("slots", SLOT_HEADINGS, [_slot_cells(s) for s in f.slots]),
        titled("busiest", ("日期 Date", *SLOT_HEADINGS), [_slot_cells(s) for s in f.busiest]),
        titled("overrides", ("时间 Time", "类别 Kind", "类别 Kind (en)", "号码 Ticket",
                             "工号 Staff no.", "姓名 Name", "原因 Reason", "内容 Detail",
                             "Detail"),
               [(o.at.isoformat(sep=" ", timespec="seconds"), o.label_zh or o.kind,
                 o.label_en or o.kind, o.ticket, o.staff_id, o.staff_name, o.reason, o.detail,
                 o.detail_en) for o in f.overrides]),
        titled("overrides_by_kind", ("类别 Kind", "次数 Count"), f.overrides_by_kind),
        titled("overrides_by_staff", ("工号 Staff no.", "姓名 Name", "次数 Count"),
               f.overrides_by_staff),
        titled("bookings", BOOKING_HEADINGS, [booking_cells(b) for b in f.bookings]),
    ]


BOOKING_HEADINGS = ("代码 Key", "名称 Name", "Name", "预约 Made", "取消 Cancelled",
                    "按时签到 Kept", "迟到 Late", "未到 Missed",
                    "到时已在 Came by the slot", "5分钟内叫号 Called within 5 min",
                    "准时率% Punctuality %")


def booking_cells(b: BookingRow) -> tuple[Cell, ...]:
    return (b.key, b.label_zh, b.label_en, b.made, b.cancelled, b.kept, b.late, b.missed,
            b.punctual_base, b.punctual, _pct(b.punctuality_pct))


def tables(figs: Figures | BankFigures) -> list[tuple[str, Table]]:
    """(file name, table) of every table: a bank's by-branch table first, then each
    branch's tables in a folder of its own."""
    if isinstance(figs, Figures):
        return [(f"{t.name}.csv", t) for t in branch_tables(figs)]
    out = [("by_branch.csv", _groups("by_branch", figs.by_branch, figs.total))]
    for f in figs.branches:
        folder = _file_name(f.branch_key or f.branch_en)
        out += [(f"{folder}/{t.name}.csv", t) for t in branch_tables(f)]
    return out


def _file_name(text: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text).strip("._")
    return keep or "branch"


def csv_text(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(table.headings)
    writer.writerows(["" if c is None else sheet_cell(c) for c in row] for row in table.rows)
    return buf.getvalue()


def csv_bytes(table: Table) -> bytes:
    """The table as Excel opens it: UTF-8 with a byte-order mark."""
    return csv_text(table).encode("utf-8-sig")


def write_csv(figs: Figures | BankFigures, out: Path, table: str | None = None) -> int:
    """One table as a CSV file (`table`: by_service, slots, ...; a bank's `by_branch`), or
    every table, one CSV file each, in a zip. Returns the number of tables written."""
    every = tables(figs)
    if table is not None:
        chosen = [t for name, t in every if name == f"{table}.csv"]
        if not chosen:
            known = ", ".join(n.removesuffix(".csv") for n, _ in every if "/" not in n)
            raise KioskError(f"there is no table {table!r}; the tables are {known}")
        with replacing(out) as tmp:
            tmp.write_bytes(csv_bytes(chosen[0]))
        return 1
    with replacing(out) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, t in every:
            zf.writestr(name, csv_bytes(t))
    return len(every)


# --- JSON ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def figures_data(figs: Figures | BankFigures) -> dict[str, Any]:
    """The figures as JSON-ready data (dates and times ISO, seconds as numbers)."""
    data = _plain(dataclasses.asdict(figs))
    data["kind"] = "branch" if isinstance(figs, Figures) else "bank"
    data["skipped_message"] = figs.skipped_message
    if isinstance(figs, BankFigures):
        for branch, f in zip(data["branches"], figs.branches, strict=True):
            branch["skipped_message"] = f.skipped_message
    return data


def write_json(figs: Figures | BankFigures, out: Path) -> int:
    text = json.dumps(figures_data(figs), ensure_ascii=False, indent=1)
    with replacing(out) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    return 1


# --- writing ---------------------------------------------------------------------------------


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary path beside `out`, moved onto `out` when the block succeeds and removed
    when it fails."""
    out = Path(out)
    if out.is_dir():
        raise KioskError(f"{out} is a folder; give --out a file name")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise KioskError(f"cannot write {out}: there is no folder {folder}")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise KioskError(f"cannot write {out}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if tmp.stat().st_size == 0:
            raise KioskError(f"nothing was written to {out}")
        os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file (mkstemp makes it 0600)
        os.replace(tmp, out)
    except OSError as exc:
        raise KioskError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
