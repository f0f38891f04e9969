"""A server app served over real HTTP on 127.0.0.1 and a free port, in a daemon thread,
for tests (werkzeug's development server: threads, no time-outs to tune)."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["LiveServer"]


class LiveServer:
    """``app`` served over real HTTP on 127.0.0.1 and a free port, in a daemon thread.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. An exception the
    app raises while serving (a strict-mode violation, say) is kept, so the test thread
    can re-raise it with :meth:`raise_server_errors` instead of seeing only a 500.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._errors: list[Exception] = []
        self._server: BaseWSGIServer = make_server(host, port, self._recording, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="gong-mock-live-server", daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _recording(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        try:
            return self.app(environ, start_response)
        except Exception as error:
            self._errors.append(error)
            raise

    def take_server_errors(self) -> list[Exception]:
        """The exceptions the app raised since the last call (and forget them)."""
        errors, self._errors = self._errors, []
        return errors

    def raise_server_errors(self) -> None:
        """Re-raise the first exception the app raised since the last take or raise."""
        errors = self.take_server_errors()
        if errors:
            raise errors[0]

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
