"""``gong-tasks proxy`` as a real process in front of a real ``gong-tasks serve``: the
banner, forwarding, and SIGTERM leaving a whole recording and drift report behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


def test_proxy_process_records_and_reports_through_sigterm(
    start_mock: Callable[..., Any], tmp_path: Path
) -> None:
    target = start_mock(["--workers", "1", "--rate-limit", "off"])
    record, report = tmp_path / "recording.json", tmp_path / "drift.json"
    proxy = start_mock(
        lambda port: [
            GONG_TASKS,
            "proxy",
            "--port",
            str(port),
            "--target",
            target.url,
            "--record",
            str(record),
            "--anonymize",
            "--drift-report",
            str(report),
        ]
    )
    assert proxy.banner[0].startswith("Gong tasks proxy listening on http://127.0.0.1:")
    assert f"  target: {target.url}" in proxy.banner[1]
    assert proxy.banner[3] == f"  recording: {record} (anonymized, random seed)"
    assert "3/second, 10000/day" in proxy.banner[4]
    users = requests.get(f"{target.url}/__health", timeout=10).json()["userIds"]
    headers = {"Authorization": DEFAULT_AUTHORIZATION}
    answers = [
        requests.post(
            f"{proxy.url}/v2/tasks",
            json={"filter": {"userId": user, **ALL}},
            headers=headers,
            timeout=10,
        )
        for user in users[:2]
    ]
    assert [answer.status_code for answer in answers] == [200, 200]
    proxy.process.send_signal(signal.SIGTERM)  # at once: the exit writes what is left
    output, _ = proxy.process.communicate(timeout=15)
    assert proxy.process.returncode == 0
    recorded = json.loads(record.read_text(encoding="utf-8"))
    assert len(recorded["tasks"]) == sum(len(a.json()["tasks"]) for a in answers) == 100
    drift = json.loads(report.read_text(encoding="utf-8"))
    assert (drift["exchanges"], drift["failures"], drift["violations"]) == (2, [], [])
    assert "gong-tasks proxy: 2 exchanges with the target; spec violations: none;" in output
    assert f"gong-tasks proxy: 100 tasks recorded in {record}" in output
    assert not list(tmp_path.glob(".*.tmp"))  # no half-written file left behind


def test_proxy_refuses_to_start_without_a_target_or_a_writable_recording(tmp_path: Path) -> None:
    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script
            [GONG_TASKS, "proxy", *argv], capture_output=True, text=True, timeout=60, check=False
        )

    missing = run()
    assert missing.returncode == 2
    assert "GONG_PROXY_TARGET (--target): is required" in missing.stderr
    unwritable = run("--target", "http://127.0.0.1:1", "--record", str(tmp_path / "no/r.json"))
    assert unwritable.returncode == 2
    assert unwritable.stderr.splitlines() == [
        f"Error: {tmp_path / 'no/r.json'}: the folder {tmp_path / 'no'} does not exist"
    ]
