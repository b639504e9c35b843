"""What a `kiosk` command loads and leaves behind: the queue commands start without the
printer, image, QR or Qt libraries, the program's start-up is frozen out of the garbage
collector's way, and no command leaves a folder in the temporary directory (python-escpos
keeps its cache in var/escpos-cache)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLE_CONFIG

HEAVY = ("escpos", "PIL", "qrcode", "PySide6")

_LOADED = """
import json, sys
from kiosk.cli import main
for argv in ({argvs}):
    assert main([*argv, "--db", {db!r}, "--config", {config!r}]) == 0, argv
print(json.dumps(sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))))
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_DATABASE_URL"}
    return {**env, "KIOSK_VAR_DIR": str(tmp_path / "var"), "KIOSK_NOW": "2026-11-24T10:00:00",
            **extra}


def _kiosk(tmp_path: Path, db: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli", *args, "--db", db,
                           "--config", str(EXAMPLE_CONFIG)], capture_output=True, text=True,
                          env=_env(tmp_path, **env), timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc


def test_queue_commands_load_no_printer_image_or_qt_library(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'branch.db'}"
    _kiosk(tmp_path, db, "db", "upgrade")
    argvs = (("counter", "open", "1"), ("issue", "--service", "A", "--json"),
             ("status", "--json"),
             ("call", "--counter", "1", "--json"), ("status",))
    code = _LOADED.format(argvs=", ".join(repr(a) for a in argvs), db=db,
                          config=str(EXAMPLE_CONFIG), heavy=HEAVY)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == []


_FROZEN = """
import gc, json, sys
from kiosk.cli import main
sys.argv = ["kiosk", "status", "--json", "--db", {db!r}, "--config", {config!r}]
in_process = main(list(sys.argv[1:]))  # a caller's own process: left as it was
frozen_by_a_caller = gc.get_freeze_count()
as_program = main()
print(json.dumps([in_process, frozen_by_a_caller, as_program, gc.get_freeze_count(),
                  gc.isenabled()]))
"""


def test_the_program_freezes_what_start_up_made_and_a_caller_process_is_left_alone(
        tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'branch.db'}"
    _kiosk(tmp_path, db, "db", "upgrade")
    code = _FROZEN.format(db=db, config=str(EXAMPLE_CONFIG))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(tmp_path), timeout=60)
    assert proc.returncode == 0, proc.stderr
    in_process, frozen_by_a_caller, as_program, frozen, enabled = json.loads(
        proc.stdout.splitlines()[-1])
    assert (in_process, frozen_by_a_caller) == (0, 0)
    # the modules' objects (SQLAlchemy, pydantic, the commands: some 100,000) are frozen,
    # and the collector runs again for what the command makes
    assert as_program == 0 and frozen > 50_000 and enabled


def test_commands_leave_no_temporary_folder(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    db = f"sqlite:///{tmp_path / 'branch.db'}"
    _kiosk(tmp_path, db, "db", "upgrade", TMPDIR=str(tmp))
    _kiosk(tmp_path, db, "counter", "open", "1", TMPDIR=str(tmp))
    issued = json.loads(_kiosk(tmp_path, db, "issue", "--service", "A", "--json",
                               TMPDIR=str(tmp)).stdout)
    for _ in range(2):  # the second print reads the cache the first one wrote
        _kiosk(tmp_path, db, "ticket", str(issued["ticket_id"]), "--out",
               str(tmp_path / "t.bin"), TMPDIR=str(tmp))
    _kiosk(tmp_path, db, "status", "--json", TMPDIR=str(tmp))
    _kiosk(tmp_path, db, "call", "--counter", "1", TMPDIR=str(tmp))
    assert list(tmp.iterdir()) == []
    cache = tmp_path / "var" / "escpos-cache"
    assert [p.name.endswith(".capabilities.pickle") for p in cache.iterdir()] == [True]
    assert (tmp_path / "t.bin").read_bytes().startswith(b"\x1b@")
