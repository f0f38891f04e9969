"""Properties of the mock for any input: exact filters, 400s for malformed bodies, and a
fast validator that agrees with openapi-core, the reference."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gong_tasks_kit.fixtures.dataset import build_dataset
from gong_tasks_kit.fixtures.strategies import (
    invalid_task_list_requests,
    json_values,
    task_list_requests,
    tasks,
)
from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.testing import default_authorization
from gong_tasks_kit.spec.fast_validation import is_valid
from gong_tasks_kit.spec.reference import iter_request_violations, iter_response_violations

DATASET = build_dataset()
USER_IDS = [str(user.id) for user in DATASET.users]
WORKSPACE_IDS = [str(workspace) for workspace in DATASET.workspace_ids]
RECORDS = list(DATASET.iter_records())
APP: Flask = create_app({"TESTING": True, "STRICT": True, "RATE_LIMIT": "off"})
FUNCTION_FIXTURES_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def _client() -> FlaskClient:
    client = APP.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = default_authorization(APP)
    return client


def _expected_ids(task_filter: dict[str, Any]) -> list[int]:
    """Brute force over the dataset, independent of the mock's index."""
    matching = [
        record.task
        for record in RECORDS
        if str(record.task["userId"]) == task_filter["userId"]
        and (
            "workspaceId" not in task_filter
            or str(record.workspace_id) == task_filter["workspaceId"]
        )
        and record.task["type"] in task_filter["types"]
        and record.task["status"] in task_filter["status"]
        and set(record.task["actions"]) & set(task_filter["taskAction"])
    ]
    return [task["id"] for task in sorted(matching, key=lambda t: (t["dueDate"], t["id"]))]


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(task_list_requests(USER_IDS, WORKSPACE_IDS))
def test_mock_returns_exactly_the_matching_tasks_for_any_valid_filter(body: dict[str, Any]) -> None:
    response = _client().post("/v2/tasks", json=body)
    assert response.status_code == 200
    got = [task["id"] for task in response.json["tasks"]]
    assert got == _expected_ids(body["filter"])


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(invalid_task_list_requests())
def test_mock_answers_any_malformed_body_with_a_400_in_the_error_shape(
    case: tuple[str, Any],
) -> None:
    kind, body = case
    response = _client().post("/v2/tasks", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400, (kind, body, response.json)
    assert response.json["errors"], kind
    assert not list(iter_response_violations(400, response.data, dict(response.headers)))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_mock_never_crashes_on_arbitrary_bytes(data: bytes) -> None:
    response = _client().post("/v2/tasks", data=data, content_type="application/json")
    assert response.status_code in (200, 400)
    assert set(response.json) >= {"requestId"}


def _bodies() -> st.SearchStrategy[Any]:
    near_valid = invalid_task_list_requests().map(lambda case: case[1])
    return st.one_of(
        task_list_requests(),
        near_valid,
        json_values(),
        st.fixed_dictionaries(
            {
                "filter": st.dictionaries(
                    st.sampled_from(
                        ["userId", "workspaceId", "types", "taskAction", "status", "other"]
                    ),
                    json_values(4),
                )
            }
        ),
    )


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(_bodies())
def test_fast_request_validator_agrees_with_openapi_core(body: Any) -> None:
    reference_valid = not list(iter_request_violations(json.dumps(body).encode()))
    assert is_valid("TaskListRequest", body) == reference_valid, body


def _mutated_task(task: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    return {**task, field: value}


TASK_MUTATIONS = st.tuples(
    st.sampled_from(
        [
            "id",
            "userId",
            "created",
            "updated",
            "dueDate",
            "status",
            "type",
            "actions",
            "title",
            "priority",
            "flow",
            "contact",
            "new-field",
        ]
    ),
    json_values(4)
    | st.sampled_from(
        [
            2**63,
            -(2**63) - 1,
            2**31,
            "2018-02-17T10:30:00Z",
            "2018-02-30T10:30:00Z",
            "yesterday",
            ["CALL", "CALL"],
            {"id": 2**40, "name": "x", "weight": 2**31},
        ]
    ),
)


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(tasks(), st.none() | TASK_MUTATIONS)
def test_fast_task_validator_agrees_with_openapi_core(
    task: dict[str, Any], mutation: tuple[str, Any] | None
) -> None:
    if mutation is not None:
        task = _mutated_task(task, *mutation)
    document = json.dumps({"tasks": [task]}).encode()
    reference_valid = not list(iter_response_violations(200, document, {}))
    fast_valid = is_valid("Task", task)
    # One known, harmless difference: openapi-core checks the int64 range of ints only,
    # the compiled schema's bounds also refuse an integral float beyond it (9.2e18). The
    # fast path is stricter there, and a "no" from it is always re-judged by openapi-core.
    stricter = not fast_valid and _has_integral_float_beyond_int64(task)
    assert fast_valid == reference_valid or stricter, task


def _has_integral_float_beyond_int64(value: Any) -> bool:
    if isinstance(value, float):
        return value.is_integer() and not -(2**63) <= value <= 2**63 - 1
    if isinstance(value, dict):
        return any(_has_integral_float_beyond_int64(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_integral_float_beyond_int64(item) for item in value)
    return False


HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=40)


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(prefer=HEADER_TEXT, authorization=HEADER_TEXT, session=HEADER_TEXT)
def test_mock_never_crashes_on_arbitrary_headers(
    prefer: str, authorization: str, session: str
) -> None:
    client = APP.test_client()
    response = client.post(
        "/v2/tasks",
        json={"filter": {"userId": "1", "types": [], "taskAction": [], "status": []}},
        headers={"Prefer": prefer, "Authorization": authorization, "X-Gong-Mock-Session": session},
    )
    assert response.status_code in (200, 400, 401, 403, 429), response.json
    assert response.json["requestId"]


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(
    path=st.sampled_from(["/plans", "/chaos", "/latency", "/quota/exhaust"]), payload=json_values(8)
)
def test_admin_never_crashes_and_refuses_without_side_effects(path: str, payload: Any) -> None:
    client = APP.test_client()
    before = client.get("/__admin/status").json
    method = "POST" if path in ("/plans", "/quota/exhaust") else "PUT"
    response = client.open(
        f"/__admin{path}", method=method, data=json.dumps(payload), content_type="application/json"
    )
    assert response.status_code in (200, 201, 400), response.json
    if response.status_code == 400:
        assert response.json["errors"]
        assert client.get("/__admin/status").json == before
    client.post("/__admin/reset")
