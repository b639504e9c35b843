"""Where a station keeps its files: the var directory (KIOSK_VAR_DIR, default ./var).

Below every other layer, so the devices (python-escpos's cache) and the queue (the
embedded database, the log) name the same folder without importing each other."""

from __future__ import annotations

import os
from pathlib import Path


def var_dir() -> Path:
    """Where the embedded database, the log and the caches live (KIOSK_VAR_DIR, default
    ./var); made on first use."""
    path = Path(os.environ.get("KIOSK_VAR_DIR") or Path.cwd() / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path
