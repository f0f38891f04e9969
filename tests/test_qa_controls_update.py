"""QA's controls over both operations: plans per operation, one shared limit, chaos,
latency, the journal's operation field, and MockControl's operation options."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gong_tasks_kit.mock_server.app import create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import MockControl, MockControlError, basic_authorization

AUTH = basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")


def _list_body(app: Flask) -> dict[str, Any]:
    user = mock_runtime(app).store.user_ids[0]
    return {"filter": {"userId": user, "types": ["FLOW"], "taskAction": ["CALL"], "status": []}}


def _update_target(app: Flask) -> tuple[int, dict[str, Any]]:
    user = mock_runtime(app).store.user_ids[0]
    return mock_runtime(app).store.tasks_of(user)[0].id, {"userId": user, "status": "DONE"}


def _calls(app: Flask, client: FlaskClient, order: str, **headers: str) -> list[int]:
    """``order`` is a string of ``l`` (list) and ``u`` (update) calls."""
    task_id, update = _update_target(app)
    statuses = []
    for kind in order:
        if kind == "l":
            response = client.post("/v2/tasks", json=_list_body(app), headers=headers)
        else:
            response = client.patch(f"/v2/tasks/{task_id}", json=update, headers=headers)
        statuses.append(response.status_code)
    return statuses


def test_the_update_fails_once_while_the_list_keeps_working(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    assert gong_mock.fail_next(500, operation="updateTask") == 1
    assert _calls(gong_mock_app, gong_mock_client, "llulu") == [200, 200, 500, 200, 200]
    journal = gong_mock.requests()
    assert [e["operation"] for e in journal] == ["listTasks"] * 2 + ["updateTask"] + [
        "listTasks",
        "updateTask",
    ]
    assert [e["answeredBy"] for e in journal] == ["mock", "mock", "plan", "mock", "mock"]
    assert journal[2]["method"] == "PATCH"


def test_each_call_takes_the_first_step_meant_for_its_operation(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    gong_mock.queue(
        {"status": 404, "operation": "updateTask"},
        {"status": 429, "retryAfter": 2},
        {"status": 403, "operation": "listTasks"},
    )
    assert _calls(gong_mock_app, gong_mock_client, "l") == [429]  # skips the update's 404
    assert _calls(gong_mock_app, gong_mock_client, "u") == [404]
    assert _calls(gong_mock_app, gong_mock_client, "ul") == [200, 403]
    assert gong_mock.plans() == {}


def test_queue_applies_its_operation_to_steps_that_name_none(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    gong_mock.queue(
        {"status": 500}, {"status": 400, "operation": "listTasks"}, operation="updateTask"
    )
    assert gong_mock.plans() == {
        "*": [
            {"status": 500, "operation": "updateTask"},
            {"status": 400, "operation": "listTasks"},
        ]
    }
    assert _calls(gong_mock_app, gong_mock_client, "lu") == [400, 500]


def test_session_plans_for_one_operation_stay_in_their_session(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    alice = MockControl(gong_mock_app, session="alice")
    alice.fail_next(429, operation="updateTask", retry_after=4)
    assert _calls(gong_mock_app, gong_mock_client, "u") == [200]
    assert _calls(gong_mock_app, gong_mock_client, "lu", **alice.session_headers()) == [200, 429]


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"status": 404}, "404 is documented for updateTask only: name the operation"),
        ({"status": 404, "operation": "listTasks"}, "status must be one the spec documents for"),
        ({"status": 500, "operation": "updateReminder"}, "operation must be one of listTasks, "),
        ({"status": 500, "operation": ["updateTask"]}, "operation must be one of"),
    ],
)
def test_plans_refuse_a_status_the_operation_does_not_document(
    gong_mock: MockControl, step: dict[str, Any], message: str
) -> None:
    with pytest.raises(MockControlError, match=message):
        gong_mock.queue(step)
    assert gong_mock.plans() == {}


def test_chaos_refuses_404_which_the_list_call_does_not_document(gong_mock: MockControl) -> None:
    with pytest.raises(MockControlError, match="404 is documented for updateTask only") as refused:
        gong_mock.chaos(0.5, (404,))
    assert "queue plan steps naming the operation instead" in str(refused.value)
    assert ": name the operation" not in str(refused.value)  # chaos has no operation field


@pytest.mark.gong_mock(rate_limit="3/second")
def test_both_operations_share_one_limit(gong_mock_app: Flask, gong_mock: MockControl) -> None:
    client = gong_mock_app.test_client()
    statuses = _calls(gong_mock_app, client, "lulu", Authorization=AUTH)
    assert statuses == [200, 200, 200, 429]
    journal = gong_mock.requests()
    assert journal[-1]["operation"] == "updateTask"
    assert journal[-1]["answeredBy"] == "limiter"
    assert journal[-1]["retryAfter"] == "1"


def test_chaos_and_latency_apply_to_updates(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    gong_mock.chaos(1.0, (500,), seed=3)
    assert _calls(gong_mock_app, gong_mock_client, "ul") == [500, 500]
    gong_mock.stop_chaos()
    gong_mock.latency(fixed_ms=120)
    started = time.monotonic()
    assert _calls(gong_mock_app, gong_mock_client, "u") == [200]
    assert time.monotonic() - started >= 0.12
    assert gong_mock.requests()[-1]["durationMs"] >= 120


def test_chaos_on_updates_is_seeded_and_reproducible() -> None:
    def run() -> list[int]:
        app = create_app({"RATE_LIMIT": "off"})
        MockControl(app).chaos(0.4, (500, 429), seed=11)
        return _calls(app, app.test_client(), "ul" * 15, Authorization=AUTH)

    first = run()
    assert first == run()
    assert set(first) == {200, 429, 500}


def test_journal_operation_is_null_for_paths_outside_the_spec(
    gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    gong_mock_client.get("/v2/tasks/1")
    gong_mock_client.post("/v2/task")
    assert [(e["status"], e["operation"]) for e in gong_mock.requests()] == [
        (405, None),
        (404, None),
    ]
