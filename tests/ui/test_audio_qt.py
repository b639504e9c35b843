"""QtMultimedia playback of joined announcements: each plays to its end before the next
starts. Offscreen there is no audio device, but QMediaPlayer still runs each file through
to EndOfMedia in real time, so the queue's hand-over can be watched through its signals."""

from __future__ import annotations

import array
import os
import subprocess
import sys
import wave
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtMultimedia import QMediaPlayer  # noqa: E402
from pytestqt.qtbot import QtBot  # noqa: E402

from kiosk.devices.announcer import (  # noqa: E402
    CLIP_NAMES,
    AnnouncementQueue,
    Call,
    ClipLibrary,
    NullPlayer,
    VoiceError,
)
from kiosk.devices.audio_qt import QtPlayer, make_player  # noqa: E402

# What a machine without sound hardware says while QtMultimedia starts up.
NO_SOUND_CARD = (
    r"PulseAudioService: pa_context_connect\(\) failed",
    r"No audio device detected",
    r"Couldn't (load|resolve) .+ (library|symbols)$",
)
pytestmark = pytest.mark.qt_log_ignore(*NO_SOUND_CARD)

CLIP_S = 0.02
END = QMediaPlayer.MediaStatus.EndOfMedia


@pytest.fixture
def library(tmp_path: Path) -> ClipLibrary:
    """Short tones instead of speech, so a whole announcement lasts well under a second."""
    folder = tmp_path / "voice"
    folder.mkdir()
    n = int(16000 * CLIP_S)
    for i, name in enumerate(CLIP_NAMES):
        with wave.open(str(folder / f"{name}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(array.array("h", [(i * 97) % 2000 - 1000] * n).tobytes())
    return ClipLibrary(folder)


def test_calls_play_to_their_end_one_after_the_other(qtbot: QtBot, library: ClipLibrary,
                                                      tmp_path: Path) -> None:
    player = QtPlayer(volume=0.0)
    (tmp_path / "work").mkdir()
    queue = AnnouncementQueue(library, player, work_dir=tmp_path / "work")
    events: list[str] = []
    player.media.sourceChanged.connect(
        lambda url: events.append(f"start {Path(url.toLocalFile()).name}") if url.isValid()
        and url.toLocalFile() else None)
    player.media.mediaStatusChanged.connect(
        lambda status: events.append("end") if status == END else None)
    first, second = Call("A023", 3), Call("B105", 12)

    with qtbot.waitSignal(player.media.mediaStatusChanged, timeout=5000,
                          check_params_cb=lambda status: status == END):
        queue.announce(first)
        queue.announce(second)  # arrives while the first is being spoken
        assert queue.current == first and queue.pending == (second,)
    qtbot.waitUntil(lambda: queue.current == second, timeout=2000)
    assert queue.spoken == [first]
    qtbot.waitUntil(lambda: queue.spoken == [first, second], timeout=5000)

    assert events == ["start announcement-1.wav", "end", "start announcement-2.wav", "end"]
    assert list(queue.work_dir.iterdir()) == []


@pytest.mark.qt_log_ignore(*NO_SOUND_CARD, r"Could not open media")
def test_an_unplayable_file_is_reported_finished_so_the_queue_moves_on(
        qtbot: QtBot, tmp_path: Path) -> None:
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF but not really a wave file at all" * 10)
    player = QtPlayer(volume=0.0, watchdog_margin_s=3.0)
    finished: list[str] = []
    player.play(broken, lambda: finished.append("done"))
    qtbot.waitUntil(lambda: finished == ["done"], timeout=5000)


def test_a_player_that_never_reports_the_end_is_given_up_on_by_the_watchdog(
        qtbot: QtBot, library: ClipLibrary, tmp_path: Path) -> None:
    wav = tmp_path / "call.wav"
    seconds = library.join(["chime", "zh_qing"], wav)
    player = QtPlayer(volume=0.0, watchdog_margin_s=0.2)
    finished: list[str] = []
    player.play(wav, lambda: finished.append("done"))
    # a stuck audio device: the player never hears of the end (nor of anything else).
    # Not by pausing it: QMediaPlayer.pause() while the FFmpeg backend is still loading
    # the file has hung a run here without an audio device.
    player.media.blockSignals(True)
    try:
        qtbot.waitUntil(lambda: finished == ["done"], timeout=int(seconds * 1000) + 2000)
        assert player.media.playbackState() == QMediaPlayer.PlaybackState.StoppedState
    finally:
        player.media.blockSignals(False)


def test_volume_comes_from_config_and_is_checked(qtbot: QtBot) -> None:
    assert QtPlayer(volume=0.8).volume == pytest.approx(0.8)
    with pytest.raises(VoiceError, match="volume must be from 0.0 to 1.0, not 1.5"):
        make_player(1.5)


def test_make_player_gives_a_qt_player_when_multimedia_loads(qtbot: QtBot) -> None:
    assert isinstance(make_player(0.5), QtPlayer)
    assert not isinstance(make_player(0.5), NullPlayer)


def test_without_qtmultimedia_the_display_falls_back_to_silence_with_one_log_line() -> None:
    script = (
        "import logging, sys\n"
        "sys.modules['PySide6.QtMultimedia'] = None  # as if libpulse0 were missing\n"
        "logging.basicConfig(level=logging.INFO, format='%(name)s: %(message)s')\n"
        "from kiosk.devices.audio_qt import make_player\n"
        "print(type(make_player(0.8)).__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == "NullPlayer"
    lines = [line for line in result.stderr.splitlines() if line.startswith("kiosk.")]
    assert len(lines) == 1
    assert "QtMultimedia cannot be loaded" in lines[0] and "not heard" in lines[0]
