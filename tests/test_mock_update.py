"""The mock's PATCH /v2/tasks/{taskId} in-process: a list -> update -> list flow, Gong's
errors, the choices where Gong is silent, auth scopes, reset, and the admin task views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import orjson
import pytest
from flask import Flask
from flask.testing import FlaskClient

from gong_tasks_kit.mock_server import answers
from gong_tasks_kit.mock_server.app import StrictModeError, create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import MockControl, basic_authorization
from gong_tasks_kit.spec.reference import iter_response_violations

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


def _user(app: Flask, index: int = 0) -> str:
    return mock_runtime(app).store.user_ids[index]


def _list(client: FlaskClient, user: str, **overrides: Any) -> list[dict[str, Any]]:
    response = client.post("/v2/tasks", json={"filter": {"userId": user, **ALL, **overrides}})
    assert response.status_code == 200, response.json
    tasks: list[dict[str, Any]] = response.json["tasks"]
    return tasks


def _patch(client: FlaskClient, task_id: object, body: Any, **headers: str) -> Any:
    return client.patch(
        f"/v2/tasks/{task_id}",
        data=orjson.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def _open_task(client: FlaskClient, user: str) -> dict[str, Any]:
    return _list(client, user, status=["OPEN"])[0]


def test_update_marks_a_task_done_and_the_next_list_shows_it(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    user = _user(gong_mock_app)
    open_before = _list(gong_mock_client, user, status=["OPEN"])
    done_before = _list(gong_mock_client, user, status=["DONE"])
    task = open_before[0]
    response = _patch(gong_mock_client, task["id"], {"userId": user, "status": "DONE"})
    assert response.status_code == 200
    assert set(response.json) == {"requestId", "tasks", "crmType"}
    (updated,) = response.json["tasks"]
    assert (updated["id"], updated["status"]) == (task["id"], "DONE")
    assert {k: v for k, v in updated.items() if k not in ("status", "updated")} == {
        k: v for k, v in task.items() if k not in ("status", "updated")
    }
    assert not list(
        iter_response_violations(200, response.data, dict(response.headers), operation="updateTask")
    )
    open_after = _list(gong_mock_client, user, status=["OPEN"])
    done_after = _list(gong_mock_client, user, status=["DONE"])
    assert [t["id"] for t in open_after] == [t["id"] for t in open_before[1:]]
    assert task["id"] in [t["id"] for t in done_after]
    assert len(done_after) == len(done_before) + 1
    assert updated in done_after


def test_update_moves_a_task_to_its_new_place_in_the_due_date_order(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    user = _user(gong_mock_app, 1)
    first = _list(gong_mock_client, user)[0]
    response = _patch(
        gong_mock_client, first["id"], {"userId": user, "dueDate": "2031-03-01T09:15:42.987-07:00"}
    )
    assert response.json["tasks"][0]["dueDate"] == "2031-03-01T16:15:42Z"
    tasks = _list(gong_mock_client, user)
    assert tasks[-1]["id"] == first["id"]
    keys = [(task["dueDate"], task["id"]) for task in tasks]
    assert keys == sorted(keys)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2026-02-03T04:05:06Z", "2026-02-03T04:05:06Z"),
        ("2026-02-03t04:05:06z", "2026-02-03T04:05:06Z"),
        ("2026-02-03T04:05:06+05:30", "2026-02-02T22:35:06Z"),
        ("2026-02-03T23:59:59-00:30", "2026-02-04T00:29:59Z"),
        ("2026-02-03T04:05:06.999999+00:00", "2026-02-03T04:05:06Z"),
    ],
)
def test_update_stores_any_offset_as_utc_whole_seconds(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, given: str, stored: str
) -> None:
    user = _user(gong_mock_app)
    task = _open_task(gong_mock_client, user)
    response = _patch(gong_mock_client, task["id"], {"userId": user, "dueDate": given})
    assert response.json["tasks"][0]["dueDate"] == stored
    assert (
        gong_mock_app.test_client().get(f"/__admin/tasks/{task['id']}").json["task"]["dueDate"]
        == stored
    )


class _Clock:
    """The update's clock (``answers.datetime``): the real time, plus what a test skips."""

    skipped = timedelta(0)

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:
        return datetime.now(tz) + cls.skipped


def test_updated_is_the_call_time_and_repeating_an_update_changes_nothing(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(answers, "datetime", _Clock)
    monkeypatch.setattr(_Clock, "skipped", timedelta(0))
    user = _user(gong_mock_app)
    task = _open_task(gong_mock_client, user)
    before = datetime.now(UTC).replace(microsecond=0)
    first = _patch(gong_mock_client, task["id"], {"userId": user, "status": "DISMISSED"})
    after = datetime.now(UTC)
    updated = first.json["tasks"][0]["updated"]
    moment = datetime.fromisoformat(updated.replace("Z", "+00:00"))
    assert before <= moment <= after
    assert updated >= task["created"]
    # A second later (the clock moved on, not the test's wall time), the same update must
    # not move `updated`; a real change then would (the clock is the one the update reads).
    monkeypatch.setattr(_Clock, "skipped", timedelta(seconds=1.1))
    second = _patch(gong_mock_client, task["id"], {"userId": user, "status": "DISMISSED"})
    assert second.json["tasks"] == first.json["tasks"]
    third = _patch(gong_mock_client, task["id"], {"userId": user, "status": "DONE"})
    assert third.json["tasks"][0]["updated"] > updated


def test_a_body_with_neither_status_nor_due_date_changes_nothing(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    user = _user(gong_mock_app)
    task = _open_task(gong_mock_client, user)
    response = _patch(gong_mock_client, task["id"], {"userId": user})
    assert response.status_code == 200
    assert response.json["tasks"] == [task]
    assert gong_mock.task(task["id"])["changed"] is False
    same = _patch(gong_mock_client, task["id"], {"userId": user, "status": task["status"]})
    assert same.json["tasks"] == [task]


def test_unknown_task_and_another_users_task_get_the_same_404(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    owner, other = _user(gong_mock_app, 0), _user(gong_mock_app, 1)
    task = _open_task(gong_mock_client, owner)
    foreign = _patch(gong_mock_client, task["id"], {"userId": other, "status": "DONE"})
    assert foreign.status_code == 404
    assert foreign.json["errors"] == [f"TaskId {task['id']} not found"]
    assert not list(
        iter_response_violations(404, foreign.data, dict(foreign.headers), operation="updateTask")
    )
    unknown = _patch(gong_mock_client, 1, {"userId": owner, "status": "DONE"})
    assert (unknown.status_code, unknown.json["errors"]) == (404, ["TaskId 1 not found"])
    padded = _patch(gong_mock_client, f"000{task['id']}", {"userId": other, "status": "DONE"})
    assert padded.json["errors"] == [f"TaskId {task['id']} not found"]
    lowest = _patch(gong_mock_client, -(2**63), {"userId": owner, "status": "DONE"})
    assert lowest.status_code == 404
    assert gong_mock.task(task["id"])["task"] == task  # nothing changed


@pytest.mark.parametrize(
    ("task_id", "body", "expected"),
    [
        ("abc", {"userId": "1"}, "taskId: 'abc' is not an integer (int64)"),
        ("1.5", {"userId": "1"}, "taskId: '1.5' is not an integer (int64)"),
        ("9223372036854775808", {"userId": "1"}, "is not an integer (int64)"),
        ("-9223372036854775809", {"userId": "1"}, "is not an integer (int64)"),
        ("1" * 41, {"userId": "1"}, "is not an integer (int64)"),
        ("\u0661\u0662", {"userId": "1"}, "taskId: '\u0661\u0662' is not an integer"),
        ("-", {"userId": "1"}, "taskId: '-' is not an integer (int64)"),
        ("7", {"status": "DONE"}, "body: 'userId' is a required property"),
        ("7", {"userId": 7}, "userId: 7 is not of type 'string'"),
        ("7", {"userId": "1", "status": "CLOSED"}, "status: 'CLOSED' is not one of"),
        ("7", {"userId": "1", "status": ["DONE"]}, "status: ['DONE'] is not one of"),
        ("7", {"userId": "1", "dueDate": "next week"}, "dueDate: 'next week' is not a 'date-time'"),
        ("7", {"userId": "1", "dueDate": "2026-02-30T10:00:00Z"}, "is not a 'date-time'"),
        ("7", {"userId": "1", "dueDate": "2026-12-31T23:59:60Z"}, "is not a 'date-time'"),
        ("7", {"userId": "1", "dueDate": "0000-01-01T00:00:00Z"}, "is not a 'date-time'"),
        (
            "7",
            {"userId": "1", "dueDate": "9999-12-31T23:59:59-05:00"},
            "dueDate: '9999-12-31T23:59:59-05:00' is outside the years 1 to 9999",
        ),
        ("7", {"userId": "1", "dueDate": 1518921000}, "dueDate: 1518921000 is not of type"),
        ("7", ["userId"], "body: ['userId'] is not of type 'object'"),
    ],
)
def test_update_answers_bad_input_with_a_400_naming_the_field(
    gong_mock_client: FlaskClient, task_id: str, body: Any, expected: str
) -> None:
    response = _patch(gong_mock_client, task_id, body)
    assert response.status_code == 400, response.json
    assert set(response.json) == {"requestId", "errors"}
    assert any(expected in error for error in response.json["errors"]), response.json


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (b"", "application/json", "Request body is empty: expected a JSON object with a 'userId'"),
        (b"{", "application/json", "Request body is not valid JSON"),
        (b'{"userId": "1"}', "text/plain", "Content-Type must be application/json"),
    ],
)
def test_update_refuses_bodies_that_are_not_json_objects(
    gong_mock_client: FlaskClient, data: bytes, content_type: str, expected: str
) -> None:
    response = gong_mock_client.patch("/v2/tasks/7", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.json["errors"][0].startswith(expected)


def test_update_paths_and_methods_answer_404_and_405_in_gongs_shape(
    gong_mock_client: FlaskClient,
) -> None:
    for method in ("get", "post", "put", "delete", "options"):
        wrong = getattr(gong_mock_client, method)("/v2/tasks/7")
        assert (wrong.status_code, wrong.headers["Allow"]) == (405, "PATCH"), method
        assert wrong.json["requestId"]
    missing = gong_mock_client.patch("/v2/tasks/7/done", json={"userId": "1"})
    assert missing.status_code == 404
    assert missing.json["errors"] == ["No such endpoint: PATCH /v2/tasks/7/done"]


def test_update_needs_the_write_scope_through_a_bearer_token(gong_mock_app: Flask) -> None:
    client = gong_mock_app.test_client()
    user = _user(gong_mock_app)
    task_id = mock_runtime(gong_mock_app).store.tasks_of(user)[0].id
    body = {"userId": user, "status": "DONE"}
    read_only = _patch(client, task_id, body, Authorization="Bearer gong-mock-token")
    assert read_only.status_code == 403
    assert read_only.json["errors"] == ["Access denied: the token lacks the api:tasks:write scope"]
    no_scope = _patch(
        client, task_id, body, Authorization="Bearer gong-mock-token-without-tasks-scope"
    )
    assert no_scope.status_code == 403
    assert _patch(client, task_id, body).status_code == 401
    assert mock_runtime(gong_mock_app).store.task(task_id).changed is False  # type: ignore[union-attr]
    writer = _patch(client, task_id, body, Authorization="Bearer gong-mock-write-token")
    assert writer.status_code == 200
    listing = client.post(
        "/v2/tasks",
        json={"filter": {"userId": user, **ALL}},
        headers={"Authorization": "Bearer gong-mock-write-token"},
    )
    assert listing.status_code == 200  # the write token reads too
    basic = basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")
    assert _patch(client, task_id, body, Authorization=basic).status_code == 200


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500])
def test_prefer_returns_each_documented_error_of_the_update(
    gong_mock_client: FlaskClient, status: int
) -> None:
    response = _patch(gong_mock_client, 7, {"userId": "1"}, Prefer=f"code={status}")
    assert response.status_code == status
    assert not list(
        iter_response_violations(
            status, response.data, dict(response.headers), operation="updateTask"
        )
    )


def test_an_injected_404_names_the_task_in_the_path(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    client = gong_mock_client
    prefer = _patch(client, 77, {"userId": "1"}, Prefer="code=404")
    assert prefer.json["errors"] == ["TaskId 77 not found"]
    MockControl(gong_mock_app).fail_next(404, operation="updateTask")
    planned = _patch(client, 8_000_000_000, {"userId": "1"})
    assert (planned.status_code, planned.json["errors"]) == (404, ["TaskId 8000000000 not found"])
    not_an_id = _patch(client, "abc", {"userId": "1"}, Prefer="code=404")
    assert not_an_id.json["errors"] == ["TaskId abc not found"]  # as sent, never the spec's
    too_long = _patch(client, "9" * 60, {"userId": "1"}, Prefer="code=404")
    assert too_long.json["errors"] == [f"TaskId {'9' * 40}… (60 characters) not found"]
    assert _patch(client, 77, {"userId": "1"}, Prefer="code=500").json["errors"] == [
        "Internal server error occurred"  # other injected answers are the spec's, unchanged
    ]


def test_prefer_404_is_refused_on_the_list_call_which_does_not_document_it(
    gong_mock_client: FlaskClient,
) -> None:
    response = gong_mock_client.post("/v2/tasks", json={}, headers={"Prefer": "code=404"})
    assert response.status_code == 400
    assert response.json["errors"] == [
        "Prefer: code=404 is not a status the spec documents for POST /v2/tasks "
        "(documented: 200, 400, 401, 403, 429, 500)"
    ]
    update = _patch(gong_mock_client, 7, {}, Prefer="code=418")
    assert (
        "for PATCH /v2/tasks/{taskId} (documented: 200, 400, 401, 403, 404, 429, 500)"
        in (update.json["errors"][0])
    )


def test_reset_restores_the_seeded_tasks_byte_for_byte(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    user = _user(gong_mock_app)
    body = {"filter": {"userId": user, **ALL}}
    seeded = gong_mock_client.post("/v2/tasks", json=body).json["tasks"]
    for task in seeded[:5]:
        _patch(gong_mock_client, task["id"], {"userId": user, "status": "DISMISSED"})
    _patch(gong_mock_client, seeded[7]["id"], {"userId": user, "dueDate": "2020-01-01T00:00:00Z"})
    assert gong_mock_client.post("/v2/tasks", json=body).json["tasks"] != seeded
    assert gong_mock.dataset()["totals"]["changedTasks"] == 6
    gong_mock.reset()
    assert gong_mock_client.post("/v2/tasks", json=body).json["tasks"] == seeded
    assert gong_mock.dataset()["totals"]["changedTasks"] == 0
    assert gong_mock.task(seeded[0]["id"]) == {
        "task": seeded[0],
        "userId": user,
        "workspaceId": gong_mock.task(seeded[0]["id"])["workspaceId"],
        "changed": False,
    }


def test_health_is_unchanged_by_updates(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    before = gong_mock_client.get("/__health").json
    user = _user(gong_mock_app)
    _patch(
        gong_mock_client,
        _open_task(gong_mock_client, user)["id"],
        {"userId": user, "status": "DONE"},
    )
    assert gong_mock_client.get("/__health").json == before


def test_admin_shows_a_task_a_users_tasks_and_the_dataset_with_changes(
    gong_mock_app: Flask, gong_mock_client: FlaskClient, gong_mock: MockControl
) -> None:
    user = _user(gong_mock_app, 2)
    tasks = _list(gong_mock_client, user)
    target = next(task for task in tasks if task["status"] != "DONE")
    counts_before = next(u for u in gong_mock.dataset()["users"] if u["userId"] == user)["tasks"]
    _patch(gong_mock_client, target["id"], {"userId": user, "status": "DONE"})
    shown = gong_mock.task(target["id"])
    assert shown["changed"] is True
    assert (shown["userId"], shown["task"]["status"]) == (user, "DONE")
    assert shown["workspaceId"] in mock_runtime(gong_mock_app).store.workspaces[user]
    assert [t["id"] for t in gong_mock.tasks(user)] == [
        t["id"] for t in _list(gong_mock_client, user)
    ]
    assert gong_mock.tasks("no-such-user") == []
    dataset = gong_mock.dataset()
    assert dataset["crmType"] == "SALESFORCE"
    assert dataset["totals"]["users"] == 5
    assert dataset["totals"]["tasks"] == 250
    assert sum(dataset["totals"]["byStatus"].values()) == 250
    assert dataset["totals"]["changedTasks"] == 1
    mine = next(u for u in dataset["users"] if u["userId"] == user)
    assert mine["taskCount"] == 50
    assert mine["tasks"]["DONE"] == counts_before["DONE"] + 1
    assert mine["tasks"][target["status"]] == counts_before[target["status"]] - 1
    by_user = gong_mock_client.get(f"/__admin/tasks?userId={user}").json
    assert by_user["changedTaskIds"] == [target["id"]]


def test_admin_forgets_one_task_change_and_serves_it_as_loaded(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    user = _user(gong_mock_app)
    before = gong_mock_client.get(f"/__admin/tasks?userId={user}").json
    first, second = _list(gong_mock_client, user, status=["OPEN"])[:2]
    for task in (first, second):
        assert (
            _patch(gong_mock_client, task["id"], {"userId": user, "status": "DONE"}).status_code
            == 200
        )
    forgotten = gong_mock_client.delete(f"/__admin/tasks/{first['id']}/change")
    assert forgotten.status_code == 200
    assert (forgotten.json["task"], forgotten.json["changed"]) == (first, False)
    after = gong_mock_client.get(f"/__admin/tasks?userId={user}").json
    assert after["changedTaskIds"] == [second["id"]]
    # Every other task is byte for byte as before, ``updated`` included.
    assert [t for t in after["tasks"] if t["id"] != second["id"]] == [
        t for t in before["tasks"] if t["id"] != second["id"]
    ]
    assert gong_mock_client.delete(f"/__admin/tasks/{first['id']}/change").status_code == 200
    assert gong_mock_client.delete("/__admin/tasks/1/change").status_code == 404


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/__admin/tasks/1", 404, "TaskId 1 not found"),
        ("/__admin/tasks/one", 400, "taskId: 'one' is not an integer (int64)"),
        ("/__admin/tasks", 400, "userId is required"),
        ("/__admin/tasks?userId=", 400, "userId is required"),
    ],
)
def test_admin_task_views_refuse_unknown_and_bad_ids(
    gong_mock_client: FlaskClient, path: str, status: int, message: str
) -> None:
    response = gong_mock_client.get(path)
    assert response.status_code == status
    assert set(response.json) == {"requestId", "errors"}
    assert message in response.json["errors"][0]


@pytest.mark.gong_mock(admin_token="qa-token")
def test_admin_task_views_are_behind_the_admin_guard(gong_mock_app: Flask) -> None:
    client = gong_mock_app.test_client()
    assert client.get("/__admin/dataset").status_code == 401
    assert client.get(f"/__admin/tasks?userId={_user(gong_mock_app)}").status_code == 401
    assert MockControl(gong_mock_app, admin_token="qa-token").dataset()["totals"]["tasks"] == 250


def test_strict_mode_checks_update_answers_too(monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app({"STRICT": True, "TESTING": True, "USERS": 1, "TASKS_PER_USER": 2})
    monkeypatch.setattr(mock_runtime(app).store, "crm_type", "ZOHO")
    client = app.test_client()
    user = _user(app)
    task_id = mock_runtime(app).store.tasks_of(user)[0].id
    with pytest.raises(StrictModeError, match="crmType"):
        _patch(
            client,
            task_id,
            {"userId": user, "status": "DONE"},
            Authorization="Bearer gong-mock-write-token",
        )


def test_banner_names_the_update_call_and_prints_the_write_token(gong_mock_app: Flask) -> None:
    from gong_tasks_kit.mock_server.cli import _banner  # noqa: PLC0415 - the banner's own text

    lines = _banner(mock_runtime(gong_mock_app)).splitlines()
    assert lines[0].endswith("(POST /v2/tasks, PATCH /v2/tasks/{taskId})")
    assert "  bearer token 'gong-mock-token': scopes api:tasks:read" in lines
    assert "  bearer token 'gong-mock-write-token': scopes api:tasks:read, api:tasks:write" in lines
