"""The Flask ceiling: the same WSGI server returning the mock's 50-task body, pre-serialized.

Run as ``python benchmarks/ceiling.py PORT BODY_FILE``; no validation, no auth, no state.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, Response
from gong_tasks_kit.mock_server.server import serve


def ceiling_app(body: bytes) -> Flask:
    """A Flask app whose POST /v2/tasks returns ``body`` as it is."""
    app = Flask("ceiling")
    headers = {"Content-Type": "application/json; charset=utf-8"}

    @app.post("/v2/tasks")
    def tasks() -> Response:
        return Response(body, headers=headers)

    return app


if __name__ == "__main__":
    port, body_file = int(sys.argv[1]), Path(sys.argv[2])
    print("ceiling serving", flush=True)
    serve(ceiling_app(body_file.read_bytes()), "127.0.0.1", port, workers=2, threads=4)
