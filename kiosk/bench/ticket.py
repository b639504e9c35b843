"""Ticket figures (`kiosk bench --only ticket`): bytes per ticket and render times here."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kiosk.config import load_settings
from kiosk.devices.preview import preview_png
from kiosk.devices.ticket import LayoutOptions, TicketData, render_ticket

ROUNDS = 20


def _sample_ticket(config: str | None) -> TicketData:
    settings = load_settings(config)
    service, tier = settings.services[0], max(settings.tiers, key=lambda t: t.rank)
    return TicketData(
        branch_zh=settings.branch.name_zh, branch_en=settings.branch.name_en, number="A123",
        service_zh=service.name_zh, service_en=service.name_en,
        issued_at=datetime(2026, 11, 24, 10, 0), ahead=17, wait_s=1260, tier_key=tier.key,
        tier_zh=tier.name_zh, tier_en=tier.name_en, vip=True, customer_masked="王*明",
        qr=settings.printer.qr_url_prefix + "123.0123456789",
        notice_zh=settings.printer.notice_zh, notice_en=settings.printer.notice_en)


def _median_ms(fn: Callable[[], object], rounds: int = ROUNDS) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


def bench_ticket(config: str | None = None) -> dict[str, Any]:
    """Bytes of one ticket (native QR / image QR, 58 / 80 mm) and median render times."""
    t = _sample_ticket(config)
    result: dict[str, Any] = {}
    for mm in (80, 58):
        native, image = LayoutOptions(paper=mm), LayoutOptions(paper=mm, native_qr=False)
        result[f"bytes_native_{mm}"] = len(render_ticket(t, native))
        result[f"bytes_image_{mm}"] = len(render_ticket(t, image))
    result["escpos_ms"] = _median_ms(lambda: render_ticket(t, LayoutOptions()))
    result["escpos_image_ms"] = _median_ms(lambda: render_ticket(t, LayoutOptions(native_qr=False)))
    result["preview_png_ms"] = _median_ms(lambda: preview_png(t, LayoutOptions()), rounds=5)
    # at 9600 baud 8N1 a byte takes 10 bits on the wire
    result["serial_9600_native_s"] = round(result["bytes_native_80"] * 10 / 9600, 2)
    result["serial_9600_image_s"] = round(result["bytes_image_80"] * 10 / 9600, 2)
    return result
