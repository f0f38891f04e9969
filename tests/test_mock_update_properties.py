"""Properties of the update call for any input: an update is what the next list shows,
malformed bodies get 400s, and the mock's verdict agrees with openapi-core."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st

from gong_tasks_kit.fixtures.strategies import (
    due_dates,
    invalid_task_update_requests,
    json_values,
    task_update_requests,
)
from gong_tasks_kit.mock_server.app import create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import MockControl, default_authorization
from gong_tasks_kit.spec.reference import iter_request_violations, iter_response_violations
from gong_tasks_kit.spec.timestamps import utc_timestamp

APP: Flask = create_app({"TESTING": True, "STRICT": True, "RATE_LIMIT": "off", "USERS": 2})
STORE = mock_runtime(APP).store
USER = STORE.user_ids[0]
TASK_IDS = [task.id for task in STORE.tasks_of(USER)]
ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}
UNKNOWN_TASK = 1


def _client() -> FlaskClient:
    client = APP.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = default_authorization(APP)
    return client


def _patch(task_id: object, body: Any) -> Any:
    return _client().patch(
        f"/v2/tasks/{task_id}", data=json.dumps(body), content_type="application/json"
    )


def _list(statuses: list[str]) -> list[dict[str, Any]]:
    body = {"filter": {"userId": USER, **ALL, "status": statuses}}
    tasks: list[dict[str, Any]] = _client().post("/v2/tasks", json=body).json["tasks"]
    return tasks


@settings(max_examples=60, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(TASK_IDS),
            task_update_requests([USER]).map(lambda body: {**body, "userId": USER}),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_a_sequence_of_updates_is_what_the_next_list_shows(
    steps: list[tuple[int, dict[str, Any]]],
) -> None:
    MockControl(APP).reset()
    expected = {task["id"]: task for task in _list(ALL["status"])}
    for task_id, body in steps:
        response = _patch(task_id, body)
        assert response.status_code == 200, response.json
        (answered,) = response.json["tasks"]
        before = expected[task_id]
        want = {
            **before,
            "status": body.get("status", before["status"]),
            "dueDate": utc_timestamp(body["dueDate"]) if "dueDate" in body else before["dueDate"],
        }
        changed = (want["status"], want["dueDate"]) != (before["status"], before["dueDate"])
        assert (answered["updated"] != before["updated"]) <= changed  # unchanged: same updated
        assert answered["updated"] >= before["created"]
        assert {**answered, "updated": None} == {**want, "updated": None}
        expected[task_id] = answered
    listed = _list(ALL["status"])
    assert {task["id"]: task for task in listed} == expected
    assert [(t["dueDate"], t["id"]) for t in listed] == sorted(
        (t["dueDate"], t["id"]) for t in listed
    )
    for status in ALL["status"]:
        assert {t["id"] for t in _list([status])} == {
            task_id for task_id, task in expected.items() if task["status"] == status
        }


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(invalid_task_update_requests())
def test_any_malformed_update_gets_a_400_in_the_error_shape(case: tuple[str, Any]) -> None:
    kind, body = case
    response = _patch(TASK_IDS[0], body)
    assert response.status_code == 400, (kind, body, response.json)
    assert response.json["errors"]
    assert not list(
        iter_response_violations(400, response.data, dict(response.headers), operation="updateTask")
    )


def _update_bodies() -> st.SearchStrategy[Any]:
    near_valid = invalid_task_update_requests().map(lambda case: case[1])
    return st.one_of(
        task_update_requests(),
        near_valid,
        json_values(),
        st.fixed_dictionaries(
            {"userId": st.just("1")},
            optional={
                "dueDate": due_dates()
                | st.from_regex(
                    r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}"
                    r"(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})\Z"
                ),
                "status": json_values(2),
            },
        ),
        st.dictionaries(st.sampled_from(["userId", "status", "dueDate", "other"]), json_values(4)),
    )


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(_update_bodies())
def test_the_mocks_verdict_on_update_bodies_agrees_with_openapi_core(body: Any) -> None:
    raw = json.dumps(body).encode()
    reference_valid = not list(iter_request_violations(raw, operation="updateTask"))
    response = _patch(UNKNOWN_TASK, body)  # valid bodies reach the lookup: 404
    if reference_valid and response.status_code == 400:
        # the one deliberate difference: a due date whose UTC form leaves years 1-9999
        assert "outside the years 1 to 9999" in response.json["errors"][0], response.json
        return
    assert response.status_code == (404 if reference_valid else 400), (body, response.json)


@settings(max_examples=100, deadline=None)
@given(task_id=st.text(max_size=30), data=st.binary(max_size=64))
def test_the_update_never_crashes_on_arbitrary_ids_and_bytes(task_id: str, data: bytes) -> None:
    response = _client().patch(
        f"/v2/tasks/{quote(task_id, safe='')}", data=data, content_type="application/json"
    )
    assert response.status_code in (400, 404), response.json
    assert response.json["requestId"]
