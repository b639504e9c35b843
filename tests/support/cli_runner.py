"""The `kiosk` command run in-process (kiosk.cli.main), as the fault tests drive it."""

from __future__ import annotations

import contextlib
import io

from kiosk.cli import main
from tests.conftest import EXAMPLE_CONFIG


def kiosk(db: str, *argv: str) -> tuple[int, str, str]:
    """`kiosk ARGV --db DB` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([*argv, "--db", db, "--config", str(EXAMPLE_CONFIG)])
        except SystemExit as exc:  # argparse refusing an argument, as a process would
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def assert_clear(code: int, out: str, err: str) -> None:
    assert "Traceback" not in out + err and "unexpected error" not in err, err
    if code == 0:
        assert err == "", err
    else:
        assert code in (1, 2, 3), (code, err)
        if err or not out:  # (doctor and import print their report on stdout instead)
            assert err.startswith("kiosk: ") and err.endswith("\n") and err.count("\n") == 1, \
                err
