"""Run the mock on gunicorn, a production WSGI server, with the app built once.

The app (and so the dataset) is built in the master process before workers fork
(``preload_app``), so N workers share one copy of the serialized tasks and start at once.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class MockServer(BaseApplication):  # type: ignore[misc] # gunicorn ships no type hints
    """A gunicorn application serving an already built Flask app."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        """Copy our options into gunicorn's settings."""
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """The WSGI app every worker serves."""
        return self._app


def serve(app: Flask, host: str, port: int, workers: int, threads: int) -> None:
    """Serve ``app`` until interrupted (Ctrl-C or SIGTERM stop it cleanly).

    Threaded workers keep client connections alive between requests, as Gong does.
    """
    MockServer(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "preload_app": True,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "keepalive": 5,
            "graceful_timeout": 5,
        },
    ).run()
