"""Your own tasks: ``serve --data FILE`` and ``PUT``/``POST /__admin/tasks``, served exactly,
filtered, ordered, updated and reset like generated data; bad files stop the start in one
line and bad uploads change nothing."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from gong_tasks_kit.fixtures.dataset import build_dataset
from gong_tasks_kit.mock_server.app import create_app, mock_runtime
from gong_tasks_kit.mock_server.cli import serve_command
from gong_tasks_kit.mock_server.store_sources import DataFileError
from gong_tasks_kit.mock_server.testing import MockControl, MockControlError, default_authorization

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}
GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")


def _tasks(seed: int = 3, users: int = 2, per_user: int = 4) -> list[dict[str, Any]]:
    return build_dataset(seed, users, per_user).tasks()


def _file(tmp_path: Path, document: Any, name: str = "tasks.json") -> str:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(document))
    return str(path)


def _app(**config: Any) -> Flask:
    return create_app({"rate_limit": "off", "strict": True, "TESTING": True, **config})


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = default_authorization(app)
    return client


def _list(client: FlaskClient, user: object, **overrides: Any) -> list[dict[str, Any]]:
    response = client.post("/v2/tasks", json={"filter": {"userId": str(user), **ALL, **overrides}})
    assert response.status_code == 200, response.json
    tasks: list[dict[str, Any]] = response.json["tasks"]
    return tasks


def _edge_tasks() -> list[dict[str, Any]]:
    """Tasks QA would want exactly: no emails, a 19-digit flow id, an emoji title, a due
    date in another offset, and a workspace."""
    tasks = _tasks(seed=11, users=1, per_user=3)
    first, second, third = tasks
    first["contact"]["data"]["emails"] = []
    first["type"], first["title"] = "MANUAL", "Call 📞 Zoë about the renewal ✅"
    first.pop("flow", None)
    second["type"] = "FLOW"
    second.pop("title", None)
    second["flow"] = {
        "id": 9_223_372_036_854_775_807,
        "name": "Personal Flow",
        "step": {"id": 1_695_493_301_223_590_791, "name": "Make a call", "stepNumber": 1},
    }
    second["dueDate"] = "2024-01-01T09:00:00+05:00"  # 04:00Z: due before the others
    third["workspaceId"] = "623457276584334"
    for task in tasks:
        task["status"] = "OPEN"
    return tasks


def test_serve_data_answers_the_files_tasks_exactly(tmp_path: Path) -> None:
    tasks = _edge_tasks()
    app = _app(data=_file(tmp_path, {"tasks": tasks, "crmType": "HUBSPOT"}))
    client = _client(app)
    user = tasks[0]["userId"]
    answer = client.post("/v2/tasks", json={"filter": {"userId": str(user), **ALL}}).json
    assert answer["crmType"] == "HUBSPOT"
    served = {task["id"]: task for task in answer["tasks"]}
    for task in tasks:
        expected = {key: value for key, value in task.items() if key != "workspaceId"}
        assert served[task["id"]] == expected  # byte for byte the file's task, no extension
    assert answer["tasks"][0]["id"] == tasks[1]["id"]  # 04:00Z sorts first whatever its offset
    assert answer["tasks"][0]["flow"]["id"] == 9_223_372_036_854_775_807
    assert "Zoë" in client.post("/v2/tasks", json={"filter": {"userId": str(user), **ALL}}).text


def test_serve_data_workspace_rule(tmp_path: Path) -> None:
    tasks = _edge_tasks()
    app = _app(data=_file(tmp_path, tasks))  # a plain list: crmType from the settings
    client = _client(app)
    user = tasks[0]["userId"]
    in_workspace = _list(client, user, workspaceId="623457276584334")
    assert [task["id"] for task in in_workspace] == [tasks[2]["id"]]
    assert _list(client, user, workspaceId="999") == []
    assert len(_list(client, user)) == 3  # no workspace in the filter: every task
    health = client.get("/__health").json
    assert health["userIds"] == [str(user)]
    assert health["workspaceIds"] == ["623457276584334"]
    assert (
        client.post("/v2/tasks", json={"filter": {"userId": str(user), **ALL}}).json["crmType"]
        == "SALESFORCE"
    )
    shown = MockControl(app).task(tasks[0]["id"])
    assert shown["workspaceId"] is None
    assert MockControl(app).dataset()["origin"] == f"file {tmp_path / 'tasks.json'}"


def test_serve_data_filters_updates_and_reset_work_as_with_generated_data(
    tmp_path: Path,
) -> None:
    tasks = _tasks(users=3, per_user=5)
    app = _app(data=_file(tmp_path, {"tasks": tasks}))
    client = _client(app)
    user = str(tasks[5]["userId"])
    mine = [task for task in tasks if str(task["userId"]) == user]
    assert sorted(t["id"] for t in _list(client, user)) == sorted(t["id"] for t in mine)
    manual_open = _list(client, user, types=["MANUAL"], status=["OPEN"])
    assert all(t["type"] == "MANUAL" and t["status"] == "OPEN" for t in manual_open)
    assert {t["id"] for t in manual_open} == {
        t["id"] for t in mine if t["type"] == "MANUAL" and t["status"] == "OPEN"
    }
    keys = [(t["dueDate"], t["id"]) for t in _list(client, user)]
    assert keys == sorted(keys)

    target = mine[0]
    answer = client.patch(
        f"/v2/tasks/{target['id']}",
        json={"userId": user, "status": "DISMISSED", "dueDate": "2031-01-01T00:00:00Z"},
    )
    assert answer.status_code == 200
    assert _list(client, user)[-1]["id"] == target["id"]  # moved to its new place
    assert target["id"] in [t["id"] for t in _list(client, user, status=["DISMISSED"])]
    assert client.patch(f"/v2/tasks/{target['id']}", json={"userId": "1"}).status_code == 404

    MockControl(app).fail_next(429, operation="listTasks")
    assert client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}}).status_code == 429
    preferred = client.post(
        "/v2/tasks", json={"filter": {"userId": user, **ALL}}, headers={"Prefer": "code=500"}
    )
    assert preferred.status_code == 500

    MockControl(app).reset()
    by_id = {t["id"]: t for t in _list(client, user)}
    assert by_id[target["id"]] == target


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            lambda t: {"tasks": [t[0], {**t[1], "created": "yesterday"}]},
            "tasks[1] (id {1}): created: 'yesterday' is not a 'date-time'",
        ),
        (
            lambda t: [t[0], {**t[1], "status": "CLOSED"}],
            "[1] (id {1}): status: 'CLOSED' is not one of ['OPEN', 'DONE', 'DISMISSED']",
        ),
        (
            lambda t: [t[0], {**t[1], "id": t[0]["id"]}],
            "[1] (id {0}): id: {0} is also the id of [0] (ids must be unique)",
        ),
        (
            lambda t: [{k: v for k, v in t[0].items() if k != "dueDate"}],
            "[0] (id {0}): dueDate: required by the mock",
        ),
        (
            lambda t: [{**t[0], "contact": {"data": {"emails": [{"email": 5}]}}}],
            "[0] (id {0}): contact.data.emails[0].email: 5 is not of type 'string'",
        ),
        (lambda t: [{**t[0], "workspaceId": 7}], "[0] (id {0}): workspaceId: must be a"),
        (lambda t: [{**t[0], "flow": {"id": 1e23}}], "[0] (id {0}): flow.id: 1e+23 is not an"),
        (lambda t: [{**t[0], "id": 1e3}], "[0] (id 1000.0): id: 1000.0 is not an integer"),
        (lambda t: {"tasks": t, "crmType": "ZOHO"}, "crmType: 'ZOHO' is not one of"),
        (lambda t: {"task": t}, "must be a JSON array of tasks, or a Gong answer"),
    ],
)
def test_a_bad_data_file_is_refused_in_one_line_naming_the_task_and_field(
    tmp_path: Path, document: Any, expected: str
) -> None:
    tasks = _tasks()
    path = _file(tmp_path, document(tasks))
    message = expected.format(tasks[0]["id"], tasks[1]["id"])
    with pytest.raises(DataFileError) as raised:
        create_app({"data": path})
    assert str(raised.value).startswith(f"--data {path}: ")
    assert message in str(raised.value)
    run = CliRunner().invoke(serve_command, ["--data", path])
    assert run.exit_code == 2
    assert run.output == f"Error: {raised.value}\n"


def test_serve_refuses_an_unreadable_or_malformed_file_with_exit_2(tmp_path: Path) -> None:
    missing = subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "serve", "--data", str(tmp_path / "nope.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 2
    assert missing.stderr.splitlines() == [
        f"Error: --data {tmp_path / 'nope.json'}: cannot read it: No such file or directory"
    ]
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": 1,}]', encoding="utf-8")
    run = CliRunner().invoke(serve_command, ["--data", str(broken)])
    assert run.exit_code == 2
    assert run.output.startswith(f"Error: --data {broken}: not valid JSON: ")
    huge = tmp_path / "huge.json"
    huge.write_text('[{"id": 123456789012345678901234567890}]', encoding="utf-8")
    run = CliRunner().invoke(serve_command, ["--data", str(huge)])
    assert "id: 123456789012345678901234567890 is not a 'int64'" in run.output


# -- uploads at run time ----------------------------------------------------------------


def test_put_replaces_the_data_and_forgets_task_changes(tmp_path: Path) -> None:
    app = _app(users=2, tasks_per_user=3)
    client, control = _client(app), MockControl(app)
    seeded_user = mock_runtime(app).store.user_ids[0]
    seeded_task = _list(client, seeded_user)[0]
    client.patch(f"/v2/tasks/{seeded_task['id']}", json={"userId": seeded_user, "status": "DONE"})
    uploaded = _edge_tasks()
    summary = control.replace_tasks({"tasks": uploaded, "crmType": "GENERIC"})
    assert summary == {"replaced": 3, "tasks": 3, "users": 1, "crmType": "GENERIC"}
    assert _list(client, seeded_user) == []
    user = uploaded[0]["userId"]
    assert {t["id"] for t in _list(client, user)} == {t["id"] for t in uploaded}
    assert control.dataset()["totals"]["changedTasks"] == 0
    assert control.dataset()["origin"] == "upload"
    assert client.get("/__health").json["userIds"] == [str(user)]

    control.reset()  # the start-up data again, its change forgotten
    assert _list(client, seeded_user)[0] == seeded_task
    assert _list(client, user) == []


def test_post_adds_tasks_and_keeps_task_changes() -> None:
    app = _app(users=1, tasks_per_user=3)
    client, control = _client(app), MockControl(app)
    user = mock_runtime(app).store.user_ids[0]
    first = _list(client, user)[0]
    client.patch(f"/v2/tasks/{first['id']}", json={"userId": user, "status": "DISMISSED"})
    extra = copy.deepcopy(_tasks(seed=5, users=1, per_user=2))
    for task in extra:
        task["userId"] = int(user)
        task["workspaceId"] = "ws-new"
    summary = control.add_tasks(extra)
    assert summary == {"added": 2, "tasks": 5, "users": 1, "crmType": "SALESFORCE"}
    ids = [t["id"] for t in _list(client, user)]
    assert set(ids) >= {t["id"] for t in extra}
    assert control.task(first["id"])["task"]["status"] == "DISMISSED"  # the change stays
    assert [t["id"] for t in _list(client, user, workspaceId="ws-new")] == sorted(
        (t["id"] for t in extra),
        key=lambda i: next(t["dueDate"] for t in extra if t["id"] == i),
    )
    assert "ws-new" in control.dataset()["users"][0]["workspaceIds"]
    new_user = {**extra[0], "id": 42, "userId": 77}
    assert control.add_tasks({"tasks": [new_user], "crmType": "SALESFORCE"})["users"] == 2


@pytest.mark.parametrize(
    ("method", "body", "message"),
    [
        ("PUT", [{"id": 1}], "[0] (id 1): userId: required by the mock"),
        ("POST", {"tasks": "none"}, "must be a JSON array of tasks"),
        ("POST", b"[{", "not valid JSON"),
        ("POST", b"", "upload is empty"),
        ("PUT", {"tasks": [], "crmType": "ZOHO"}, "crmType: 'ZOHO' is not one of"),
    ],
)
def test_bad_uploads_get_a_400_naming_the_problem_and_change_nothing(
    method: str, body: Any, message: str
) -> None:
    app = _app(users=1, tasks_per_user=2)
    client = _client(app)
    before = MockControl(app).dataset()
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    answer = client.open("/__admin/tasks", method=method, data=data)
    assert answer.status_code == 400
    assert set(answer.json) == {"requestId", "errors"}
    assert message in answer.json["errors"][0]
    assert MockControl(app).dataset() == before


def test_an_upload_may_not_reuse_a_served_id_or_change_the_crm_type() -> None:
    app = _app(users=1, tasks_per_user=2)
    control = MockControl(app)
    served = _list(_client(app), mock_runtime(app).store.user_ids[0])[0]
    with pytest.raises(MockControlError, match=r"id: \d+ is already served"):
        control.add_tasks([served])
    with pytest.raises(MockControlError, match="is not the served crmType 'SALESFORCE'"):
        control.add_tasks({"tasks": [{**served, "id": 1}], "crmType": "HUBSPOT"})
    assert control.dataset()["totals"]["tasks"] == 2
    control.replace_tasks([served])  # a replace may reuse ids: it forgets the others
    assert control.dataset()["totals"]["tasks"] == 1


def test_uploads_are_bounded_and_journaled_with_big_bodies_cut() -> None:
    app = _app(users=1, tasks_per_user=1, max_upload_bytes=200_000)
    client, control = _client(app), MockControl(app)
    tasks = _tasks(seed=8, users=1, per_user=100)  # ~120 KiB: over the API's 64 KiB limit
    assert client.put("/__admin/tasks", data=orjson.dumps(tasks)).status_code == 200
    assert client.post("/__admin/tasks", json=[{"id": 1}]).status_code == 400
    too_big = client.put("/__admin/tasks", data=b"[" + b" " * 200_001 + b"]")
    assert too_big.status_code == 400
    assert "larger than the 200000-byte limit" in too_big.json["errors"][0]
    assert control.dataset()["totals"]["tasks"] == 100
    entries = control.requests()
    assert [(e["method"], e["path"], e["status"], e["answeredBy"]) for e in entries] == [
        ("PUT", "/__admin/tasks", 200, "admin"),
        ("POST", "/__admin/tasks", 400, "admin"),
    ]
    assert entries[0]["bodyTruncated"] is True  # the journal keeps the first 8 KiB
    assert entries[0]["bodyBytes"] == len(orjson.dumps(tasks))
    assert len(entries[0]["body"]) <= 8 * 1024
    assert entries[1]["body"] == [{"id": 1}]
    control.dataset()
    assert len(control.requests()) == 2  # reading is not journaled


def test_uploads_go_through_the_admin_guard() -> None:
    app = _app(admin_token="s3cret-admin-token")
    answer = app.test_client().put("/__admin/tasks", json=[])
    assert answer.status_code == 401
    assert MockControl(app, admin_token="s3cret-admin-token").replace_tasks([])["tasks"] == 0
