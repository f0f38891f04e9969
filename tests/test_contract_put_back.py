"""A contract run leaves a mock as it found it: against a served mock every task the run
changed is put back (exactly, ``updated`` included), and the summary names them; an
in-process mock is reset (see ``test_contract_suite``)."""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ServedMock
from contract_runner import ContractRunner

from gong_tasks_kit.contract_tests.mock_restore import (
    MockTasks,
    leave_as_found,
    put_back,
    read_mock_tasks,
)
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.mock_server.testing import LiveServer, unthrottled_app

# The worker of the other contract runs, and its warm runner (see test_contract_suite).
pytestmark = pytest.mark.xdist_group("contract-runs-a")


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback
        return json.load(answer)


def _get_tasks(url: str, user: str) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = _get(f"{url}/__admin/tasks?userId={user}")["tasks"]
    return tasks


def _every_task(url: str, users: list[str]) -> dict[str, Any]:
    return {user: _get(f"{url}/__admin/tasks?userId={user}") for user in users}


def test_contract_run_puts_back_every_task_it_changed_on_a_served_mock(
    contract_runner: ContractRunner, start_mock: Callable[..., ServedMock], tmp_path: Path
) -> None:
    mock = start_mock(["--rate-limit", "off"])
    users = [str(user) for user in _get(f"{mock.url}/__health")["userIds"]]
    before = _every_task(mock.url, users)
    run = contract_runner.run(  # `gong-tasks contract`, in the tests' warm runner
        ["--base-url", mock.url, "--max-examples", "3", "--seed", "4"],
        {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))},
        tmp_path,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    found = re.search(r"^restored (\d+) tasks? the run changed: ([\d, ]+)$", run.stdout, re.M)
    assert found is not None, run.stdout[-3000:]
    restored = found.group(2).split(", ")
    assert int(found.group(1)) == len(restored) >= 1  # the update checks write at least one
    updated = _get(f"{mock.url}/__admin/requests?method=PATCH&status=200")["requests"]
    assert set(restored) <= {entry["path"].rsplit("/", 1)[-1] for entry in updated}
    # Each one put back exactly: served as loaded again, not written over.
    forgotten = _get(f"{mock.url}/__admin/requests?method=DELETE")["requests"]
    assert sorted(e["path"] for e in forgotten if e["path"].startswith("/__admin/")) == sorted(
        f"/__admin/tasks/{task}/change" for task in restored
    )
    assert "WARNING" not in run.stdout
    assert _every_task(mock.url, users) == before


def test_put_back_writes_back_a_task_changed_before_the_run_and_forgets_the_others() -> None:
    app = unthrottled_app({"users": 1, "tasks_per_user": 4})
    with LiveServer(app) as server:
        target = Target(load_settings({"GONG_CONTRACT_BASE_URL": server.url}))
        user = target.known_ids().users[0]
        first, second, third = (t["id"] for t in _get_tasks(server.url, user)[:3])
        target.update_task(second, {"userId": user, "dueDate": "2030-01-01T00:00:00Z"})
        before = read_mock_tasks(target, [user])
        assert isinstance(before, MockTasks)
        assert before.changed == {second}
        for task in (first, second):  # what a run does
            target.update_task(task, {"userId": user, "dueDate": "2031-06-01T00:00:00Z"})
        done = put_back(target, before, [user])
        after = _get_tasks(server.url, user)
    assert (done.restored, done.rewritten, done.left) == ([first, second], [second], [])
    notes, warnings = done.lines()
    assert notes[0] == f"restored 2 tasks the run changed: {first}, {second}"
    assert str(second) in notes[1]
    assert "`updated` is now" in notes[1]
    assert warnings == []
    was = {task["id"]: task for _, task in before.tasks.values()}
    now = {task["id"]: task for task in after}
    assert now[first] == was[first]  # exactly, `updated` included
    assert now[third] == was[third]
    assert (now[second]["status"], now[second]["dueDate"]) == (
        was[second]["status"],
        was[second]["dueDate"],
    )


def test_put_back_warns_when_the_mock_cannot_be_read() -> None:
    app = unthrottled_app({"users": 1, "tasks_per_user": 2, "admin_token": "qa-token"})
    with LiveServer(app) as server:
        target = Target(load_settings({"GONG_CONTRACT_BASE_URL": server.url}))
        user = target.known_ids().users[0]
        before = read_mock_tasks(target, [user])
        notes, warnings = leave_as_found(target, before, [user])
    assert notes == []
    assert warnings == [
        f"could not read the mock's tasks before the run (GET /__admin/tasks?userId={user} "
        "answered 401): tasks the run changed may be left changed"
    ]
