"""A GA/T 467 ID card reader on a pseudo-terminal: a good read and every way it fails."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date

import pytest

from kiosk.devices.errors import IdCardError, ReaderOffline
from kiosk.devices.idcard import FIND, READ, SELECT, IdCardReader
from kiosk.errors import InvalidIdentifier
from kiosk.identity import identify_resident_id
from tests.support.identifiers import ID_NUMBER
from tests.support.idreader_emulator import CARD_FIELDS, IdReaderEmulator

SECRET = "test-secret-0123456789"


@pytest.fixture
def emulator() -> Iterator[IdReaderEmulator]:
    emu = IdReaderEmulator()
    yield emu
    emu.close()


@pytest.fixture
def reader(emulator: IdReaderEmulator) -> Iterator[IdCardReader]:
    r = IdCardReader(emulator.path, timeout_s=0.5)
    yield r
    r.close()


def test_reads_the_card_and_keeps_the_number_out_of_sight(
        emulator: IdReaderEmulator, reader: IdCardReader, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    card = reader.read_card()
    assert card is not None
    assert emulator.commands == [FIND, SELECT, READ]
    assert (card.name, card.sex, card.birth) == ("王小明", "男", date(1949, 12, 31))
    assert card.address == CARD_FIELDS["address"]
    assert card.masked_name == "王*明"
    assert card.masked_id == "110***********002X"
    assert card.identify(SECRET) == identify_resident_id(ID_NUMBER, SECRET)
    assert ID_NUMBER not in repr(card) and "王小明" not in repr(card)
    assert ID_NUMBER not in caplog.text


def test_no_card_on_the_reader_is_none(emulator: IdReaderEmulator, reader: IdCardReader) -> None:
    emulator.remove_card()
    assert reader.read_card() is None
    assert reader.present()


@pytest.mark.parametrize("mode,message", [
    ("removed", "moved away before it could be read"),
    ("truncated", "stopped in the middle of an answer"),
    ("bad_checksum", "checksum mismatch"),
    ("garbage", "garbage"),
])
def test_a_failed_read_is_one_clear_sentence(emulator: IdReaderEmulator, reader: IdCardReader,
                                             mode: str, message: str) -> None:
    emulator.mode = mode
    with pytest.raises(IdCardError, match=message):
        reader.read_card()


def test_the_reader_recovers_after_a_failed_read(emulator: IdReaderEmulator,
                                                 reader: IdCardReader) -> None:
    emulator.mode = "bad_checksum"
    with pytest.raises(IdCardError):
        reader.read_card()
    emulator.mode = "ok"
    card = reader.read_card()
    assert card is not None and card.masked_name == "王*明"


def test_a_card_with_a_bad_check_character_is_refused(emulator: IdReaderEmulator,
                                                      reader: IdCardReader) -> None:
    emulator.card["id_number"] = ID_NUMBER[:17] + "1"
    with pytest.raises(InvalidIdentifier, match="check character"):
        reader.read_card()


def test_a_silent_reader_is_offline(emulator: IdReaderEmulator, reader: IdCardReader) -> None:
    emulator.silent = True
    with pytest.raises(ReaderOffline, match="does not answer"):
        reader.read_card()
    assert not reader.present()


def test_an_unplugged_reader_is_offline(emulator: IdReaderEmulator,
                                        reader: IdCardReader) -> None:
    assert reader.present()
    emulator.unplug()
    with pytest.raises(ReaderOffline):
        reader.read_card()


def test_a_missing_port_is_offline() -> None:
    reader = IdCardReader("/dev/no-such-id-reader")
    assert not reader.present()
    with pytest.raises(ReaderOffline, match="cannot be opened"):
        reader.read_card()
