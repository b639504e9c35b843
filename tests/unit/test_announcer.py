"""Spoken calls: which clips a call becomes, joining them, and the queue that keeps calls
from talking over each other."""

from __future__ import annotations

import array
import shutil
import subprocess
import sys
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import PROJECT_ROOT, DisplaySettings
from kiosk.devices.announcer import (
    CLIP_NAMES,
    AnnouncementQueue,
    Call,
    ClipLibrary,
    NullPlayer,
    VoiceError,
    call_segments,
    clip_sequence,
    en_counter_clips,
    join_wavs,
    merged_clips,
    zh_call_clips,
    zh_counter_clips,
)
from tests.support.players import FakePlayer

ASSETS = PROJECT_ROOT / "assets" / "voice"
TOOL = PROJECT_ROOT / "tools" / "make_voice_clips.py"
CLIP_SAMPLES = 4

A023_AT_3 = [
    "chime",
    "zh_qing", "zh_letter_A", "zh_digit_0", "zh_digit_2", "zh_digit_3", "zh_hao", "zh_dao",
    "zh_digit_3", "zh_hao_chuang_kou", "zh_ban_li_ye_wu",
    "pause",
    "en_number", "en_letter_A", "en_digit_0", "en_digit_2", "en_digit_3",
    "en_please_go_to_counter", "en_digit_3",
]


def write_wav(path: Path, samples: list[int], rate: int = 16000, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(array.array("h", samples).tobytes())


@pytest.fixture
def clip_dir(tmp_path: Path) -> Path:
    """A complete clip set where clip number i is CLIP_SAMPLES samples of value i + 1,
    so a joined file can be read back as the names of the clips it was made from."""
    folder = tmp_path / "voice"
    folder.mkdir()
    for i, name in enumerate(CLIP_NAMES):
        write_wav(folder / f"{name}.wav", [i + 1] * CLIP_SAMPLES)
    return folder


def clips_in(frames: bytes) -> list[str]:
    samples = array.array("h", frames)
    assert len(samples) % CLIP_SAMPLES == 0
    return [CLIP_NAMES[samples[i] - 1] for i in range(0, len(samples), CLIP_SAMPLES)]


def frames_of(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


# --- what is said ----------------------------------------------------------------------


def test_a_call_is_chime_then_mandarin_then_english() -> None:
    assert clip_sequence(Call("A023", 3), english=True, repeat=1) == A023_AT_3


def test_without_english_only_the_mandarin_sentence_is_spoken() -> None:
    clips = clip_sequence(Call("A023", 3), english=False, repeat=1)
    assert clips == A023_AT_3[: A023_AT_3.index("pause")]


def test_repeat_says_the_call_again_after_a_pause_with_one_chime() -> None:
    once = A023_AT_3[1:]
    assert clip_sequence(Call("A023", 3), english=True, repeat=2) == ["chime", *once, "pause",
                                                                       *once]


def test_ticket_numbers_are_read_character_by_character_in_capitals() -> None:
    clips = clip_sequence(Call("v107", 6), english=False, repeat=1)
    assert clips[1:6] == ["zh_qing", "zh_letter_V", "zh_digit_1", "zh_digit_0", "zh_digit_7"]


@pytest.mark.parametrize(("counter", "zh", "en"), [
    (3, ["digit_3"], ["digit_3"]),
    (10, ["shi"], ["num_10"]),
    (12, ["shi", "digit_2"], ["num_12"]),
    (20, ["digit_2", "shi"], ["num_20"]),
    (25, ["digit_2", "shi", "digit_5"], ["num_20", "digit_5"]),
    (105, ["digit_1", "bai", "digit_0", "digit_5"], ["digit_1", "hundred", "digit_5"]),
    (112, ["digit_1", "bai", "digit_1", "shi", "digit_2"], ["digit_1", "hundred", "num_12"]),
    (200, ["liang", "bai"], ["digit_2", "hundred"]),
])
def test_counter_numbers_are_read_as_numbers(counter: int, zh: list[str], en: list[str]) -> None:
    assert zh_counter_clips(counter) == [f"zh_{c}" for c in zh]
    assert en_counter_clips(counter) == [f"en_{c}" for c in en]


@pytest.mark.parametrize("number", ["A-23", "", "A 023", "号1"])
def test_a_ticket_number_that_cannot_be_spoken_is_a_clear_error(number: str) -> None:
    with pytest.raises(VoiceError, match="cannot be spoken"):
        clip_sequence(Call(number, 3), english=True, repeat=1)


def test_a_counter_out_of_range_is_a_clear_error() -> None:
    with pytest.raises(VoiceError, match="Counter 1000 cannot be spoken"):
        clip_sequence(Call("A001", 1000), english=True, repeat=1)


# --- joining clips ---------------------------------------------------------------------


def test_joined_wav_is_the_clips_frames_in_order(clip_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "call.wav"
    seconds = join_wavs([clip_dir / f"{n}.wav" for n in A023_AT_3], out)
    assert clips_in(frames_of(out)) == A023_AT_3
    assert seconds == pytest.approx(len(A023_AT_3) * CLIP_SAMPLES / 16000)


def test_joining_into_a_vanished_folder_fails_cleanly(clip_dir: Path, tmp_path: Path) -> None:
    """At shutdown the work folder may be gone: one OSError, no half-made writer left to
    fail again when it is collected (pytest turns that unraisable error into a failure)."""
    import gc

    with pytest.raises(FileNotFoundError):
        join_wavs([clip_dir / f"{n}.wav" for n in A023_AT_3], tmp_path / "gone" / "call.wav")
    gc.collect()


def test_the_committed_clip_set_is_complete_and_joins_frame_exact(tmp_path: Path) -> None:
    library = ClipLibrary(ASSETS)
    assert (library.format.framerate, library.format.sampwidth, library.format.nchannels) == (
        16000, 2, 1)
    out = tmp_path / "call.wav"
    seconds = library.join(A023_AT_3, out)
    assert frames_of(out) == b"".join(frames_of(library.path(n)) for n in A023_AT_3)
    assert 5 < seconds < 20


def test_a_clip_in_another_format_is_refused_by_name(clip_dir: Path, tmp_path: Path) -> None:
    write_wav(clip_dir / "zh_dao.wav", [1] * 8, rate=22050)
    with pytest.raises(VoiceError, match=r"zh_dao\.wav is 22050 Hz 16-bit mono but chime\.wav "
                                         r"is 16000 Hz 16-bit mono"):
        join_wavs([clip_dir / "chime.wav", clip_dir / "zh_dao.wav"], tmp_path / "out.wav")
    with pytest.raises(VoiceError, match=r"zh_dao\.wav is 22050 Hz"):
        ClipLibrary(clip_dir)


def test_a_missing_clip_is_named(clip_dir: Path) -> None:
    (clip_dir / "zh_letter_Q.wav").unlink()
    with pytest.raises(VoiceError, match=r"zh_letter_Q\.wav is missing; run tools/make_voice"):
        ClipLibrary(clip_dir)


def test_a_broken_clip_is_named(clip_dir: Path) -> None:
    (clip_dir / "en_number.wav").write_bytes(b"not a wav")
    with pytest.raises(VoiceError, match=r"en_number\.wav is not a readable PCM WAV"):
        ClipLibrary(clip_dir)


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(VoiceError, match="nowhere does not exist"):
        ClipLibrary(tmp_path / "nowhere")


# --- the announcement queue ------------------------------------------------------------


@pytest.fixture
def fake_queue(clip_dir: Path, tmp_path: Path) -> tuple[AnnouncementQueue, FakePlayer]:
    player = FakePlayer()
    work = tmp_path / "work"
    work.mkdir()
    return AnnouncementQueue(ClipLibrary(clip_dir), player, english=True, repeat=1,
                             work_dir=work), player


def finish_all(player: FakePlayer) -> list[list[str]]:
    """Let the player run to the end; the clips of what it played."""
    while player.playing is not None:
        player.finish()
    return [clips_in(p.frames) for p in player.playbacks]


def test_a_call_in_a_quiet_hall_is_spoken_in_full_sentence_by_sentence(
        fake_queue: tuple[AnnouncementQueue, FakePlayer]) -> None:
    queue, player = fake_queue
    queue.announce(Call("A023", 3))
    assert finish_all(player) == call_segments(Call("A023", 3), True, 1)
    assert [name for p in player.playbacks for name in clips_in(p.frames)] == A023_AT_3
    assert queue.spoken == [Call("A023", 3)]


def test_calls_arriving_while_one_is_spoken_cut_its_english_and_are_merged(
        fake_queue: tuple[AnnouncementQueue, FakePlayer]) -> None:
    queue, player = fake_queue
    calls = [Call("A023", 3), Call("B005", 12), Call("A023", 3, recall=True)]
    for call in calls:
        queue.announce(call)
    # FakePlayer refuses a second playback while one is going: only the first has started.
    assert len(player.playbacks) == 1
    assert queue.current == calls[0]
    assert queue.pending == (calls[1], calls[2])
    player.finish()
    assert queue.spoken == calls[:1]
    assert queue.current == calls[1] and queue.pending == ()
    player.finish()
    assert queue.spoken == calls and queue.current is None
    chime_and_mandarin = call_segments(calls[0], True, 1)[0]
    assert [clips_in(p.frames) for p in player.playbacks] == [
        chime_and_mandarin, merged_clips(calls[1:], chime=False)[0]]


def test_one_call_waiting_after_another_gets_its_mandarin_sentence_without_the_chime(
        fake_queue: tuple[AnnouncementQueue, FakePlayer]) -> None:
    queue, player = fake_queue
    queue.announce(Call("A001", 1))
    queue.announce(Call("B002", 2))
    assert finish_all(player)[1:] == [zh_call_clips(Call("B002", 2))]


def test_a_newer_call_at_a_counter_replaces_its_waiting_call(
        fake_queue: tuple[AnnouncementQueue, FakePlayer]) -> None:
    queue, player = fake_queue
    queue.announce(Call("A001", 1))
    queue.announce(Call("A002", 2))
    queue.announce(Call("B001", 3))
    queue.announce(Call("A003", 2))
    assert queue.pending == (Call("B001", 3), Call("A003", 2))
    assert queue.dropped == [Call("A002", 2)]
    finish_all(player)
    assert queue.spoken == [Call("A001", 1), Call("B001", 3), Call("A003", 2)]


def test_a_call_arriving_while_idle_starts_at_once_and_files_are_cleaned_up(
        fake_queue: tuple[AnnouncementQueue, FakePlayer]) -> None:
    queue, player = fake_queue
    queue.announce(Call("C001", 5))
    assert player.playing is not None and player.playing.wav.exists()
    finish_all(player)
    assert list(queue.work_dir.iterdir()) == []
    queue.announce(Call("C002", 5))
    assert queue.current == Call("C002", 5)


def test_a_second_end_report_does_not_cut_off_the_next_call(
        fake_queue: tuple[AnnouncementQueue, FakePlayer]) -> None:
    queue, player = fake_queue
    queue.announce(Call("A001", 1))
    queue.announce(Call("A002", 2))
    first_done = player.playbacks[0].finished
    player.finish()
    first_done()  # a player reporting the same end twice
    assert queue.current == Call("A002", 2)
    assert queue.spoken == [Call("A001", 1)]


def test_an_unspeakable_call_is_refused_and_the_queue_carries_on(
        fake_queue: tuple[AnnouncementQueue, FakePlayer]) -> None:
    queue, player = fake_queue
    queue.announce(Call("A001", 1))
    with pytest.raises(VoiceError):
        queue.announce(Call("A?01", 1))
    queue.announce(Call("A002", 2))
    assert queue.pending == (Call("A002", 2),)
    player.finish()
    player.finish()
    assert queue.spoken == [Call("A001", 1), Call("A002", 2)]


class FakeBrokenPlayer(FakePlayer):
    """An audio backend that fails on its first playback, then works."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def play(self, wav: Path, finished: Callable[[], None]) -> None:
        if self.failures:
            self.failures -= 1
            raise OSError("audio device vanished")
        super().play(wav, finished)


def test_a_player_failure_skips_that_call_but_not_the_next(clip_dir: Path,
                                                             tmp_path: Path) -> None:
    player = FakeBrokenPlayer()
    queue = AnnouncementQueue(ClipLibrary(clip_dir), player, work_dir=tmp_path)
    queue.announce(Call("A001", 1))
    queue.announce(Call("A002", 2))
    assert queue.current == Call("A002", 2)
    finish_all(player)
    assert queue.spoken == [Call("A002", 2)]
    assert not list(tmp_path.glob("*.wav"))


def test_clear_drops_waiting_calls_and_stops_the_current_one(
        fake_queue: tuple[AnnouncementQueue, FakePlayer]) -> None:
    queue, player = fake_queue
    queue.announce(Call("A001", 1))
    queue.announce(Call("A002", 2))
    late_report = player.playbacks[0].finished
    queue.clear()
    assert player.playing is None and queue.current is None and queue.pending == ()
    late_report()
    assert queue.spoken == []
    queue.announce(Call("A003", 3))
    assert queue.current == Call("A003", 3)


def test_null_player_lets_a_headless_display_run_through_every_call(clip_dir: Path) -> None:
    player = NullPlayer()
    queue = AnnouncementQueue(ClipLibrary(clip_dir), player)
    calls = [Call(f"A00{n}", n) for n in range(1, 6)]
    for call in calls:
        queue.announce(call)
    assert queue.spoken == calls
    # each call in two files: chime and Mandarin, then the English sentence
    assert player.played == [f"announcement-{n}.wav" for n in range(1, 11)]
    work_dir = queue.work_dir
    queue.close()
    assert not work_dir.exists()


def test_repeat_and_english_come_from_the_display_settings(clip_dir: Path,
                                                           tmp_path: Path) -> None:
    player = FakePlayer()
    settings = DisplaySettings(announce_english=False, announce_repeat=2)
    queue = AnnouncementQueue.from_settings(settings, ClipLibrary(clip_dir), player,
                                            work_dir=tmp_path)
    queue.announce(Call("A023", 3))
    played = [name for clips in finish_all(player) for name in clips]
    assert played == clip_sequence(Call("A023", 3), False, 2)
    assert "en_number" not in played


def test_a_repeat_count_below_one_is_refused(clip_dir: Path) -> None:
    with pytest.raises(VoiceError, match="repeat count must be 1 or more, not 0"):
        AnnouncementQueue(ClipLibrary(clip_dir), FakePlayer(), repeat=0)


# --- the clip-making script ------------------------------------------------------------


def test_clip_script_without_espeak_says_so_and_leaves_clips_alone(tmp_path: Path) -> None:
    folder = tmp_path / "voice"
    folder.mkdir()
    (folder / "zh_qing.wav").write_bytes(b"studio take")
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    result = subprocess.run([sys.executable, str(TOOL), str(folder)], capture_output=True,
                            text=True, env={"PATH": str(empty_bin)}, check=False)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "espeak-ng" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["zh_qing.wav"]
    assert (folder / "zh_qing.wav").read_bytes() == b"studio take"


@pytest.mark.skipif(shutil.which("espeak-ng") is None or shutil.which("sox") is None,
                    reason="needs espeak-ng and sox")
def test_clip_script_makes_a_complete_set_and_a_second_run_changes_nothing(
        tmp_path: Path) -> None:
    folder = tmp_path / "voice"
    run = [sys.executable, str(TOOL), str(folder)]
    first = subprocess.run(run, capture_output=True, text=True, check=True)
    assert f"{len(CLIP_NAMES) + 1} files written" in first.stdout  # clips + README.md
    library = ClipLibrary(folder)
    assert library.format.framerate == 16000
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    second = subprocess.run(run, capture_output=True, text=True, check=True)
    assert "0 files written" in second.stdout
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    assert all(f"`{name}.wav`" in (folder / "README.md").read_text() for name in CLIP_NAMES)
