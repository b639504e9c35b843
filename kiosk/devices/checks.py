"""One line of `kiosk doctor`'s report: a check's name, result and detail.

Apart from the device checks themselves (doctor.py), so a command can name a result
without loading the printer, the readers and their libraries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.errors import KioskError

log = logging.getLogger(__name__)

OK, WARN, FAIL = "ok", "warn", "FAIL"


@dataclass(frozen=True)
class Check:
    name: str
    result: str  # ok | warn | FAIL
    detail: str

    @property
    def failed(self) -> bool:
        return self.result == FAIL

    def line(self) -> str:
        return f"{self.result:<4}  {self.name:<9} {self.detail}"


def guarded(name: str, fn: Callable[[], Check]) -> Check:
    """Run a check; a user-level error is a failed line, not a stopped doctor."""
    try:
        return fn()
    except KioskError as exc:
        return Check(name, FAIL, str(exc))
    except Exception as exc:  # a device library failing in a way we did not foresee
        log.exception("doctor check %s failed", name)
        return Check(name, FAIL, f"unexpected {type(exc).__name__}; details in the log")
