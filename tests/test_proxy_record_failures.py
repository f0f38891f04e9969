"""``--record`` never loses data silently: a path that cannot be written is refused at
start, and a write that fails later shows in ``/__health``, in the exit message and in
the exit status."""

from __future__ import annotations

import errno
import json
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
from proxy_process import GONG_TASKS, start_proxy
from stand_in import stand_in_target

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.mock_server.app import mock_runtime
from gong_tasks_kit.mock_server.testing import LiveServer
from gong_tasks_kit.proxy import create_proxy_app, proxy_runtime
from gong_tasks_kit.proxy import files as proxy_files

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


def test_proxy_record_refuses_a_folder_at_start(tmp_path: Path) -> None:
    run = subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "proxy", "--target", "http://127.0.0.1:1", "--record", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"Error: {tmp_path}: is a folder, not a file"]


@pytest.mark.parametrize(
    ("files", "words"),
    [
        ({"--record": "/dev/null"}, "/dev/null: is not a regular file"),
        (
            {"--record": "out.json", "--drift-report": "./out.json"},
            "--record and --drift-report name the same file (./out.json)",
        ),
        (
            {"--drift-report": "a.json", "--spec-patch": "a.json"},
            "--drift-report and --spec-patch name the same file (a.json)",
        ),
    ],
)
def test_proxy_refuses_a_device_or_one_file_for_two_at_start(
    tmp_path: Path, files: dict[str, str], words: str
) -> None:
    # Each write replaces its file: a device would be replaced by a file, and of two
    # options naming one file only the last write would be kept.
    run = subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "proxy", "--target", "http://127.0.0.1:1", *sum(files.items(), ())],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines() == [f"Error: {words}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_proxy_record_write_failure_shows_in_health_and_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    target = stand_in_target(users=1, tasks_per_user=4)
    with LiveServer(target) as live:
        path = tmp_path / "recording.json"
        proxy = create_proxy_app({"target": live.url, "rate_limit": "off", "record": str(path)})
        client = proxy.test_client()
        user = mock_runtime(target.config["MOCK"]).store.user_ids[0]
        answer = client.post(
            "/v2/tasks",
            json={"filter": {"userId": user, **ALL}},
            headers={"Authorization": DEFAULT_AUTHORIZATION},
        )
        assert answer.status_code == 200
        monkeypatch.setattr(proxy_files, "write_atomically", full_disk)
        state = proxy_runtime(proxy)
        state.close()
        health = client.get("/__health").get_json()
    assert health["recording"] == {
        "path": str(path),
        "tasks": 4,
        "error": "No space left on device",
    }
    assert state.write_failed
    assert (
        f"the recording could not be written to {path} (No space left on device): "
        "4 tasks seen are not in it" in state.summary()
    )
    assert not path.exists()


def test_proxy_process_exits_non_zero_when_the_recording_is_lost(
    start_mock: Callable[..., Any], tmp_path: Path
) -> None:
    target = start_mock(["--workers", "1", "--rate-limit", "off"])
    folder = tmp_path / "out"
    folder.mkdir()
    record = folder / "recording.json"
    process, url = start_proxy(target.url, tmp_path, "--record", str(record))
    try:
        shutil.rmtree(folder)  # the disk goes away after the start
        user = requests.get(f"{target.url}/__health", timeout=10).json()["userIds"][0]
        answer = requests.post(
            f"{url}/v2/tasks",
            json={"filter": {"userId": user, **ALL}},
            headers={"Authorization": DEFAULT_AUTHORIZATION},
            timeout=10,
        )
        assert answer.status_code == 200
        deadline = time.monotonic() + 10
        health: dict[str, Any] = {}
        while time.monotonic() < deadline:
            health = requests.get(f"{url}/__health", timeout=10).json()
            if health["recording"]["error"]:
                break
            time.sleep(0.2)
        assert health["recording"]["error"] == "No such file or directory"
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    finally:
        process.kill()
    output = (tmp_path / "proxy.log").read_text()
    assert code == 1
    assert f"the recording could not be written to {record} (No such file or directory)" in output
    assert "tasks recorded" not in output
    assert health["recording"]["tasks"] > 0


def test_proxy_leaves_its_files_when_no_call_reached_the_target(tmp_path: Path) -> None:
    # Every call answered 502 (the target is down): the run's files say so, they are
    # not missing (a nightly job keeps them as its artifacts).
    record, drift = tmp_path / "recording.json", tmp_path / "drift.json"
    process, url = start_proxy(
        "http://127.0.0.1:1", tmp_path, "--record", str(record), "--drift-report", str(drift)
    )
    try:
        answer = requests.post(
            f"{url}/v2/tasks",
            json={"filter": {"userId": "1", **ALL}},
            headers={"Authorization": DEFAULT_AUTHORIZATION},
            timeout=10,
        )
        assert answer.status_code == 502
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    finally:
        process.kill()
    assert code == 0
    assert json.loads(record.read_text(encoding="utf-8"))["tasks"] == []
    assert json.loads(drift.read_text(encoding="utf-8"))["exchanges"] == 0
    assert f"0 tasks recorded in {record}" in (tmp_path / "proxy.log").read_text()
