"""The operations the suite calls, and which of them it may send to the real API.

Everything about an operation (method, path, documented statuses, response schemas and
headers) is read from the spec by :mod:`gong_tasks_kit.spec.operations`; this module adds
the suite's own policy.
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

#: ``PATCH /v2/tasks/{taskId}``: update a task; never sent to the real API.
UPDATE_TASK = operation(UPDATE_TASK_ID)

#: What the suite may send to the real Gong API (read-only calls only).
LIVE_OPERATIONS = frozenset({LIST_TASKS})

__all__ = [
    "LIST_TASKS",
    "LIVE_OPERATIONS",
    "UPDATE_TASK",
    "Operation",
    "find_operation",
    "operations",
    "spec_with_only",
]
