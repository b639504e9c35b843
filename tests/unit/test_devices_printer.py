"""Printer states from DLE EOT bytes, and the preview, file and network backends."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.config import PrinterSettings
from kiosk.devices.errors import PaperOut, PrinterOffline
from kiosk.devices.printer import (
    EscposPrinter,
    FilePrinter,
    PreviewPrinter,
    PrinterState,
    make_printer,
    print_checked,
    state_from_status,
)
from kiosk.devices.ticket import LayoutOptions, TicketData, render_ticket
from kiosk.devices.transports import NetworkTransport
from kiosk.errors import ConfigError

TICKET = TicketData("光明银行", "Guangming Bank", "B002", "个人非现金", "Personal non-cash",
                    datetime(2025, 3, 1, 9, 30), ahead=1, wait_s=420, qr="https://x/t/2.ab")


@pytest.mark.parametrize("printer,cause,paper,state", [
    (0x12, None, 0x12, PrinterState.READY),
    (0x12, None, 0x1E, PrinterState.PAPER_NEAR_END),
    (0x1A, 0x32, 0x72, PrinterState.PAPER_OUT),
    (0x1A, 0x16, 0x12, PrinterState.COVER_OPEN),
    (0x1A, 0x52, 0x12, PrinterState.OFFLINE),  # offline for an error we do not name
    (0x12, None, None, PrinterState.READY),  # a printer that only answers DLE EOT 1
])
def test_dle_eot_answers_map_to_states(printer: int, cause: int | None, paper: int | None,
                                       state: PrinterState) -> None:
    assert state_from_status(printer, cause, paper) == state


def test_the_preview_printer_renders_and_refuses_without_paper(tmp_path: Path) -> None:
    p = PreviewPrinter(LayoutOptions(paper=58), out_dir=tmp_path)
    assert print_checked(p, TICKET).state == PrinterState.READY
    assert p.last_png.startswith(b"\x89PNG") and (tmp_path / "B002.png").exists()
    assert p.last_bytes == render_ticket(TICKET, LayoutOptions(paper=58))
    p.state = PrinterState.PAPER_OUT
    with pytest.raises(PaperOut):
        print_checked(p, TICKET)
    assert len(p.printed) == 1
    assert p.status().message_zh == "打印机缺纸"


def test_the_file_printer_appends_exact_bytes(tmp_path: Path) -> None:
    out = tmp_path / "printer.bin"
    p = FilePrinter(str(out), LayoutOptions())
    p.print_ticket(TICKET)
    p.print_ticket(TICKET)
    assert out.read_bytes() == render_ticket(TICKET, LayoutOptions()) * 2
    gone = FilePrinter(str(tmp_path / "no-such-dir" / "lp0"), LayoutOptions())
    assert gone.status().state == PrinterState.OFFLINE
    with pytest.raises(PrinterOffline, match="cannot be written"):
        gone.print_ticket(TICKET)


class NetworkPrinter:
    """A raw-TCP (port 9100 style) printer on localhost answering DLE EOT, or silent."""

    def __init__(self, silent: bool = False) -> None:
        self.silent = silent
        self.received = bytearray()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.done = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.server.accept()
        with conn:
            while data := conn.recv(4096):
                self.received += data
                for _ in range(data.count(b"\x10\x04")):
                    if not self.silent:
                        conn.sendall(b"\x12")
        self.done.set()

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def net_printer() -> Iterator[NetworkPrinter]:
    server = NetworkPrinter()
    yield server
    server.close()


def test_a_network_printer_answers_and_prints(net_printer: NetworkPrinter) -> None:
    p = make_printer(PrinterSettings(backend="network", target=f"127.0.0.1:{net_printer.port}"))
    assert p.status().state == PrinterState.READY
    p.print_ticket(TICKET)
    p.close()
    assert net_printer.done.wait(5)
    assert render_ticket(TICKET, LayoutOptions()) in bytes(net_printer.received)


def test_a_silent_network_printer_is_offline_quickly(net_printer: NetworkPrinter) -> None:
    net_printer.silent = True
    p = EscposPrinter(NetworkTransport(f"127.0.0.1:{net_printer.port}"), LayoutOptions())
    started = time.monotonic()
    assert p.status().state == PrinterState.OFFLINE
    assert time.monotonic() - started <= 0.25
    p.close()


def test_a_refused_connection_is_offline() -> None:
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]
    p = EscposPrinter(NetworkTransport(f"127.0.0.1:{port}"), LayoutOptions())
    status = p.status()
    assert status.state == PrinterState.OFFLINE and "cannot be reached" in status.detail


def test_a_backend_without_a_target_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="printer.target"):
        make_printer(PrinterSettings(backend="serial"))


def test_a_usb_printer_that_cannot_be_opened_is_offline_with_the_reason() -> None:
    status = make_printer(PrinterSettings(backend="usb", target="0416:5011")).status()
    assert status.state == PrinterState.OFFLINE
    assert "pyusb" in status.detail or "cannot be opened" in status.detail
