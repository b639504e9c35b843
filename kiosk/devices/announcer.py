"""Spoken calls for the hall display: a call → a list of short recorded clips → one WAV.

Pure Python, no Qt. A call such as 「请 A023 号 到 3 号窗口 办理业务」 is built from clips
named in `CLIP_NAMES` (digits, letters, a few phrases, a chime and a pause), joined with the
`wave` module into one file, and handed to a `ClipPlayer`. `AnnouncementQueue` makes sure
calls never talk over each other: the next one starts only after the player reported that
the previous one finished.

How numbers are read (the way bank halls read them):
- ticket numbers character by character: A023 → "A ling2 er4 san1" / "A zero two three";
- counter numbers as numbers: 3 → san1 / three, 12 → shi2 er4 / twelve,
  20 → er4 shi2 / twenty, 105 → yi1 bai3 ling2 wu3 / one hundred five,
  200 → liang3 bai3 / two hundred.
A recall is spoken with the same words as the first call (halls do not say "again").
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import time
import wave
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from kiosk.config import PROJECT_ROOT, DisplaySettings
from kiosk.errors import KioskError

log = logging.getLogger(__name__)

VOICE_DIR = PROJECT_ROOT / "assets" / "voice"  # the committed clip set
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIGITS = "0123456789"
MAX_COUNTER = 999
_TICKET_NUMBER = re.compile(r"[A-Z0-9]{1,12}")

CHIME = "chime"
PAUSE = "pause"
ZH_PHRASES = ("zh_qing", "zh_hao", "zh_dao", "zh_hao_chuang_kou", "zh_ban_li_ye_wu")
ZH_NUMBER_WORDS = ("zh_shi", "zh_bai", "zh_liang")
EN_PHRASES = ("en_number", "en_please_go_to_counter")
EN_NUMBER_WORDS = (
    *(f"en_num_{n}" for n in range(10, 20)),
    *(f"en_num_{n}" for n in range(20, 100, 10)),
    "en_hundred",
)

CLIP_NAMES: tuple[str, ...] = (
    CHIME,
    PAUSE,
    *ZH_PHRASES,
    *(f"zh_digit_{d}" for d in DIGITS),
    *ZH_NUMBER_WORDS,
    *(f"zh_letter_{c}" for c in LETTERS),
    *EN_PHRASES,
    *(f"en_digit_{d}" for d in DIGITS),
    *EN_NUMBER_WORDS,
    *(f"en_letter_{c}" for c in LETTERS),
)
"""Every clip a full voice set must have, as `<name>.wav` in one folder."""


class VoiceError(KioskError):
    """A voice clip is missing or unreadable, or a call cannot be spoken."""


@dataclass(frozen=True)
class Call:
    """One call to announce: ticket `number` (e.g. "A023") to counter `counter`."""

    number: str
    counter: int
    recall: bool = False

    def __str__(self) -> str:
        kind = "recall" if self.recall else "call"
        return f"{kind} {self.number} → counter {self.counter}"


# --- call → clip names -----------------------------------------------------------------


def _ticket_chars(number: str) -> str:
    chars = number.strip().upper()
    if not _TICKET_NUMBER.fullmatch(chars):
        raise VoiceError(
            f"Ticket number {number!r} cannot be spoken: use letters A-Z and digits only."
        )
    return chars


def _char_clip(lang: str, char: str) -> str:
    return f"{lang}_digit_{char}" if char.isdigit() else f"{lang}_letter_{char}"


def zh_counter_clips(counter: int) -> list[str]:
    """A counter number read as a Mandarin number (3 → san1, 12 → shi2 er4)."""
    hundreds, rest = divmod(counter, 100)
    tens, units = divmod(rest, 10)
    clips: list[str] = []
    if hundreds:
        clips += ["zh_liang" if hundreds == 2 else f"zh_digit_{hundreds}", "zh_bai"]
        if rest and tens == 0:
            clips.append("zh_digit_0")  # 105 → yi1 bai3 ling2 wu3
    if tens:
        if tens > 1 or hundreds:
            clips.append(f"zh_digit_{tens}")  # 12 → shi2 er4, but 112 → yi1 bai3 yi1 shi2 er4
        clips.append("zh_shi")
    if units or counter == 0:
        clips.append(f"zh_digit_{units}")
    return clips


def en_counter_clips(counter: int) -> list[str]:
    """A counter number read as an English number (3 → three, 12 → twelve)."""
    hundreds, rest = divmod(counter, 100)
    tens, units = divmod(rest, 10)
    clips: list[str] = []
    if hundreds:
        clips += [f"en_digit_{hundreds}", "en_hundred"]
    if 10 <= rest <= 19:
        clips.append(f"en_num_{rest}")
        return clips
    if tens:
        clips.append(f"en_num_{tens * 10}")
    if units or counter == 0:
        clips.append(f"en_digit_{units}")
    return clips


def _check_counter(counter: int) -> None:
    if not 1 <= counter <= MAX_COUNTER:
        raise VoiceError(f"Counter {counter} cannot be spoken: counters are numbered 1 to 999.")


def zh_call_clips(call: Call) -> list[str]:
    """请 A023 号 到 3 号窗口 办理业务."""
    _check_counter(call.counter)
    chars = [_char_clip("zh", c) for c in _ticket_chars(call.number)]
    return ["zh_qing", *chars, "zh_hao", "zh_dao", *zh_counter_clips(call.counter),
            "zh_hao_chuang_kou", "zh_ban_li_ye_wu"]


def en_call_clips(call: Call) -> list[str]:
    """Number A 0 2 3, please go to counter 3."""
    _check_counter(call.counter)
    chars = [_char_clip("en", c) for c in _ticket_chars(call.number)]
    return ["en_number", *chars, "en_please_go_to_counter", *en_counter_clips(call.counter)]


def clip_sequence(call: Call, english: bool, repeat: int) -> list[str]:
    """The clip names of one announcement: the chime, then the call `repeat` times
    (Mandarin, then English when `english`), with a pause between sentences."""
    return [name for segment in call_segments(call, english, repeat) for name in segment]


def call_segments(call: Call, english: bool, repeat: int) -> list[list[str]]:
    """`clip_sequence` cut where the queue may stop when other calls are waiting: the
    chime and the Mandarin sentence first, then each further sentence (English, repeats)
    as its own segment, starting with its pause."""
    if repeat < 1:
        raise VoiceError(f"Announcement repeat count must be 1 or more, not {repeat}.")
    zh = zh_call_clips(call)
    en = en_call_clips(call) if english else []
    segments = [[CHIME, *zh]]
    for i in range(repeat):
        if i:
            segments.append([PAUSE, *zh])
        if en:
            segments.append([PAUSE, *en])
    return segments


def short_call_clips(call: Call) -> list[str]:
    """A023 到 3 号: a call in the fewest words (about 2.6 s), for a merged sentence."""
    _check_counter(call.counter)
    chars = [_char_clip("zh", c) for c in _ticket_chars(call.number)]
    return [*chars, "zh_dao", *zh_counter_clips(call.counter), "zh_hao"]


def merged_clips(calls: Sequence[Call], chime: bool) -> tuple[list[str], tuple[int, ...]]:
    """请 A023 到 3 号 B105 到 5 号: waiting calls as one short Mandarin sentence (each call
    ends with 号 and the clips' own trailing silence, so no pause is spent between them).
    Returns the clip names and where each call's words begin."""
    clips = [CHIME] if chime else []
    clips.append("zh_qing")
    starts = []
    for call in calls:
        starts.append(len(clips))
        clips += short_call_clips(call)
    return clips, tuple(starts)


# --- clips → one WAV ---------------------------------------------------------------------


@dataclass(frozen=True)
class ClipFormat:
    """The sample format every clip of a set shares."""

    framerate: int
    sampwidth: int
    nchannels: int

    @classmethod
    def of(cls, w: wave.Wave_read) -> ClipFormat:
        if w.getcomptype() != "NONE":
            raise wave.Error("compressed audio")
        return cls(w.getframerate(), w.getsampwidth(), w.getnchannels())

    def __str__(self) -> str:
        channels = "mono" if self.nchannels == 1 else f"{self.nchannels} channels"
        return f"{self.framerate} Hz {self.sampwidth * 8}-bit {channels}"


def _unreadable(path: Path, exc: BaseException) -> VoiceError:
    if isinstance(exc, FileNotFoundError):
        return VoiceError(f"Voice clip {path} is missing.")
    return VoiceError(f"Voice clip {path} is not a readable PCM WAV file ({exc}).")


def read_clip(path: Path) -> tuple[ClipFormat, bytes]:
    """The format and the audio frames of one clip."""
    try:
        with wave.open(str(path), "rb") as w:
            return ClipFormat.of(w), w.readframes(w.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise _unreadable(path, exc) from None


def clip_format(path: Path) -> ClipFormat:
    try:
        with wave.open(str(path), "rb") as w:
            return ClipFormat.of(w)
    except (wave.Error, EOFError, OSError) as exc:
        raise _unreadable(path, exc) from None


def _mismatch(path: Path, fmt: ClipFormat, ref_path: Path, ref: ClipFormat) -> VoiceError:
    return VoiceError(
        f"Voice clip {path} is {fmt} but {ref_path.name} is {ref}; "
        "all clips must share one format."
    )


def join_wavs(paths: Iterable[str | os.PathLike[str]], out_path: str | os.PathLike[str]) -> float:
    """Write the clips one after the other into `out_path`; returns its length in seconds.

    All clips must share one format (rate, sample width, channels)."""
    clips = [(Path(raw), *read_clip(Path(raw))) for raw in paths]
    if not clips:
        raise VoiceError("No voice clips to join.")
    first_path, fmt, _ = clips[0]
    for path, other, _ in clips[1:]:
        if other != fmt:
            raise _mismatch(path, other, first_path, fmt)
    # Open the file first: wave.open(path) leaves a half-made writer whose __del__ fails
    # when the file cannot be created (e.g. its folder is gone at shutdown).
    with open(out_path, "wb") as fh, wave.open(fh, "wb") as out:
        out.setnchannels(fmt.nchannels)
        out.setsampwidth(fmt.sampwidth)
        out.setframerate(fmt.framerate)
        for _, _, frames in clips:
            out.writeframes(frames)
        return out.getnframes() / fmt.framerate


class ClipLibrary:
    """A folder holding every clip of `CLIP_NAMES`, all in one format (checked at start)."""

    def __init__(self, folder: str | os.PathLike[str] = VOICE_DIR,
                 names: Sequence[str] = CLIP_NAMES) -> None:
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise VoiceError(f"Voice clip folder {self.folder} does not exist.")
        self.format = self._check(names)
        self._seconds: dict[str, float] = {}

    def _check(self, names: Sequence[str]) -> ClipFormat:
        missing = [n for n in names if not self.path(n).is_file()]
        if missing:
            more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
            raise VoiceError(
                f"Voice clip {self.path(missing[0])} is missing{more}; "
                "run tools/make_voice_clips.py or copy in the complete studio set."
            )
        ref_path = self.path(names[0])
        ref = clip_format(ref_path)
        for name in names[1:]:
            fmt = clip_format(self.path(name))
            if fmt != ref:
                raise _mismatch(self.path(name), fmt, ref_path, ref)
        return ref

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.wav"

    def join(self, names: Iterable[str], out_path: str | os.PathLike[str]) -> float:
        """Join the named clips into `out_path`; returns its length in seconds."""
        return join_wavs((self.path(n) for n in names), out_path)

    def seconds(self, name: str) -> float:
        """The length of one clip (read once from its header)."""
        found = self._seconds.get(name)
        if found is None:
            try:
                with wave.open(str(self.path(name)), "rb") as w:
                    found = w.getnframes() / w.getframerate()
            except (wave.Error, EOFError, OSError) as exc:
                raise _unreadable(self.path(name), exc) from None
            self._seconds[name] = found
        return found


# --- players and the queue -------------------------------------------------------------


class ClipPlayer(Protocol):
    """Plays one WAV file and calls `finished` exactly once when it has ended (or failed)."""

    def play(self, wav: Path, finished: Callable[[], None]) -> None: ...

    def stop(self) -> None: ...


class Announcer(Protocol):
    """What a display needs: hand over a call, it is spoken in turn."""

    def announce(self, call: Call) -> None: ...


class NullPlayer:
    """Headless machines: plays nothing, reports each announcement finished at once.

    `played` names the latest RECORD_LIMIT files handed over (a display runs for weeks)."""

    def __init__(self) -> None:
        self.played: list[str] = []

    def play(self, wav: Path, finished: Callable[[], None]) -> None:
        self.played.append(wav.name)
        if len(self.played) > RECORD_LIMIT:
            del self.played[:-RECORD_LIMIT]
        log.debug("no audio output; skipped %s", wav.name)
        finished()

    def stop(self) -> None:
        """Nothing is ever playing."""


MAX_LAG_S = 10.0  # README: a call is spoken at most this long after it is made (calls every 3 s)
RECORD_LIMIT = 500  # spoken / dropped / heard keep this many of the latest


@dataclass(frozen=True)
class Heard:
    """When a call was handed in and when its own words began (for the lag figures)."""

    call: Call
    queued_at: float
    started_at: float
    merged: bool  # spoken in a short merged sentence, not the full announcement

    @property
    def lag_s(self) -> float:
        return self.started_at - self.queued_at


@dataclass(frozen=True)
class _Waiting:
    call: Call
    queued_at: float


@dataclass(frozen=True)
class _Segment:
    """One WAV: the calls whose words begin in it, at which clip each begins."""

    clips: list[str]
    calls: tuple[_Waiting, ...] = ()
    starts: tuple[int, ...] = ()
    merged: bool = False


class AnnouncementQueue:
    """Speaks calls one after another and keeps the hall current.

    A call arriving in a quiet hall gets the full announcement (chime, Mandarin, English,
    repeats as configured), played in segments. Whenever a call is waiting at the end of a
    segment, the rest of the announcement (English, repeats) is dropped; one waiting call
    is then spoken as its Mandarin sentence without the chime, several as one short
    sentence (请 A023 到 3 号 B105 到 5 号). A counter has at most one waiting call: a newer
    call at the same counter replaces the older one (that customer has been served or
    missed by now), so the queue is bounded by the number of counters and a counter's
    latest call is never skipped. With the committed clips and a call every 3 s a call's
    words begin at most about 6.3 s after it is handed in (tests/faults/test_announce_lag.py).

    Does not deduplicate events (announcing each call exactly once is the change feed's job).
    """

    def __init__(self, library: ClipLibrary, player: ClipPlayer, *, english: bool = True,
                 repeat: int = 1, work_dir: str | os.PathLike[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if repeat < 1:
            raise VoiceError(f"Announcement repeat count must be 1 or more, not {repeat}.")
        self.library = library
        self.player = player
        self.english = english
        self.repeat = repeat
        self.clock = clock
        self._own_dir = work_dir is None
        self.work_dir = Path(work_dir or tempfile.mkdtemp(prefix="kiosk-voice-"))
        self._waiting: deque[_Waiting] = deque()
        self._rest: deque[_Segment] = deque()  # the optional sentences of the call speaking
        self._playing: _Segment | None = None
        self._speaking: tuple[Call, ...] = ()
        self._serial = 0
        self._current_serial = 0
        self._pumping = False
        self.spoken: list[Call] = []  # calls whose words have been spoken, in order
        self.dropped: list[Call] = []  # waiting calls replaced by a newer call at their counter
        self.heard: list[Heard] = []  # when each spoken call's words began

    @classmethod
    def from_settings(cls, display: DisplaySettings, library: ClipLibrary, player: ClipPlayer,
                      work_dir: str | os.PathLike[str] | None = None,
                      clock: Callable[[], float] = time.monotonic) -> AnnouncementQueue:
        return cls(library, player, english=display.announce_english,
                   repeat=display.announce_repeat, work_dir=work_dir, clock=clock)

    @property
    def current(self) -> Call | None:
        """The call being spoken now (the first one of a merged sentence), if any."""
        return self._speaking[0] if self._speaking else None

    @property
    def pending(self) -> tuple[Call, ...]:
        return tuple(w.call for w in self._waiting)

    def sizes(self) -> dict[str, int]:
        """What the queue holds (each bounded: one waiting call per counter, records
        capped at RECORD_LIMIT)."""
        return {"calls_waiting": len(self._waiting), "announcer_segments": len(self._rest),
                "announcer_records": len(self.spoken) + len(self.dropped) + len(self.heard)}

    def announce(self, call: Call) -> None:
        """Queue `call`; it is spoken once what is being spoken now has finished.

        Raises VoiceError at once (queueing nothing) when the call cannot be spoken."""
        clip_sequence(call, self.english, self.repeat)  # refuse it now, not when it is due
        for older in [w for w in self._waiting if w.call.counter == call.counter]:
            self._waiting.remove(older)
            self._record(self.dropped, older.call)
            log.info("dropped %s: counter %d has called again", older.call, call.counter)
        self._waiting.append(_Waiting(call, self.clock()))
        log.info("queued %s (%d waiting)", call, len(self._waiting))
        self._pump(quiet=self._playing is None)

    def clear(self) -> None:
        """Drop waiting calls and stop the one being spoken (display shutting down)."""
        self._waiting.clear()
        self._rest.clear()
        self._speaking = ()
        if self._playing is not None:
            self._playing = None
            self.player.stop()

    def close(self) -> None:
        self.clear()
        if self._own_dir:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def _pump(self, quiet: bool) -> None:
        if self._pumping:  # a player that finishes synchronously re-enters here
            return
        self._pumping = True
        try:
            while self._playing is None:
                segment = self._next_segment(quiet)
                if segment is None:
                    self._speaking = ()
                    return
                self._start(segment)
        finally:
            self._pumping = False

    def _next_segment(self, quiet: bool) -> _Segment | None:
        if self._waiting:
            self._rest.clear()  # behind: the English sentence and repeats can go
            if quiet and len(self._waiting) == 1:
                waiting = self._waiting.popleft()
                first, *rest = call_segments(waiting.call, self.english, self.repeat)
                self._rest.extend(_Segment(clips) for clips in rest)
                return _Segment(first, (waiting,), (1,))  # the words begin after the chime
            if len(self._waiting) == 1:
                waiting = self._waiting.popleft()
                return _Segment(zh_call_clips(waiting.call), (waiting,), (0,))
            calls = tuple(self._waiting)
            self._waiting.clear()
            clips, starts = merged_clips([w.call for w in calls], chime=quiet)
            return _Segment(clips, calls, starts, merged=True)
        if self._rest:
            return self._rest.popleft()
        return None

    def _start(self, segment: _Segment) -> None:
        self._serial += 1
        wav = self.work_dir / f"announcement-{self._serial}.wav"
        what = ", ".join(str(w.call) for w in segment.calls) or "the rest of the call"
        try:
            started = time.perf_counter()
            seconds = self.library.join(segment.clips, wav)
            log.debug("joined %d clips (%.1f s) in %.1f ms", len(segment.clips), seconds,
                      (time.perf_counter() - started) * 1000)
        except (VoiceError, OSError) as exc:
            log.error("cannot announce %s: %s", what, exc)
            return
        now = self.clock()
        self._playing = segment
        self._current_serial = self._serial
        if segment.calls:
            self._speaking = tuple(w.call for w in segment.calls)
        log.info("announcing %s", what)
        try:
            self.player.play(wav, self._when_finished(self._serial, wav))
        except Exception:
            log.exception("audio player failed on %s", what)
            self._playing = None
            self._speaking = ()
            self._rest.clear()  # not the English sentence of a call that was never heard
            wav.unlink(missing_ok=True)
            return
        for waiting, start in zip(segment.calls, segment.starts, strict=True):
            offset = sum(self.library.seconds(n) for n in segment.clips[:start])
            self._record(self.heard, Heard(waiting.call, waiting.queued_at, now + offset,
                                           segment.merged))

    def _when_finished(self, serial: int, wav: Path) -> Callable[[], None]:
        def finished() -> None:
            wav.unlink(missing_ok=True)
            segment = self._playing
            if segment is None or self._current_serial != serial:
                return  # a late report after clear(), or a second report
            self._playing = None
            for waiting in segment.calls:
                self._record(self.spoken, waiting.call)
            self._pump(quiet=False)

        return finished

    @staticmethod
    def _record(log_list: list[Any], item: Any) -> None:
        log_list.append(item)
        if len(log_list) > RECORD_LIMIT:
            del log_list[:-RECORD_LIMIT]

