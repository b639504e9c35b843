"""One line of `kiosk doctor`'s report: a check's name, result and detail.

Apart from the device checks themselves (doctor.py), so a command can name a result
without loading the printer, the readers and their libraries."""

from __future__ import annotations

from dataclasses import dataclass

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
