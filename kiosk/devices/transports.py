"""Byte pipes to a printer: serial (pyserial URL), network (raw TCP 9100), USB, file.

Each transport opens lazily, writes bytes, reads at most one byte with a deadline, and
turns its library's exceptions into `PrinterOffline`. One module for all four because
each is a dozen lines; the printer logic lives in `kiosk.devices.printer`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import serial

from kiosk.devices.errors import PrinterOffline, ReaderOffline

log = logging.getLogger(__name__)

try:  # a vanished pseudo-terminal or USB-serial adapter raises termios.error on POSIX
    from termios import error as _TermiosError
except ImportError:  # pragma: no cover - Windows
    _TermiosError = OSError  # type: ignore[misc, assignment]

PORT_ERRORS: tuple[type[BaseException], ...] = (serial.SerialException, OSError, _TermiosError)
_PORT_ERRORS = PORT_ERRORS

PortFactory = Callable[..., Any]


def open_reader_port(factory: PortFactory, url: str, baudrate: int, timeout_s: float,
                     what: str) -> Any:
    """A reader's serial port (`url`: anything `serial_for_url` accepts), or ReaderOffline."""
    try:
        return factory(url, baudrate=baudrate, timeout=timeout_s)
    except (serial.SerialException, OSError, ValueError) as exc:
        raise ReaderOffline(f"The {what} on {url} cannot be opened.") from exc


class Transport(Protocol):
    name: str

    def write(self, data: bytes) -> None: ...

    def read_byte(self, timeout_s: float) -> bytes:
        """One byte, or b"" when nothing arrives within `timeout_s`."""
        ...

    def flush_input(self) -> None: ...

    def close(self) -> None: ...


class SerialTransport:
    """A serial printer; `url` is anything pyserial's `serial_for_url` accepts."""

    def __init__(self, url: str, baudrate: int = 9600) -> None:
        self.name = f"serial {url}"
        self.url = url
        self.baudrate = baudrate
        self._port: serial.SerialBase | None = None

    def _open(self) -> serial.SerialBase:
        if self._port is None:
            try:
                self._port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.2,
                                                   write_timeout=10)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise PrinterOffline(f"The printer port {self.url} cannot be opened.") from exc
        return self._port

    def write(self, data: bytes) -> None:
        try:
            port = self._open()
            port.write(data)
            port.flush()
        except _PORT_ERRORS as exc:
            self.close()
            raise PrinterOffline(f"The printer on {self.url} stopped answering.") from exc

    def read_byte(self, timeout_s: float) -> bytes:
        try:
            port = self._open()
            port.timeout = max(0.0, timeout_s)
            return bytes(port.read(1))
        except _PORT_ERRORS as exc:
            self.close()
            raise PrinterOffline(f"The printer on {self.url} stopped answering.") from exc

    def flush_input(self) -> None:
        try:
            self._open().reset_input_buffer()
        except _PORT_ERRORS as exc:
            self.close()
            raise PrinterOffline(f"The printer on {self.url} stopped answering.") from exc

    def close(self) -> None:
        if self._port is not None:
            with contextlib.suppress(*_PORT_ERRORS):
                self._port.close()
            self._port = None


class NetworkTransport:
    """A network printer on raw TCP (port 9100 unless `host:port` says otherwise)."""

    def __init__(self, target: str, connect_timeout_s: float = 1.0) -> None:
        host, _, port = target.rpartition(":") if ":" in target else (target, "", "9100")
        self.host, self.port = host, int(port or 9100)
        self.name = f"network {self.host}:{self.port}"
        self.connect_timeout_s = connect_timeout_s
        self._sock: socket.socket | None = None

    def _open(self) -> socket.socket:
        if self._sock is None:
            try:
                self._sock = socket.create_connection((self.host, self.port),
                                                      timeout=self.connect_timeout_s)
            except OSError as exc:
                raise PrinterOffline(
                    f"The printer at {self.host}:{self.port} cannot be reached.") from exc
        return self._sock

    def write(self, data: bytes) -> None:
        try:
            sock = self._open()
            sock.settimeout(10)
            sock.sendall(data)
        except OSError as exc:
            self.close()
            raise PrinterOffline(f"The printer at {self.host}:{self.port} stopped answering.") \
                from exc

    def read_byte(self, timeout_s: float) -> bytes:
        try:
            sock = self._open()
            sock.settimeout(max(0.001, timeout_s))
            return sock.recv(1)
        except TimeoutError:
            return b""
        except OSError as exc:
            self.close()
            raise PrinterOffline(f"The printer at {self.host}:{self.port} stopped answering.") \
                from exc

    def flush_input(self) -> None:
        sock = self._open()
        sock.setblocking(False)
        try:
            while sock.recv(256):
                pass
        except (BlockingIOError, OSError):
            pass
        finally:
            sock.setblocking(True)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


class FileTransport:
    """A file or a device node (/dev/usb/lp0): write-only, so no status beyond "writable"."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.name = f"file {path}"

    def write(self, data: bytes) -> None:
        try:
            with open(self.path, "ab") as f:
                f.write(data)
        except OSError as exc:
            raise PrinterOffline(f"The printer file {self.path} cannot be written.") from exc

    def read_byte(self, timeout_s: float) -> bytes:
        return b""

    def writable(self) -> bool:
        if self.path.exists():
            return os.access(self.path, os.W_OK)
        return os.access(self.path.parent, os.W_OK)

    def flush_input(self) -> None:
        pass

    def close(self) -> None:
        pass


class UsbTransport:
    """A USB printer through python-escpos (needs pyusb and libusb); target "vid:pid" in hex."""

    def __init__(self, target: str) -> None:
        self.name = f"usb {target}"
        self.target = target
        self._printer: object | None = None

    def _open(self) -> object:
        if self._printer is None:
            if importlib.util.find_spec("usb") is None:
                raise PrinterOffline("USB printing needs the pyusb package and libusb; or set "
                                     "backend = \"file\" with target = \"/dev/usb/lp0\".")
            try:
                from kiosk.devices.escpos_lib import Usb

                vid, pid = (int(x, 16) for x in self.target.split(":"))
                printer = Usb(vid, pid)
                printer.open()
            except ValueError as exc:
                raise PrinterOffline(
                    f"printer.target must be a USB id like 0416:5011, not {self.target!r}.") \
                    from exc
            except Exception as exc:  # pyusb missing, device absent, permission: all offline
                raise PrinterOffline(f"The USB printer {self.target} cannot be opened "
                                     f"({type(exc).__name__}).") from exc
            self._printer = printer
        return self._printer

    def write(self, data: bytes) -> None:
        printer = self._open()
        try:
            printer._raw(data)  # type: ignore[attr-defined]
        except Exception as exc:  # usb.core.USBError and friends
            self.close()
            raise PrinterOffline(f"The USB printer {self.target} stopped answering.") from exc

    def read_byte(self, timeout_s: float) -> bytes:
        printer = self._open()
        try:
            device = printer.device  # type: ignore[attr-defined]
            in_ep = printer.in_ep  # type: ignore[attr-defined]
            data = device.read(in_ep, 16, max(1, int(timeout_s * 1000)))
        except Exception:  # usb.core.USBTimeoutError: the printer said nothing
            return b""
        return bytes(data[-1:])

    def flush_input(self) -> None:
        pass

    def close(self) -> None:
        if self._printer is not None:
            try:
                self._printer.close()  # type: ignore[attr-defined]
            except Exception:
                log.debug("closing the USB printer failed", exc_info=True)
            self._printer = None
