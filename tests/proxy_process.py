"""Starting ``gong-tasks proxy`` as a process whose exit a test judges itself (its exit
status, its output in a file), and reading its peak memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests
from conftest import free_port

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        for child in children:
            found += _tree(int(child))
    return found


def peak_rss_mb(pid: int) -> float:
    """The largest peak resident set of ``pid`` and its descendants, in MB."""
    peaks = []
    for member in _tree(pid):
        for line in Path(f"/proc/{member}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def start_proxy(target: str, tmp_path: Path, *options: str) -> tuple[subprocess.Popen[str], str]:
    """Start ``gong-tasks proxy`` in front of ``target`` (no local limits), its output in
    ``tmp_path / "proxy.log"``; return the process and its URL once it answers."""
    port = free_port()
    log = (tmp_path / "proxy.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [
            GONG_TASKS,
            "proxy",
            "--port",
            str(port),
            "--target",
            target,
            "--rate-limit",
            "off",
            "--daily-limit",
            "0",
            *options,
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/__health", timeout=1)
            return process, url
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("the proxy never answered")
