"""The in-process mock in strict mode against what else a test suite can answer with.

One call, the other benchmarks' (the first user's 50 tasks, ~60 KB), answered by:

- ``in-process strict``: ``gong_mock_client``, the pytest plugin's Flask test client of
  the mock in strict mode (every answer checked against the spec);
- ``in-process``: the same, strict mode off;
- ``pytest-httpserver``: the same bytes as pytest-httpserver's canned answer, over HTTP
  on 127.0.0.1 (a ``requests`` session);
- ``respx``: the same bytes as respx's mocked answer to an httpx client (no HTTP);
- ``served``: ``gong-tasks serve`` (limits off) on a free port, over HTTP (a ``requests``
  session); ``served strict``: the same with ``--strict``.

Rounds alternate (the order rotates each round) and each figure is a median, since this
machine is noisy: per call, the median of each round's batch, then the median over the
rounds; the ratio to pytest-httpserver is taken within each round. CPU time per call
(this process, where pytest-httpserver's thread runs too, plus the served mock's
process) is the figure the other engineers' load disturbs least. Then the per-test cost
of the fixtures (setup and teardown of an empty test, less an empty test's), measured by
pytest itself in a subprocess, with the tests of each fixture interleaved.

Run: ``.venv/bin/python benchmarks/in_process.py [--rounds 7] [--calls 200]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import requests
import respx
from pytest_httpserver import HTTPServer

from gong_tasks_kit.mock_server.app import create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import LIMITS_OFF, default_authorization
from gong_tasks_kit.pytest_plugin import mock_test_client

BIN = Path(sys.executable).parent
BASELINE = "pytest-httpserver"
Call = Callable[[], None]


@dataclass(frozen=True)
class Contestant:
    """One way to answer the call; ``outside_cpu`` is CPU seconds spent so far outside
    this process (a served mock's)."""

    call: Call
    outside_cpu: Callable[[], float] = lambda: 0.0


@dataclass
class Figures:
    """Per round: median seconds per call, and CPU seconds per call."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket  # noqa: PLC0415 - only here

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _in_process(strict: bool) -> tuple[Call, bytes, str, bytes]:
    """A call through the plugin's test client of the mock (the plugin's settings), the
    request body, the Authorization value and the answer's bytes."""
    app = create_app({"strict": strict, "TESTING": True, **LIMITS_OFF})  # as the plugin
    client = mock_test_client(app)
    user = mock_runtime(app).store.user_ids[0]
    request = json.dumps(
        {
            "filter": {
                "userId": user,
                "types": ["FLOW", "MANUAL"],
                "taskAction": ["CALL"],
                "status": ["OPEN", "DONE", "DISMISSED"],
            }
        }
    ).encode()
    answer = client.post("/v2/tasks", data=request, content_type="application/json").data
    if len(json.loads(answer)["tasks"]) != 50:
        sys.exit("expected 50 tasks for the benchmark request")

    def call() -> None:
        response = client.post("/v2/tasks", data=request, content_type="application/json")
        _expect(response.status_code, len(response.data), len(answer))

    return call, request, default_authorization(app), answer


def _expect(status: int, size: int, expected: int) -> None:
    if status != 200 or size != expected:
        sys.exit(f"unexpected answer: {status}, {size} bytes (expected 200, {expected})")


def _over_http(url: str, request: bytes, authorization: str, expected: int) -> Call:
    session = requests.Session()
    headers = {"Content-Type": "application/json", "Authorization": authorization}

    def call() -> None:
        response = session.post(url, data=request, headers=headers, timeout=10)
        _expect(response.status_code, len(response.content), expected)

    return call


@contextmanager
def _httpserver(answer: bytes) -> Iterator[str]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = HTTPServer(host="127.0.0.1", port=free_port())
    server.expect_request("/v2/tasks", method="POST").respond_with_data(
        answer, content_type="application/json; charset=utf-8"
    )
    server.start()
    try:
        yield server.url_for("/v2/tasks")
    finally:
        server.stop()


@contextmanager
def _respx(answer: bytes, request: bytes, authorization: str) -> Iterator[Call]:
    base = "https://api.gong.io"
    headers = {"Content-Type": "application/json", "Authorization": authorization}
    with respx.mock(base_url=base, assert_all_called=False) as router:
        router.post("/v2/tasks").respond(
            200, content=answer, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        with httpx.Client(base_url=base) as client:

            def call() -> None:
                response = client.post("/v2/tasks", content=request, headers=headers)
                _expect(response.status_code, len(response.content), len(answer))

            yield call


def _process_cpu(pid: int) -> float:
    """CPU seconds (user and system, every thread) of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _served(*options: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    argv = [str(BIN / "gong-tasks"), "serve", "--port", str(port), "--rate-limit", "off"]
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [*argv, "--daily-limit", "0", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/__health", timeout=1):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    sys.exit(f"gong-tasks serve {' '.join(options)} did not start")
                time.sleep(0.05)
        yield f"{url}/v2/tasks", process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _served_contestant(
    stack: ExitStack, request: bytes, authorization: str, expected: int, *options: str
) -> Contestant:
    url, pid = stack.enter_context(_served(*options))
    return Contestant(_over_http(url, request, authorization, expected), lambda: _process_cpu(pid))


def _batch(contestant: Contestant, calls: int) -> tuple[float, float]:
    """Median seconds per call, and CPU seconds per call, over ``calls`` calls."""
    for _ in range(5):  # warm: connections, caches
        contestant.call()
    times = []
    cpu_before = time.process_time() + contestant.outside_cpu()
    for _ in range(calls):
        started = time.perf_counter()
        contestant.call()
        times.append(time.perf_counter() - started)
    cpu = time.process_time() + contestant.outside_cpu() - cpu_before
    return statistics.median(times), cpu / calls


def measure_calls(
    contestants: dict[str, Contestant], rounds: int, calls: int
) -> dict[str, Figures]:
    """Each contestant's figures per round (the order rotates)."""
    names = list(contestants)
    results = {name: Figures() for name in names}
    for number in range(rounds):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            wall, cpu = _batch(contestants[name], calls)
            results[name].wall.append(wall)
            results[name].cpu.append(cpu)
        print(f"round {number + 1}/{rounds} done", file=sys.stderr, flush=True)
    return results


FIXTURE_TESTS = """
def test_gong_mock_client_{i}(gong_mock_client):
    pass


def test_httpserver_{i}(httpserver):
    pass


def test_nothing_{i}():
    pass
"""

DURATIONS_PLUGIN = """
import json

DURATIONS = {}


def pytest_runtest_logreport(report):
    name = report.nodeid.split("::")[-1].rsplit("_", 1)[0]
    DURATIONS.setdefault(name, {}).setdefault(report.nodeid, 0.0)
    DURATIONS[name][report.nodeid] += report.duration


def pytest_sessionfinish(session):
    with open("durations.json", "w") as out:
        json.dump({name: list(tests.values()) for name, tests in DURATIONS.items()}, out)
"""


def measure_fixtures(tests: int) -> dict[str, float]:
    """Median seconds per test (setup, call and teardown) of empty tests using each
    fixture, less an empty test's, measured by pytest in a subprocess."""
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        (folder / "pytest.ini").write_text("[pytest]\n")
        (folder / "durations_plugin.py").write_text(DURATIONS_PLUGIN)
        (folder / "test_fixtures.py").write_text(
            "".join(FIXTURE_TESTS.format(i=i) for i in range(tests))
        )
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "durations_plugin",
             "-p", "no:cacheprovider", "test_fixtures.py"],
            cwd=folder, capture_output=True, text=True, check=False, timeout=600,
            env={**os.environ, "PYTHONPATH": directory},
        )  # fmt: skip
        if completed.returncode != 0:
            sys.exit(f"the fixture tests failed:\n{completed.stdout[-2000:]}")
        durations = json.loads((folder / "durations.json").read_text())
    bare = statistics.median(durations["test_nothing"])
    return {
        name: statistics.median(values) - bare
        for name, values in durations.items()
        if name != "test_nothing"
    }


def _ratios(values: list[float], baseline: list[float]) -> float:
    return statistics.median(value / base for value, base in zip(values, baseline, strict=True))


def _report(results: dict[str, Figures], fixtures: dict[str, float], load: str) -> None:
    baseline = results[BASELINE]
    print(
        "| answered by | ms per call (median) | min-max over rounds | x pytest-httpserver "
        "| CPU ms per call | CPU x pytest-httpserver |"
    )
    print("|---|---|---|---|---|---|")
    for name, figures in results.items():
        print(
            f"| {name} | {statistics.median(figures.wall) * 1e3:.2f} | "
            f"{min(figures.wall) * 1e3:.2f}-{max(figures.wall) * 1e3:.2f} | "
            f"{_ratios(figures.wall, baseline.wall):.2f} | "
            f"{statistics.median(figures.cpu) * 1e3:.2f} | "
            f"{_ratios(figures.cpu, baseline.cpu):.2f} |"
        )
    print()
    print("| fixture | ms per test (setup + teardown, less an empty test's) |")
    print("|---|---|")
    for name, seconds in fixtures.items():
        fixture = name.removeprefix("test_")
        print(f"| {fixture} | {seconds * 1e3:.2f} |")
    print()
    print(f"load average: {load} -> {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200, help="calls per contestant and round")
    parser.add_argument("--fixture-tests", type=int, default=300)
    args = parser.parse_args()
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    strict, request, authorization, answer = _in_process(strict=True)
    loose, *_ = _in_process(strict=False)
    with ExitStack() as stack:
        size = len(answer)
        contestants = {
            "in-process strict": Contestant(strict),
            "in-process": Contestant(loose),
            BASELINE: Contestant(
                _over_http(stack.enter_context(_httpserver(answer)), request, authorization, size)
            ),
            "respx": Contestant(stack.enter_context(_respx(answer, request, authorization))),
            "served": _served_contestant(stack, request, authorization, size),
            "served strict": _served_contestant(stack, request, authorization, size, "--strict"),
        }
        results = measure_calls(contestants, args.rounds, args.calls)
    fixtures = measure_fixtures(args.fixture_tests)
    print(
        f"One call answered by 50 tasks ({len(answer):,} bytes); {args.rounds} alternating "
        f"rounds of {args.calls} calls each; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores"
    )
    print()
    _report(results, fixtures, load)


if __name__ == "__main__":
    main()
