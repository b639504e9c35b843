"""kiosk/devices stays below the UI and beside the database: no Qt widgets, no SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys

MODULES = ("printer", "ticket", "preview", "transports", "magstripe", "idcard", "wedge",
           "fonts", "doctor", "errors")


def test_device_modules_import_neither_sqlalchemy_nor_qt() -> None:
    code = (
        "import sys\n"
        + "".join(f"import kiosk.devices.{m}\n" for m in MODULES)
        + "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'PySide6'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_identity_imports_neither_sqlalchemy_nor_qt() -> None:
    """Devices, the kiosk flow and the customer import share kiosk.identity: it stays at
    the bottom, with no database and no Qt."""
    code = (
        "import sys\nimport kiosk.identity\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'PySide6'}),"
        " 'kiosk.queue' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[] False"
