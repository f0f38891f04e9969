"""Workspace ids without homework: against Gong without ``GONG_WORKSPACE_IDS`` the suite
reads Gong's ``GET /v2/workspaces`` (a request of the budget) and runs the workspace
checks with them; when the credentials cannot read it, the summary ends by saying the
workspace checks did not run and how to make them run; a mock is never asked."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest
from contract_runner import ContractRunner
from flask import Flask, Response, request

from gong_tasks_kit.contract_tests.known_ids import KnownIds
from gong_tasks_kit.contract_tests.operations import WORKSPACES_PATH, may_send_to_gong
from gong_tasks_kit.contract_tests.schedule import Candidate, ScheduleContext, make_schedule
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.contract_tests.workspaces import HOW_TO_RUN, workspace_ids
from gong_tasks_kit.mock_server.app import mock_runtime
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl, unthrottled_app

# One worker runs this module's contract runs, with one warm runner (contract_runner):
# a runner costs ~10 s of CPU to warm up, once per worker that uses one.
pytestmark = pytest.mark.xdist_group("contract-runs-a")

CHECK = "test_each_workspace_splits_the_widest_answer"


def _gong_with_workspaces(status: int = 200) -> Flask:
    """The mock posing as Gong, with Gong's list of workspaces (or a refusal of it)."""
    app = unthrottled_app()
    app.config["WORKSPACE_CALLS"] = []

    @app.get(WORKSPACES_PATH)
    def workspaces() -> Response:
        app.config["WORKSPACE_CALLS"].append(request.headers.get("Authorization"))
        if status != 200:
            body = {"requestId": "w" * 19, "errors": ["Access denied"]}
            return Response(orjson.dumps(body), status=status, mimetype="application/json")
        spaces = dict.fromkeys(w for ws in mock_runtime(app).store.workspaces.values() for w in ws)
        listed = [
            {"id": w, "name": f"Workspace {n}", "description": "A workspace"}
            for n, w in enumerate(spaces)
        ]
        body = {"requestId": "w" * 19, "workspaces": listed}
        return Response(orjson.dumps(body), mimetype="application/json")

    return app


def _run(
    runner: ContractRunner, app: Flask, tmp_path: Path, *, live: bool
) -> subprocess.CompletedProcess[str]:
    health: Any = app.test_client().get("/__health").get_json()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    if live:  # no GONG_WORKSPACE_IDS: the suite must find them itself
        env |= {
            "GONG_CONTRACT_LIVE": "1",
            "GONG_ACCESS_KEY": "gong-mock-access-key",
            "GONG_ACCESS_KEY_SECRET": "gong-mock-access-key-secret",
            "GONG_USER_ID": health["userIds"][0],
        }
    with LiveServer(app) as server:
        return runner.run(["--base-url", server.url, "-k", CHECK, "--seed", "1"], env, tmp_path)


def _summary(stdout: str) -> list[str]:
    """The lines of the suite's summary, up to pytest's closing line."""
    section = stdout.split("gong contract summary", 1)[1].splitlines()[1:]
    return [line for line in section if line and not line.startswith(("=", "SKIPPED", "FAILED"))]


def test_against_gong_the_workspace_ids_come_from_gongs_list(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    app = _gong_with_workspaces()
    health: Any = app.test_client().get("/__health").get_json()
    run = _run(contract_runner, app, tmp_path, live=True)
    assert run.returncode == 0, run.stdout[-4000:]
    assert "1 passed" in run.stdout, "the workspace check ran"
    assert app.config["WORKSPACE_CALLS"] == [app.config["WORKSPACE_CALLS"][0]], "asked once"
    assert app.config["WORKSPACE_CALLS"][0].startswith("Basic "), "with the run's credential"
    found = len(health["workspaceIds"])
    assert f"sent before the plan: GET /v2/workspaces (the company's workspace ids): {found}" in (
        run.stdout
    )
    # In the budget: the journal's list calls and the workspaces call, nothing else.
    lists = [e for e in MockControl(app).requests() if e["path"] == "/v2/tasks"]
    assert f"requests sent: {len(lists) + 1} = {len(lists) + 1} checks (budget 40" in run.stdout
    assert "WORKSPACE CHECKS NOT RUN" not in run.stdout


def test_when_gong_refuses_its_list_the_summary_ends_saying_how_to_run_them(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    app = _gong_with_workspaces(status=403)
    run = _run(contract_runner, app, tmp_path, live=True)
    assert run.returncode == 0, run.stdout[-4000:]
    assert "1 skipped" in run.stdout
    assert len(app.config["WORKSPACE_CALLS"]) == 1
    summary = _summary(run.stdout)
    said = summary.index(
        "WORKSPACE CHECKS NOT RUN: GET /v2/workspaces got 403 (access denied), so the "
        "company's workspace ids are unknown"
    )
    assert summary[said + 1] == f"  {HOW_TO_RUN}", run.stdout[-3000:]
    # Said once, with the fix, just before what a person in a hurry reads last.
    assert summary[said + 2].startswith("verdict: PASSED"), summary
    assert "no workspace ids known" not in "\n".join(summary)
    assert "GONG_WORKSPACE_IDS" in HOW_TO_RUN
    assert "api:workspaces:read" in HOW_TO_RUN


def test_a_mock_is_never_asked_for_gongs_workspaces(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    app = _gong_with_workspaces()
    run = _run(contract_runner, app, tmp_path, live=False)
    assert run.returncode == 0, run.stdout[-4000:]
    assert "1 passed" in run.stdout, "its /__health names its workspaces"
    assert app.config["WORKSPACE_CALLS"] == []


def test_only_the_read_only_workspaces_call_is_allowed_outside_the_spec() -> None:
    assert may_send_to_gong(None, WORKSPACES_PATH, None)
    assert not may_send_to_gong(None, "/v2/users", None)
    assert not may_send_to_gong(None, None, "7")


def test_workspace_ids_are_read_bounded_and_checked() -> None:
    listed = {"workspaces": [{"id": "623457276584334"}, {"id": 12}, {"id": "623457276584334"}]}
    assert workspace_ids(listed) == ("623457276584334", "12")
    assert workspace_ids({"workspaces": [{"id": "12; DROP"}]}) is None
    assert workspace_ids({"workspaces": [{"id": True}]}) is None
    assert workspace_ids({"errors": ["Access denied"]}) is None
    many = {"workspaces": [{"id": str(n)} for n in range(1000)]}
    assert len(workspace_ids(many) or ()) == 100


def test_a_request_sent_before_the_plan_counts_in_its_budget() -> None:
    settings = load_settings(
        {
            "GONG_CONTRACT_BASE_URL": "https://us-1.api.gong.io",
            "GONG_USER_ID": "1",
            "GONG_ACCESS_KEY": "key",
            "GONG_ACCESS_KEY_SECRET": "secret",
            "GONG_CONTRACT_MAX_REQUESTS": "5",
        }
    )
    known = KnownIds(("1",), ("10",), "test")
    checks = [Candidate(f"t{n}", f"t{n}", "designed", requests=2) for n in range(2)]
    note = "sent before the plan: GET /v2/workspaces (the company's workspace ids)"
    before = make_schedule(checks, ScheduleContext(settings, known, 0))
    after = make_schedule(checks, ScheduleContext(settings, known, 0, spent=(note,)))
    assert [d.runs for d in before.decisions.values()] == [True, True]
    assert [d.runs for d in after.decisions.values()] == [True, False], "budget 5: 1 + 2 + 1"
    assert after.planned_requests == 3
    assert f"  {note}" in after.describe()
