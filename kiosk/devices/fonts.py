"""Where to find a font with Chinese glyphs, and whether a font really has them.

The kiosk screen (Qt) and the ticket preview (Pillow) both use `cjk_font_path()`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

ASSET_FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"

# Common places for a CJK font on Debian/Ubuntu, Fedora, macOS and Windows.
SYSTEM_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)

# Characters every ticket and screen needs: digits, the tiers and the full-width colon.
PROBE_TEXT = "号前等候请紫金白金普通：０"
_TOFU_PROBE = "\U0010fffd"  # a private-use code point no font draws: its shape is the tofu


def has_cjk_glyphs(path: str | Path, probe: str = PROBE_TEXT) -> bool:
    """True when the font draws every character of `probe` as a real glyph.

    Pillow falls back to the font's .notdef glyph (tofu) for a missing character, so a
    character counts as present when it draws something different from that tofu.
    """
    try:
        font = ImageFont.truetype(str(path), 32)
    except OSError:
        return False
    tofu = _glyph(font, _TOFU_PROBE)
    return all(_glyph(font, ch) not in (tofu, b"") for ch in probe)


def _glyph(font: ImageFont.FreeTypeFont, ch: str) -> bytes:
    mask = font.getmask(ch)
    return repr(mask.size).encode() + bytes(mask)


def cjk_font_path(extra: tuple[str | Path, ...] = ()) -> Path | None:
    """The first usable CJK font: `extra`, then assets/fonts/, then system paths."""
    bundled = sorted(ASSET_FONTS.glob("*.tt[fc]")) + sorted(ASSET_FONTS.glob("*.otf"))
    for candidate in (*extra, *bundled, *SYSTEM_CJK_FONTS):
        path = Path(candidate)
        if path.is_file() and has_cjk_glyphs(path):
            return path
    log.warning("no font with Chinese glyphs found; Chinese text will show as boxes")
    return None
