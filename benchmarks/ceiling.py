"""The Flask ceiling: a bare Flask app returning the mock's 50-task body, pre-serialized.

Run as ``python benchmarks/ceiling.py PORT BODY_FILE granian|gunicorn [WORKERS]``; no
validation, no auth, no state. ``granian``: granian's WSGI interface with 2 worker
processes (or ``WORKERS``) and its other settings as shipped. ``gunicorn``: 2 gthread
workers x 4 threads, keep-alive 5 s (what ``gong-tasks serve`` ran on before it moved to
granian).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from flask import Flask, Response


def ceiling_app(body: bytes) -> Flask:
    """A Flask app whose POST /v2/tasks returns ``body`` as it is."""
    app = Flask("ceiling")
    headers = {"Content-Type": "application/json; charset=utf-8"}

    @app.post("/v2/tasks")
    def tasks() -> Response:
        return Response(body, headers=headers)

    return app


def on_granian(app: Flask, port: int, workers: int = 2) -> None:
    from granian.constants import Interfaces  # noqa: PLC0415 - one server per run
    from granian.log import LogLevels  # noqa: PLC0415
    from granian.server import MPServer  # noqa: PLC0415

    loader: Any = lambda *_: app  # noqa: E731 - forked workers inherit the app
    server = MPServer(
        "ceiling", address="127.0.0.1", port=port, interface=Interfaces.WSGI, workers=workers,
        log_level=LogLevels.error,
    )  # fmt: skip
    server.serve(target_loader=loader, wrap_loader=False)


def on_gunicorn(app: Flask, port: int) -> None:
    from gunicorn.app.base import BaseApplication  # noqa: PLC0415 - a dev-extra dependency

    class Ceiling(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"127.0.0.1:{port}",
                "workers": 2,
                "threads": 4,
                "worker_class": "gthread",
                "preload_app": True,
                "accesslog": None,
                "loglevel": "warning",
                "keepalive": 5,
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return app

    Ceiling().run()


if __name__ == "__main__":
    port, body_file, server = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    print(f"ceiling on {server}", flush=True)
    app = ceiling_app(body_file.read_bytes())
    if server == "granian":
        on_granian(app, port, *(int(n) for n in sys.argv[4:5]))
    else:
        on_gunicorn(app, port)
