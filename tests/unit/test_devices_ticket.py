"""Ticket layout: exact ESC/POS bytes, Chinese encoding, QR (native and image), preview."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from kiosk.devices.preview import preview_png, render_preview
from kiosk.devices.ticket import (
    CHINESE_OFF,
    CHINESE_ON,
    LayoutOptions,
    TicketData,
    encode_text,
    render_ticket,
    text_width,
    ticket_token,
    wrap,
)
from kiosk.errors import ConfigError

URL = "https://q.example-bank.cn/t/1234.abcdef0123"
FULL = TicketData(
    branch_zh="光明银行 上海陆家嘴支行", branch_en="Guangming Bank · Shanghai Lujiazui Branch",
    number="V012", service_zh="贵宾理财", service_en="VIP wealth management",
    issued_at=datetime(2025, 1, 6, 9, 32, 5), ahead=12, wait_s=900, tier_key="platinum",
    tier_zh="白金", tier_en="Platinum", vip=True, customer_masked="王*明", qr=URL,
    notice_zh="请留意叫号，过号请重新取号", notice_en="Please listen for your number",
)


def gb(text: str) -> bytes:
    return text.encode("gb18030")


def test_a_minimal_58mm_ticket_is_exactly_these_bytes() -> None:
    t = TicketData("银行", "Bank", "A1", "现金", "Cash", datetime(2025, 1, 2, 3, 4, 5))
    expected = b"".join([
        b"\x1b@",  # ESC @ initialise
        b"\x1ba\x01", b"\x1d!\x00", b"\x1bE\x01", gb("银行"), b"\n",  # centre, 1x, bold
        b"\x1bE\x00", b"Bank\n",
        b"-" * 32 + b"\n",
        b"\x1d!\x33", b"\x1bE\x01", b"A1\n",  # the number at 4x4
        b"\x1d!\x11", b"\x1bE\x00", gb("现金"), b"\n",  # service at 2x2
        b"\x1d!\x00", b"Cash\n",
        gb("前面没有人在等候"), b"\n", b"You are next\n",
        b"2025-01-02 03:04:05\n",
        b"\x1bd\x06", b"\x1dV\x01",  # feed 6 lines, partial cut
    ])
    assert render_ticket(t, LayoutOptions(paper=58)) == expected


def test_chinese_lines_decode_back_from_gb18030() -> None:
    data = render_ticket(FULL, LayoutOptions(paper=80))
    text = data.decode("gb18030", errors="strict")
    for line in ("光明银行 上海陆家嘴支行", "贵宾理财", "白金客户 Platinum", "客户 Customer：王*明",
                 "前面还有 12 人", "预计等候约 15 分钟", "请留意叫号，过号请重新取号"):
        assert line in text


def test_a_line_of_only_full_width_punctuation_prints_as_itself() -> None:
    assert encode_text("：，。！") == gb("：，。！")
    assert b"?" not in encode_text("：，。！", "gbk")
    t = TicketData("银行", "", "A1", "现金", "", datetime(2025, 1, 2), notice_zh="：，。")
    assert b"\n" + gb("：，。") + b"\n" in render_ticket(t, LayoutOptions())


def test_chinese_mode_wraps_only_chinese_lines_in_fs_ampersand() -> None:
    data = render_ticket(FULL, LayoutOptions(chinese_mode=True))
    assert CHINESE_ON + gb("贵宾理财") + CHINESE_OFF + b"\n" in data
    assert b"\x1d!\x00VIP wealth management\n" in data  # English: no Chinese mode
    assert CHINESE_ON not in render_ticket(FULL, LayoutOptions(chinese_mode=False))


def test_control_characters_in_text_cannot_smuggle_printer_commands() -> None:
    assert encode_text("王\x1dV\x00明\n") == gb("王") + b" V " + gb("明") + b" "


def test_gbk_printer_gets_a_question_mark_for_a_character_gbk_lacks() -> None:
    assert encode_text("𠮷野家", "gbk") == b"?" + "野家".encode("gbk")
    assert encode_text("𠮷", "gb18030") == "𠮷".encode("gb18030")


@pytest.mark.parametrize("mm", [58, 80])
def test_native_qr_ticket_is_small_and_holds_the_url(mm: int) -> None:
    data = render_ticket(FULL, LayoutOptions(paper=mm, native_qr=True))
    assert len(data) <= 600
    assert b"\x1d(k" in data and URL.encode() in data
    assert b"\x1dv0" not in data


def test_a_profile_without_native_qr_gets_a_scannable_raster_image() -> None:
    data = render_ticket(FULL, LayoutOptions(paper=58, profile="POS-5890"))
    assert b"\x1d(k" not in data
    start = data.index(b"\x1dv0\x00")
    width_bytes = int.from_bytes(data[start + 4:start + 6], "little")
    height = int.from_bytes(data[start + 6:start + 8], "little")
    raster = data[start + 8:start + 8 + width_bytes * height]
    img = Image.frombytes("1", (width_bytes * 8, height), raster).point(lambda v: 255 - v)
    assert [r.text for r in zxingcpp.read_barcodes(img.convert("L"))] == [URL]


def test_an_unknown_printer_profile_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown printer profile"):
        render_ticket(FULL, LayoutOptions(profile="no-such-printer"))


@pytest.mark.parametrize("mm,dots", [(58, 384), (80, 576)])
def test_preview_is_paper_wide_and_its_qr_scans(mm: int, dots: int) -> None:
    img = Image.open(io.BytesIO(preview_png(FULL, LayoutOptions(paper=mm))))
    assert img.width == dots
    assert [r.text for r in zxingcpp.read_barcodes(img.convert("L"))] == [URL]


def test_preview_draws_chinese_glyphs_not_boxes() -> None:
    with_text = render_preview(FULL, LayoutOptions(paper=80))
    blank = TicketData("", "", "", "", "", FULL.issued_at, ahead=0)
    assert with_text.height > render_preview(blank, LayoutOptions()).height
    # the service name line at 2x: black pixels present in the middle third of the paper
    assert with_text.convert("L").getextrema()[0] == 0


def test_long_english_lines_wrap_at_spaces_within_the_columns() -> None:
    lines = wrap("Guangming Bank · Shanghai Lujiazui Branch", 17)
    assert lines == ["Guangming Bank ·", "Shanghai Lujiazui", "Branch"]  # "·" is full width


@given(st.text(max_size=80), st.integers(min_value=2, max_value=48))
def test_wrapped_lines_never_exceed_the_paper(text: str, columns: int) -> None:
    for line in wrap(text, columns):
        assert text_width(line) <= columns


def test_the_qr_token_cannot_be_guessed_without_the_secret() -> None:
    at = datetime(2025, 1, 6, 9, 0)
    token = ticket_token(42, at, "secret-one-1234567")
    assert token.startswith("42.")
    assert token != ticket_token(42, at, "secret-two-1234567")
    assert token == ticket_token(42, at, "secret-one-1234567")


@given(st.text(max_size=60), st.text(max_size=30), st.integers(-5, 10_000),
       st.sampled_from([58, 80]), st.sampled_from(["gb18030", "gbk"]), st.booleans())
def test_any_ticket_text_lays_out_within_the_paper(name: str, service: str, ahead: int, mm: int,
                                                   encoding: str, chinese_mode: bool) -> None:
    t = TicketData(name, name, "A001", service, service, datetime(2025, 1, 2), ahead=ahead,
                   wait_s=abs(ahead) * 60.0, customer_masked=name[:3], notice_zh=service)
    data = render_ticket(t, LayoutOptions(paper=mm, encoding=encoding, chinese_mode=chinese_mode))
    assert data.startswith(b"\x1b@") and data.endswith(b"\x1dV\x01")
    assert data.count(b"\x1dV") == 1  # whatever the text, exactly one cut
    for line in wrap(name, 48 if mm == 80 else 32, encoding):
        assert text_width(line, encoding) <= (48 if mm == 80 else 32)
