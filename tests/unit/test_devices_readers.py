"""Card readers: wedge burst detection, track parsers, manual entry, GA/T 467 frames."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.devices.errors import CardReadError, IdCardError
from kiosk.devices.idcard import (
    FIND,
    PREAMBLE,
    READ,
    SELECT,
    FrameReader,
    command_frame,
    encode_text,
    parse_response,
    parse_text,
    response_frame,
)
from kiosk.devices.magstripe import parse_swipe
from kiosk.devices.wedge import WedgeDetector
from kiosk.errors import InvalidIdentifier, KioskError
from kiosk.identity import identify, identify_card, identify_resident_id
from tests.support.identifiers import CARD, ID_NUMBER, card
from tests.support.idreader_emulator import CARD_FIELDS

SECRET = "test-secret-0123456789"
TRACK1 = f"%B{CARD}^WANG/XIAOMING^2812101000000000000?"
TRACK2 = f";{CARD}=28121010000000000000?"


def type_keys(det: WedgeDetector, text: str, gap_s: float, start: float = 100.0) -> list[str]:
    swipes = []
    for i, ch in enumerate(text + "\r"):
        got = det.feed(start + i * gap_s, ch)
        if got is not None:
            swipes.append(got)
    return swipes


# --- keyboard wedge ----------------------------------------------------------------------

def test_a_fast_burst_ending_in_enter_is_a_swipe() -> None:
    assert type_keys(WedgeDetector(), TRACK2, gap_s=0.004) == [TRACK2]


def test_human_typing_is_not_a_swipe() -> None:
    assert type_keys(WedgeDetector(), CARD, gap_s=0.18) == []


def test_a_short_fast_burst_is_not_a_swipe() -> None:
    assert type_keys(WedgeDetector(), "1234567", gap_s=0.004) == []


def test_a_slow_key_before_the_burst_is_not_part_of_it() -> None:
    det = WedgeDetector()
    assert det.feed(10.0, "x") is None
    assert type_keys(det, TRACK2, gap_s=0.004, start=10.5) == [TRACK2]


def test_enter_long_after_the_burst_is_not_a_swipe() -> None:
    det = WedgeDetector()
    for i, ch in enumerate(TRACK2):
        det.feed(i * 0.004, ch)
    assert det.feed(5.0, "\r") is None


@given(st.lists(st.tuples(st.floats(min_value=0, max_value=1e6, allow_nan=False),
                          st.characters()), max_size=60))
def test_the_detector_never_raises(events: list[tuple[float, str]]) -> None:
    det = WedgeDetector()
    for at, ch in events:
        result = det.feed(at, ch)
        assert result is None or len(result) >= det.min_keys


# --- tracks --------------------------------------------------------------------------------

def test_track2_gives_the_card() -> None:
    swipe = parse_swipe(TRACK2)
    assert swipe.expiry == "2812"
    assert swipe.masked == "6222 **** **** 0003"
    assert swipe.identify(SECRET) == identify_card(CARD, SECRET)
    assert CARD not in repr(swipe)


def test_track1_gives_the_card_and_the_name() -> None:
    swipe = parse_swipe(TRACK1)
    assert swipe.name == "XIAOMING WANG"
    assert swipe.masked_name == "X******* W***"
    assert swipe.expiry == "2812"
    assert "XIAOMING" not in repr(swipe)


def test_both_tracks_together() -> None:
    assert parse_swipe(TRACK1 + TRACK2).identify(SECRET) == identify_card(CARD, SECRET)


def test_tracks_that_disagree_are_refused() -> None:
    other = card("6228481234")
    with pytest.raises(CardReadError, match="disagree"):
        parse_swipe(TRACK1 + f";{other}=28121010000000000000?")


def test_a_bad_luhn_digit_is_a_clear_message() -> None:
    bad = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    with pytest.raises(InvalidIdentifier, match="check digit"):
        parse_swipe(f";{bad}=2812101?")


@pytest.mark.parametrize("text,message", [
    (";E?", "could not be read"),
    ("hello world", "not a bank card swipe"),
    ("", "not a bank card swipe"),
    (f";{CARD}=2813101?", "not a valid month"),
])
def test_garbage_swipes_are_clear_messages(text: str, message: str) -> None:
    with pytest.raises(CardReadError, match=message):
        parse_swipe(text)


@given(st.text(max_size=200))
def test_parse_swipe_never_crashes(text: str) -> None:
    try:
        parse_swipe(text)
    except KioskError as exc:
        assert str(exc).endswith(".")


@given(st.from_regex(r"[%;]?B?[0-9]{10,20}[=^][A-Z/ ]{0,10}\^?[0-9]{0,12}\??", fullmatch=True))
def test_near_miss_tracks_never_crash(text: str) -> None:
    with contextlib.suppress(KioskError):
        parse_swipe(text)


# --- manual entry --------------------------------------------------------------------------

def test_typed_numbers_are_told_apart() -> None:
    assert identify(f"{CARD[:4]} {CARD[4:]}", SECRET) == identify_card(CARD, SECRET)
    assert identify(ID_NUMBER.lower(), SECRET) == identify_resident_id(ID_NUMBER, SECRET)
    with pytest.raises(InvalidIdentifier):
        identify("12345", SECRET)


@given(st.text(max_size=40))
def test_typed_entry_never_crashes(text: str) -> None:
    with contextlib.suppress(KioskError):
        identify(text, SECRET)


# --- GA/T 467 frames -----------------------------------------------------------------------

def test_command_frames_match_the_protocol() -> None:
    assert command_frame(FIND) == bytes.fromhex("AAAAAA9669 0003 2001 22")
    assert command_frame(SELECT) == bytes.fromhex("AAAAAA9669 0003 2002 21")
    assert command_frame(READ) == bytes.fromhex("AAAAAA9669 0003 3001 32")


def test_a_find_answer_parses() -> None:
    raw = bytes.fromhex("AAAAAA9669 0008 00009F 00000000 97")
    assert raw == response_frame(0x9F, bytes(4))
    assert parse_response(raw).sw3 == 0x9F


def test_frames_split_across_reads_are_joined() -> None:
    raw = response_frame(0x90, b"abc")
    fr = FrameReader()
    assert fr.feed(b"\x00\x01" + raw[:4]) == []
    assert fr.feed(raw[4:] + raw) == [raw, raw]


def test_the_text_block_parses() -> None:
    card_ = parse_text(encode_text(CARD_FIELDS))
    assert card_.masked_name == "王*明" and card_.sex == "男"
    assert card_.valid_to == "20400101"


def test_a_text_block_that_is_not_utf16_is_a_clear_message() -> None:
    with pytest.raises(IdCardError, match="could not be decoded"):
        parse_text(b"\x00\xd8" * 128)


@given(st.binary(max_size=300))
def test_parse_response_never_crashes(raw: bytes) -> None:
    with contextlib.suppress(IdCardError):
        parse_response(raw)


@given(st.binary(max_size=80))
def test_parse_response_with_a_preamble_never_crashes(tail: bytes) -> None:
    with contextlib.suppress(IdCardError):
        parse_response(PREAMBLE + tail)


@given(st.lists(st.binary(max_size=100), max_size=10))
def test_the_frame_reader_never_crashes(chunks: list[bytes]) -> None:
    fr = FrameReader()
    for chunk in chunks:
        try:
            for raw in fr.feed(chunk):
                assert raw.startswith(PREAMBLE)
        except IdCardError:
            pass


@given(st.binary(min_size=0, max_size=300))
def test_parse_text_never_crashes(raw: bytes) -> None:
    with contextlib.suppress(KioskError):
        parse_text(raw)
