"""Telling a keyboard-wedge card reader from a person typing.

A magstripe reader that pretends to be a keyboard "types" the whole track in a burst:
many keys a few milliseconds apart, ending in Enter. A person types about 180 ms a key.
The detector is pure: the UI feeds it (timestamp in seconds, character) for every key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ENTER = ("\r", "\n")


@dataclass
class WedgeDetector:
    min_keys: int = 8  # a burst shorter than this is not a swipe
    max_gap_s: float = 0.05  # keys further apart than this are a person typing
    _keys: list[str] = field(default_factory=list, repr=False)
    _last_at: float | None = field(default=None, repr=False)

    def feed(self, at: float, ch: str) -> str | None:
        """The swiped text when `ch` is the Enter that ends a burst, else None."""
        fast = self._last_at is not None and 0 <= at - self._last_at < self.max_gap_s
        if ch in ENTER:
            burst = "".join(self._keys) if fast and len(self._keys) >= self.min_keys else None
            self.reset()
            return burst
        if not fast:
            self._keys.clear()
        self._keys.append(ch)
        self._last_at = at
        return None

    @property
    def in_burst(self) -> bool:
        """True while keys are arriving at reader speed (the UI may hold them back)."""
        return len(self._keys) >= 2

    def reset(self) -> None:
        self._keys.clear()
        self._last_at = None
