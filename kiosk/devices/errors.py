"""Device errors: what a printer or reader did wrong, as one sentence a person can act on.

Library exceptions (pyserial, python-escpos, sockets) are turned into these at the
boundary, so a window never sees a traceback from a device.
"""

from __future__ import annotations

from kiosk.errors import KioskError


class DeviceError(KioskError):
    """A printer or reader problem."""


class PrinterError(DeviceError):
    """The ticket could not be printed; the ticket itself stays valid and can be reprinted."""


class PrinterOffline(PrinterError):
    """The printer does not answer (unplugged, switched off, wrong port)."""


class PaperOut(PrinterError):
    """The printer has no paper."""


class CoverOpen(PrinterError):
    """The printer cover is open."""


class ReaderError(DeviceError):
    """A card or ID reader problem."""


class CardReadError(ReaderError):
    """A swipe or a typed number that could not be read as a bank card."""


class IdCardError(ReaderError):
    """The resident ID card reader could not read the card."""


class ReaderOffline(ReaderError):
    """The reader does not answer (unplugged, wrong port)."""
