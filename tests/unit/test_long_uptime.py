"""Weeks of uptime, in parts: what a station keeps stays bounded (the no-sound player's
record of what it was handed, the preview printer's printed tickets), and the file clock
the soak moves every station's branch time with."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.app import fixed_clock
from kiosk.devices.announcer import RECORD_LIMIT, NullPlayer
from kiosk.devices.printer import PreviewPrinter
from kiosk.devices.ticket import LayoutOptions, TicketData
from kiosk.errors import ConfigError


def test_the_null_player_keeps_only_the_latest_names(tmp_path: Path) -> None:
    player = NullPlayer()
    finished = []
    for n in range(RECORD_LIMIT + 25):
        player.play(tmp_path / f"announcement-{n}.wav", lambda: finished.append(1))
    assert len(finished) == RECORD_LIMIT + 25  # every one reported finished at once
    assert len(player.played) == RECORD_LIMIT
    assert player.played[-1] == f"announcement-{RECORD_LIMIT + 24}.wav"


def ticket(n: int) -> TicketData:
    return TicketData(branch_zh="支行", branch_en="Branch", number=f"A{n:03d}",
                      service_zh="现金", service_en="Cash", issued_at=datetime(2026, 11, 24, 10))


def test_the_preview_printer_keeps_only_the_latest_tickets() -> None:
    assert PreviewPrinter.KEPT <= 100
    printer = PreviewPrinter(LayoutOptions())
    printer.KEPT = 3  # type: ignore[misc]  # the same trimming, with fewer PNGs to render
    for n in range(1, 8):
        printer.print_ticket(ticket(n))
    assert [t.number for t in printer.printed] == ["A005", "A006", "A007"]


def test_a_file_clock_follows_the_time_written_in_its_file(tmp_path: Path) -> None:
    """KIOSK_NOW=file:PATH: every station of a soak keeps the branch time one file holds."""
    path = tmp_path / "branch-time"
    with pytest.raises(ConfigError, match="branch-time"):
        fixed_clock(f"file:{path}")
    path.write_text("2026-11-23T09:00:00")
    clock = fixed_clock(f"file:{path}")
    assert clock() == datetime(2026, 11, 23, 9, 0)
    for day in (24, 25):
        tmp = tmp_path / "next"
        tmp.write_text(f"2026-11-{day}T09:00:00\n")
        os.replace(tmp, path)
        assert clock() == datetime(2026, 11, day, 9, 0)
    path.write_text("not a time")  # a bad write later keeps the last good time
    assert clock() == datetime(2026, 11, 25, 9, 0)
