"""Serial card and ID-card readers, polled on a thread of their own.

Their reads block (a serial line with a timeout), so they never run on the GUI thread or
on the kiosk's worker (which must stay free for the database and the printer). An ID
card lying on the reader is read once; it must be taken away before it counts again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from PySide6.QtCore import QThread, Signal

from kiosk.devices.errors import ReaderError, ReaderOffline
from kiosk.devices.idcard import IdCard
from kiosk.devices.magstripe import CardSwipe
from kiosk.errors import KioskError
from kiosk.identity import Identity

log = logging.getLogger(__name__)


class IdReader(Protocol):
    def read_card(self) -> IdCard | None: ...

    def close(self) -> None: ...


class SwipeReader(Protocol):
    def read(self, timeout_s: float) -> CardSwipe | None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ReadIdentity:
    """What a reader produced: the identity and the masked name the card itself carries."""

    identity: Identity
    name_masked: str
    source: str  # "id_card" | "card"


class ReaderThread(QThread):
    """Polls the configured serial readers; results arrive on the GUI thread as signals."""

    identified = Signal(object)  # ReadIdentity
    failed = Signal(object)  # a KioskError (unreadable card, invalid number)
    state_changed = Signal(str)  # "ok" | "offline"

    def __init__(self, secret: str, id_reader: IdReader | None = None,
                 card_reader: SwipeReader | None = None, interval_ms: int = 300) -> None:
        super().__init__()
        self.secret = secret
        self.id_reader = id_reader
        self.card_reader = card_reader
        self.interval_ms = interval_ms
        self.state = "ok"
        self._card_on_reader = False

    @property
    def has_readers(self) -> bool:
        return self.id_reader is not None or self.card_reader is not None

    def run(self) -> None:
        while not self.isInterruptionRequested():
            offline = False
            for poll in (self._poll_id, self._poll_card):
                try:
                    poll()
                except ReaderOffline as exc:
                    if self.state != "offline":
                        log.warning("%s", exc)
                    offline = True
                except (ReaderError, KioskError) as exc:
                    self.failed.emit(exc)
            self._set_state("offline" if offline else "ok")
            self.msleep(self.interval_ms if not offline else self.interval_ms * 10)

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    def _poll_id(self) -> None:
        if self.id_reader is None:
            return
        card = self.id_reader.read_card()
        if card is None:
            self._card_on_reader = False
            return
        if self._card_on_reader:
            return  # still the same card on the reader
        self._card_on_reader = True
        self.identified.emit(ReadIdentity(card.identify(self.secret), card.masked_name,
                                          "id_card"))

    def _poll_card(self) -> None:
        if self.card_reader is None:
            return
        swipe = self.card_reader.read(self.interval_ms / 1000)
        if swipe is not None:
            self.identified.emit(ReadIdentity(swipe.identify(self.secret), swipe.masked_name,
                                              "card"))

    def stop(self) -> None:
        self.requestInterruption()
        self.wait(3000)
        for reader in (self.id_reader, self.card_reader):
            if reader is not None:
                try:
                    reader.close()
                except Exception:  # closing a dead port must not stop the shutdown
                    log.debug("closing a reader failed", exc_info=True)
