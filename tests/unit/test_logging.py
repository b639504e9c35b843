"""Stations run for months: the log file rotates instead of filling the disk."""

from __future__ import annotations

import logging
from logging.handlers import RotatingFileHandler
from pathlib import Path

import pytest

from kiosk import cli


def test_the_log_rotates_at_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_VAR_DIR", str(tmp_path))
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers = []
    try:
        cli._setup_logging(max_bytes=2000)
        [handler] = root.handlers
        assert isinstance(handler, RotatingFileHandler)
        for i in range(400):
            logging.getLogger("kiosk.test").info("line %d of a long day at the branch", i)
        handler.close()
    finally:
        root.handlers = saved
    logs = sorted(p.name for p in tmp_path.glob("kiosk.log*"))
    assert logs == ["kiosk.log", *(f"kiosk.log.{i}" for i in range(1, cli.LOG_BACKUPS + 1))]
    assert all((tmp_path / name).stat().st_size <= 2200 for name in logs)
