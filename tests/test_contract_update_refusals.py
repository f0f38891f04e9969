"""The update's refusals on the one task the user allowed: with ``--allow-writes`` the live
run sends three invalid updates to that task and requires Gong's 400; a target that
accepts them fails each check by name and gets the task back as it was; without
``--allow-writes`` no update reaches the vendor."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from contract_runner import ContractRunner
from flask import Flask

from gong_tasks_kit.contract_tests.schedule import READ_ONLY
from gong_tasks_kit.contract_tests.update_mutants import update_accepts_invalid_updates
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl, unthrottled_app

# One worker runs this module's contract runs, with one warm runner (contract_runner):
# a runner costs ~10 s of CPU to warm up, once per worker that uses one.
pytestmark = pytest.mark.xdist_group("contract-runs-b")

CHECKS = (
    "update-refuses-unknown-status",
    "update-refuses-malformed-due-date",
    "update-refuses-wrong-user-id-type",
)


def _live_run(
    runner: ContractRunner, app: Flask, tmp_path: Path, *args: str
) -> tuple[Any, list[dict[str, Any]]]:
    """A live (Gong-mode) run against ``app`` served on a free port, and its journal."""
    health: Any = app.test_client().get("/__health").get_json()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    env |= {
        "GONG_CONTRACT_LIVE": "1",
        "GONG_ACCESS_KEY": "gong-mock-access-key",
        "GONG_ACCESS_KEY_SECRET": "gong-mock-access-key-secret",
        "GONG_USER_ID": health["userIds"][0],
        "GONG_WORKSPACE_IDS": ",".join(health["workspaceIds"]),
    }
    with LiveServer(app) as server:
        run = runner.run(["--base-url", server.url, "-k", "refus", *args], env, tmp_path)
    return run, MockControl(app).requests()


def _task(app: Flask) -> tuple[int, tuple[str, str]]:
    control = MockControl(app)
    user = app.test_client().get("/__health").get_json()["userIds"][0]
    task = control.tasks(user)[3]
    return task["id"], _status_and_due(app, task["id"])


def _status_and_due(app: Flask, task_id: int) -> tuple[str, str]:
    task = MockControl(app).task(task_id)["task"]
    return task["status"], task["dueDate"]


def test_a_target_that_accepts_invalid_updates_fails_each_refusal_and_gets_the_task_back(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    app = update_accepts_invalid_updates()
    task_id, original = _task(app)
    run, journal = _live_run(contract_runner, app, tmp_path, "--allow-writes", str(task_id))
    assert run.returncode == 1, run.stdout[-4000:]
    for check in CHECKS:
        assert f"FAILED check: {check} (1)" in run.stdout, run.stdout[-4000:]
    assert "got 200 instead of Gong's 400 (accepted: the task is restored" in run.stdout
    patches = [(e["path"], e["status"]) for e in journal if e["method"] == "PATCH"]
    path = f"/v2/tasks/{task_id}"
    assert patches == [(path, 200)] * 4, "three accepted invalid updates, then the restore"
    assert f"restored task {task_id} of user" in run.stdout
    assert _status_and_due(app, task_id) == original
    assert MockControl(app).task(task_id)["changed"], "it was written (and set back)"


def test_gong_refusing_invalid_updates_passes_the_refusal_checks(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    app = unthrottled_app()
    task_id, original = _task(app)
    run, journal = _live_run(contract_runner, app, tmp_path, "--allow-writes", str(task_id))
    assert run.returncode == 0, run.stdout[-4000:]
    assert "3 passed" in run.stdout
    assert "refusals: three invalid updates of task" in run.stdout, "the plan says so first"
    patches = [e["status"] for e in journal if e["method"] == "PATCH"]
    assert patches == [400, 400, 400, 200], "three refusals, then the restore"
    assert _status_and_due(app, task_id) == original


def test_without_allow_writes_no_invalid_update_reaches_the_vendor(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    app = unthrottled_app()
    run, journal = _live_run(contract_runner, app, tmp_path)
    assert run.returncode == 0, run.stdout[-4000:]
    assert "3 skipped" in run.stdout, run.stdout[-3000:]
    assert READ_ONLY in " ".join(run.stdout.split()), "skipped as read-only, with why"
    assert [e for e in journal if e["method"] == "PATCH"] == []
