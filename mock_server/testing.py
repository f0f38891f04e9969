"""Helpers for tests that talk to the mock: credentials and a live server in a thread."""

from __future__ import annotations

import base64
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

from mock_server.app import create_app, mock_state

__all__ = ["LiveServer", "basic_authorization", "default_authorization", "unthrottled_app"]


def unthrottled_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The mock with Gong's rate limits off (what fast test suites want)."""
    return create_app({"RATE_LIMIT": "off", "DAILY_LIMIT": 0, **(config or {})})


def basic_authorization(access_key: str, access_key_secret: str) -> str:
    """The ``Authorization`` header value for Gong's Basic scheme."""
    pair = f"{access_key}:{access_key_secret}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def default_authorization(app: Flask) -> str:
    """An ``Authorization`` value that ``app`` accepts (its configured Basic credentials)."""
    auth = mock_state(app).settings.auth
    return basic_authorization(auth.access_key, auth.access_key_secret)


class LiveServer:
    """``app`` served over real HTTP on 127.0.0.1 and a free port, in a daemon thread.

    Use as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="gong-mock-live-server", daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LiveServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
