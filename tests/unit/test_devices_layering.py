"""The layers, checked on every module: imports only go downwards.

- kiosk/devices: no SQLAlchemy, no Qt widgets (only the Qt audio backend uses Qt at all);
- kiosk/queue: no Qt, no devices;
- kiosk/identity: neither the database nor Qt nor the queue (devices and queue share it).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import kiosk.devices
import kiosk.queue

QT_AUDIO = {"audio_qt"}  # QtMultimedia, no widgets


def _modules(package: object) -> list[str]:
    path = [str(Path(p)) for p in package.__path__]  # type: ignore[attr-defined]
    return sorted(m.name for m in pkgutil.iter_modules(path) if m.name != "migrations")


def _loaded_after(module: str) -> set[str]:
    code = f"import sys\nimport {module}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return set(out.split())


def test_every_package_module_is_checked() -> None:
    assert {"printer", "ticket", "announcer", "audio_qt", "doctor"} <= set(
        _modules(kiosk.devices))
    assert {"service", "txn", "tickets", "staff", "feed", "rules"} <= set(_modules(kiosk.queue))


@pytest.mark.parametrize("name", _modules(kiosk.devices))
def test_device_modules_import_neither_sqlalchemy_nor_qt_widgets(name: str) -> None:
    loaded = _loaded_after(f"kiosk.devices.{name}")
    assert "sqlalchemy" not in loaded
    assert "PySide6.QtWidgets" not in loaded
    if name not in QT_AUDIO:
        assert not any(m.startswith("PySide6") for m in loaded)


@pytest.mark.parametrize("name", _modules(kiosk.queue))
def test_queue_modules_import_neither_qt_nor_devices(name: str) -> None:
    loaded = _loaded_after(f"kiosk.queue.{name}")
    assert not any(m.startswith(("PySide6", "kiosk.devices", "kiosk.ui")) for m in loaded)


def test_identity_imports_neither_sqlalchemy_nor_qt() -> None:
    """Devices, the kiosk flow and the customer import share kiosk.identity: it stays at
    the bottom, with no database and no Qt."""
    loaded = _loaded_after("kiosk.identity")
    assert not any(m.startswith(("sqlalchemy", "PySide6", "kiosk.queue")) for m in loaded)


def test_the_ticket_link_is_at_the_bottom_and_the_web_station_runs_without_qt() -> None:
    """kiosk.links (the QR link's MAC) is shared by devices, the queue and the web station:
    it imports nothing of ours. The web station is a process without Qt."""
    loaded = _loaded_after("kiosk.links")
    assert not any(m.startswith(("sqlalchemy", "PySide6", "kiosk.")) for m in loaded
                   if m != "kiosk.links" and m != "kiosk")
    for module in ("kiosk.web.app", "kiosk.web.server", "kiosk.commands.web_cmds"):
        assert not any(m.startswith(("PySide6", "kiosk.ui")) for m in _loaded_after(module))
