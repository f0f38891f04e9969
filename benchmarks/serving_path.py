"""Where a call's time goes: the mock's serving path taken apart, one process each.

Run as ``.venv/bin/python benchmarks/serving_path.py [--rounds N] [--duration S]`` (needs
``wrk``; ``scripts/bench.sh`` installs it). In alternating rounds it loads, like
``serve_vs_prism.py`` (the same request, answered by the same 60 KB of 50 tasks):

- ``rsgi-bare``: a bare RSGI app answering the fixed bytes on the mock's own server
  (granian embedded, uvloop): what granian and the event loop cost;
- ``bridge-flask``: the bare Flask ceiling app through the mock's RSGI adapter, the same
  server: what the adapter and Flask add;
- ``mock``: ``gong-tasks serve`` with the limits off, whose server hands the call to the
  dispatcher directly, without Flask: what the mock's own work (admission,
  authentication, validation, the query, the answer, the journal) costs against Flask's;
- ``wsgi-flask-1``: the bare Flask app on granian's WSGI interface, 1 worker (the
  ceiling of ``serve_vs_prism.py`` has 2).

It prints req/s, p99 and the CPU time per call (summed over the server's processes), as
medians across rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

from serve_vs_prism import (
    BIN,
    LIMITS_OFF,
    ROOT,
    Running,
    Server,
    benchmark_call,
    wrk,
)

from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.serving import server
from gong_tasks_kit.serving.bodies import BodyCapture
from gong_tasks_kit.serving.dispatcher import run_wsgi
from gong_tasks_kit.serving.errors import Answer
from gong_tasks_kit.serving.rsgi_bridge import DispatcherOnRsgi


class BareRsgi:
    """An RSGI app that reads the body and answers fixed bytes."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    async def __rsgi__(self, scope: object, protocol: object) -> None:
        await protocol()  # type: ignore[operator]
        headers = [("content-type", "application/json; charset=utf-8")]
        protocol.response_bytes(200, headers, self._body)  # type: ignore[attr-defined]


class FlaskOnly:
    """What the adapter asks of a dispatcher, answered by a bare WSGI app on the loop."""

    def __init__(self, app: object) -> None:
        self._app = app

    def body_limit(self, method: str, path: str) -> int:
        return 65_536

    def may_block(self, method: str, path: str) -> bool:
        return False

    def answer(self, environ: dict[str, object], body: BodyCapture) -> Answer:
        return run_wsgi(self._app, environ)  # type: ignore[arg-type]


def serve_on_the_mocks_server(kind: str, port: int, body: bytes) -> None:
    """Serve ``rsgi-bare`` or ``bridge-flask`` the way ``gong-tasks serve`` serves the mock."""
    from ceiling import ceiling_app  # noqa: PLC0415 - a sibling script

    app: object = BareRsgi(body)
    if kind == "bridge-flask":
        dispatcher = FlaskOnly(ceiling_app(body))
        app = DispatcherOnRsgi(dispatcher, threads=8, body_timeout=10)  # type: ignore[arg-type]
    options = server._options(MockSettings(port=port))
    with asyncio.Runner(loop_factory=server._event_loop_factory()) as runner:
        runner.run(server._serve_here(app, options, lambda: None))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per run")
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    request, _, body_file = benchmark_call(Path(tempfile.mkdtemp(prefix="gong-path-")))
    this, ceiling = str(Path(__file__).resolve()), str(ROOT / "benchmarks" / "ceiling.py")
    body = str(body_file)
    servers = [
        Server("rsgi-bare", lambda p: [sys.executable, this, "--serve", "rsgi-bare", str(p), body]),
        Server(
            "bridge-flask",
            lambda p: [sys.executable, this, "--serve", "bridge-flask", str(p), body],
        ),
        Server("mock", lambda p: [str(BIN / "gong-tasks"), "serve", "--port", str(p), *LIMITS_OFF]),
        Server(
            "wsgi-flask-1",
            lambda p: [sys.executable, ceiling, str(p), body, "granian", "1"],
        ),
    ]
    runs: dict[str, list[dict[str, float]]] = {s.name: [] for s in servers}
    for round_number in range(args.rounds):
        for entry in servers if round_number % 2 == 0 else list(reversed(servers)):
            running = Running(entry, request)
            try:
                cpu_before = running.cpu_seconds()
                result = wrk(running.url, request, args.duration, args.connections)
                calls = result["rps"] * args.duration
                cpu = running.cpu_seconds() - cpu_before
                result["cpu_us"] = cpu / calls * 1e6 if calls else float("nan")
                runs[entry.name].append(result)
            finally:
                running.stop()
    print(f"\n{'server':<14}{'req/s':>8}{'p99 ms':>8}{'CPU us/call':>13}")
    for name, samples in runs.items():
        rps, p99, cpu = (
            statistics.median(s[k] for s in samples) for k in ("rps", "p99_ms", "cpu_us")
        )
        print(f"{name:<14}{rps:>8.0f}{p99:>8.1f}{cpu:>13.0f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:  # one of the servers, started by main()
        kind, port, body_path = sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
        serve_on_the_mocks_server(kind, port, body_path.read_bytes())
    else:
        main()
