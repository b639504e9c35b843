"""Make the hall display's voice clips: `python tools/make_voice_clips.py assets/voice`.

Mandarin with espeak-ng's `cmn-latn-pinyin` voice from tone-numbered pinyin (the plain
`cmn` voice mangles Chinese characters), English with `en-us`, the chime and the pause
synthesised here. Every clip is trimmed of silence, normalised and written as mono
16 kHz 16-bit PCM WAV. Also writes the folder's README.md naming every clip.

Idempotent: the clips are made in a scratch folder first and a file is replaced only when
its bytes differ, so a second run changes nothing. Needs espeak-ng and sox (Debian
packages `espeak-ng` and `sox`); without them it says so and leaves the folder alone.
"""

from __future__ import annotations

import argparse
import array
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from kiosk.devices.announcer import CLIP_NAMES, DIGITS, LETTERS

RATE = 16000
ZH_VOICE = "cmn-latn-pinyin"
EN_VOICE = "en-us"
SPEED_WPM = 150
TAIL_S = 0.06  # silence kept after each word so joined clips do not run together
PAUSE_S = 0.4

ZH_DIGITS = ("ling2", "yi1", "er4", "san1", "si4", "wu3", "liu4", "qi1", "ba1", "jiu3")
ZH_TEXT = {
    "zh_qing": ("qing3", "请"),
    "zh_hao": ("hao4", "号"),
    "zh_dao": ("dao4", "到"),
    "zh_hao_chuang_kou": ("hao4 chuang1 kou3", "号窗口"),
    "zh_ban_li_ye_wu": ("ban4 li3 ye4 wu4", "办理业务"),
    "zh_shi": ("shi2", "十"),
    "zh_bai": ("bai3", "百"),
    "zh_liang": ("liang3", "两"),
    **{f"zh_digit_{d}": (ZH_DIGITS[int(d)], "零一二三四五六七八九"[int(d)]) for d in DIGITS},
    **{f"zh_letter_{c}": (c, f"字母 {c}") for c in LETTERS},  # as letters are said in calls
}
EN_TEXT = {
    "en_number": "Number",
    "en_please_go_to_counter": "please go to counter",
    "en_hundred": "hundred",
    **{f"en_digit_{d}": d for d in DIGITS},
    **{f"en_num_{n}": str(n) for n in [*range(10, 20), *range(20, 100, 10)]},
    **{f"en_letter_{c}": c for c in LETTERS},
}

LICENCE = """\
## Licence

The speech clips are output of espeak-ng (GPL-3.0-or-later, https://github.com/espeak-ng/espeak-ng),
made by `tools/make_voice_clips.py`; the chime and the pause are synthesised by that script.
No third-party recording is included. The program's output is not a copy of the program, so
the clips are distributed with this project under the project's own terms. A studio set that
replaces them is under whatever terms the bank agreed with the studio.
"""


def _write_wav(path: Path, samples: array.array[int]) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())


def make_chime(path: Path) -> None:
    """A two-note "ding-dong" (G5 then E5) with a soft attack and a bell-like decay."""
    samples = array.array("h")
    for freq, length in ((784.0, 0.55), (659.3, 0.9)):
        for i in range(int(RATE * length)):
            t = i / RATE
            envelope = min(1.0, t / 0.005) * math.exp(-4.0 * t)
            tone = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            samples.append(round(0.45 * 32767 * envelope * tone / 1.3))
    samples.extend([0] * int(RATE * 0.15))
    _write_wav(path, samples)


def make_pause(path: Path) -> None:
    _write_wav(path, array.array("h", [0] * int(RATE * PAUSE_S)))


def speak(voice: str, text: str, path: Path, scratch: Path) -> None:
    raw = scratch / "espeak.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(SPEED_WPM), "-w", str(raw), text],
                   check=True, capture_output=True)
    trim = ["silence", "1", "0.01", "0.2%"]
    subprocess.run(["sox", "-D", str(raw), "-b", "16", "-c", "1", str(path), *trim, "reverse",
                    *trim, "reverse", "rate", str(RATE), "gain", "-n", "-1",
                    "pad", "0", str(TAIL_S)], check=True, capture_output=True)


def make_all(scratch: Path) -> None:
    make_chime(scratch / "chime.wav")
    make_pause(scratch / "pause.wav")
    for name, (pinyin, _) in ZH_TEXT.items():
        speak(ZH_VOICE, pinyin, scratch / f"{name}.wav", scratch)
    for name, text in EN_TEXT.items():
        speak(EN_VOICE, text, scratch / f"{name}.wav", scratch)
    (scratch / "espeak.wav").unlink()


def readme() -> str:
    rows = [
        "| `chime.wav` | — | two-note chime before every call (synthesised) |",
        f"| `pause.wav` | — | {PAUSE_S} s of silence between sentences |",
    ]
    rows += [f"| `{n}.wav` | zh | {han} ({pinyin}) |" for n, (pinyin, han) in ZH_TEXT.items()]
    rows += [f"| `{n}.wav` | en | {text} |" for n, text in EN_TEXT.items()]
    return "\n".join([
        "# Voice clips for the hall display",
        "",
        "Made by `tools/make_voice_clips.py` (espeak-ng). A studio recording set replaces",
        "them one for one: same file names, every clip mono 16-bit PCM WAV, all clips in one",
        "format (16 kHz here), each trimmed with about 60 ms of silence after the word. The",
        "display checks at start that every clip exists and that all share one format.",
        "",
        "A call is joined from these clips, e.g. 「请 A023 号 到 3 号窗口 办理业务」 =",
        "chime, qing, letter A, digits 0 2 3, hao, dao, 3, hao chuang kou, ban li ye wu, pause,",
        "Number, A, 0, 2, 3, please go to counter, 3. Ticket numbers are read character by",
        "character; counter numbers as numbers (12 → 十二 / twelve, 200 → 两百 / two hundred).",
        "",
        "| file | language | spoken |",
        "|---|---|---|",
        *rows,
        "",
        LICENCE,
    ])


def install(scratch: Path, out: Path) -> tuple[int, int]:
    """Move clips whose bytes changed into `out`; returns (written, unchanged)."""
    written = unchanged = 0
    for made in sorted(scratch.iterdir()):
        target = out / made.name
        if target.is_file() and target.read_bytes() == made.read_bytes():
            unchanged += 1
            continue
        made.replace(target)
        written += 1
    return written, unchanged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="where the clips go, e.g. assets/voice")
    args = parser.parse_args(argv)
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        print(f"make_voice_clips: {' and '.join(missing)} not found; install the Debian "
              f"package(s) {' '.join(missing)}; no clips were changed.", file=sys.stderr)
        return 1
    expected = {"chime", "pause", *ZH_TEXT, *EN_TEXT}
    if expected != set(CLIP_NAMES):
        print(f"make_voice_clips: clip table differs from CLIP_NAMES: "
              f"{sorted(expected ^ set(CLIP_NAMES))}", file=sys.stderr)
        return 1
    out: Path = args.folder
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".voice-", dir=out) as tmp:
        scratch = Path(tmp)
        try:
            make_all(scratch)
        except subprocess.CalledProcessError as exc:
            print(f"make_voice_clips: {exc.cmd[0]} failed: {exc.stderr.decode().strip()}; "
                  "no clips were changed.", file=sys.stderr)
            return 1
        (scratch / "README.md").write_text(readme(), encoding="utf-8")
        written, unchanged = install(scratch, out)
    print(f"make_voice_clips: {written} files written, {unchanged} unchanged in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
