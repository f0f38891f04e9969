"""Safe mode for the real API, proven against a local mock posing as Gong: throttled to
3 requests a second, Retry-After honoured, budgeted, only the read-only call sent, drift
report written, no secret shown; within its default budget it catches ignored filters
every run; and with ``--allow-writes TASK_ID`` it updates that task alone, within the
budget, says so first and restores the task afterwards, also when a check fails."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from contract_runner import ContractRunner
from flask import Flask, request

from gong_tasks_kit.contract_tests import mutants
from gong_tasks_kit.contract_tests.budget import BudgetExhaustedError
from gong_tasks_kit.contract_tests.known_ids import KnownIds
from gong_tasks_kit.contract_tests.operations import may_send_to_gong, task_path
from gong_tasks_kit.contract_tests.schedule import NOT_A_MOCK, READ_ONLY
from gong_tasks_kit.contract_tests.schema import build_schema
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.contract_tests.written_task import WrittenTask
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl, unthrottled_app
from gong_tasks_kit.proxy.control import ProxyControl
from gong_tasks_kit.spec import load_spec
from gong_tasks_kit.spec.operations import operation, spec_with_only

# One worker runs this module's contract runs, with one warm runner (contract_runner):
# a runner costs ~10 s of CPU to warm up, once per worker that uses one.
pytestmark = pytest.mark.xdist_group("contract-runs-b")

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
BODY = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}


SECRET = "gong-mock-access-key-secret"
LIVE_ENV = {
    "GONG_CONTRACT_LIVE": "1",
    "GONG_ACCESS_KEY": "gong-mock-access-key",
    "GONG_ACCESS_KEY_SECRET": SECRET,
}
UPDATE_TASK = operation("updateTask")


def _live_target(url: str, **extra: str) -> Target:
    return Target(
        load_settings({"GONG_CONTRACT_BASE_URL": url, "GONG_USER_ID": "1", **LIVE_ENV, **extra})
    )


def _live_env(app: Flask) -> dict[str, str]:
    health: Any = app.test_client().get("/__health").get_json()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    return {
        **env,
        **LIVE_ENV,
        "GONG_USER_ID": health["userIds"][0],
        "GONG_WORKSPACE_IDS": ",".join(health["workspaceIds"]),
    }


def _live_run(
    runner: ContractRunner, url: str, env: dict[str, str], cwd: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``gong-tasks contract --base-url URL ARGS``, in the tests' warm runner."""
    return runner.run(["--base-url", url, *args], env, cwd)


def test_live_target_sends_at_most_three_requests_a_second(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    target = _live_target(gong_mock_url)
    started = time.monotonic()
    statuses = [target.list_tasks(BODY).status for _ in range(7)]
    elapsed = time.monotonic() - started
    assert statuses == [200] * 7
    assert elapsed >= 2.0, f"7 requests in {elapsed:.2f} s is more than 3 a second"
    epochs = [entry["epoch"] for entry in gong_mock.requests()]
    for index in range(3, len(epochs)):
        assert epochs[index] - epochs[index - 3] >= 0.99, "4 requests within one second"


def test_live_target_waits_retry_after_then_retries_once(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    gong_mock.fail_next(429, retry_after=1)
    reply = _live_target(gong_mock_url).list_tasks(BODY)
    assert reply.status == 200
    first, second = gong_mock.requests()
    assert second["epoch"] - first["epoch"] >= 1.0


def test_live_target_stops_at_its_budget(gong_mock_url: str) -> None:
    target = _live_target(gong_mock_url, GONG_CONTRACT_MAX_REQUESTS="2")
    target.list_tasks(BODY)
    target.list_tasks(BODY)
    with pytest.raises(BudgetExhaustedError, match="budget of 2 is spent"):
        target.list_tasks(BODY)


def test_live_target_refuses_anything_but_the_read_only_call(gong_mock_url: str) -> None:
    target = _live_target(gong_mock_url)
    with pytest.raises(RuntimeError, match="refusing to send PATCH /v2/tasks/"):
        target.send(UPDATE_TASK, {"userId": "1", "status": "DONE"}, path="/v2/tasks/1")
    with pytest.raises(RuntimeError, match="refusing to send POST /__admin/reset"):
        target.admin("POST", "/__admin/reset")
    assert target.requests_sent == 0


def test_live_target_with_allow_writes_updates_that_task_alone(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    target = _live_target(gong_mock_url, GONG_CONTRACT_ALLOW_WRITES="0042")
    assert target.settings.allow_writes == "42", "one canonical path"
    for path in ("/v2/tasks/43", "/v2/tasks/042", "/v2/tasks/42/", None):
        with pytest.raises(RuntimeError, match="only the list call and updates of task 42"):
            target.send(UPDATE_TASK, {"userId": "1", "status": "DONE"}, path=path)
    assert target.update_task(42, {"userId": "1", "status": "DONE"}).status == 404
    assert [(e["method"], e["path"]) for e in gong_mock.requests()] == [("PATCH", "/v2/tasks/42")]


def test_only_the_list_call_and_the_named_task_may_reach_gong() -> None:
    list_tasks = operation("listTasks")
    assert may_send_to_gong(list_tasks, "/v2/tasks", None)
    assert not may_send_to_gong(UPDATE_TASK, task_path(7), None)
    assert may_send_to_gong(UPDATE_TASK, task_path(7), "7")
    assert not may_send_to_gong(UPDATE_TASK, task_path(8), "7")
    assert not may_send_to_gong(None, "/v2/tasks", "7")


def test_live_schemathesis_sees_only_the_list_call_whatever_the_spec_adds() -> None:
    document = load_spec()
    document["paths"]["/v2/tasks/{taskId}"] = {
        "patch": {"responses": {"200": {"description": "updated"}}}
    }
    kept = spec_with_only(document, [operation("listTasks")])
    assert set(kept["paths"]) == {"/v2/tasks"}
    assert set(kept["paths"]["/v2/tasks"]) == {"post"}
    settings = load_settings(
        {"GONG_CONTRACT_BASE_URL": "https://us-1.api.gong.io", "GONG_USER_ID": "7", **LIVE_ENV}
    )
    schema = build_schema(settings, KnownIds(("7",), (), "test"), max_examples=1)
    labels = [result.ok().label for result in schema.get_all_operations()]
    assert labels == ["POST /v2/tasks"]
    example = schema.raw_schema["paths"]["/v2/tasks"]["post"]["requestBody"]["content"]
    bodies = [e["value"] for e in example["application/json"]["examples"].values()]
    assert all(body["filter"]["userId"] == "7" for body in bodies), "the real user's id"
    assert all("workspaceId" not in body["filter"] for body in bodies), "no made-up workspace"


@pytest.mark.gong_mock(rate_limit="3/second")
def test_live_run_is_safe_and_writes_a_drift_report(
    contract_runner: ContractRunner,
    gong_mock_app: Flask,
    gong_mock_url: str,
    gong_mock: MockControl,
    tmp_path: Path,
) -> None:
    report = tmp_path / "drift.json"
    run = _live_run(
        contract_runner,
        gong_mock_url,
        _live_env(gong_mock_app),
        tmp_path,
        *("--max-examples", "2", "--drift-report", str(report)),
    )
    assert run.returncode == 0, run.stdout[-4000:]
    assert "target=gong" in run.stdout
    assert "estimated requests ~" in run.stdout
    assert "(budget 40;" in run.stdout
    assert "checks not run: 0" in run.stdout
    # Skips said once: one line for the mock-only checks, one with the fix for the writes.
    mock_only = re.findall(
        r"^\d+ mock-only checks not run against Gong, by design", run.stdout, re.M
    )
    assert len(mock_only) == 1, run.stdout[-4000:]
    assert "SKIPPED" not in run.stdout
    assert (
        len(re.findall(rf"^\d+ update checks not run, {re.escape(READ_ONLY)}$", run.stdout, re.M))
        == 1
    )
    assert "allow_writes=none (read-only)" in run.stdout
    assert "writes" not in run.stdout.split("gong contract summary")[0].split("schedule:")[1]
    assert SECRET not in run.stdout + run.stderr
    drift = json.loads(report.read_text())
    assert drift["failures"] == []
    assert drift["responses"] > 0
    assert "tasks[].title" not in drift["never_seen_fields"]
    journal = gong_mock.requests()
    assert len(journal) <= 40
    assert {entry["method"] for entry in journal} == {"POST"}, "only the read-only call"
    assert {entry["path"] for entry in journal} == {"/v2/tasks"}
    assert sum(entry["status"] == 400 for entry in journal) <= 2, "no flood of invalid bodies"
    epochs = sorted(entry["epoch"] for entry in journal)
    for index in range(3, len(epochs)):
        assert epochs[index] - epochs[index - 3] >= 0.99, "more than 3 requests a second"


@pytest.mark.parametrize(
    ("mutant", "check", "args"),
    [
        ("ignored_filter", "partition-by-status", ()),
        # The designed checks run first and fit the default budget: -x keeps this one short.
        ("ignored_workspace", "partition-by-workspaceId", ("-x",)),
    ],
)
def test_live_default_run_catches_an_ignored_filter_within_its_budget(
    contract_runner: ContractRunner, mutant: str, check: str, args: tuple[str, ...], tmp_path: Path
) -> None:
    app: Flask = getattr(mutants, mutant)()
    with LiveServer(app) as server:
        run = _live_run(
            contract_runner, server.url, _live_env(app), tmp_path, *args
        )  # default budget
        journal = MockControl(app).requests()
    assert run.returncode == 1, run.stdout[-4000:]
    assert f"FAILED check: {check} (1)" in run.stdout, run.stdout[-4000:]
    assert "(budget 40;" in run.stdout
    assert len(journal) <= 40


def _a_task_of_the_first_user(app: Flask, control: MockControl) -> dict[str, Any]:
    health: Any = app.test_client().get("/__health").get_json()
    task: dict[str, Any] = control.tasks(health["userIds"][0])[3]
    return task


def _status_and_due(control: MockControl, task_id: int) -> tuple[str, str]:
    task = control.task(task_id)["task"]
    return task["status"], task["dueDate"]


def test_live_run_with_allow_writes_writes_that_task_only_and_restores_it(
    contract_runner: ContractRunner,
    gong_mock_app: Flask,
    gong_mock_url: str,
    gong_mock: MockControl,
    tmp_path: Path,
) -> None:
    task = _a_task_of_the_first_user(gong_mock_app, gong_mock)
    original = _status_and_due(gong_mock, task["id"])
    run = _live_run(
        contract_runner,
        gong_mock_url,
        _live_env(gong_mock_app),
        tmp_path,
        *("--max-examples", "2", "--allow-writes", str(task["id"])),
    )
    assert run.returncode == 0, run.stdout[-4000:]
    assert "checks not run: 0" in run.stdout
    # The plan says what will be written, and that it is restored, before anything is.
    plan = run.stdout.index("gong contract schedule:")
    note = run.stdout.index(f"writes (--allow-writes): PATCH calls for task {task['id']} of user")
    first_write = run.stdout.index(f"gong contract: writing task {task['id']}")
    assert plan < note < first_write
    assert "are restored when the run ends, also when a check fails" in run.stdout
    assert f"restored task {task['id']} of user" in run.stdout
    journal = gong_mock.requests()
    patches = [entry for entry in journal if entry["method"] == "PATCH"]
    assert patches, "the update checks ran"
    assert {entry["path"] for entry in patches} == {f"/v2/tasks/{task['id']}"}, "that task only"
    assert len(journal) <= 40, "within the default budget"
    assert patches[-1] is journal[-1], "the restore comes last"
    assert _status_and_due(gong_mock, task["id"]) == original
    assert gong_mock.task(task["id"])["changed"], "it was written (and set back)"


def test_live_run_restores_the_task_when_a_check_fails(
    contract_runner: ContractRunner,
    gong_mock_app: Flask,
    gong_mock_url: str,
    gong_mock: MockControl,
    tmp_path: Path,
) -> None:
    task = _a_task_of_the_first_user(gong_mock_app, gong_mock)
    original = _status_and_due(gong_mock, task["id"])
    # The first update goes through (the task is changed), the second fails.
    gong_mock.queue({"status": 200}, {"status": 500}, operation="updateTask")
    run = _live_run(
        contract_runner,
        gong_mock_url,
        _live_env(gong_mock_app),
        tmp_path,
        *("--max-examples", "1", "--allow-writes", str(task["id"])),
    )
    assert run.returncode == 1, run.stdout[-4000:]
    assert "FAILED check: valid-request-ok (1)" in run.stdout, run.stdout[-4000:]
    assert f"restored task {task['id']} of user" in run.stdout
    assert _status_and_due(gong_mock, task["id"]) == original


def test_live_run_names_the_task_and_its_values_when_the_restore_fails(
    contract_runner: ContractRunner,
    gong_mock_app: Flask,
    gong_mock_url: str,
    gong_mock: MockControl,
    tmp_path: Path,
) -> None:
    task = _a_task_of_the_first_user(gong_mock_app, gong_mock)
    status, due = _status_and_due(gong_mock, task["id"])
    # Every update of the checks goes through; the restore (the fifth) fails. (The
    # refusal checks, whose invalid updates a 200 would fail, are left out.)
    gong_mock.queue({"status": 200, "times": 4}, {"status": 500}, operation="updateTask")
    run = _live_run(
        contract_runner,
        gong_mock_url,
        _live_env(gong_mock_app),
        tmp_path,
        *("--max-examples", "1", "--allow-writes", str(task["id"])),
        *("-k", "update and not refus"),
    )
    assert run.returncode == 1, run.stdout[-4000:]
    assert "FAILED check: restore (1)" in run.stdout, run.stdout[-4000:]
    message = (
        f"RESTORE FAILED: task {task['id']} of user {task['userId']} may be left changed; "
        f"set it back by hand to status {status}, dueDate {due}"
    )
    assert f"WARNING: [check: restore] {message}" in run.stdout
    assert _status_and_due(gong_mock, task["id"]) != (status, due), "the mock was left changed"


def test_a_restore_is_sent_even_when_the_budget_is_spent(
    gong_mock_app: Flask, gong_mock_url: str, gong_mock: MockControl
) -> None:
    task = _a_task_of_the_first_user(gong_mock_app, gong_mock)
    target = _live_target(
        gong_mock_url,
        GONG_CONTRACT_MAX_REQUESTS="2",
        GONG_CONTRACT_ALLOW_WRITES=str(task["id"]),
        GONG_USER_ID=str(task["userId"]),
    )
    written = WrittenTask(target, task["id"], str(task["userId"]), dict(task), say=print)
    assert (
        written.update(status="DISMISSED" if task["status"] != "DISMISSED" else "OPEN").status
        == 200
    )
    with pytest.raises(BudgetExhaustedError):  # the second request is kept for the restore
        target.list_tasks(BODY)
    assert written.restore() is None
    assert target.counters.checks == 2
    assert (gong_mock.task(task["id"])["task"]["status"], target.requests_sent) == (
        task["status"],
        2,
    )


def _without_users_in_health(app: Flask) -> Flask:
    """The mock as a proxy before another API looks to the suite: a /__health naming no
    users (a proxy before Gong itself is refused outright, see below)."""

    def hide(response: Any) -> Any:
        if request.path == "/__health":
            response.set_data(json.dumps({"status": "ok", "target": "https://staging.test"}))
        return response

    app.after_request(hide)
    return app


def test_a_url_that_is_no_mock_gets_no_write_to_a_real_task_unasked(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    app = _without_users_in_health(unthrottled_app())
    user = MockControl(app).dataset()["users"][0]["userId"]
    real_ids = {task["id"] for task in MockControl(app).tasks(user)}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    with LiveServer(app) as server:
        run = _live_run(
            contract_runner,
            server.url,
            {**env, "GONG_USER_ID": user},
            tmp_path,
            *("--max-examples", "5", "--max-requests", "80"),
        )
        journal = MockControl(app).requests()
    assert run.returncode == 0, run.stdout[-4000:]
    assert NOT_A_MOCK in " ".join(run.stdout.split()), run.stdout[-4000:]
    patched = {
        int(e["path"].rsplit("/", 1)[1])
        for e in journal
        if e["method"] == "PATCH"
        if e["path"].rsplit("/", 1)[1].isdigit()
    }
    assert not patched & real_ids, "a real task was updated on a target that is no mock"
    assert {e["path"] for e in journal if e["method"] == "POST"} == {"/v2/tasks"}, "no reset"


def test_contract_refuses_mock_mode_through_a_proxy_in_front_of_gong(tmp_path: Path) -> None:
    from gong_tasks_kit.proxy.app import create_proxy_app  # noqa: PLC0415

    proxy = create_proxy_app({"target": "https://us-12345.api.gong.io", "TESTING": True})
    with LiveServer(proxy) as server:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
        run = subprocess.run(  # noqa: S603 - our own console script
            [GONG_TASKS, "contract", "--base-url", server.url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
            cwd=tmp_path,
        )
        journal = ProxyControl(server.url).requests()
    assert run.returncode == 2, run.stdout[-2000:] + run.stderr[-2000:]
    assert "is a gong-tasks proxy in front of the real Gong API" in run.stdout + run.stderr
    assert "GONG_CONTRACT_LIVE=1" in run.stdout + run.stderr
    assert journal == [], "nothing was sent through the proxy"
