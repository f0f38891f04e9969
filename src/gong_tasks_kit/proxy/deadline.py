"""One deadline for a whole exchange with the target: connecting, sending, the answer's
head and its whole body.

A socket timeout bounds each read, not the answer: a target that sends a byte now and
then holds a call for ever. So each call runs under a :class:`Deadline`, and the
connection it uses is watched: when time is up, a timer shuts the connection's socket
down, which ends whatever read is waiting on it at once. The connection classes below
are urllib3's own, with one addition: they tell the call's deadline which connection it
uses (keep-alive connections included). The adapter installs them in requests.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool, PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection

_current = threading.local()


def _shut(sock: socket.socket | None) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class Deadline:
    """The time left to one call; use it as a context manager around the call."""

    def __init__(self, seconds: float) -> None:
        """Start counting when entered.

        Args:
            seconds: The time the whole exchange may take.
        """
        self._seconds = seconds
        self._lock = threading.Lock()
        # The socket, not the connection: one that will close hands its socket over to
        # the answer it reads.
        self._socket: socket.socket | None = None
        self._done = False
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True
        _current.deadline = None

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            sock = self._socket
        _shut(sock)

    def using(self, sock: socket.socket | None) -> None:
        """Note the socket the call uses (shut at once when time is already up)."""
        with self._lock:
            self._socket = sock or self._socket
            expired = self.expired
        if expired:
            _shut(sock)


def _watch(connection: HTTPConnection) -> None:
    deadline: Deadline | None = getattr(_current, "deadline", None)
    if deadline is not None:
        deadline.using(connection.sock)


class _WatchedHTTPConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)

    def getresponse(self) -> Any:
        _watch(self)  # connected by now: a deadline that passed meanwhile shuts it
        return super().getresponse()


class _WatchedHTTPSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self)
        super().request(*args, **kwargs)

    def getresponse(self) -> Any:
        _watch(self)
        return super().getresponse()


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections that a :class:`Deadline` can end."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """As requests does, then install the watched pools."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """As requests does, then install the watched pools (``HTTPS_PROXY`` applies)."""
        manager: PoolManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager
