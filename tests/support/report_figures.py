"""Figures made by hand for the report's tests: every number chosen, so the PDF's text
can be checked against it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from kiosk.queue.figures import (
    BankFigures,
    CounterFigures,
    Figures,
    GroupRow,
    OverrideRow,
    Slot,
    WaitStats,
)

DAY = date(2026, 11, 24)
BRANCH = ("光明银行 上海陆家嘴支行", "Guangming Bank Lujiazui Sub-branch")
SERVICES = (("A", "个人现金", "Personal cash"), ("B", "个人非现金", "Personal non-cash"),
            ("C", "对公业务", "Corporate"), ("V", "贵宾理财", "VIP wealth management"))
TIERS = (("regular", "普通", "Regular"), ("gold", "黄金", "Gold"),
         ("platinum", "白金", "Platinum"))
REASONS = ("老人站立不便，优先办理", "客户忘带卡，已核实身份", "appointment booked by phone",
           "elderly customer, standing; waited since the morning at the wrong counter and "
           "asked twice for help")


def group(key: str, zh: str, en: str, arrived: int, *, mean_wait_s: float = 431.0,
          p95_s: float = 1234.0, level: float | None = 87.5) -> GroupRow:
    no_show = arrived // 20
    served = arrived - no_show - 1
    return GroupRow(
        key=key, label_zh=zh, label_en=en, arrived=arrived, served=served, no_show=no_show,
        cancelled=1, transferred=arrived // 50,
        no_show_pct=100.0 * no_show / (served + no_show),
        wait=WaitStats(count=served + no_show, mean_s=mean_wait_s, p50_s=mean_wait_s - 60,
                       p90_s=p95_s - 120, p95_s=p95_s, max_s=p95_s + 600),
        service_mean_s=312.0, service_p90_s=655.0, service_level_pct=level)


def slots(scale: int = 1) -> tuple[Slot, ...]:
    out = []
    for i in range(16):  # 09:00 to 16:30
        start = time(9 + i // 2, 30 * (i % 2))
        arrivals = (20 + 3 * i if i < 8 else 60 - 3 * i) * scale
        called = 0 if i == 15 else arrivals  # the last half hour: nobody called yet
        out.append(Slot(start=start, arrivals=arrivals, called=called,
                        mean_wait_s=120.0 + 45 * i if called else 0.0,
                        service_level_pct=(95.0 - 2.5 * i) if called else None))
    return tuple(out)


def overrides(n: int, first: date = DAY, days: int = 1) -> tuple[OverrideRow, ...]:
    kinds = (("pin", "置顶", "Moved up the queue", "第 1 位", "to position 1"),
             ("tier_changed", "更改等级", "Tier changed", "普通 → 黄金", "Regular → Gold"),
             ("cancel", "取消号码", "Cancelled", "", ""),
             ("restored", "恢复过号", "No-show restored", "", ""))
    staff = (("M001", "张经理"), ("M002", "李经理"))
    rows = []
    for i in range(n):
        kind, zh, en, detail, detail_en = kinds[i % len(kinds)]
        at = datetime.combine(first + timedelta(days=i % days), time(9, 5)) + timedelta(
            minutes=(7 * i) % 420)
        rows.append(OverrideRow(
            at=at, kind=kind, ticket=f"{'ABCV'[i % 4]}{i + 1:03d}", staff_id=staff[i % 2][0],
            staff_name=staff[i % 2][1], reason=REASONS[i % len(REASONS)], detail=detail,
            label_zh=zh, label_en=en, detail_en=detail_en))
    return tuple(rows)


def day_figures(n_overrides: int = 6, *, first: date = DAY, last: date = DAY,
                branch: tuple[str, str] = BRANCH, scale: int = 1) -> Figures:
    days = (last - first).days + 1
    by_service = tuple(group(k, zh, en, (40 + 11 * i) * scale * days)
                       for i, (k, zh, en) in enumerate(SERVICES))
    by_tier = tuple(group(k, zh, en, (90 - 30 * i) * scale * days)
                    for i, (k, zh, en) in enumerate(TIERS))
    by_day = tuple(group((first + timedelta(days=d)).isoformat(), "", "", 200 * scale)
                   for d in range(days))
    total = group("all", "合计", "Total", 226 * scale * days, mean_wait_s=517.0,
                  p95_s=1441.0, level=83.3)
    counters = tuple(CounterFigures(number=n, label_zh=f"{n}号窗口", label_en=f"Counter {n}",
                                    served=30 + n, serving_s=(18000.0 + 600 * n) * days,
                                    open_s=27000.0 * days,
                                    utilisation_pct=(18000.0 + 600 * n) / 270)
                     for n in range(1, 7))
    half_hours = slots(scale * days)
    busiest = tuple(Slot(start=s.start, arrivals=s.arrivals // days, called=s.called // days,
                         mean_wait_s=s.mean_wait_s, service_level_pct=s.service_level_pct,
                         day=first)
                    for s in sorted(half_hours, key=lambda s: -s.arrivals)[:5])
    rows = overrides(n_overrides, first, days)
    by_kind: dict[str, int] = {}
    by_staff: dict[tuple[str, str], int] = {}
    for o in rows:
        by_kind[o.kind] = by_kind.get(o.kind, 0) + 1
        by_staff[(o.staff_id, o.staff_name)] = by_staff.get((o.staff_id, o.staff_name), 0) + 1
    return Figures(
        branch_zh=branch[0], branch_en=branch[1], first_day=first, last_day=last,
        days_with_data=days, generated_at=datetime(2026, 11, 24, 18, 5), total=total,
        by_service=by_service, by_tier=by_tier, by_day=by_day, by_counter=counters,
        slots=half_hours, busiest=busiest, overrides=rows,
        overrides_by_kind=tuple(sorted(by_kind.items(), key=lambda kv: -kv[1])),
        overrides_by_staff=tuple((sid, name, n) for (sid, name), n in by_staff.items()))


BANK_BRANCHES = (("光明银行 上海陆家嘴支行", "Lujiazui Sub-branch"),
                 ("光明银行 上海徐家汇支行", "Xujiahui Sub-branch"),
                 ("光明银行 上海静安支行", "Jing'an Sub-branch"))


def bank_figures() -> BankFigures:
    first, last = date(2026, 11, 1), date(2026, 11, 30)
    branches = tuple(day_figures(4 + i, first=first, last=last, branch=b, scale=1 + i)
                     for i, b in enumerate(BANK_BRANCHES))
    by_branch = tuple(group(zh, zh, en, 6000 + 1000 * i)
                      for i, (zh, en) in enumerate(BANK_BRANCHES))
    return BankFigures(first_day=first, last_day=last,
                       generated_at=datetime(2026, 12, 1, 9, 0), branches=branches,
                       by_branch=by_branch,
                       total=group("all", "全行合计", "Bank total", 21000, mean_wait_s=488.0))
