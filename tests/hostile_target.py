"""A hostile stand-in for Gong behind the proxy: a raw HTTP server (no framework, so it can
misbehave at the byte level) that answers each call the way ``HostileTarget.mode`` says.

Modes: ``bomb`` (a small gzip body that decompresses to ``size`` NUL bytes), ``big``
(``size`` bytes of invalid JSON), ``trickle`` (a valid head, then one body byte every
``pause`` seconds, 40 in all), ``trickle-head`` (the head itself one byte per ``pause``),
``slow`` (a valid answer after ``pause`` seconds), ``ok`` (a valid answer at once),
``cut-head`` (a head cut in the middle of a line, then the connection closed),
``cut-head-at-line`` (whole header lines but never the blank line ending the head, then
closed) and ``stalled-head`` (the same head, then nothing until the proxy hangs up).
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

_OK = b'{"requestId":"4al018gzaztcr8nbukw","tasks":[],"crmType":"SALESFORCE"}'
_CUT_HEADS = {
    "cut-head": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-S",
    "cut-head-at-line": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
    "stalled-head": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n",
}


def _head(length: int | None, extra: str = "") -> bytes:
    sized = f"Content-Length: {length}\r\n" if length is not None else ""
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{sized}{extra}"
        "Connection: close\r\n\r\n"
    ).encode()


@dataclass
class HostileTarget:
    """The server; use it as a context manager (it listens on a free loopback port)."""

    mode: str = "ok"
    size: int = 10 * 1024 * 1024
    pause: float = 0.5
    calls: int = 0
    _server: socketserver.ThreadingTCPServer | None = field(default=None, repr=False)
    _bomb: bytes = field(default=b"", repr=False)

    @property
    def url(self) -> str:
        """Its base URL."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _read_request(self, sock: socket.socket) -> bool:
        """Read the whole request (unread bytes would reset the answer); False if none."""
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                return False
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        lines = head.lower().split(b"\r\n")
        sized = [line for line in lines if line.startswith(b"content-length:")]
        length = int(sized[0].split(b":")[1]) if sized else 0
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                return False
            body += chunk
        return True

    def _send_big(self, sock: socket.socket) -> None:
        sock.sendall(_head(self.size))
        block = b"{" * 65536
        for _ in range(self.size // len(block)):
            sock.sendall(block)
        sock.sendall(b"{" * (self.size % len(block)))

    def _trickle(self, sock: socket.socket) -> None:
        head = _head(40)  # finite, so a proxy without a deadline is slow, not stuck
        if self.mode == "trickle":
            sock.sendall(head)
            head = b"{" * 40
        for byte in head:
            sock.sendall(bytes([byte]))
            time.sleep(self.pause)

    def _answer(self, sock: socket.socket) -> None:
        sock.settimeout(30)
        if not self._read_request(sock):
            return
        self.calls += 1
        if self.mode == "bomb":
            if not self._bomb:
                self._bomb = gzip.compress(b"\0" * self.size, compresslevel=9)
            sock.sendall(_head(len(self._bomb), "Content-Encoding: gzip\r\n") + self._bomb)
        elif self.mode == "big":
            self._send_big(sock)
        elif self.mode in ("trickle", "trickle-head"):
            self._trickle(sock)
        elif self.mode in _CUT_HEADS:
            sock.sendall(_CUT_HEADS[self.mode])
            if self.mode == "stalled-head":
                sock.recv(1)  # until the proxy hangs up
        else:
            if self.mode == "slow":
                time.sleep(self.pause)
            sock.sendall(_head(len(_OK)) + _OK)

    def __enter__(self) -> HostileTarget:
        target = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                # The proxy may hang up: what a hostile target expects.
                with contextlib.suppress(OSError):
                    target._answer(self.request)

        socketserver.ThreadingTCPServer.daemon_threads = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
