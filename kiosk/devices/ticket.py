"""What goes on a ticket, laid out once and rendered twice: ESC/POS bytes and a preview.

`ticket_blocks()` turns a `TicketData` into a list of plain blocks (text lines, a QR
code, a rule); `escpos_bytes()` turns the blocks into exactly what the printer receives
and `kiosk.devices.preview` draws the same blocks as an image, so the preview shows what
the paper will show.

Chinese text is encoded here (GB18030 or GBK, per printer) and sent raw: python-escpos
sends CJK strings whole without `FS &` and prints lines of only full-width punctuation
as `???` (see FIELD-NOTES). python-escpos's `Dummy` printer records everything else
(sizes, alignment, native QR, cut), so the command bytes are the library's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

import qrcode
from PIL import Image

from kiosk.config import PrinterSettings, Settings
from kiosk.devices.escpos_lib import CAPABILITIES, QR_ECLEVEL_M, Dummy, EscposImage, get_profile
from kiosk.errors import ConfigError
from kiosk.links import ticket_token
from kiosk.waits import ahead_phrase, wait_minutes, wait_phrase

log = logging.getLogger(__name__)

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
CHINESE_ON = FS + b"&"  # FS &: Kanji/Chinese character mode on
CHINESE_OFF = FS + b"."  # FS .: off

Align = Literal["left", "center"]


@dataclass(frozen=True)
class Paper:
    mm: int
    dots: int  # printable width in dots (203 dpi)
    columns: int  # half-width characters per line in font A (12 x 24 dots)
    number_scale: int  # character multiplier for the ticket number
    qr_module: int  # dots per QR module


PAPERS = {
    80: Paper(80, 576, 48, 6, 6),
    58: Paper(58, 384, 32, 4, 5),
}


def paper(mm: int) -> Paper:
    try:
        return PAPERS[mm]
    except KeyError:
        raise ConfigError(f"printer.paper: must be 58 or 80, not {mm!r}") from None


@dataclass(frozen=True)
class TicketData:
    """Everything printed on one ticket; plain data, no database rows."""

    branch_zh: str
    branch_en: str
    number: str
    service_zh: str
    service_en: str
    issued_at: datetime
    ahead: int = 0
    wait_s: float | None = None
    beyond: bool = False  # ahead and wait_s are lower bounds (a very long queue)
    tier_key: str = "regular"
    tier_zh: str = ""
    tier_en: str = ""
    vip: bool = False  # print the tier line (a tier above regular)
    customer_masked: str = ""  # 王*明, never a clear name or number
    qr: str = ""  # the text in the QR code: URL prefix + ticket token
    notice_zh: str = ""
    notice_en: str = ""
    booked_at: str = ""  # a booked customer's slot, "10:30" (预约); "" for a walk-in


class TicketLike(Protocol):
    """The queue's ticket view as far as a ticket needs it (no import of the queue layer)."""

    @property
    def id(self) -> int: ...

    @property
    def number(self) -> str: ...

    @property
    def service_name_zh(self) -> str: ...

    @property
    def service_name_en(self) -> str: ...

    @property
    def tier(self) -> str: ...

    @property
    def tier_name_zh(self) -> str: ...

    @property
    def tier_name_en(self) -> str: ...

    @property
    def arrived_at(self) -> datetime: ...

    @property
    def customer_masked(self) -> str: ...

    @property
    def ahead(self) -> int | None: ...

    @property
    def estimated_wait_s(self) -> float | None: ...

    @property
    def beyond(self) -> bool: ...


def ticket_data(view: TicketLike, settings: Settings) -> TicketData:
    """What to print for a ticket of the queue, with the branch's texts and QR prefix (the
    one definition: the kiosk, `kiosk ticket` and the bench all print from it; no prefix
    configured, no QR)."""
    token = ticket_token(view.id, view.arrived_at, settings.hash_secret)
    tier = next((t for t in settings.tiers if t.key == view.tier), settings.regular_tier)
    return TicketData(
        branch_zh=settings.branch.name_zh, branch_en=settings.branch.name_en,
        number=view.number, service_zh=view.service_name_zh, service_en=view.service_name_en,
        issued_at=view.arrived_at, ahead=view.ahead or 0, wait_s=view.estimated_wait_s,
        beyond=view.beyond,
        tier_key=tier.key, tier_zh=tier.name_zh, tier_en=tier.name_en,
        vip=tier.priority, customer_masked=view.customer_masked,
        qr=settings.printer.qr_url_prefix + token if settings.printer.qr_url_prefix else "",
        notice_zh=settings.printer.notice_zh, notice_en=settings.printer.notice_en,
        booked_at=_booked_at(view),
    )


def _booked_at(view: TicketLike) -> str:
    slot = getattr(view, "booked_slot_at", None)  # the queue's views carry it
    return slot.strftime("%H:%M") if slot is not None else ""


@dataclass(frozen=True)
class LayoutOptions:
    paper: int = 80
    encoding: str = "gb18030"
    chinese_mode: bool = False
    native_qr: bool = True
    profile: str = "default"

    @classmethod
    def from_settings(cls, s: PrinterSettings, paper_mm: int | None = None) -> LayoutOptions:
        return cls(paper=paper_mm or s.paper, encoding=s.encoding, chinese_mode=s.chinese_mode,
                   native_qr=s.native_qr, profile=s.profile)

    @property
    def uses_native_qr(self) -> bool:
        return self.native_qr and bool(printer_profile(self.profile).supports("qrCode"))


def printer_profile(name: str) -> Any:
    if name not in CAPABILITIES["profiles"]:
        raise ConfigError(f"printer.profile: unknown printer profile {name!r} "
                          "(see python-escpos's capabilities list)")
    return get_profile(name)


# --- blocks ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TextLine:
    text: str
    scale: int = 1  # width and height multiplier, 1-8
    bold: bool = False
    align: Align = "center"


@dataclass(frozen=True)
class QrCode:
    data: str
    module: int  # dots per module


@dataclass(frozen=True)
class Rule:
    """A dashed line across the paper."""


Block = TextLine | QrCode | Rule


def char_width(ch: str, encoding: str = "gb18030") -> int:
    """Columns a character takes on the printer: multi-byte characters print full width."""
    try:
        return 2 if len(ch.encode(encoding)) > 1 else 1
    except UnicodeEncodeError:
        return 1  # printed as "?"


def text_width(text: str, encoding: str = "gb18030") -> int:
    return sum(char_width(ch, encoding) for ch in text)


def wrap(text: str, columns: int, encoding: str = "gb18030") -> list[str]:
    """Break text into lines of at most `columns` printer columns, at spaces when possible."""
    lines: list[str] = []
    line = ""
    for ch in text:
        if text_width(line + ch, encoding) <= columns:
            line += ch
            continue
        cut = line.rfind(" ")
        if ch == " ":
            lines.append(line)
            line = ""
        elif cut > 0 and ch.isascii() and line[-1].isascii():
            lines.append(line[:cut])
            line = line[cut + 1:] + ch
        else:
            lines.append(line)
            line = ch
    if line.strip() or not lines:
        lines.append(line)
    return [ln.rstrip() for ln in lines]


def _lines(text: str, p: Paper, enc: str, scale: int = 1, bold: bool = False) -> Iterator[TextLine]:
    if not text:
        return
    for ln in wrap(text, p.columns // scale, enc):
        yield TextLine(ln, scale, bold)


def ticket_blocks(t: TicketData, p: Paper, encoding: str = "gb18030") -> list[Block]:
    """The ticket, top to bottom."""
    blocks: list[Block] = [
        *_lines(t.branch_zh, p, encoding, bold=True),
        *_lines(t.branch_en, p, encoding),
        Rule(),
        TextLine(t.number, p.number_scale, bold=True),
        *_lines(t.service_zh, p, encoding, scale=2),
        *_lines(t.service_en, p, encoding),
    ]
    if t.vip and (t.tier_zh or t.tier_en):
        blocks += _lines(f"{t.tier_zh}客户 {t.tier_en}".strip(), p, encoding, bold=True)
    if t.customer_masked:
        blocks += _lines(f"客户 Customer：{t.customer_masked}", p, encoding)
    if t.booked_at:  # called at the slot: the queue's wait now is no guide to it
        blocks += _lines(f"预约 {t.booked_at} Booked", p, encoding, bold=True)
        blocks += [*_lines("届时优先叫号", p, encoding), *_lines("Called first at your time", p,
                                                              encoding)]
    else:
        blocks += _wait_lines(t, p, encoding)
    blocks += _lines(t.issued_at.strftime("%Y-%m-%d %H:%M:%S"), p, encoding)
    if t.qr:
        blocks.append(QrCode(t.qr, p.qr_module))
    blocks += [*_lines(t.notice_zh, p, encoding), *_lines(t.notice_en, p, encoding)]
    return blocks


def _wait_lines(t: TicketData, p: Paper, enc: str) -> list[TextLine]:
    if t.ahead <= 0:
        zh, en = "前面没有人在等候", "You are next"
    else:
        zh, en = ahead_phrase(t.ahead, t.beyond)
    lines = [*_lines(zh, p, enc), *_lines(en, p, enc)]
    if t.wait_s is not None and t.ahead > 0:
        zh, en = wait_phrase(t.wait_s, t.beyond)
        en = f"Wait {en}" if t.beyond else f"About {wait_minutes(t.wait_s)} min wait"
        lines += [*_lines(f"预计等候{zh}", p, enc), *_lines(en, p, enc)]
    return lines


# --- ESC/POS ---------------------------------------------------------------------------

@dataclass
class _Writer:
    """Sends style changes only when they change, to keep tickets small for serial lines."""

    opts: LayoutOptions
    printer: Dummy = field(init=False)
    align: str = ""
    scale: int = 0
    bold: bool | None = None

    def __post_init__(self) -> None:
        printer_profile(self.opts.profile)  # a clear error for an unknown name
        self.printer = Dummy(profile=self.opts.profile)

    def style(self, align: str, scale: int = 1, bold: bool = False) -> None:
        if align != self.align:
            self.printer.set(align=align)
            self.align = align
        if scale != self.scale:
            self.printer.set(custom_size=True, width=scale, height=scale)
            self.scale = scale
        if bold != self.bold:
            self.printer.set(bold=bold)
            self.bold = bold

    def raw(self, data: bytes) -> None:
        self.printer._raw(data)


def encode_text(text: str, encoding: str = "gb18030", chinese_mode: bool = False) -> bytes:
    """A line of text as the printer's double-byte encoding; unencodable characters as "?"."""
    parts = []
    for ch in text:
        if ch < " " or "\x7f" <= ch <= "\x9f":  # control characters would be printer commands
            ch = " "
        try:
            parts.append(ch.encode(encoding))
        except UnicodeEncodeError:
            parts.append(b"?")
    data = b"".join(parts)
    if chinese_mode and any(b >= 0x80 for b in data):
        return CHINESE_ON + data + CHINESE_OFF
    return data


def escpos_bytes(blocks: Sequence[Block], opts: LayoutOptions) -> bytes:
    """Exactly the bytes a printer receives for these blocks, ending with a cut."""
    w = _Writer(opts)
    w.printer.hw("INIT")
    p = paper(opts.paper)
    for block in blocks:
        if isinstance(block, TextLine):
            w.style(block.align, block.scale, block.bold)
            w.raw(encode_text(block.text, opts.encoding, opts.chinese_mode) + b"\n")
        elif isinstance(block, Rule):
            w.style("center")
            w.raw(b"-" * p.columns + b"\n")
        elif isinstance(block, QrCode):
            w.style("center")
            _qr(w, block, opts)
    w.printer.cut(mode="PART")
    return w.printer.output


def _qr(w: _Writer, block: QrCode, opts: LayoutOptions) -> None:
    if opts.uses_native_qr:
        w.printer.qr(block.data, ec=QR_ECLEVEL_M, size=block.module, native=True)
        w.raw(b"\n")
        return
    img = qr_image(block.data, block.module, border=2)
    raster = EscposImage(img)
    header = (GS + b"v0\x00" + raster.width_bytes.to_bytes(2, "little")
              + raster.height.to_bytes(2, "little"))
    w.raw(header + raster.to_raster_format() + b"\n")


def qr_image(data: str, module: int, border: int = 4) -> Image.Image:
    """A black-on-white QR code, `module` pixels per module."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module,
                         border=border)
    code.add_data(data)
    code.make(fit=True)
    img = code.make_image()
    return img.get_image().convert("1")


def render_ticket(t: TicketData, opts: LayoutOptions) -> bytes:
    return escpos_bytes(ticket_blocks(t, paper(opts.paper), opts.encoding), opts)

