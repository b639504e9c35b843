"""A TCP proxy in a thread, between a station and the real PostgreSQL server, that can
hang the server (stop forwarding, keep every socket open: what a stopped or wedged
server looks like from the network, its kernel still acknowledging every packet) or cut
it off (close every connection and refuse new ones), and then bring it back."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from urllib.parse import urlsplit, urlunsplit


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.hung = threading.Event()
        self.cut_off = threading.Event()
        self.closed = threading.Event()
        self.accepted = 0
        self._lock = threading.Lock()
        self._pipes: list[tuple[socket.socket, socket.socket]] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def url(self, url: str) -> str:
        """`url` (a postgresql:// URL to the upstream server) through the proxy."""
        parts = urlsplit(url)
        user = parts.netloc.rpartition("@")[0]
        netloc = f"{user}@127.0.0.1:{self.port}" if user else f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    def hang(self) -> None:
        self.hung.set()

    def resume(self) -> None:
        self.hung.clear()

    def cut(self) -> None:
        """Close every connection and refuse new ones (until `restore`)."""
        self.cut_off.set()
        with self._lock:
            pipes, self._pipes = self._pipes, []
        for pair in pipes:
            for sock in pair:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def restore(self) -> None:
        self.cut_off.clear()

    def close(self) -> None:
        self.closed.set()
        self.hung.clear()
        self.cut()
        self.listener.close()
        for thread in self._threads:
            thread.join(5)

    def _accept(self) -> None:
        while not self.closed.is_set():
            ready, _, _ = select.select([self.listener], [], [], 0.05)
            if not ready or self.closed.is_set():
                continue
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.cut_off.is_set():
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pipes.append((client, server))
            thread = threading.Thread(target=self._forward, args=(client, server), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _forward(self, client: socket.socket, server: socket.socket) -> None:
        peer = {client: server, server: client}
        try:
            while not self.closed.is_set():
                if self.hung.is_set():
                    self.closed.wait(0.05)  # leave the bytes where they are: nobody answers
                    continue
                ready, _, _ = select.select([client, server], [], [], 0.05)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    peer[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in (client, server):
                with contextlib.suppress(OSError):
                    sock.close()
