"""Replaying what production saw: ``proxy --record`` keeps the target's answers per
operation, ``serve --replay`` answers them again in order (then normally), and
``check-client --scenario RECORDING`` grades a client against the incident."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from click.testing import CliRunner
from flask import Flask
from stand_in import stand_in_target

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.cli import serve_command
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl
from gong_tasks_kit.proxy import create_proxy_app, proxy_runtime
from gong_tasks_kit.proxy.answer_log import MAX_ERROR_BODY_BYTES, AnswerLog
from gong_tasks_kit.proxy.credentials import CredentialFilter
from gong_tasks_kit.proxy.forward import TargetReply

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
HABIT_CLIENT = [sys.executable, str(Path(__file__).parent / "habit_client.py")]
OPEN = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN"]}


@pytest.fixture
def limited_target() -> Iterator[Flask]:
    """A stand-in of Gong that keeps a limit like Gong's (3 calls in 2 seconds here, so that
    a burst of 5 calls meets it however slow the machine is)."""
    app = stand_in_target(users=2, tasks_per_user=10, seed=5, rate_limit="3/2 seconds")
    with LiveServer(app) as live:
        app.config["URL"] = live.url
        # One call through a proxy first: the spec's validators are built once, not in
        # the middle of the recorded burst.
        warm = create_proxy_app({"target": live.url, "rate_limit": "off"}).test_client()
        warm.post("/v2/tasks", json={}, headers={"Authorization": DEFAULT_AUTHORIZATION})
        MockControl(app.config["MOCK"]).reset()
        yield app


def _calls(user: str, task_ids: list[int]) -> list[tuple[str, str, dict[str, Any]]]:
    """A burst like a sync job's: list, three updates, list again (5 calls in a second)."""
    listing = {"filter": {"userId": user, **OPEN}}
    updates = [
        ("PATCH", f"/v2/tasks/{task_id}", {"userId": user, "status": "DONE"})
        for task_id in task_ids
    ]
    return [("POST", "/v2/tasks", listing), *updates, ("POST", "/v2/tasks", listing)]


def _record(target: Flask, path: Path) -> tuple[list[tuple[str, str, dict[str, Any]]], list[Any]]:
    proxy = create_proxy_app(
        {"target": target.config["URL"], "rate_limit": "off", "record": str(path)}
    )
    client = proxy.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = DEFAULT_AUTHORIZATION
    control = MockControl(target.config["MOCK"])
    user = control.dataset()["users"][0]["userId"]
    task_ids = [task["id"] for task in control.tasks(user)][:3]
    calls = _calls(user, task_ids)
    answers = [client.open(path_, method=method, json=body) for method, path_, body in calls]
    proxy_runtime(proxy).close()
    return calls, answers


def _shape(answer: Any) -> tuple[int, str | None, list[str] | None]:
    body = answer.json() if callable(answer.json) else answer.json
    return answer.status_code, answer.headers.get("Retry-After"), body.get("errors")


def test_replay_a_recorded_rate_limit_incident_answers_the_same_calls_the_same(
    limited_target: Flask, tmp_path: Path, start_mock: Callable[..., Any]
) -> None:
    recording = tmp_path / "incident.json"
    calls, recorded = _record(limited_target, recording)
    statuses = [answer.status_code for answer in recorded]
    assert statuses == [200, 200, 200, 429, 429]  # Gong's limit, hit in production
    kept = json.loads(recording.read_text(encoding="utf-8"))
    assert [(a["call"], a["status"]) for a in kept["answers"]["listTasks"]] == [(1, 200), (5, 429)]
    assert [a["status"] for a in kept["answers"]["updateTask"]] == [200, 200, 429]
    limited = kept["answers"]["updateTask"][2]
    assert limited["retryAfter"] == recorded[3].headers["Retry-After"]
    assert limited["retryAfter"] in ("1", "2")
    assert limited["body"]["errors"] == recorded[3].json["errors"]
    assert all(answer["afterSeconds"] < 1 for answer in kept["answers"]["updateTask"])
    assert kept["tasks"]  # and the tasks it saw, as serve --data reads them

    mock = start_mock(["--replay", str(recording), "--rate-limit", "off"])
    assert any(
        line.startswith(f"  replay: {recording}: answers 2 listTasks") for line in mock.banner
    )
    replayed = [
        requests.request(
            method,
            f"{mock.url}{path}",
            json=body,
            headers={"Authorization": DEFAULT_AUTHORIZATION},
            timeout=10,
        )
        for method, path, body in calls
    ]
    assert [_shape(answer) for answer in replayed] == [_shape(answer) for answer in recorded]
    journal = MockControl(mock.url).requests()
    assert [entry["answeredBy"] for entry in journal] == ["mock"] * 3 + ["replay"] * 2
    # Then normal answers: the recording is used up (and a reset would start it again).
    again = requests.post(
        f"{mock.url}{calls[0][1]}",
        json=calls[0][2],
        headers={"Authorization": DEFAULT_AUTHORIZATION},
        timeout=10,
    )
    assert again.status_code == 200

    # check-client replays the incident to a client: a well-behaved one waits as told,
    # one that ignores Retry-After is caught, by the recording's name.
    runs = [
        subprocess.Popen(  # noqa: S603 - our own console script
            [GONG_TASKS, "check-client", "--scenario", str(recording), "--", *HABIT_CLIENT, *habit],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for habit in ([], ["--ignore-retry-after"])
    ]
    (good, _), (bad, _) = (run.communicate(timeout=120) for run in runs)
    assert runs[0].returncode == 0, good
    assert good.startswith("incident: PASS (")
    assert runs[1].returncode == 1, bad
    assert re.search(
        r"^incident: FAIL: call 5 at \+\d\.\d\d s, Retry-After was [12] s "
        r"\(call 4 at \+\d\.\d\d s answered 429\)",
        bad,
        re.MULTILINE,
    ), bad


def test_replay_answers_errors_exactly_as_recorded_after_the_qa_controls(tmp_path: Path) -> None:
    recording = tmp_path / "r.json"
    recording.write_text(
        json.dumps(
            {
                "tasks": [],
                "answers": {
                    "listTasks": [
                        {"status": 500, "body": "<html>Bad gateway</html>"},
                        {"status": 200},
                        {"status": 401, "body": {"requestId": "x", "errors": ["Bad key"]}},
                    ],
                    "updateTask": [
                        {
                            "status": 404,
                            "body": {"requestId": "y", "errors": ["TaskId 1 not found"]},
                        }
                    ],
                },
            }
        ),
        encoding="utf-8",
    )
    app = create_app({"replay": str(recording), "rate_limit": "off", "TESTING": True})
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = DEFAULT_AUTHORIZATION
    control = MockControl(app)
    user = control.dataset()["users"][0]["userId"]  # no tasks recorded: the seeded ones
    listing = {"filter": {"userId": user, **OPEN}}
    control.fail_next(429, retry_after=3)  # a plan step answers first, using up nothing
    answers = [client.post("/v2/tasks", json=listing) for _ in range(5)]
    assert [a.status_code for a in answers] == [429, 500, 200, 401, 200]
    assert answers[1].json["errors"] == ["<html>Bad gateway</html>"]
    assert answers[3].json["errors"] == ["Bad key"]
    assert answers[3].headers["WWW-Authenticate"] == 'Basic realm="Gong.io API"'
    update = client.patch("/v2/tasks/42", json={"userId": user, "status": "DONE"})
    assert (update.status_code, update.json["errors"]) == (404, ["TaskId 1 not found"])
    assert [e["answeredBy"] for e in control.requests(answered_by="replay")] == ["replay"] * 3
    control.reset()  # starts the replay again
    assert client.post("/v2/tasks", json=listing).status_code == 500


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"tasks": []}, "holds no 'answers': record the incident with gong-tasks proxy"),
        ({"answers": {"deleteTask": []}}, "answers.deleteTask: not an operation"),
        ({"answers": {"listTasks": [{"status": 99}]}}, "answers.listTasks[0].status: must be an"),
        (
            {"answers": {"listTasks": [{"status": 429, "retryAfter": "1\r\nX: y"}]}},
            "answers.listTasks[0].retryAfter: must be the header's text",
        ),
        (
            {"answers": {"updateTask": [{"status": 500, "headers": {}}]}},
            "answers.updateTask[0]: unknown field 'headers'",
        ),
        (
            {"tasks": [{"id": 1}], "answers": {}},
            "tasks[0] (id 1): ",
        ),
    ],
)
def test_replay_refuses_a_bad_recording_in_one_line(
    tmp_path: Path, document: Any, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    result = CliRunner().invoke(serve_command, ["--replay", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: --replay {path}: {message}"), result.output
    assert len(result.output.strip().splitlines()) == 1


def test_replay_answer_log_keeps_errors_bounded_and_without_credentials() -> None:
    credentials = CredentialFilter()
    credentials.remember("Bearer very-secret-token-123")
    log = AnswerLog(credentials, limit=2)
    echo = json.dumps({"requestId": "r", "errors": ["bad token very-secret-token-123"]})
    log.observe("listTasks", TargetReply(401, (), echo.encode(), "application/json"), 100.0)
    huge = b"x" * (MAX_ERROR_BODY_BYTES * 3)
    log.observe(
        "listTasks",
        TargetReply(503, (("Retry-After", "30"),), huge, "text/html"),
        100.25,
    )
    log.observe("listTasks", TargetReply(200, (), b"{}", "application/json"), 100.5)
    log.observe("updateTask", TargetReply(200, (), b"{}", "application/json"), 100.75)
    kept = log.to_json_value()
    first, second = kept["listTasks"]
    assert first == {
        "call": 1,
        "status": 401,
        "body": {"requestId": "r", "errors": ["bad token [redacted]"]},
        "afterSeconds": 0.0,
    }
    assert (second["status"], second["retryAfter"], second["afterSeconds"]) == (503, "30", 0.25)
    assert second["body"].endswith(f"… [cut: {MAX_ERROR_BODY_BYTES * 3} bytes]")
    assert len(second["body"]) < MAX_ERROR_BODY_BYTES + 40
    assert kept["updateTask"] == [{"call": 4, "status": 200, "afterSeconds": 0.25}]
    assert log.left_out == 1  # the third list answer: over the limit of 2
