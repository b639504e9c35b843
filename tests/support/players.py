"""Audio players for tests: `FakePlayer` records what the announcer hands it and "plays"
until the test calls `finish()` (an unplugged sound card, at the very edge).

Production's honest no-sound player is `kiosk.devices.announcer.NullPlayer` (headless
PCs, `kiosk run display --audio null`); this one exists only for tests."""

from __future__ import annotations

import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class FakePlayback:
    wav: Path
    frames: bytes  # the audio as it was handed over (the queue deletes the file afterwards)
    finished: Callable[[], None]


class FakePlayer:
    """Tests: records what it was given and plays until `finish()` is called."""

    def __init__(self) -> None:
        self.playbacks: list[FakePlayback] = []
        self.playing: FakePlayback | None = None

    def play(self, wav: Path, finished: Callable[[], None]) -> None:
        if self.playing is not None:
            raise AssertionError(f"{wav.name} started while {self.playing.wav.name} is playing")
        with wave.open(str(wav), "rb") as w:
            frames = w.readframes(w.getnframes())
        self.playing = FakePlayback(wav, frames, finished)
        self.playbacks.append(self.playing)

    def finish(self) -> None:
        """The current playback reached its end."""
        if self.playing is None:
            raise AssertionError("nothing is playing")
        done, self.playing = self.playing.finished, None
        done()

    def stop(self) -> None:
        self.playing = None
