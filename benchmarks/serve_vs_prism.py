"""The mock against the bare Flask ceiling (on granian and on gunicorn) and Prism.

One command (``scripts/bench.sh``) sets up and runs it. In alternating rounds it starts
each server on 127.0.0.1, loads it with wrk (one fixed request answered by 50 tasks,
fixed connections, bounded duration), and reports medians with each server's spread
across rounds (the machine's noise), the mock-to-ceiling ratio within each round, and
the CPU time each server spends per call (summed over its processes); then start-up
time to the first 200 and memory summed over every process, with the default dataset and
with 100,000 tasks. Prints one table and the ratios against the targets, and writes the
same as JSON.

Servers: ``mock`` is ``gong-tasks serve`` as shipped with the limits off (validation,
auth and journal on); ``ceiling-granian`` a bare Flask app returning the same bytes on
granian with 2 workers; ``ceiling-gunicorn`` the same app on gunicorn (2 gthread workers
x 4 threads); ``prism-static`` / ``prism-dynamic`` Prism 5 mocking the spec (skip them
with ``--no-prism``).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from gong_tasks_kit.mock_server.app import mock_runtime
from gong_tasks_kit.mock_server.testing import unthrottled_app

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PRISM = ROOT / "node_modules" / ".bin" / "prism"
AUTH = "Basic " + base64.b64encode(b"gong-mock-access-key:gong-mock-access-key-secret").decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, body: bytes, timeout: float = 5) -> tuple[int, bytes]:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        f"{url}/v2/tasks",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": AUTH},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


@dataclass
class Server:
    name: str
    argv: Callable[[int], list[str]]


class Running:
    def __init__(self, server: Server, body: bytes) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.started = time.perf_counter()
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            server.argv(self.port),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            status, _ = post(self.url, body, timeout=2)
            if status == 200:
                self.startup_seconds = time.perf_counter() - self.started
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {self.process.returncode}")
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{server.name} never answered 200")

    def rss_mb(self) -> tuple[float, float, int]:
        """(peak RSS summed over every process, current RSS summed, process count), MB.

        Summed RSS counts pages that forked processes share once per process: it is the
        conservative measure, and the one the targets use.
        """
        pids = [self.process.pid, *_descendants(self.process.pid)]
        peaks, current = [], []
        for pid in pids:
            status = _proc_status(pid)
            peaks.append(status.get("VmHWM", 0))
            current.append(status.get("VmRSS", 0))
        return sum(peaks) / 1024, sum(current) / 1024, len(pids)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far, summed over every process of the server."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in [self.process.pid, *_descendants(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def stop(self) -> None:
        """Stop the whole process group and wait until none of it is left, so the next
        server never shares the CPU with a straggler (node children, exiting workers)."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        deadline = time.perf_counter() + 15
        while time.perf_counter() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            os.killpg(self.process.pid, signal.SIGKILL)
        time.sleep(1)  # let the machine settle between servers


def _proc_status(pid: int) -> dict[str, int]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {k: int(v.split()[0]) for k, v in re.findall(r"^(Vm\w+):\s+(.+)$", text, re.M)}


def _descendants(pid: int) -> list[int]:
    children: list[int] = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            child = int(stat.parent.name)
            children += [child, *_descendants(child)]
    return children


def wrk(url: str, body: bytes, seconds: int, connections: int) -> dict[str, float]:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    script.write(
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(body.decode())}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "{AUTH}"\n'
    )
    script.close()
    output = subprocess.run(  # noqa: S603
        [
            shutil.which("wrk") or "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            script.name,
            f"{url}/v2/tasks",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    os.unlink(script.name)

    def latency(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", output, re.M)
        if not match:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]
        return float(match.group(1)) * scale

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), "
        r"timeout (\d+)",
        output,
    )
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {"rps": rps, "p50_ms": latency("50"), "p99_ms": latency("99"), "errors": errors}


def prism_spec(directory: Path, example: dict[str, Any]) -> Path:
    """The project's spec with the mock's own 50-task answer as the first 200 example."""
    document = yaml.safe_load((ROOT / "spec" / "gong-tasks.openapi.yaml").read_text())
    content = document["paths"]["/v2/tasks"]["post"]["responses"]["200"]["content"]
    examples = content["application/json"]["examples"]
    content["application/json"]["examples"] = {"fiftyTasks": {"value": example}, **examples}
    path = directory / "prism-spec.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def prism_argv(port: int, spec: Path, *extra: str) -> list[str]:
    """Prism mocking ``spec`` on ``port`` at its fastest log level, plus ``extra`` flags."""
    return [
        str(PRISM),
        "mock",
        *extra,
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-v",
        "error",
        str(spec),
    ]


@dataclass
class Row:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    body_bytes: int
    startup_s: float
    rss_mb: float
    rps_min: float
    rps_max: float
    cpu_us_per_call: float


TARGETS = {
    "mock/ceiling-granian req/s": (">=", 0.6),
    "mock/ceiling-granian p99": ("<=", 2.0),
    "start-up s (default data)": ("<=", 1.5),
    "start-up s (100,000 tasks)": ("<=", 10.0),
    "memory MB summed (100,000 tasks)": ("<=", 300.0),
}


def _request_and_answer(app_request: bytes) -> dict[str, Any]:
    app = unthrottled_app()
    answer = (
        app.test_client()
        .post(
            "/v2/tasks",
            data=app_request,
            content_type="application/json",
            headers={"Authorization": AUTH},
        )
        .get_json()
    )
    if len(answer["tasks"]) != 50:
        sys.exit(f"expected 50 tasks for the benchmark request, got {len(answer['tasks'])}")
    return dict(answer)


def benchmark_call(workdir: Path) -> tuple[bytes, dict[str, Any], Path]:
    """The benchmark's one request (the first user's tasks: 50 of them), the mock's answer
    to it, and that answer's bytes written to ``workdir/body.json`` for the ceilings."""
    user = mock_runtime(unthrottled_app()).store.user_ids[0]
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
    answer = _request_and_answer(request)
    body_file = workdir / "body.json"
    body_file.write_bytes(json.dumps(answer, separators=(",", ":")).encode())
    return request, answer, body_file


def _servers(body_file: Path, spec: Path, prism: bool) -> list[Server]:
    gong_tasks = str(BIN / "gong-tasks")
    ceiling = str(ROOT / "benchmarks" / "ceiling.py")
    servers = [
        Server("mock", lambda p: [gong_tasks, "serve", "--port", str(p), *LIMITS_OFF]),
        Server(
            "ceiling-granian",
            lambda p: [sys.executable, ceiling, str(p), str(body_file), "granian"],
        ),
        Server(
            "ceiling-gunicorn",
            lambda p: [sys.executable, ceiling, str(p), str(body_file), "gunicorn"],
        ),
    ]
    if prism:
        servers += [
            Server("prism-static", lambda p: prism_argv(p, spec)),
            Server(
                "prism-dynamic",
                lambda p: prism_argv(p, spec, "-d", "--json-schema-faker-fillProperties=false"),
            ),
        ]
    return servers


LIMITS_OFF = ("--rate-limit", "off", "--daily-limit", "0")


def _start_up(argv: Callable[[int], list[str]], request: bytes, rounds: int) -> dict[str, float]:
    """Median start-up (to the first 200) and memory summed over every process, after one
    call, over ``rounds`` starts."""
    starts, peaks, currents, processes = [], [], [], []
    for _ in range(rounds):
        running = Running(Server("start-up", argv), request)
        try:
            post(running.url, request)
            peak, current, count = running.rss_mb()
        finally:
            running.stop()
        starts.append(running.startup_seconds)
        peaks.append(peak)
        currents.append(current)
        processes.append(count)
    return {
        "startup_s": statistics.median(starts),
        "startup_max_s": max(starts),
        "peak_rss_mb": statistics.median(peaks),
        "rss_mb": statistics.median(currents),
        "processes": max(processes),
    }


def _verdict(name: str, value: float) -> str:
    sense, target = TARGETS[name]
    holds = value >= target if sense == ">=" else value <= target
    return f"{'holds' if holds else 'MISSED'} (target {sense} {target:g})"


def _print_report(
    rows: list[Row],
    *,
    default_start: dict[str, float],
    large: dict[str, float],
    measured: dict[str, float],
    info: dict[str, float],
    loads: tuple[tuple[float, ...], tuple[float, ...]],
) -> None:
    load_before, load_after = loads
    print()
    print(
        f"{'server':<18}{'req/s':>8}{'min':>8}{'max':>8}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'errors':>7}{'body B':>8}{'start s':>8}{'RSS MB':>8}{'CPU us':>8}"
    )
    for row in rows:
        print(
            f"{row.name:<18}{row.rps:>8.0f}{row.rps_min:>8.0f}{row.rps_max:>8.0f}"
            f"{row.p50_ms:>8.1f}{row.p99_ms:>8.1f}{row.errors:>7}{row.body_bytes:>8}"
            f"{row.startup_s:>8.2f}{row.rss_mb:>8.0f}{row.cpu_us_per_call:>8.0f}"
        )
    print(
        f"\nstart-up, default data: {default_start['startup_s']:.2f} s median "
        f"(max {default_start['startup_max_s']:.2f} s), "
        f"{default_start['peak_rss_mb']:.0f} MB peak summed over "
        f"{default_start['processes']:.0f} process(es)"
    )
    if large:
        print(
            f"start-up, 100,000 tasks: {large['startup_s']:.2f} s median "
            f"(max {large['startup_max_s']:.2f} s), {large['peak_rss_mb']:.0f} MB peak "
            f"({large['rss_mb']:.0f} MB now) summed over {large['processes']:.0f} process(es)"
        )
    print()
    for name, value in measured.items():
        print(f"{name:<36}{value:>9.2f}  {_verdict(name, value)}")
    for name, value in info.items():
        print(f"{name:<36}{value:>9.2f}")
    spreads = {row.name: row.rps_max / row.rps_min for row in rows if row.rps_min}
    print(
        f"\nnoise: load average {load_before[0]:.1f} before, {load_after[0]:.1f} after; "
        "req/s max/min across rounds: "
        + ", ".join(f"{name} {spread:.2f}" for name, spread in spreads.items())
    )


def main() -> None:  # noqa: PLR0915 - one linear script: set up, measure, report
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--skip-large", action="store_true", help="skip the 100,000-task run")
    parser.add_argument("--no-prism", dest="prism", action="store_false", help="skip Prism")
    args = parser.parse_args()
    tools = [("wrk", "apt-get install wrk")] + ([(str(PRISM), "npm ci")] if args.prism else [])
    for tool, hint in tools:
        if not shutil.which(tool) and not Path(tool).exists():
            sys.exit(f"{tool} is missing: {hint} (scripts/bench.sh does both)")

    workdir = Path(tempfile.mkdtemp(prefix="gong-bench-"))
    request, answer, body_file = benchmark_call(workdir)
    servers = _servers(body_file, prism_spec(workdir, answer), args.prism)
    load_before = os.getloadavg()

    runs: dict[str, list[dict[str, float]]] = {s.name: [] for s in servers}
    for round_number in range(args.rounds):
        order = servers if round_number % 2 == 0 else list(reversed(servers))
        for server in order:
            running = Running(server, request)
            try:
                _, sample = post(running.url, request)
                cpu_before = running.cpu_seconds()
                result = wrk(running.url, request, args.duration, args.connections)
                calls = result["rps"] * args.duration
                cpu = running.cpu_seconds() - cpu_before
                result["cpu_us_per_call"] = cpu / calls * 1e6 if calls else float("nan")
                _, rss, _ = running.rss_mb()
                result.update(startup_s=running.startup_seconds, body_bytes=len(sample), rss_mb=rss)
                runs[server.name].append(result)
                print(
                    f"round {round_number + 1} {server.name}: {result['rps']:.0f} req/s, "
                    f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']:.0f}",
                    flush=True,
                )
            finally:
                running.stop()

    rows = []
    for server in servers:
        samples = runs[server.name]
        median = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
        rows.append(
            Row(
                server.name,
                median["rps"],
                median["p50_ms"],
                median["p99_ms"],
                int(max(s["errors"] for s in samples)),
                int(median["body_bytes"]),
                median["startup_s"],
                median["rss_mb"],
                min(s["rps"] for s in samples),
                max(s["rps"] for s in samples),
                median["cpu_us_per_call"],
            )
        )
    by_name = {row.name: row for row in rows}
    mock, ceiling = by_name["mock"], by_name["ceiling-granian"]

    gong_tasks = str(BIN / "gong-tasks")
    start_rounds = max(3, args.rounds)
    default_start = _start_up(
        lambda p: [gong_tasks, "serve", "--port", str(p), *LIMITS_OFF], request, start_rounds
    )
    large: dict[str, float] = {}
    if not args.skip_large:
        large_argv = [gong_tasks, "serve", "--users", "100", "--tasks-per-user", "1000"]
        # an unknown user's 200 also counts as up
        large = _start_up(lambda p: [*large_argv, "--port", str(p), *LIMITS_OFF], request, 3)

    measured = {
        "mock/ceiling-granian req/s": mock.rps / ceiling.rps,
        "mock/ceiling-granian p99": mock.p99_ms / ceiling.p99_ms,
        "start-up s (default data)": default_start["startup_s"],
    }
    if large:
        measured["start-up s (100,000 tasks)"] = large["startup_s"]
        measured["memory MB summed (100,000 tasks)"] = large["peak_rss_mb"]
    # Each round runs every server back to back: the ratio within a round is the one the
    # machine's noise disturbs least.
    pairs = zip(runs["mock"], runs["ceiling-granian"], strict=True)
    paired = [mock_run["rps"] / ceiling_run["rps"] for mock_run, ceiling_run in pairs]
    info = {
        "mock/ceiling-granian req/s, per round": statistics.median(paired),
        "  lowest round": min(paired),
        "  highest round": max(paired),
        "mock/ceiling-granian CPU per call": mock.cpu_us_per_call / ceiling.cpu_us_per_call,
        "mock/ceiling-gunicorn req/s": mock.rps / by_name["ceiling-gunicorn"].rps,
        "ceiling-granian/ceiling-gunicorn req/s": ceiling.rps / by_name["ceiling-gunicorn"].rps,
    }
    if args.prism:
        info["mock/prism-static req/s"] = mock.rps / by_name["prism-static"].rps
        info["mock/prism-dynamic req/s"] = mock.rps / by_name["prism-dynamic"].rps
    load_after = os.getloadavg()

    _print_report(
        rows,
        default_start=default_start,
        large=large,
        measured=measured,
        info=info,
        loads=(load_before, load_after),
    )
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": load_before,
            "load_average_after": load_after,
        },
        "settings": vars(args) | {"json": str(args.json)},
        "rows": [asdict(row) for row in rows],
        "runs": runs,
        "start_up": {"default": default_start, "100k": large},
        "targets": {name: [*TARGETS[name], value] for name, value in measured.items()},
        "ratios": info,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
