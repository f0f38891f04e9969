"""``serve --data`` with a large file next to generated data of the same size: seconds
from the command to the first answer, and the serving process's resident memory then.

Writes a data file of ``--tasks`` tasks (the seeded dataset's own, so both servers hold
the same tasks), then starts ``gong-tasks serve`` alternately on it and on generated data,
``--rounds`` times each, and prints the medians (and every round) as a table and as JSON.

    python benchmarks/data_file.py --tasks 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.fixtures.dataset import build_dataset
from gong_tasks_kit.serving.task_documents import SourceTask, TaskDocument

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
USERS = 20
FILTER = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN"]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += _tree(int(child))
    return found


def _rss_mb(pid: int) -> float:
    """The largest resident set among ``pid`` and its descendants (the serving one)."""
    sizes = []
    for member in _tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return max(sizes)


def _write_data(tasks: int, folder: Path) -> tuple[Path, str]:
    dataset = build_dataset(seed=42, users=USERS, tasks_per_user=tasks // USERS)
    records = tuple(SourceTask(r.task, str(r.workspace_id)) for r in dataset.iter_records())
    path = folder / "tasks.json"
    path.write_bytes(TaskDocument(records, dataset.crm_type).to_json())
    return path, str(dataset.users[0].id)


def _one_start(options: list[str], user: str) -> tuple[float, float]:
    port = _free_port()
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [GONG_TASKS, "serve", "--port", str(port), "--workers", "1", *options],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        deadline = started + 300
        while time.monotonic() < deadline:
            try:
                answer = requests.post(
                    f"http://127.0.0.1:{port}/v2/tasks",
                    json={"filter": {"userId": user, **FILTER}},
                    headers={"Authorization": DEFAULT_AUTHORIZATION},
                    timeout=30,
                )
                if answer.status_code == 200:
                    return time.monotonic() - started, _rss_mb(process.pid)
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the mock never answered")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path, user = _write_data(args.tasks, Path(folder))
        size_mb = path.stat().st_size / 1e6
        modes = {
            "generated": ["--users", str(USERS), "--tasks-per-user", str(args.tasks // USERS)],
            "data file": ["--data", str(path)],
        }
        rounds: dict[str, list[tuple[float, float]]] = {mode: [] for mode in modes}
        for _ in range(args.rounds):
            for mode, options in modes.items():  # alternated: the machine's load is shared
                rounds[mode].append(_one_start(options, user))
    print(f"{args.tasks} tasks ({size_mb:.0f} MB file), medians of {args.rounds}:")
    print(f"{'':10} {'first answer (s)':>17} {'RSS (MB)':>9}   rounds (s / MB)")
    results = {}
    for mode, found in rounds.items():
        seconds = statistics.median(s for s, _ in found)
        memory = statistics.median(m for _, m in found)
        shown = ", ".join(f"{s:.1f}/{m:.0f}" for s, m in found)
        print(f"{mode:10} {seconds:17.1f} {memory:9.0f}   {shown}")
        results[mode] = {"seconds": round(seconds, 2), "rss_mb": round(memory), "rounds": found}
    print(json.dumps({"tasks": args.tasks, "file_mb": round(size_mb), **results}))


if __name__ == "__main__":
    main()
