"""The mock against Prism (static and dynamic) and the Flask ceiling, side by side.

One command (``scripts/bench.sh``) sets up and runs it. In alternating rounds it starts
each server on 127.0.0.1, loads it with wrk (one fixed request answered by 50 tasks,
fixed connections, bounded duration), and reports medians; then start-up time to the
first 200 and peak RSS with the default dataset and with 100,000 tasks. Prints one table
with the ratios mock/ceiling, mock/Prism-static and mock/Prism-dynamic, and writes the
same as JSON.
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
from gong_tasks_kit.mock_server.app import mock_state
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

    def rss_mb(self) -> tuple[float, float]:
        """(peak RSS of the biggest process, current RSS of the whole process tree), MB."""
        pids = [self.process.pid, *_descendants(self.process.pid)]
        peaks, current = [], []
        for pid in pids:
            status = _proc_status(pid)
            peaks.append(status.get("VmHWM", 0))
            current.append(status.get("VmRSS", 0))
        return max(peaks) / 1024, sum(current) / 1024

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
    peak_rss_mb: float


def main() -> None:  # noqa: PLR0915 - one linear script: set up, measure, report
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--skip-large", action="store_true", help="skip the 100,000-task run")
    args = parser.parse_args()
    for tool, hint in (("wrk", "apt-get install wrk"), (str(PRISM), "npm ci")):
        if not shutil.which(tool) and not Path(tool).exists():
            sys.exit(f"{tool} is missing: {hint} (scripts/bench.sh does both)")

    app = unthrottled_app()
    user = mock_state(app).store.user_ids[0]
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
    answer = (
        app.test_client()
        .post(
            "/v2/tasks",
            data=request,
            content_type="application/json",
            headers={"Authorization": AUTH},
        )
        .get_json()
    )
    if len(answer["tasks"]) != 50:
        sys.exit(f"expected 50 tasks for the benchmark request, got {len(answer['tasks'])}")
    workdir = Path(tempfile.mkdtemp(prefix="gong-bench-"))
    body_file = workdir / "body.json"
    body_file.write_bytes(json.dumps(answer, separators=(",", ":")).encode())
    spec = prism_spec(workdir, answer)

    gong_tasks = str(BIN / "gong-tasks")
    servers = [
        Server(
            "mock",
            lambda p: [
                gong_tasks,
                "serve",
                "--port",
                str(p),
                "--rate-limit",
                "off",
                "--daily-limit",
                "0",
            ],
        ),
        Server(
            "ceiling",
            lambda p: [
                sys.executable,
                str(ROOT / "benchmarks" / "ceiling.py"),
                str(p),
                str(body_file),
            ],
        ),
        Server("prism-static", lambda p: prism_argv(p, spec)),
        Server(
            "prism-dynamic",
            lambda p: prism_argv(p, spec, "-d", "--json-schema-faker-fillProperties=false"),
        ),
    ]
    runs: dict[str, list[dict[str, float]]] = {s.name: [] for s in servers}
    extra: dict[str, dict[str, float]] = {}
    for round_number in range(args.rounds):
        order = servers if round_number % 2 == 0 else list(reversed(servers))
        for server in order:
            running = Running(server, request)
            try:
                _, sample = post(running.url, request)
                result = wrk(running.url, request, args.duration, args.connections)
                peak, _ = running.rss_mb()
                result.update(
                    startup_s=running.startup_seconds, body_bytes=len(sample), peak_rss_mb=peak
                )
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
                median["peak_rss_mb"],
            )
        )

    if not args.skip_large:
        large = Server(
            "mock-100k",
            lambda p: [
                gong_tasks,
                "serve",
                "--port",
                str(p),
                "--users",
                "100",
                "--tasks-per-user",
                "1000",
                "--rate-limit",
                "off",
                "--daily-limit",
                "0",
            ],
        )
        starts, peaks, totals = [], [], []
        large_request = request
        for _ in range(max(1, args.rounds)):
            running = Running(large, large_request)  # an unknown user's 200 also counts as up
            peak, total = running.rss_mb()
            starts.append(running.startup_seconds)
            peaks.append(peak)
            totals.append(total)
            running.stop()
        extra["mock-100k"] = {
            "startup_s": statistics.median(starts),
            "peak_rss_mb": statistics.median(peaks),
            "tree_rss_mb": statistics.median(totals),
        }

    by_name = {row.name: row for row in rows}
    mock = by_name["mock"]
    ratios = {
        "mock/ceiling rps": mock.rps / by_name["ceiling"].rps,
        "mock/prism-static rps": mock.rps / by_name["prism-static"].rps,
        "mock/prism-dynamic rps": mock.rps / by_name["prism-dynamic"].rps,
        "mock/ceiling p99": mock.p99_ms / by_name["ceiling"].p99_ms,
    }
    print()
    header = (
        f"{'server':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'body B':>9}{'start s':>9}{'RSS MB':>9}"
    )
    print(header)
    for row in rows:
        print(
            f"{row.name:<14}{row.rps:>9.0f}{row.p50_ms:>9.1f}{row.p99_ms:>9.1f}"
            f"{row.errors:>8}{row.body_bytes:>9}{row.startup_s:>9.2f}{row.peak_rss_mb:>9.0f}"
        )
    for name, values in extra.items():
        print(f"{name:<14}{'':>44}{values['startup_s']:>9.2f}{values['peak_rss_mb']:>9.0f}")
    print()
    for name, value in ratios.items():
        print(f"{name:<24}{value:>8.2f}")
    result = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": vars(args) | {"json": str(args.json)},
        "rows": [asdict(row) for row in rows],
        "runs": runs,
        "large": extra,
        "ratios": ratios,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {args.json}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
