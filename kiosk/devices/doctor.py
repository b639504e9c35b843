"""Device checks for `kiosk doctor`, the lobby manager's check before opening.

Each check returns a `Check` (one line of the report); none raises, so one broken device
never hides the state of the others.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from kiosk.config import PrinterSettings, ReaderSettings
from kiosk.devices.checks import FAIL, OK, WARN, Check, guarded
from kiosk.devices.fonts import cjk_font_path
from kiosk.devices.idcard import IdCardReader
from kiosk.devices.magstripe import SerialCardReader
from kiosk.devices.printer import PrinterState, make_printer

log = logging.getLogger(__name__)

def check_printer(settings: PrinterSettings) -> Check:
    printer = make_printer(settings)
    try:
        status = printer.status()
    finally:
        printer.close()
    where = f"{settings.backend} {settings.target}".strip()
    text = f"{status.message_en} [{where}, {settings.paper} mm, {settings.encoding}]"
    if status.state == PrinterState.PAPER_NEAR_END:
        return Check("printer", WARN, text)
    return Check("printer", OK if status.can_print else FAIL,
                 text + (f" ({status.detail})" if status.detail and not status.can_print else ""))


def check_card_reader(url: str, baudrate: int = 9600) -> Check:
    card = SerialCardReader(url, baudrate)
    present = card.present()
    card.close()
    return Check("card", OK if present else FAIL,
                 f"card reader on {url} " + ("opened" if present else "cannot be opened"))


def check_id_reader(url: str, baudrate: int) -> Check:
    reader = IdCardReader(url, baudrate, timeout_s=0.5)
    present = reader.present()
    reader.close()
    return Check("id_reader", OK if present else FAIL,
                 f"ID card reader on {url} " + ("answers" if present else "does not answer"))


def check_readers(settings: ReaderSettings) -> list[Check]:
    checks = []
    if settings.card_serial:
        checks.append(guarded("card", lambda: check_card_reader(settings.card_serial,
                                                                    settings.card_baudrate)))
    if settings.id_serial:
        checks.append(guarded("id_reader",
                              lambda: check_id_reader(settings.id_serial, settings.baudrate)))
    if settings.wedge:
        checks.append(Check("wedge", OK, "keyboard-wedge card reader enabled (test it with a "
                                         "swipe on the kiosk screen)"))
    if not checks:
        checks.append(Check("readers", WARN, "no card or ID reader configured; manual entry only"))
    return checks


def check_fonts() -> Check:
    path = cjk_font_path()
    if path is None:
        return Check("fonts", FAIL, "no font with Chinese glyphs; install fonts-wqy-microhei or "
                                    "put a CJK font in assets/fonts/")
    return Check("fonts", OK, f"Chinese glyphs from {path}")


def audio_output_present() -> bool | None:
    """True/False on Linux (ALSA cards or a PulseAudio/PipeWire socket); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    cards = Path("/proc/asound/cards")
    if cards.is_file() and "no soundcards" not in cards.read_text(errors="replace"):
        return True
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR", f"/run/user/{os.getuid()}"))
    return (runtime / "pulse" / "native").exists() or (runtime / "pipewire-0").exists()


def check_audio() -> Check:
    from kiosk.devices.announcer import ClipLibrary

    clips = ClipLibrary()  # VoiceError (a KioskError) names the missing clip
    present = audio_output_present()
    if present is False:
        return Check("audio", FAIL, f"voice clips complete ({clips.format}), but no audio "
                                    "output device (no ALSA card, no PulseAudio/PipeWire)")
    where = "audio output present" if present else "audio output not checked on this system"
    return Check("audio", OK, f"voice clips complete ({clips.format}); {where}")


def device_checks(printer: PrinterSettings, readers: ReaderSettings) -> list[Check]:
    return [guarded("printer", lambda: check_printer(printer)), *check_readers(readers),
            guarded("fonts", check_fonts), guarded("audio", check_audio)]
