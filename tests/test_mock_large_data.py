"""A large ``--data`` file costs what generated data of the same size costs: the mock
built from it holds about as much memory, and serves the same answers. (The timing at
100,000 tasks is ``benchmarks/data_file.py``'s: too slow and too noisy for a test.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.fixtures.dataset import build_dataset
from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.serving.task_documents import SourceTask, TaskDocument

USERS, PER_USER = 10, 2_000
ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}
# Builds the mock in a fresh process and prints its resident memory once built.
_MEASURE = """
import sys
from gong_tasks_kit.mock_server.app import create_app
create_app(dict(arg.split("=", 1) for arg in sys.argv[1:]))
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) // 1024)
"""


@pytest.fixture(scope="module")
def data_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated data as a ``--data`` file (built once: both tests only read it)."""
    folder = tmp_path_factory.mktemp("large-data")
    dataset = build_dataset(seed=42, users=USERS, tasks_per_user=PER_USER)
    records = tuple(SourceTask(r.task, str(r.workspace_id)) for r in dataset.iter_records())
    path = folder / "tasks.json"
    path.write_bytes(TaskDocument(records, dataset.crm_type).to_json())
    return path


def _built_rss_mb(*settings: str) -> int:
    run = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-c", _MEASURE, *settings],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return int(run.stdout.split()[-1])


@pytest.mark.xdist_group("large-data")  # one worker: the file is built once
def test_mock_large_data_file_holds_about_what_generated_data_holds(data_file: Path) -> None:
    path = data_file
    generated = _built_rss_mb(f"users={USERS}", f"tasks_per_user={PER_USER}")
    from_file = _built_rss_mb(f"data={path}")
    # Before, the file's parsed tasks stayed pinned: about three times generated's.
    assert from_file <= generated * 1.15 + 10, (from_file, generated)


@pytest.mark.xdist_group("large-data")
def test_mock_large_data_file_serves_what_generated_data_serves(data_file: Path) -> None:
    path = data_file
    generated = create_app({"users": USERS, "tasks_per_user": PER_USER, "rate_limit": "off"})
    from_file = create_app({"data": str(path), "rate_limit": "off"})
    user = next(iter(build_dataset(seed=42, users=USERS, tasks_per_user=0).users)).id
    answers = []
    for app in (generated, from_file):
        client = app.test_client()
        answer = client.post(
            "/v2/tasks",
            json={"filter": {"userId": str(user), **ALL}},
            headers={"Authorization": DEFAULT_AUTHORIZATION},
        )
        assert answer.status_code == 200
        body = orjson.loads(answer.data)
        del body["requestId"]
        answers.append(body)
    assert answers[0] == answers[1]
    assert len(answers[0]["tasks"]) == PER_USER
