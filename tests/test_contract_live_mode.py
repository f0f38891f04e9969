"""Safe mode for the real API, proven against a local mock posing as Gong: throttled to
3 requests a second, Retry-After honoured, budgeted, only the read-only call sent, drift
report written, no secret shown; and within its default budget it catches ignored
filters every run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from gong_tasks_kit.contract_tests import mutants
from gong_tasks_kit.contract_tests.schema import build_schema
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.contract_tests.target import BudgetExhaustedError, KnownIds, Target
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl
from gong_tasks_kit.spec import load_spec
from gong_tasks_kit.spec.operations import operation, spec_with_only

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


def _live_run(url: str, env: dict[str, str], cwd: Path, *args: str) -> Any:
    return subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "contract", "--base-url", url, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=cwd,
    )


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
    assert target.requests_sent == 0


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
    gong_mock_app: Flask, gong_mock_url: str, gong_mock: MockControl, tmp_path: Path
) -> None:
    report = tmp_path / "drift.json"
    run = _live_run(
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
    assert "mock only:" in run.stdout, "mock-only checks are reported as skipped, with why"
    assert SECRET not in run.stdout + run.stderr
    drift = json.loads(report.read_text())
    assert drift["failures"] == []
    assert drift["responses"] > 0
    assert "tasks[].title" not in drift["never_seen_fields"]
    journal = gong_mock.requests()
    assert len(journal) <= 40
    assert {entry["method"] for entry in journal} == {"POST"}, "only the read-only call"
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
    mutant: str, check: str, args: tuple[str, ...], tmp_path: Path
) -> None:
    app: Flask = getattr(mutants, mutant)()
    with LiveServer(app) as server:
        run = _live_run(server.url, _live_env(app), tmp_path, *args)  # default budget
        journal = MockControl(app).requests()
    assert run.returncode == 1, run.stdout[-4000:]
    assert f"FAILED check: {check} (1)" in run.stdout, run.stdout[-4000:]
    assert "(budget 40;" in run.stdout
    assert len(journal) <= 40
