"""Build the screen translations with Qt's own tools (pyside6-lrelease, pyside6-lupdate).

    python tools/build_translations.py            # .ts -> .qm (the setup step runs this)
    python tools/build_translations.py --update   # first refresh the .ts from the code

The code's strings are Chinese; assets/i18n/kiosk_<lang>.ts hold the translations and
are edited with pyside6-linguist or by hand. The .qm files are build output.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "assets" / "i18n"
LANGUAGES = ("en",)
# One catalogue per station (assets/i18n/<name>_<lang>.ts): the files whose self.tr(...)
# strings it shows. Every catalogue is loaded together (kiosk.ui.i18n).
CATALOGUES = {
    "kiosk": ("kiosk/ui/kiosk_window.py", "kiosk/ui/kiosk_screens.py", "kiosk/ui/widgets.py",
              "kiosk/ui/console_window.py", "kiosk/ui/console_dialogs.py",
              "kiosk/ui/console_figures_pane.py", "kiosk/ui/console_bookings_pane.py"),
    "teller": ("kiosk/ui/teller_window.py", "kiosk/ui/teller_dialogs.py"),
}
SOURCES = tuple(path for paths in CATALOGUES.values() for path in paths)


def tool(name: str) -> str:
    """The Qt tool next to this Python (the venv), else on PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"build_translations: {name} not found (pip install pyside6)")
    return found


def update() -> None:
    for lang in LANGUAGES:
        for name, sources in CATALOGUES.items():
            ts = I18N / f"{name}_{lang}.ts"
            subprocess.run([tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none",
                            *(str(ROOT / s) for s in sources), "-ts", str(ts)], check=True)


def release() -> list[Path]:
    built = []
    for lang in LANGUAGES:
        for name in CATALOGUES:
            ts, qm = I18N / f"{name}_{lang}.ts", I18N / f"{name}_{lang}.qm"
            subprocess.run([tool("pyside6-lrelease"), "-silent", str(ts), "-qm", str(qm)],
                           check=True)
            built.append(qm)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="refresh the .ts files from the code before building")
    args = parser.parse_args(argv)
    I18N.mkdir(parents=True, exist_ok=True)
    if args.update:
        update()
    for qm in release():
        print(f"built {qm.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
