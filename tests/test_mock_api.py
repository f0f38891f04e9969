"""The mock's POST /v2/tasks in-process: answers, filters, order, errors, auth and Prefer."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from gong_tasks_kit.fixtures.dataset import build_dataset
from gong_tasks_kit.mock_server.app import StrictModeError, create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import basic_authorization
from gong_tasks_kit.spec.reference import iter_response_violations

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


def _user(app: Flask, index: int = 0) -> str:
    return mock_runtime(app).store.user_ids[index]


def _post(client: FlaskClient, body: Any, **headers: str) -> Any:
    return client.post(
        "/v2/tasks", data=orjson.dumps(body), content_type="application/json", headers=headers
    )


def test_mock_answers_a_user_with_their_tasks_in_gongs_shape(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    user = _user(gong_mock_app)
    response = _post(gong_mock_client, {"filter": {"userId": user, **ALL}})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["x-traceid"]
    body = response.json
    assert set(body) == {"requestId", "tasks", "crmType"}
    assert len(body["requestId"]) == 19
    assert body["requestId"].isalnum()
    assert body["requestId"].islower()
    assert body["crmType"] == "SALESFORCE"
    assert len(body["tasks"]) == 50
    assert {task["userId"] for task in body["tasks"]} == {int(user)}
    assert not list(iter_response_violations(200, response.data, dict(response.headers)))


def test_mock_orders_tasks_by_due_date_then_id(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    tasks = _post(gong_mock_client, {"filter": {"userId": _user(gong_mock_app), **ALL}}).json[
        "tasks"
    ]
    keys = [(task["dueDate"], task["id"]) for task in tasks]
    assert keys == sorted(keys)


def test_mock_gives_a_fresh_request_id_and_the_same_tasks_each_time(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    body = {"filter": {"userId": _user(gong_mock_app, 1), **ALL}}
    first, second = _post(gong_mock_client, body).json, _post(gong_mock_client, body).json
    assert first["requestId"] != second["requestId"]
    assert first["tasks"] == second["tasks"]


def test_mock_same_seed_gives_byte_identical_tasks_and_another_seed_differs() -> None:
    def tasks_of(seed: int) -> bytes:
        app = create_app({"SEED": seed, "USERS": 2, "TASKS_PER_USER": 10})
        client = app.test_client()
        response = _post(
            client,
            {"filter": {"userId": _user(app), **ALL}},
            Authorization=basic_authorization(
                "gong-mock-access-key", "gong-mock-access-key-secret"
            ),
        )
        return orjson.dumps(response.json["tasks"])

    assert tasks_of(7) == tasks_of(7)
    assert tasks_of(7) != tasks_of(8)


@pytest.mark.parametrize(
    ("override", "expected_count"),
    [
        ({"types": []}, 0),
        ({"taskAction": []}, 0),
        ({"status": []}, 0),
        ({"userId": "1234"}, 0),
    ],
)
def test_mock_empty_arrays_and_unknown_users_match_nothing(
    gong_mock_app: Flask,
    gong_mock_client: FlaskClient,
    override: dict[str, Any],
    expected_count: int,
) -> None:
    body = {"filter": {"userId": _user(gong_mock_app), **ALL, **override}}
    response = _post(gong_mock_client, body)
    assert response.status_code == 200
    assert len(response.json["tasks"]) == expected_count


def test_mock_filters_by_workspace(gong_mock_app: Flask, gong_mock_client: FlaskClient) -> None:
    dataset = build_dataset()
    user = dataset.users[0]
    for workspace in dataset.workspace_ids:
        expected = sorted(
            record.task["id"]
            for record in dataset.iter_records()
            if record.task["userId"] == user.id and record.workspace_id == workspace
        )
        body = {"filter": {"userId": str(user.id), "workspaceId": str(workspace), **ALL}}
        got = sorted(task["id"] for task in _post(gong_mock_client, body).json["tasks"])
        assert got == expected


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (b"{", "application/json", "Request body is not valid JSON"),
        (b"", "application/json", "Request body is empty"),
        (b"\xff\xfe", "application/json", "Request body is not valid JSON"),
        (b"{}", "text/plain", "Content-Type must be application/json, got text/plain"),
        (b"{}", "application/json", "body: 'filter' is a required property"),
        (b"[]", "application/json", "body: [] is not of type 'object'"),
        (
            b'{"filter": {"types": [], "taskAction": [], "status": []}}',
            "application/json",
            "filter: 'userId' is a required property",
        ),
        (
            b'{"filter": {"userId": 5, "types": [], "taskAction": [], "status": []}}',
            "application/json",
            "filter.userId: 5 is not of type 'string'",
        ),
        (
            b'{"filter": {"userId": "5", "types": ["TODO"], "taskAction": [], "status": []}}',
            "application/json",
            "filter.types[0]: 'TODO' is not one of ['FLOW', 'MANUAL']",
        ),
        (
            b'{"filter": {"userId": "5", "types": [], "taskAction": ["SMS"], "status": []}}',
            "application/json",
            "filter.taskAction[0]: 'SMS' is not one of ['CALL']",
        ),
        (
            b'{"filter": {"userId": "5", "types": [], "taskAction": [], "status": "OPEN"}}',
            "application/json",
            "filter.status: 'OPEN' is not of type 'array'",
        ),
        (
            b'{"filter": {"userId": "5", "types": [], "taskAction": [], "status": [1e999]}}',
            "application/json",
            "filter.status[0]: inf is not one of",
        ),
        (
            b'{"filter": {"userId": 123456789012345678901234567890}}',
            "application/json",
            "filter.userId: 123456789012345678901234567890 is not of type 'string'",
        ),
        (b'{"filter": NaN}', "application/json", "Request body is not valid JSON"),
        (
            b"[" * 5000 + b"]" * 5000,
            "application/json",
            "Request body nests arrays and objects more than 64 levels deep",
        ),
    ],
)
def test_mock_answers_bad_input_with_a_400_that_names_the_problem(
    gong_mock_client: FlaskClient, data: bytes, content_type: str, expected: str
) -> None:
    response = gong_mock_client.post("/v2/tasks", data=data, content_type=content_type)
    assert response.status_code == 400
    assert set(response.json) == {"requestId", "errors"}
    assert any(expected in error for error in response.json["errors"]), response.json


def test_mock_rejects_an_oversized_body(gong_mock_client: FlaskClient) -> None:
    response = gong_mock_client.post(
        "/v2/tasks", data=b" " * 70_000, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["errors"] == ["Request body is larger than the 65536-byte limit"]


def test_mock_unknown_paths_get_404_and_wrong_methods_405_in_the_error_shape(
    gong_mock_client: FlaskClient,
) -> None:
    missing = gong_mock_client.post("/v2/task")
    assert missing.status_code == 404
    assert missing.json["errors"] == ["No such endpoint: POST /v2/task"]
    for method in ("get", "put", "delete", "patch", "options"):
        wrong = getattr(gong_mock_client, method)("/v2/tasks")
        assert wrong.status_code == 405, method
        assert wrong.headers["Allow"] == "POST"
        assert wrong.json["requestId"]


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Basic",
        "Basic !!!not-base64!!!",
        basic_authorization("gong-mock-access-key", "wrong"),
        basic_authorization("wrong", "gong-mock-access-key-secret"),
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Bearer not-a-token",
        "Digest abc",
    ],
)
def test_mock_refuses_missing_or_wrong_credentials_with_gongs_401(
    gong_mock_app: Flask, authorization: str | None
) -> None:
    client = gong_mock_app.test_client()
    headers = {} if authorization is None else {"Authorization": authorization}
    response = _post(client, {"filter": {"userId": "1", **ALL}}, **headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Gong.io API"'
    assert response.json["errors"] == [
        "Validate credentials failed. Please check your credentials and try again."
    ]


def test_mock_accepts_a_bearer_token_with_the_tasks_scope(gong_mock_app: Flask) -> None:
    client = gong_mock_app.test_client()
    response = _post(
        client, {"filter": {"userId": "1", **ALL}}, Authorization="Bearer gong-mock-token"
    )
    assert response.status_code == 200


def test_mock_answers_403_to_a_token_without_the_tasks_scope(gong_mock_app: Flask) -> None:
    client = gong_mock_app.test_client()
    response = _post(
        client,
        {"filter": {"userId": "1", **ALL}},
        Authorization="Bearer gong-mock-token-without-tasks-scope",
    )
    assert response.status_code == 403
    assert "api:tasks:read" in response.json["errors"][0]


@pytest.mark.gong_mock(auth=False)
def test_mock_with_auth_off_accepts_anonymous_calls(gong_mock_app: Flask) -> None:
    response = _post(gong_mock_app.test_client(), {"filter": {"userId": "1", **ALL}})
    assert response.status_code == 200


@pytest.mark.parametrize("status", [400, 401, 403, 429, 500])
def test_mock_prefer_code_returns_that_documented_error(
    gong_mock_client: FlaskClient, status: int
) -> None:
    response = _post(gong_mock_client, {"filter": {"userId": "1", **ALL}}, Prefer=f"code={status}")
    assert response.status_code == status
    assert response.json["errors"]
    assert not list(iter_response_violations(status, response.data, dict(response.headers)))
    if status == 429:
        assert response.headers["Retry-After"] == "1"
    if status == 401:
        assert response.headers["WWW-Authenticate"] == 'Basic realm="Gong.io API"'


def test_mock_prefer_429_takes_a_retry_after(gong_mock_client: FlaskClient) -> None:
    response = _post(gong_mock_client, {}, Prefer="code=429; retry-after=7")
    assert (response.status_code, response.headers["Retry-After"]) == (429, "7")


def test_mock_prefer_200_is_a_normal_answer(gong_mock_client: FlaskClient) -> None:
    assert (
        _post(gong_mock_client, {"filter": {"userId": "1", **ALL}}, Prefer="code=200").status_code
        == 200
    )


@pytest.mark.parametrize(
    "prefer",
    [
        "code=418",
        "code=404",
        "code=abc",
        "code=4²9",
        "code=429, retry-after=-1",
        "code=429, retry-after=²",
    ],
)
def test_mock_prefer_refuses_undocumented_codes_with_a_400_that_says_so(
    gong_mock_client: FlaskClient, prefer: str
) -> None:
    response = _post(gong_mock_client, {}, Prefer=prefer)
    assert response.status_code == 400
    assert response.json["errors"][0].startswith("Prefer:")


def test_mock_prefer_does_not_bypass_authentication(gong_mock_app: Flask) -> None:
    response = _post(gong_mock_app.test_client(), {}, Prefer="code=500")
    assert response.status_code == 401


def test_mock_serves_its_spec_and_health(gong_mock_client: FlaskClient) -> None:
    spec_json = gong_mock_client.get("/openapi.json")
    assert spec_json.json["paths"]["/v2/tasks"]["post"]["operationId"] == "listTasks"
    spec_yaml = gong_mock_client.get("/openapi.yaml")
    assert spec_yaml.mimetype == "application/yaml"
    assert b"operationId: updateTask" in spec_yaml.data
    health = gong_mock_client.get("/__health").json
    assert (health["status"], health["tasks"], health["users"]) == ("ok", 250, 5)
    assert len(health["userIds"]) == 5
    assert health["workspaceIds"]


def test_mock_strict_mode_fails_loudly_on_a_response_that_breaks_the_spec(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = create_app({"STRICT": True, "TESTING": True, "USERS": 1, "TASKS_PER_USER": 1})
    monkeypatch.setattr(mock_runtime(app).store, "crm_type", "ZOHO")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = basic_authorization(
        "gong-mock-access-key", "gong-mock-access-key-secret"
    )
    with pytest.raises(StrictModeError, match="crmType"):
        _post(client, {"filter": {"userId": "1", **ALL}})


def test_mock_strict_mode_outside_tests_answers_500_in_the_error_shape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = create_app({"STRICT": True, "USERS": 1, "TASKS_PER_USER": 1})
    monkeypatch.setattr(mock_runtime(app).store, "crm_type", "ZOHO")
    response = _post(
        app.test_client(),
        {"filter": {"userId": "1", **ALL}},
        Authorization="Bearer gong-mock-token",
    )
    assert response.status_code == 500
    assert "Strict mode" in response.json["errors"][0]
