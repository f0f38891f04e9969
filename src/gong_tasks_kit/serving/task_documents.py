"""Task data of your own: a JSON file for ``serve --data``, or the body of an upload to
``/__admin/tasks``, read and checked against the spec the same way.

A document is a Gong 200 answer, ``{"tasks": [...], "crmType": ...}`` (``requestId``
and other keys are ignored), or a plain list of tasks, for one or many users. Each task
is judged as the spec's ``Task`` (the compiled validator answers for valid tasks,
openapi-core judges and words every rejection), must carry the fields the mock serves
by (:data:`REQUIRED_FIELDS`), and its ``id`` must be unique.

Workspaces: Gong's answers do not say which workspace a task lives in, so a task may
carry ``workspaceId`` (a string), an extension of the mock's that it never answers.
A task without one belongs to no workspace: only calls without ``filter.workspaceId``
return it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from gong_tasks_kit.serving.json_input import parse_json
from gong_tasks_kit.spec.fast_validation import is_valid
from gong_tasks_kit.spec.loader import load_spec
from gong_tasks_kit.spec.reference import iter_response_violations
from gong_tasks_kit.spec.timestamps import utc_timestamp

#: The mock-only key tying a task to a workspace; stripped from every answer.
WORKSPACE_KEY = "workspaceId"
#: What the mock needs of every task: it filters by user, type, status and actions,
#: orders by due date and id, and updates status, due date and ``updated``.
REQUIRED_FIELDS = ("id", "userId", "type", "status", "actions", "created", "updated", "dueDate")
_DATE_FIELDS = ("created", "updated", "dueDate")
_MAX_WORKSPACE_ID = 200
_UTF8_BOM = b"\xef\xbb\xbf"
_INTEGER_FIELDS = ("id", "userId")


class TaskDocumentError(ValueError):
    """Task data the mock refuses; the message names the task's index, its id and the
    field, and nothing was changed."""


@dataclass(frozen=True, slots=True)
class SourceTask:
    """One task to serve and the workspace it lives in.

    Attributes:
        task: The task as the mock answers it (without ``workspaceId``).
        workspace_id: Its workspace, or None for none.
    """

    task: Mapping[str, Any]
    workspace_id: str | None
    #: Its JSON, when already made (a packed data file's): then ``task`` may hold only
    #: what the store indexes by (see :mod:`~gong_tasks_kit.mock_server.large_data`).
    body: bytes | None = None


@dataclass(frozen=True, slots=True)
class TaskDocument:
    """A checked task document.

    Attributes:
        tasks: Its tasks, in the document's order.
        crm_type: Its ``crmType``, or None when it names none (a plain list).
    """

    tasks: tuple[SourceTask, ...]
    crm_type: str | None

    @property
    def ids(self) -> frozenset[int]:
        """The ids of its tasks."""
        return frozenset(task.task["id"] for task in self.tasks)

    def to_value(self) -> dict[str, Any]:
        """The document in the format it was read from (a Gong answer, with ``workspaceId``
        on each task that has one), as a JSON value."""
        tasks = [
            {**item.task, WORKSPACE_KEY: item.workspace_id}
            if item.workspace_id is not None
            else item.task
            for item in self.tasks
        ]
        document: dict[str, Any] = {"tasks": tasks}
        if self.crm_type is not None:
            document["crmType"] = self.crm_type
        return document

    def to_json(self, *, indent: bool = False) -> bytes:
        """:meth:`to_value` as JSON; ``indent``: laid out for people to read and edit."""
        return orjson.dumps(self.to_value(), option=orjson.OPT_INDENT_2 if indent else None)


def _load_json(raw: bytes) -> Any:
    try:
        # Ids beyond 64 bits stay integers, so the message names the field and its value.
        return parse_json(raw.removeprefix(_UTF8_BOM), long_numbers_exact=True)
    except ValueError as error:
        raise TaskDocumentError(f"not valid JSON: {error}") from None


@functools.cache
def crm_types() -> tuple[str, ...]:
    """The ``crmType`` values the spec allows."""
    return tuple(load_spec()["components"]["schemas"]["CrmType"]["enum"])


def _task_list(document: Any) -> tuple[list[Any], str, str | None]:
    """The document's tasks, the name of the list (for messages) and its crmType."""
    if isinstance(document, list):
        return document, "", None
    if not isinstance(document, dict) or not isinstance(document.get("tasks"), list):
        raise TaskDocumentError(
            "must be a JSON array of tasks, or a Gong answer: an object with a 'tasks' array"
        )
    crm_type = document.get("crmType")
    if crm_type is not None and crm_type not in crm_types():
        raise TaskDocumentError(f"crmType: {crm_type!r} is not one of {list(crm_types())}")
    return document["tasks"], "tasks", crm_type


def _shown_id(task: Any) -> str:
    task_id = task.get("id") if isinstance(task, dict) else None
    return "(no id)" if task_id is None else f"(id {task_id!r})"


def _spec_problem(task: dict[str, Any]) -> str | None:
    """What the spec's reference says is wrong with a task, as ``field: message``."""
    if is_valid("Task", task):
        return None
    try:
        document = orjson.dumps({"tasks": [task]})
    except TypeError:  # integers beyond 64 bits: valid JSON that orjson will not write
        document = json.dumps({"tasks": [task]}).encode()
    for violation in iter_response_violations(200, document, {}):
        field = violation.location.removeprefix("tasks[0]").removeprefix(".") or "task"
        return f"{field}: {violation.message}"
    # The reference takes a whole float (1e+23) for an integer; a Task has no numbers but
    # integers, and the mock would serve the float as it is: refused by name.
    return next(_floats(task, ""), None)


def _floats(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, float):
        yield f"{path or 'task'}: {value!r} is not an integer"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _floats(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _floats(item, f"{path}[{index}]")


def _mock_problem(task: dict[str, Any]) -> str | None:
    """What the mock cannot serve a spec-valid task without."""
    for field in REQUIRED_FIELDS:
        if field not in task:
            return f"{field}: required by the mock, which serves, orders and updates tasks by it"
    for field in _INTEGER_FIELDS:
        if type(task[field]) is not int:  # the reference takes 1e+23 for an int64
            return f"{field}: {task[field]!r} is not an integer"
    for field in _DATE_FIELDS:
        try:
            utc_timestamp(task[field])
        except ValueError as error:
            return f"{field}: {task[field]!r} {error}"
    return None


def _workspace(task: dict[str, Any]) -> str | None:
    workspace = task.get(WORKSPACE_KEY)
    if workspace is None:
        return None
    if not isinstance(workspace, str) or not workspace or len(workspace) > _MAX_WORKSPACE_ID:
        raise ValueError(
            f"{WORKSPACE_KEY}: must be a non-empty string of at most {_MAX_WORKSPACE_ID} "
            f"characters (the mock's workspace of the task), got {workspace!r}"
        )
    return workspace


def check_task(task: Any, *, in_place: bool = False) -> SourceTask:
    """One task checked for serving.

    Args:
        task: The task, as parsed.
        in_place: Take ``task`` itself (its ``workspaceId`` removed) rather than a copy,
            for a caller that owns it (a copy of each costs 0.4 s at 100,000 tasks).

    Raises:
        ValueError: naming the field and the problem (``created: 'x' is not a 'date-time'``).
    """
    if not isinstance(task, dict):
        raise ValueError(f"must be a JSON object (a task), got {type(task).__name__}")
    workspace = _workspace(task)
    if WORKSPACE_KEY not in task:
        served = task
    elif in_place:
        served = task
        del served[WORKSPACE_KEY]
    else:
        served = {key: value for key, value in task.items() if key != WORKSPACE_KEY}
    problem = _spec_problem(served) or _mock_problem(served)
    if problem is not None:
        raise ValueError(problem)
    return SourceTask(served, workspace)


def checked_tasks(
    tasks: list[Any], name: str = "tasks", taken: Collection[int] = ()
) -> Iterator[SourceTask]:
    """Check each task of a parsed list, yielding it as it passes; each entry of ``tasks``
    is released (set to None) once checked, so a large file's parsed tasks are freed
    one by one while the store serializes them.

    Raises (when iterated):
        TaskDocumentError: naming the first problem: the task's index, its id and the field.
    """
    first_index: dict[int, int] = {}
    for index, task in enumerate(tasks):
        where = f"{name}[{index}] {_shown_id(task)}"
        try:
            checked = check_task(task, in_place=True)  # the list is ours, and released
        except ValueError as error:
            raise TaskDocumentError(f"{where}: {error}") from None
        tasks[index] = None
        task_id = checked.task["id"]
        if task_id in first_index:
            raise TaskDocumentError(
                f"{where}: id: {task_id} is also the id of {name}[{first_index[task_id]}] "
                "(ids must be unique)"
            )
        if task_id in taken:
            raise TaskDocumentError(
                f"{where}: id: {task_id} is already served (ids must be unique)"
            )
        first_index[task_id] = index
        yield checked


def parse_task_document(raw: bytes, *, taken_ids: Collection[int] = ()) -> TaskDocument:
    """Read and check a task document.

    Args:
        raw: The JSON text.
        taken_ids: Ids already served, which the document may not use again.

    Raises:
        TaskDocumentError: naming the first problem: the task's index, its id and the field.
    """
    tasks, name, crm_type = read_task_list(raw)
    return TaskDocument(tuple(checked_tasks(tasks, name, taken_ids)), crm_type)


def read_task_list(raw: bytes) -> tuple[list[Any], str, str | None]:
    """A document's tasks, unchecked, the name of their list for messages (``tasks``, or
    "" for a plain list) and its ``crmType`` (checked), for :func:`checked_tasks`.

    Raises:
        TaskDocumentError: when it is no JSON, or no task list.
    """
    return _task_list(_load_json(raw))


def trusted_task_document(raw: bytes) -> TaskDocument:
    """A document this mock checked and stored itself (an upload kept in shared state),
    read without checking it again."""
    document = orjson.loads(raw)
    return TaskDocument(
        tuple(
            SourceTask(
                {key: value for key, value in task.items() if key != WORKSPACE_KEY},
                task.get(WORKSPACE_KEY),
            )
            for task in document["tasks"]
        ),
        document.get("crmType"),
    )
