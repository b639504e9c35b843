"""python-escpos, imported with its capabilities cache in a fixed folder.

python-escpos parses its printer capabilities (a 700 KB YAML file) and keeps a pickle of
them in `ESCPOS_CAPABILITIES_PICKLE_DIR`, falling back to a fresh `tempfile.mkdtemp()`
folder on every import: each start re-parsed the file (about 0.3 s) and left one more
empty `tmp*` folder behind. It also calls `mkdtemp()` when the variable is set (the
fallback is evaluated first). So before its first import:
- the cache folder is `var/escpos-cache` (an operator's own ESCPOS_CAPABILITIES_PICKLE_DIR
  is kept);
- the pickle is written there whole (a temporary file renamed into place), so two
  stations starting at once never read a half-written one;
- `tempfile.mkdtemp` answers with that folder for the length of the import.

Every module that needs python-escpos imports it from here (or imports this module
first); nothing else in the program loads it.
"""

from __future__ import annotations

import atexit
import os
import pickle
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from kiosk.paths import var_dir

PICKLE_DIR_VAR = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def cache_dir() -> Path:
    """The folder python-escpos keeps its capabilities pickle in."""
    return Path(os.environ.get(PICKLE_DIR_VAR) or var_dir() / "escpos-cache")


def _write_pickle(folder: Path) -> None:
    """The capabilities pickle as python-escpos names and reads it, written whole, when it
    is missing or older than the capabilities file."""
    import importlib.resources

    import yaml

    source = importlib.resources.files("escpos") / "capabilities.json"
    target = folder / f"{platform.python_version()}.capabilities.pickle"
    source_path = Path(str(source))
    if target.exists() and target.stat().st_mtime >= source_path.stat().st_mtime:
        return
    data = yaml.safe_load(source_path.read_text(encoding="utf-8"))
    fd, part = tempfile.mkstemp(prefix=".capabilities.", suffix=".part", dir=folder)
    try:
        os.fchmod(fd, 0o644)  # a cache any station account may read
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=2)
        os.replace(part, target)
    except BaseException:
        Path(part).unlink(missing_ok=True)
        raise


def _import_escpos() -> None:
    if "escpos.capabilities" in sys.modules:
        return
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_pickle(folder)
    except OSError:  # a read-only var folder: a temporary one, removed at exit
        folder = Path(tempfile.mkdtemp(prefix="kiosk-escpos-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    mkdtemp, own = tempfile.mkdtemp, os.environ.get(PICKLE_DIR_VAR)
    os.environ[PICKLE_DIR_VAR] = str(folder)  # read once, at import: not left to children
    tempfile.mkdtemp = lambda *args, **kwargs: str(folder)  # type: ignore[assignment]
    try:
        import escpos.capabilities  # noqa: F401
    finally:
        tempfile.mkdtemp = mkdtemp
        if own is None:
            del os.environ[PICKLE_DIR_VAR]


_import_escpos()

from escpos.capabilities import CAPABILITIES, get_profile  # noqa: E402
from escpos.constants import QR_ECLEVEL_M  # noqa: E402
from escpos.image import EscposImage  # noqa: E402
from escpos.printer import Dummy, Usb  # noqa: E402

__all__ = ["CAPABILITIES", "QR_ECLEVEL_M", "Dummy", "EscposImage", "Usb", "get_profile"]
