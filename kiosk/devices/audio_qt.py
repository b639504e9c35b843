"""Plays joined announcement WAVs through QtMultimedia (QMediaPlayer + QAudioOutput).

QMediaPlayer, not QSoundEffect: without an audio device (offscreen, a PC with no sound
card) QSoundEffect only reaches Error, while QMediaPlayer still plays the file through to
EndOfMedia, so the queue keeps moving. A watchdog moves on if the end is never reported.
When QtMultimedia cannot be loaded at all (e.g. the system library libpulse0 is missing),
`make_player` logs one line and returns a `NullPlayer`: calls are then shown, not heard.
"""

from __future__ import annotations

import logging
import wave
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl

from kiosk.devices.announcer import ClipPlayer, NullPlayer, VoiceError

try:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
except ImportError as exc:  # the PySide6 addon or a system library (libpulse0) is missing
    MULTIMEDIA_ERROR: ImportError | None = exc
else:
    MULTIMEDIA_ERROR = None

log = logging.getLogger(__name__)

WATCHDOG_MARGIN_S = 3.0


def _check_volume(volume: float) -> float:
    if not 0.0 <= volume <= 1.0:
        raise VoiceError(f"Display volume must be from 0.0 to 1.0, not {volume}.")
    return volume


def _seconds(wav: Path) -> float:
    try:
        with wave.open(str(wav), "rb") as w:
            return w.getnframes() / w.getframerate()
    except (wave.Error, EOFError, OSError):
        return 0.0


class QtPlayer:
    """Plays one WAV at a time and reports its end (or failure) exactly once."""

    def __init__(self, volume: float, parent: QObject | None = None,
                 watchdog_margin_s: float = WATCHDOG_MARGIN_S) -> None:
        self.output = QAudioOutput(parent)
        self.output.setVolume(_check_volume(volume))
        self.media = QMediaPlayer(parent)
        self.media.setAudioOutput(self.output)
        self.media.mediaStatusChanged.connect(self._on_status)
        self.media.errorOccurred.connect(self._on_error)
        self._margin_s = watchdog_margin_s
        self._watchdog = QTimer(parent)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)
        self._finished: Callable[[], None] | None = None
        self._wav: Path | None = None

    @property
    def volume(self) -> float:
        return self.output.volume()

    def play(self, wav: Path, finished: Callable[[], None]) -> None:
        if self._finished is not None:
            raise RuntimeError(f"{wav.name} handed over while {self._wav} is still playing")
        self._finished, self._wav = finished, wav
        self._watchdog.start(int((_seconds(wav) + self._margin_s) * 1000))
        self.media.setSource(QUrl.fromLocalFile(str(wav)))
        self.media.play()

    def stop(self) -> None:
        self._finished = None
        self._watchdog.stop()
        self.media.stop()

    def _on_status(self, status: QMediaPlayer.MediaStatus) -> None:
        if status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._report()
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            log.warning("cannot play %s: not a playable audio file", self._wav)
            self._report()

    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error != QMediaPlayer.Error.NoError:
            log.warning("audio playback of %s failed: %s", self._wav, message)
            self._report()

    def _on_watchdog(self) -> None:
        log.warning("audio player never reported the end of %s; moving on", self._wav)
        self.media.stop()
        self._report()

    def _report(self) -> None:
        finished, self._finished = self._finished, None
        self._watchdog.stop()
        if finished is not None:
            # Outside the media player's signal: the next call may set a new source.
            QTimer.singleShot(0, finished)


def make_player(volume: float, parent: QObject | None = None) -> ClipPlayer:
    """A QtPlayer, or a NullPlayer (one log line) when QtMultimedia cannot be loaded."""
    _check_volume(volume)
    if MULTIMEDIA_ERROR is not None:
        log.warning("QtMultimedia cannot be loaded (%s); calls will be shown but not heard",
                    MULTIMEDIA_ERROR)
        return NullPlayer()
    return QtPlayer(volume, parent)
