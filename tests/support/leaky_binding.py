"""A stand-in for a leaking Qt binding: the binding check's child, with every emit
followed by the leak PySide6 6.12.0 has (KIOSK_LEAK=drop: one reference to True dropped,
as that release does) or its mirror image (KIOSK_LEAK=hold: one reference kept).

    python -m tests.support.leaky_binding --emits N
"""

from __future__ import annotations

import ctypes
import os
import sys

from kiosk.bench.binding import run_child

held: list[object] = []


def drop_true() -> None:
    ctypes.pythonapi.Py_DecRef(ctypes.py_object(True))


def hold_none() -> None:
    held.append(None)


if __name__ == "__main__":
    emits = int(sys.argv[sys.argv.index("--emits") + 1])
    leak = drop_true if os.environ.get("KIOSK_LEAK") == "drop" else hold_none
    raise SystemExit(run_child(emits, extra=leak))
