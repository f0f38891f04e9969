"""The hand-written OpenAPI description of Gong's Tasks API (``POST /v2/tasks`` and
``PATCH /v2/tasks/{taskId}``).

This package is the single route by which the rest of the toolkit reads the spec:
``SPEC_PATH`` names the file and ``load_spec()`` parses it once per process.
"""

from __future__ import annotations

from gong_tasks_kit.spec.loader import (
    SPEC_PATH,
    TASK_PATH,
    TASKS_PATH,
    load_spec,
    load_spec_text,
    openapi,
    resolve,
    schema_for,
)
from gong_tasks_kit.spec.operations import LIST_TASKS, UPDATE_TASK, Operation, operation, operations

__all__ = [
    "LIST_TASKS",
    "SPEC_PATH",
    "TASKS_PATH",
    "TASK_PATH",
    "UPDATE_TASK",
    "Operation",
    "load_spec",
    "load_spec_text",
    "openapi",
    "operation",
    "operations",
    "resolve",
    "schema_for",
]
