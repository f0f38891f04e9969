"""The operations the suite calls, and which of them it may send to the real API.

Everything about an operation (method, path, documented statuses, response schemas and
headers) is read from the spec by :mod:`gong_tasks_kit.spec.operations`; this module adds
the suite's own policy, in one place: against Gong only the read-only call, unless the
user names one task with ``--allow-writes``, and then the update call on that task alone.
"""

from __future__ import annotations

from gong_tasks_kit.spec.operations import (
    LIST_TASKS as LIST_TASKS_ID,
)
from gong_tasks_kit.spec.operations import (
    UPDATE_TASK as UPDATE_TASK_ID,
)
from gong_tasks_kit.spec.operations import (
    Operation,
    find_operation,
    operation,
    operations,
    spec_with_only,
)

#: ``POST /v2/tasks``: list a user's tasks. Read-only: the one call sent to the real API.
LIST_TASKS = operation(LIST_TASKS_ID)

#: ``PATCH /v2/tasks/{taskId}``: update a task; sent to the real API only for the task
#: named by ``--allow-writes`` (see :func:`may_send_to_gong`).
UPDATE_TASK = operation(UPDATE_TASK_ID)

#: What the suite may send to the real Gong API unasked (read-only calls only). It is
#: also all that schemathesis ever sees of the spec against Gong.
LIVE_OPERATIONS = frozenset({LIST_TASKS})

#: Gong's read-only list of the company's workspaces, outside the spec: asked once
#: against Gong when ``GONG_WORKSPACE_IDS`` is not set (``Target.read_outside_spec``,
#: the one sender of a ``GET`` outside the spec).
WORKSPACES_PATH = "/v2/workspaces"


def task_path(task_id: str | int) -> str:
    """The update call's concrete path for ``task_id``."""
    return UPDATE_TASK.path.replace("{taskId}", str(task_id))


def may_send_to_gong(
    operation: Operation | None, path: str | None, allow_writes: str | None
) -> bool:
    """Whether a call may reach the real Gong API: an operation of
    :data:`LIVE_OPERATIONS`, Gong's read-only list of workspaces
    (:data:`WORKSPACES_PATH`, outside the spec), or, only when the user opted in with
    ``--allow-writes TASK_ID``, the update call on exactly that task's path.

    Args:
        operation: The spec's operation called (None: a call the spec lacks).
        path: The concrete path sent (None: not known, which never allows a write).
        allow_writes: The task id the user named, or None.
    """
    if operation in LIVE_OPERATIONS:
        return True
    if operation is None:
        return path == WORKSPACES_PATH
    return (
        allow_writes is not None
        and operation == UPDATE_TASK
        and path is not None
        and path == task_path(allow_writes)
    )


__all__ = [
    "LIST_TASKS",
    "LIVE_OPERATIONS",
    "UPDATE_TASK",
    "WORKSPACES_PATH",
    "Operation",
    "find_operation",
    "may_send_to_gong",
    "operations",
    "spec_with_only",
    "task_path",
]
