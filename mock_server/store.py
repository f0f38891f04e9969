"""The served tasks: generated once, checked once, serialized once, indexed by user and id,
with the changes updates made to them applied on top.

The seeded bytes never change. An update stores a small change record per task in the
shared state (memory or Redis, see ``state``), so every worker and instance sees it; a
user's tasks with their changes are rebuilt only when that user's records differ from
the last ones seen here, and a user without changes is served the seeded bytes as they
are. Forgetting the records (a reset) restores the seeded data exactly.

Order of returned tasks: by ``dueDate`` ascending, then by ``id`` ascending, so a
client sees what is due first and the same query always gets the same order; an update
of the due date moves the task to its new place.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from gong_tasks_kit.fixtures.dataset import Dataset, TaskRecord
from gong_tasks_kit.mock_server.fast_validation import is_valid
from gong_tasks_kit.mock_server.state import StateBackend, TaskChange
from gong_tasks_kit.mock_server.update_rules import may_update, task_not_found
from gong_tasks_kit.mock_server.updates import TaskUpdate, next_change
from gong_tasks_kit.spec.reference import iter_response_violations

_SEEDED_FIELDS = ("created", "updated", "status", "dueDate")


class DatasetError(RuntimeError):
    """The generated data breaks the spec; the mock refuses to serve it."""


@dataclass(frozen=True, slots=True)
class StoredTask:
    """What a query needs of one task, plus its JSON bytes.

    Attributes:
        id: The task's id.
        user_id: Its owner's id, as requests spell it (a string).
        type: ``FLOW`` or ``MANUAL``.
        status: Its current status.
        actions: Its actions.
        workspace_id: The workspace it lives in (the API does not return it).
        due_date: Its current ``dueDate`` (served form, so it sorts as text).
        body: Its current JSON.
        changed: Whether an update changed it since the data was seeded.
    """

    id: int
    user_id: str
    type: str
    status: str
    actions: frozenset[str]
    workspace_id: str
    due_date: str
    body: bytes
    changed: bool = False

    @property
    def order(self) -> tuple[str, int]:
        """Its place in the serving order."""
        return (self.due_date, self.id)


def _check(record: TaskRecord) -> None:
    if is_valid("Task", record.task):
        return
    # The reference validator says what is wrong (it is also the judge of "valid").
    document = orjson.dumps({"tasks": [record.task]})
    violations = list(iter_response_violations(200, document, {}))
    if violations:
        raise DatasetError(f"task {record.task.get('id')} breaks the spec: {violations[0]}")


def _with_change(task: StoredTask, change: TaskChange) -> StoredTask:
    document = orjson.loads(task.body)
    document.update(change)  # keys already present: their order stays
    return dataclasses.replace(
        task,
        status=change["status"],
        due_date=change["dueDate"],
        body=orjson.dumps(document),
        changed=True,
    )


class TaskStore:
    """All tasks of a :class:`~gong_tasks_kit.fixtures.dataset.Dataset`, ready to be queried
    and updated."""

    def __init__(self, dataset: Dataset, state: StateBackend) -> None:
        """Generate, check against the spec, serialize and index every task.

        Args:
            dataset: The seeded data to serve.
            state: Where updates keep their change records.

        Raises:
            DatasetError: if any generated task breaks the spec.
        """
        by_user: dict[str, list[StoredTask]] = defaultdict(list)
        shared: dict[object, Any] = {}  # one copy of each repeated value, at 100,000 tasks
        for record in dataset.iter_records():
            _check(record)
            task = record.task
            actions = frozenset(task["actions"])
            user_id = str(task["userId"])
            stored = StoredTask(
                id=task["id"],
                user_id=shared.setdefault(user_id, user_id),
                type=task["type"],
                status=task["status"],
                actions=shared.setdefault(actions, actions),
                workspace_id=shared.setdefault(record.workspace_id, str(record.workspace_id)),
                due_date=task["dueDate"],
                # orjson over-allocates its buffer (8 KiB for a 1 KiB task): keep an exact copy.
                body=bytes(memoryview(orjson.dumps(task))),
            )
            by_user[user_id].append(stored)
        self._by_user: dict[str, tuple[StoredTask, ...]] = {
            user: tuple(sorted(tasks, key=lambda task: task.order))
            for user, tasks in by_user.items()
        }
        self._by_id = {task.id: task for tasks in self._by_user.values() for task in tasks}
        self._state = state
        # user -> (the change records last seen, the user's tasks with them applied)
        self._current_cache: dict[str, tuple[dict[int, TaskChange], tuple[StoredTask, ...]]] = {}
        self.crm_type = dataset.crm_type
        self.task_count = dataset.task_count
        self.user_ids = tuple(str(user.id) for user in dataset.users)
        self.workspaces = {
            str(user.id): tuple(map(str, user.workspace_ids)) for user in dataset.users
        }

    def tasks_of(self, user_id: str) -> tuple[StoredTask, ...]:
        """A user's tasks as they are now, in serving order (none for an unknown user)."""
        seeded = self._by_user.get(user_id, ())
        changes = self._state.task_changes(user_id) if seeded else {}
        if not changes:
            return seeded
        cached = self._current_cache.get(user_id)
        if cached is not None and cached[0] == changes:
            return cached[1]
        current = tuple(
            sorted(
                (
                    _with_change(task, changes[task.id]) if task.id in changes else task
                    for task in seeded
                ),
                key=lambda task: task.order,
            )
        )
        self._current_cache[user_id] = (changes, current)
        return current

    def task(self, task_id: int) -> StoredTask | None:
        """A task as it is now, or None for an unknown id."""
        seeded = self._by_id.get(task_id)
        if seeded is None:
            return None
        change = self._state.task_changes(seeded.user_id).get(task_id)
        return seeded if change is None else _with_change(seeded, change)

    def query(self, task_filter: Mapping[str, Any]) -> list[bytes]:
        """The JSON bytes of every task matching a spec-valid ``filter``, in serving order."""
        types: Sequence[str] = task_filter["types"]
        statuses: Sequence[str] = task_filter["status"]
        actions = frozenset(task_filter["taskAction"])
        workspace = task_filter.get("workspaceId")
        return [
            task.body
            for task in self.tasks_of(task_filter["userId"])
            if task.type in types
            and task.status in statuses
            and not actions.isdisjoint(task.actions)
            and (workspace is None or task.workspace_id == workspace)
        ]

    def update(self, task_id: int, update: TaskUpdate, now: datetime) -> StoredTask:
        """Apply a checked update to a task and return the task as it is afterwards.

        Raises:
            ApiError: 404 for an unknown id, or a task ``update.user_id`` may not update.
        """
        seeded = self._by_id.get(task_id)
        if seeded is None or not may_update(seeded.user_id, update.user_id):
            raise task_not_found(task_id)
        document = orjson.loads(seeded.body)
        fields = {name: document[name] for name in _SEEDED_FIELDS}
        record = self._state.change_task(
            seeded.user_id, task_id, lambda current: next_change(fields, current, update, now)
        )
        return seeded if record is None else _with_change(seeded, record)

    def status_counts(self, user_id: str) -> Counter[str]:
        """How many tasks of a user are in each status now."""
        return Counter(task.status for task in self.tasks_of(user_id))

    def changed_count(self) -> int:
        """How many tasks updates have changed since the data was seeded."""
        return sum(
            task.changed
            for user in self._state.users_with_task_changes()
            for task in self.tasks_of(user)
        )
