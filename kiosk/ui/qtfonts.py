"""Chinese on screen whatever fonts the machine has: load a CJK font, check its glyphs.

At start the kiosk loads the first usable CJK font (`assets/fonts/`, then the system
paths of `kiosk.devices.fonts`) into Qt with `QFontDatabase.addApplicationFont`, makes it
the application font and checks with `QFontMetrics.inFontUcs4` that it draws the
characters the screens use (FIELD-NOTES: `QRawFont.supportsCharacter` gives false
negatives).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase, QFontMetrics
from PySide6.QtWidgets import QApplication

from kiosk.devices.fonts import cjk_font_path

log = logging.getLogger(__name__)

# Every Chinese character of the fixed kiosk screens is checked too (see missing_glyphs).
PROBE = "请刷卡或插入身份证不取号尊敬的黄金客户您好前面还有人预计等候分钟打印机缺纸暂停服务"


@dataclass(frozen=True)
class UiFont:
    family: str
    path: Path | None
    missing: str  # probe characters the font cannot draw ("" when all are there)


def missing_glyphs(font: QFont, text: str) -> str:
    """The characters of `text` that `font` itself has no glyph for (no fallback)."""
    metrics = QFontMetrics(font)
    seen: dict[str, None] = {}
    for ch in text:
        if not ch.isspace() and not metrics.inFontUcs4(ord(ch)):
            seen[ch] = None
    return "".join(seen)


def install_cjk_font(app: QApplication, probe: str = PROBE) -> UiFont:
    """Load a CJK font, make it the application font, and report what it cannot draw."""
    path = cjk_font_path()
    family = app.font().family()
    if path is not None:
        font_id = QFontDatabase.addApplicationFont(str(path))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            family = families[0]
        else:
            log.warning("Qt could not load the font %s", path)
    font = QFont(family)
    font.setStyleStrategy(QFont.StyleStrategy.PreferAntialias)
    app.setFont(font)
    missing = missing_glyphs(font, probe)
    if missing:
        log.warning("font %r cannot draw %r: Chinese may show as boxes", family, missing)
    return UiFont(family, path, missing)
