"""The admin API's view of the served tasks, changes included (``/__admin/tasks``,
``/__admin/dataset``): what a QA console or a test reads to see what an update did; and
uploads of tasks of your own (``PUT``/``POST /__admin/tasks``).

The same guard as every admin call applies (admin token, or loopback only). Uploads are
checked like a ``--data`` file (a 400 names the task's index, its id and the field, and
nothing changes), shared through the state like everything else, and journaled.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from flask import Blueprint, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from gong_tasks_kit.fixtures.credentials import DEFAULT_ACCESS_KEY, DEFAULT_ACCESS_KEY_SECRET
from gong_tasks_kit.mock_server.runtime import mock_runtime
from gong_tasks_kit.mock_server.store_versions import UploadResult
from gong_tasks_kit.mock_server.task_store import StoredTask, TaskStore
from gong_tasks_kit.mock_server.update_rules import task_not_found
from gong_tasks_kit.serving.admin_api import ADMIN_PREFIX, guard_admin_call
from gong_tasks_kit.serving.errors import ApiError, gong_headers
from gong_tasks_kit.serving.flask_app import journal_this_call
from gong_tasks_kit.serving.task_documents import TaskDocumentError
from gong_tasks_kit.serving.task_ids import parse_task_id
from gong_tasks_kit.spec.loader import load_spec, spec_cached

admin_tasks = Blueprint("tasks", __name__, url_prefix=ADMIN_PREFIX)
admin_tasks.before_request(guard_admin_call)


def _json(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, headers=gong_headers())


@spec_cached
def _statuses() -> tuple[str, ...]:
    return tuple(load_spec()["components"]["schemas"]["TaskStatus"]["enum"])


def _documents(tasks: Iterable[StoredTask]) -> list[Any]:
    return [orjson.loads(task.body) for task in tasks]


def _task_view(number: int, task: StoredTask | None) -> Response:
    if task is None:
        raise task_not_found(number)
    return _json(
        {
            "task": orjson.loads(task.body),
            "userId": task.user_id,
            "workspaceId": task.workspace_id,
            "changed": task.changed,
        }
    )


@admin_tasks.get("/tasks/<task_id>")
def show_task(task_id: str) -> Response:
    """One task as it is now: ``{task, userId, workspaceId, changed}`` (404 if unknown)."""
    number = parse_task_id(task_id)
    return _task_view(number, mock_runtime().store.task(number))


@admin_tasks.delete("/tasks/<task_id>/change")
def forget_task_change(task_id: str) -> Response:
    """Serve one task as loaded again (what updates did to it is forgotten, ``updated``
    included), answered like ``GET /__admin/tasks/<id>``: how a contract run puts back
    a task it changed exactly."""
    number = parse_task_id(task_id)
    journal_this_call()  # a data change
    return _task_view(number, mock_runtime().store.forget_change(number))


@admin_tasks.get("/tasks")
def list_user_tasks() -> Response:
    """A user's tasks as they are now, in serving order: ``?userId=ID`` (required), with
    each task's workspace (``workspaceIds``, in the same order: answers do not carry it)."""
    user_id = request.args.get("userId")
    if not user_id:
        raise ApiError(400, ["userId is required: /__admin/tasks?userId=ID"], source="admin")
    tasks = mock_runtime().store.tasks_of(user_id)
    return _json(
        {
            "userId": user_id,
            "tasks": _documents(tasks),
            "workspaceIds": [task.workspace_id for task in tasks],
            "changedTaskIds": [task.id for task in tasks if task.changed],
        }
    )


def _public_credentials() -> dict[str, str] | None:
    """The Basic pair for example commands, only while it is the public default one: a
    configured secret never leaves the mock."""
    settings = mock_runtime().settings
    if (settings.access_key, settings.access_key_secret) != (
        DEFAULT_ACCESS_KEY,
        DEFAULT_ACCESS_KEY_SECRET,
    ):
        return None
    return {"accessKey": settings.access_key, "accessKeySecret": settings.access_key_secret}


@admin_tasks.get("/dataset")
def show_dataset() -> Response:
    """The served data: each user with workspaces and task counts per status, and totals."""
    store = mock_runtime().store
    statuses = _statuses()
    users = []
    totals = dict.fromkeys(statuses, 0)
    for user_id in store.user_ids:
        counts = store.status_counts(user_id)
        users.append(
            {
                "userId": user_id,
                "workspaceIds": list(store.workspaces[user_id]),
                "tasks": {status: counts[status] for status in statuses},
                "taskCount": sum(counts.values()),
            }
        )
        for status in statuses:
            totals[status] += counts[status]
    return _json(
        {
            "origin": store.origin,
            "crmType": store.crm_type,
            "exampleCredentials": _public_credentials(),
            "users": users,
            "totals": {
                "users": len(store.user_ids),
                "tasks": store.task_count,
                "changedTasks": store.changed_count(),
                "byStatus": totals,
            },
        }
    )


def _bad(message: str) -> ApiError:
    return ApiError(400, [message], source="admin")


def _upload() -> bytes:
    """The upload's body, within ``max_upload_bytes`` (not the API's own body limit)."""
    limit = mock_runtime().settings.max_upload_bytes
    request.max_content_length = limit
    try:
        raw = request.get_data()
    except RequestEntityTooLarge:
        raise _bad(f"upload is larger than the {limit}-byte limit (max_upload_bytes)") from None
    journal_this_call()  # a data change (or a refused one)
    if not raw.strip():
        raise _bad("upload is empty: send a JSON array of tasks or a Gong answer")
    return raw


def _summary(store: TaskStore) -> dict[str, Any]:
    return {"tasks": store.task_count, "users": len(store.user_ids), "crmType": store.crm_type}


def _uploaded(apply: Any) -> UploadResult:
    try:
        result: UploadResult = apply(_upload())
    except TaskDocumentError as error:
        raise _bad(str(error)) from None
    return result


@admin_tasks.put("/tasks")
def replace_tasks() -> Response:
    """Serve the uploaded tasks instead of the current ones (task changes are forgotten):
    a Gong answer ``{"tasks": [...], "crmType"?}`` or a list of tasks."""
    result = _uploaded(mock_runtime().tasks.replace)
    return _json({"replaced": result.received, **_summary(result.store)})


@admin_tasks.post("/tasks")
def add_tasks() -> Response:
    """Serve the uploaded tasks as well (task changes stay); an id already served is
    refused."""
    result = _uploaded(mock_runtime().tasks.add)
    return _json({"added": result.received, **_summary(result.store)}, 201)
