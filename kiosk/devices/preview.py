"""Draw a ticket's blocks as the paper would show them (Pillow; no Qt).

The same blocks as the ESC/POS bytes: one printer column is 12 dots, one text line 24
dots times its scale, so the preview has the paper's real width in dots.
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.devices.fonts import cjk_font_path
from kiosk.devices.ticket import (
    Block,
    LayoutOptions,
    QrCode,
    Rule,
    TextLine,
    TicketData,
    paper,
    qr_image,
    ticket_blocks,
)

log = logging.getLogger(__name__)

LINE_DOTS = 24  # font A line height
MARGIN = 16  # white paper above and below, in dots

FontType = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=16)
def _font(path: Path | None, size: int) -> FontType:
    if path is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(path), size)


def _block_image(block: Block, width: int, font_path: Path | None) -> Image.Image:
    if isinstance(block, QrCode):
        code = qr_image(block.data, block.module, border=4)
        img = Image.new("1", (width, code.height + 8), 1)
        img.paste(code, (max(0, (width - code.width) // 2), 4))
        return img
    if isinstance(block, Rule):
        img = Image.new("1", (width, LINE_DOTS), 1)
        draw = ImageDraw.Draw(img)
        for x in range(0, width, 12):
            draw.line((x, LINE_DOTS // 2, x + 7, LINE_DOTS // 2), fill=0, width=2)
        return img
    return _text_image(block, width, font_path)


def _text_image(line: TextLine, width: int, font_path: Path | None) -> Image.Image:
    height = LINE_DOTS * line.scale
    font = _font(font_path, height - 2 * line.scale)
    img = Image.new("1", (width, height + 4), 1)
    draw = ImageDraw.Draw(img)
    text_w = draw.textlength(line.text, font=font)
    x = (width - text_w) / 2 if line.align == "center" else 0
    draw.text((x, 2), line.text, font=font, fill=0,
              stroke_width=1 if line.bold else 0, stroke_fill=0)
    return img


def render_blocks(blocks: list[Block], width: int, font_path: Path | None = None) -> Image.Image:
    """The whole ticket as a black-and-white image `width` dots wide."""
    font_path = font_path or cjk_font_path()
    parts = [_block_image(b, width, font_path) for b in blocks]
    height = sum(p.height for p in parts) + 2 * MARGIN
    ticket = Image.new("1", (width, height), 1)
    y = MARGIN
    for part in parts:
        ticket.paste(part, (0, y))
        y += part.height
    return ticket


def render_preview(t: TicketData, opts: LayoutOptions,
                   font_path: Path | None = None) -> Image.Image:
    p = paper(opts.paper)
    return render_blocks(ticket_blocks(t, p, opts.encoding), p.dots, font_path)


def preview_png(t: TicketData, opts: LayoutOptions, font_path: Path | None = None) -> bytes:
    buf = io.BytesIO()
    render_preview(t, opts, font_path).save(buf, format="PNG", optimize=True)
    return buf.getvalue()
