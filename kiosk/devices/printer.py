"""Ticket printers: one small interface, status as states, backends chosen in config.

Status is asked with DLE EOT (real-time status) one byte at a time with a deadline, so a
silent or unplugged printer costs at most `timeout_s` (≤ 200 ms), never the 500 ms
python-escpos waits for 16 bytes, and is reported as the state `offline`, not as an
exception that kills a window.

A failed print never loses the ticket: the queue has already stored it, the caller gets
a `PrinterError` subclass with one sentence and can reprint.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Protocol

from kiosk.config import PrinterSettings
from kiosk.devices.errors import CoverOpen, PaperOut, PrinterError, PrinterOffline
from kiosk.devices.preview import preview_png
from kiosk.devices.ticket import LayoutOptions, TicketData, render_ticket
from kiosk.devices.transports import (
    FileTransport,
    NetworkTransport,
    SerialTransport,
    Transport,
    UsbTransport,
)
from kiosk.errors import ConfigError

log = logging.getLogger(__name__)

DLE_EOT = b"\x10\x04"
STATUS_PRINTER, STATUS_OFFLINE_CAUSE, STATUS_ERROR_CAUSE, STATUS_PAPER = 1, 2, 3, 4
MAX_STATUS_S = 0.2


class PrinterState(StrEnum):
    READY = "ready"
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"


_MESSAGES = {
    PrinterState.READY: ("打印机正常", "The printer is ready."),
    PrinterState.PAPER_NEAR_END: ("打印纸即将用完", "The printer paper is running low."),
    PrinterState.PAPER_OUT: ("打印机缺纸", "The printer is out of paper."),
    PrinterState.COVER_OPEN: ("打印机盖未关好", "The printer cover is open."),
    PrinterState.OFFLINE: ("打印机未连接", "The printer does not answer."),
}


@dataclass(frozen=True)
class PrinterStatus:
    state: PrinterState
    detail: str = ""  # which device, or what it answered

    @property
    def can_print(self) -> bool:
        return self.state in (PrinterState.READY, PrinterState.PAPER_NEAR_END)

    @property
    def message_zh(self) -> str:
        return _MESSAGES[self.state][0]

    @property
    def message_en(self) -> str:
        return _MESSAGES[self.state][1]

    def error(self) -> PrinterError:
        """The error to raise when this state refuses a print."""
        message = self.message_en + (f" ({self.detail})" if self.detail else "")
        if self.state == PrinterState.PAPER_OUT:
            return PaperOut(message)
        if self.state == PrinterState.COVER_OPEN:
            return CoverOpen(message)
        return PrinterOffline(message)


def _valid_status_byte(b: int) -> bool:
    # Every DLE EOT answer has bits 1 and 4 set and bits 0 and 7 clear.
    return b & 0x93 == 0x12


def state_from_status(printer: int, offline_cause: int | None, paper: int | None) -> PrinterState:
    """The state from DLE EOT 1, 2 and 4 answers (Epson ESC/POS bit layout)."""
    if offline_cause is not None and printer & 0x08:
        if offline_cause & 0x04:
            return PrinterState.COVER_OPEN
        if offline_cause & 0x20:
            return PrinterState.PAPER_OUT
    if paper is not None and paper & 0x60:
        return PrinterState.PAPER_OUT
    if printer & 0x08:
        return PrinterState.OFFLINE
    if paper is not None and paper & 0x0C:
        return PrinterState.PAPER_NEAR_END
    return PrinterState.READY


def query_status(transport: Transport, timeout_s: float = MAX_STATUS_S) -> PrinterStatus:
    """Ask DLE EOT 1, 4 (and 2 when offline); never longer than `timeout_s` in all."""
    deadline = time.monotonic() + min(timeout_s, MAX_STATUS_S)
    try:
        transport.flush_input()
        printer = _ask(transport, STATUS_PRINTER, deadline)
        if printer is None:
            return PrinterStatus(PrinterState.OFFLINE, f"{transport.name}: no answer")
        paper = _ask(transport, STATUS_PAPER, deadline)
        cause = _ask(transport, STATUS_OFFLINE_CAUSE, deadline) if printer & 0x08 else None
    except PrinterOffline as exc:
        return PrinterStatus(PrinterState.OFFLINE, str(exc))
    return PrinterStatus(state_from_status(printer, cause, paper), transport.name)


def _ask(transport: Transport, n: int, deadline: float) -> int | None:
    transport.write(DLE_EOT + bytes((n,)))
    while (left := deadline - time.monotonic()) > 0:
        b = transport.read_byte(left)
        if not b:
            return None
        if _valid_status_byte(b[0]):
            return b[0]
        log.debug("ignoring a byte that is no status answer: %02x", b[0])
    return None


class TicketPrinter(Protocol):
    """What the kiosk needs from a printer."""

    name: str
    options: LayoutOptions

    def status(self) -> PrinterStatus: ...

    def print_bytes(self, data: bytes) -> None:
        """Send ESC/POS bytes; raises a `PrinterError` subclass when they cannot be sent."""
        ...

    def print_ticket(self, ticket: TicketData) -> None: ...

    def close(self) -> None: ...


class EscposPrinter:
    """A real printer behind a transport (serial, network, USB)."""

    def __init__(self, transport: Transport, options: LayoutOptions,
                 status_timeout_s: float = MAX_STATUS_S) -> None:
        self.transport = transport
        self.options = options
        self.name = transport.name
        self.status_timeout_s = min(status_timeout_s, MAX_STATUS_S)

    def status(self) -> PrinterStatus:
        return query_status(self.transport, self.status_timeout_s)

    def print_bytes(self, data: bytes) -> None:
        self.transport.write(data)

    def print_ticket(self, ticket: TicketData) -> None:
        self.print_bytes(render_ticket(ticket, self.options))

    def close(self) -> None:
        self.transport.close()


class FilePrinter:
    """Appends the bytes to a file or device node; ready while it can be written."""

    def __init__(self, path: str, options: LayoutOptions) -> None:
        self.transport = FileTransport(path)
        self.options = options
        self.name = self.transport.name

    def status(self) -> PrinterStatus:
        if self.transport.writable():
            return PrinterStatus(PrinterState.READY, self.name)
        return PrinterStatus(PrinterState.OFFLINE, f"{self.name}: not writable")

    def print_bytes(self, data: bytes) -> None:
        self.transport.write(data)

    def print_ticket(self, ticket: TicketData) -> None:
        self.print_bytes(render_ticket(ticket, self.options))

    def close(self) -> None:
        pass


@dataclass
class PreviewPrinter:
    """Renders each ticket as a PNG (the demo and the kiosk screen show it).

    `state` can be set to show how the kiosk behaves when paper runs out.
    """

    options: LayoutOptions = field(default_factory=LayoutOptions)
    out_dir: Path | None = None
    state: PrinterState = PrinterState.READY
    name: str = "preview"
    last_png: bytes = b""
    last_bytes: bytes = b""
    printed: list[TicketData] = field(default_factory=list)  # the latest KEPT tickets
    KEPT: ClassVar[int] = 50  # a kiosk prints for weeks: keep a few, not every ticket

    def status(self) -> PrinterStatus:
        return PrinterStatus(self.state, self.name)

    def print_bytes(self, data: bytes) -> None:
        self._refuse_unless_ready()
        self.last_bytes = data

    def print_ticket(self, ticket: TicketData) -> None:
        self._refuse_unless_ready()
        self.last_bytes = render_ticket(ticket, self.options)
        self.last_png = preview_png(ticket, self.options)
        self.printed.append(ticket)
        if len(self.printed) > self.KEPT:
            del self.printed[:-self.KEPT]
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / f"{ticket.number}.png").write_bytes(self.last_png)

    def _refuse_unless_ready(self) -> None:
        status = self.status()
        if not status.can_print:
            raise status.error()

    def close(self) -> None:
        pass


def print_checked(printer: TicketPrinter, ticket: TicketData) -> PrinterStatus:
    """Ask before printing, print, check after; the status after, or a `PrinterError`."""
    before = printer.status()
    if not before.can_print:
        raise before.error()
    printer.print_ticket(ticket)
    after = printer.status()
    if not after.can_print:
        log.warning("printer %s is %s after printing ticket %s", printer.name, after.state,
                    ticket.number)
        raise type(after.error())(
            f"{after.message_en} The ticket {ticket.number} is still valid and can be reprinted.")
    return after


def make_printer(settings: PrinterSettings, preview_dir: Path | None = None) -> TicketPrinter:
    """The printer the branch config names; opening happens at the first use."""
    options = LayoutOptions.from_settings(settings)
    if settings.backend == "preview":
        return PreviewPrinter(options, preview_dir)
    if not settings.target:
        raise ConfigError(f"printer.target: the {settings.backend} printer needs a target "
                          "(file path, serial port, host:port or USB vid:pid)")
    if settings.backend == "file":
        return FilePrinter(settings.target, options)
    transport: Transport
    if settings.backend == "serial":
        transport = SerialTransport(settings.target, settings.baudrate)
    elif settings.backend == "network":
        transport = NetworkTransport(settings.target)
    elif settings.backend == "usb":
        transport = UsbTransport(settings.target)
    else:
        raise ConfigError(f"printer.backend: unknown backend {settings.backend!r}")
    return EscposPrinter(transport, options, settings.timeout_s)
