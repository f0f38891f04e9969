"""Verifying calls from the journal: ``GET /__admin/requests`` filters and
``MockControl.requests(...)``, in-process, over HTTP and on the proxy's journal."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gong_tasks_kit.mock_server.app import mock_runtime
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl, MockControlError

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN"]}


def _traffic(app: Flask, client: FlaskClient) -> tuple[int, str]:
    """Five calls: a list, a planned 429 list, an update, an update of an unknown task,
    a 404 route. Returns the updated task's id and its user."""
    user = mock_runtime(app).store.user_ids[0]
    task_id = mock_runtime(app).store.tasks_of(user)[0].id
    client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}})
    MockControl(app).fail_next(429, operation="listTasks")
    client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}})
    client.patch(f"/v2/tasks/{task_id}", json={"userId": user, "status": "DONE"})
    client.patch("/v2/tasks/1", json={"userId": user, "status": "DONE"})
    client.get("/v2/nothing")
    return task_id, user


def _shape(entries: list[dict[str, Any]]) -> list[tuple[str, str, int, str]]:
    return [(e["method"], e["path"], e["status"], e["answeredBy"]) for e in entries]


def test_each_filter_keeps_only_the_calls_that_match(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    task_id, _ = _traffic(gong_mock_app, gong_mock_client)
    assert len(gong_mock.requests()) == 5
    assert _shape(gong_mock.requests(operation="updateTask")) == [
        ("PATCH", f"/v2/tasks/{task_id}", 200, "mock"),
        ("PATCH", "/v2/tasks/1", 404, "mock"),
    ]
    assert _shape(gong_mock.requests(operation="updateTask", status=200)) == [
        ("PATCH", f"/v2/tasks/{task_id}", 200, "mock")
    ]
    assert _shape(gong_mock.requests(answered_by="plan")) == [("POST", "/v2/tasks", 429, "plan")]
    assert [e["status"] for e in gong_mock.requests(method="post")] == [200, 429]
    assert _shape(gong_mock.requests(path="/v2/nothing")) == [
        ("GET", "/v2/nothing", 404, "routing")
    ]
    assert gong_mock.requests(status=500) == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("operation=deleteTask", "operation must be one of listTasks, updateTask"),
        ("answeredBy=limitter", "answeredBy must be one of mock, limiter, plan"),
        ("status=4x", "status must be a whole number from 0 to 599"),
        ("status=٤٢٩", "status must be a whole number"),
        ("stauts=429", "unknown journal filter 'stauts': use session, operation"),
        ("status=429&status=500", "status may be given once (filters combine"),
        ("method=PTACH", "method must be one of GET, HEAD, POST, PUT, PATCH"),
        ("method=", "method must not be empty"),
        ("session=", "session must not be empty"),
        ("path=v2/tasks", "path must start with '/'"),
        ("%00=1", "unknown journal filter '\\x00'"),
        ("limit=-1", "limit must be a whole number from 0 to 100000"),
        ("path=" + "x" * 3000, "path must be at most 2048 characters"),
    ],
)
def test_a_bad_filter_is_a_400_naming_what_is_allowed(
    gong_mock_client: FlaskClient, query: str, message: str
) -> None:
    answer = gong_mock_client.get(f"/__admin/requests?{query}")
    assert answer.status_code == 400
    (error,) = answer.json["errors"]
    assert message in error


def test_filters_combine_with_session_since_and_limit(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    alice = MockControl(gong_mock_app, session="alice")
    user = mock_runtime(gong_mock_app).store.user_ids[0]
    body = {"filter": {"userId": user, **ALL}}
    for _ in range(3):
        gong_mock_client.post("/v2/tasks", json=body, headers=alice.session_headers())
        gong_mock_client.post("/v2/tasks", json=body)
    assert len(alice.requests(operation="listTasks")) == 3
    every = gong_mock_client.get("/__admin/requests?operation=listTasks").json["requests"]
    since = every[1]["id"]
    newer = gong_mock_client.get(f"/__admin/requests?session=alice&since={since}&limit=1").json
    assert [e["id"] for e in newer["requests"]] == [every[4]["id"]]
    assert newer["lastId"] == every[-1]["id"]


def test_mock_control_filters_over_http(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    with LiveServer(gong_mock_app) as server:
        control = MockControl(server.url)
        _traffic(gong_mock_app, gong_mock_client)
        assert [e["status"] for e in control.requests(operation="updateTask")] == [200, 404]
        with pytest.raises(MockControlError, match="answeredBy must be one of"):
            control.requests(answered_by="nobody")
