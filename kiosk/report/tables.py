"""The report's tables by name, with their Chinese and English titles: apart from the
writers, so the command line can offer the names without loading the figures."""

from __future__ import annotations

TABLES = {
    "summary": ("概况", "Summary"),
    "by_service": ("按业务", "By service"),
    "by_tier": ("按客户等级", "By customer tier"),
    "by_day": ("按日", "By day"),
    "by_counter": ("按窗口", "By counter"),
    "slots": ("每半小时", "Every half hour"),
    "busiest": ("最繁忙时段", "Busiest half hours"),
    "overrides": ("人工干预", "Overrides"),
    "overrides_by_kind": ("人工干预（按类别）", "Overrides by kind"),
    "overrides_by_staff": ("人工干预（按员工）", "Overrides by staff"),
    "bookings": ("预约", "Appointments"),
}
BANK_TABLES = {"by_branch": ("按网点", "By branch"), **TABLES}
