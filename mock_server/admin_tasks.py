"""The admin API's view of the served tasks, changes included (``/__admin/tasks``,
``/__admin/dataset``): what a QA console or a test reads to see what an update did.

Nested in the admin blueprint, so the same guard (admin token, or loopback only)
applies. Read-only: tasks change through the Tasks API itself.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import orjson
from flask import Blueprint, Response, request
from gong_tasks_kit.fixtures.credentials import DEFAULT_ACCESS_KEY, DEFAULT_ACCESS_KEY_SECRET
from gong_tasks_kit.mock_server.errors import ApiError, gong_headers
from gong_tasks_kit.mock_server.runtime import mock_state as runtime
from gong_tasks_kit.mock_server.store import StoredTask
from gong_tasks_kit.mock_server.update_rules import task_not_found
from gong_tasks_kit.mock_server.updates import parse_task_id
from gong_tasks_kit.spec.loader import load_spec

admin_tasks = Blueprint("tasks", __name__)


def _json(payload: Any) -> Response:
    return Response(orjson.dumps(payload), headers=gong_headers())


@functools.cache
def _statuses() -> tuple[str, ...]:
    return tuple(load_spec()["components"]["schemas"]["TaskStatus"]["enum"])


def _documents(tasks: Iterable[StoredTask]) -> list[Any]:
    return [orjson.loads(task.body) for task in tasks]


@admin_tasks.get("/tasks/<task_id>")
def show_task(task_id: str) -> Response:
    """One task as it is now: ``{task, userId, workspaceId, changed}`` (404 if unknown)."""
    number = parse_task_id(task_id)
    task = runtime().store.task(number)
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


@admin_tasks.get("/tasks")
def list_user_tasks() -> Response:
    """A user's tasks as they are now, in serving order: ``?userId=ID`` (required), with
    each task's workspace (``workspaceIds``, in the same order: answers do not carry it)."""
    user_id = request.args.get("userId")
    if not user_id:
        raise ApiError(400, ["userId is required: /__admin/tasks?userId=ID"], source="admin")
    tasks = runtime().store.tasks_of(user_id)
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
    settings = runtime().settings
    if (settings.access_key, settings.access_key_secret) != (
        DEFAULT_ACCESS_KEY,
        DEFAULT_ACCESS_KEY_SECRET,
    ):
        return None
    return {"accessKey": settings.access_key, "accessKeySecret": settings.access_key_secret}


@admin_tasks.get("/dataset")
def show_dataset() -> Response:
    """The served data: each user with workspaces and task counts per status, and totals."""
    store = runtime().store
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
