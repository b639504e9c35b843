"""A serial magstripe reader on a pseudo-terminal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.devices.errors import CardReadError, ReaderOffline
from kiosk.devices.magstripe import SerialCardReader
from kiosk.identity import identify_card
from tests.support.identifiers import CARD
from tests.support.pty_device import PtyDevice

SECRET = "test-secret-0123456789"


@pytest.fixture
def line() -> Iterator[PtyDevice]:
    dev = PtyDevice()
    yield dev
    dev.close()


@pytest.fixture
def reader(line: PtyDevice) -> Iterator[SerialCardReader]:
    r = SerialCardReader(line.path)
    yield r
    r.close()


def test_a_swipe_arrives_as_a_card(line: PtyDevice, reader: SerialCardReader) -> None:
    assert reader.present()
    line.send(f";{CARD}=28121010000000000000?\r\n".encode())
    swipe = reader.read(timeout_s=1.0)
    assert swipe is not None
    assert swipe.identify(SECRET) == identify_card(CARD, SECRET)


def test_nobody_swiping_is_none_after_the_timeout(reader: SerialCardReader) -> None:
    assert reader.read(timeout_s=0.1) is None


def test_line_noise_is_a_clear_message(line: PtyDevice, reader: SerialCardReader) -> None:
    assert reader.present()  # opening the port discards what arrived before
    line.send(b"\xff\xfe\x80garbage\r")
    with pytest.raises(CardReadError, match="unreadable data"):
        reader.read(timeout_s=1.0)


def test_an_unplugged_reader_is_offline(line: PtyDevice, reader: SerialCardReader) -> None:
    assert reader.present()
    line.unplug()
    with pytest.raises(ReaderOffline):
        reader.read(timeout_s=0.2)


def test_a_url_port_works_too() -> None:
    reader = SerialCardReader("loop://")
    assert reader.present()
    reader.close()
    assert not SerialCardReader("/dev/no-such-card-reader").present()
