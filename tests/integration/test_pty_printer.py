"""A serial printer on a pseudo-terminal: status states, timeouts, printing, unplugging."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from kiosk.config import PrinterSettings
from kiosk.devices.errors import PaperOut, PrinterOffline
from kiosk.devices.printer import EscposPrinter, PrinterState, make_printer, print_checked
from kiosk.devices.ticket import LayoutOptions, TicketData, render_ticket
from kiosk.devices.transports import SerialTransport
from tests.support.printer_emulator import PrinterEmulator

TICKET = TicketData("光明银行 上海陆家嘴支行", "Guangming Bank", "A007", "个人现金",
                    "Personal cash", datetime(2025, 3, 1, 9, 30), ahead=3, wait_s=600,
                    qr="https://q.example-bank.cn/t/7.0123456789")


@pytest.fixture
def emulator() -> Iterator[PrinterEmulator]:
    emu = PrinterEmulator()
    yield emu
    emu.close()


@pytest.fixture
def printer(emulator: PrinterEmulator) -> Iterator[EscposPrinter]:
    settings = PrinterSettings(backend="serial", target=emulator.path, baudrate=9600)
    p = make_printer(settings)
    assert isinstance(p, EscposPrinter)
    yield p
    p.close()


@pytest.mark.parametrize("state", ["ready", "paper_near_end", "paper_out", "cover_open"])
def test_status_reports_the_printer_state(emulator: PrinterEmulator, printer: EscposPrinter,
                                          state: str) -> None:
    emulator.state = state
    assert printer.status().state == PrinterState(state)


def test_a_silent_printer_is_offline_within_200_ms(emulator: PrinterEmulator,
                                                  printer: EscposPrinter) -> None:
    emulator.silent = True
    started = time.monotonic()
    status = printer.status()
    elapsed = time.monotonic() - started
    assert status.state == PrinterState.OFFLINE
    assert not status.can_print
    assert elapsed <= 0.25  # 200 ms budget plus scheduling slack on a busy machine
    assert emulator.status_queries >= 1


def test_the_printer_receives_exactly_the_ticket_bytes(emulator: PrinterEmulator,
                                                       printer: EscposPrinter) -> None:
    after = print_checked(printer, TICKET)
    expected = render_ticket(TICKET, printer.options)
    assert after.state == PrinterState.READY
    assert emulator.wait_until(lambda: len(emulator.printed) >= len(expected))
    assert emulator.printed == expected


def test_paper_out_refuses_before_printing(emulator: PrinterEmulator,
                                           printer: EscposPrinter) -> None:
    emulator.state = "paper_out"
    with pytest.raises(PaperOut, match="out of paper"):
        print_checked(printer, TICKET)
    assert b"A007" not in emulator.printed


def test_paper_running_out_while_printing_says_the_ticket_can_be_reprinted(
        emulator: PrinterEmulator, printer: EscposPrinter) -> None:
    emulator.paper_runs_out = True
    with pytest.raises(PaperOut, match="A007 is still valid and can be reprinted"):
        print_checked(printer, TICKET)
    assert printer.status().state == PrinterState.PAPER_OUT


def test_an_unplugged_printer_is_offline_not_a_crash(emulator: PrinterEmulator,
                                                     printer: EscposPrinter) -> None:
    assert printer.status().state == PrinterState.READY
    emulator.unplug()
    assert printer.status().state == PrinterState.OFFLINE
    with pytest.raises(PrinterOffline):
        printer.print_ticket(TICKET)


def test_a_missing_port_is_offline() -> None:
    p = EscposPrinter(SerialTransport("/dev/does-not-exist-kiosk"), LayoutOptions())
    status = p.status()
    assert status.state == PrinterState.OFFLINE
    assert "cannot be opened" in status.detail
