"""The served tasks: generated once, checked once, serialized once, indexed by user.

Order of returned tasks: by ``dueDate`` ascending, then by ``id`` ascending, so a
client sees what is due first and the same query always gets the same order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from gong_tasks_kit.fixtures.dataset import Dataset, TaskRecord
from gong_tasks_kit.mock_server.fast_validation import is_valid
from gong_tasks_kit.spec.reference import iter_response_violations


class DatasetError(RuntimeError):
    """The generated data breaks the spec; the mock refuses to serve it."""


@dataclass(frozen=True, slots=True)
class StoredTask:
    """What a query needs of one task, plus its JSON bytes."""

    type: str
    status: str
    actions: frozenset[str]
    workspace_id: str
    body: bytes


def _check(record: TaskRecord) -> None:
    if is_valid("Task", record.task):
        return
    # The reference validator says what is wrong (it is also the judge of "valid").
    document = orjson.dumps({"tasks": [record.task]})
    violations = list(iter_response_violations(200, document, {}))
    if violations:
        raise DatasetError(f"task {record.task.get('id')} breaks the spec: {violations[0]}")


class TaskStore:
    """All tasks of a :class:`~gong_tasks_kit.fixtures.dataset.Dataset`, ready to be queried."""

    def __init__(self, dataset: Dataset) -> None:
        """Generate, check against the spec, serialize and index every task.

        Raises:
            DatasetError: if any generated task breaks the spec.
        """
        by_user: dict[str, list[tuple[str, int, StoredTask]]] = defaultdict(list)
        shared: dict[object, Any] = {}  # one copy of each repeated value, at 100,000 tasks
        for record in dataset.iter_records():
            _check(record)
            task = record.task
            actions = frozenset(task["actions"])
            stored = StoredTask(
                type=task["type"],
                status=task["status"],
                actions=shared.setdefault(actions, actions),
                workspace_id=shared.setdefault(record.workspace_id, str(record.workspace_id)),
                # orjson over-allocates its buffer (8 KiB for a 1 KiB task): keep an exact copy.
                body=bytes(memoryview(orjson.dumps(task))),
            )
            by_user[str(task["userId"])].append((task["dueDate"], task["id"], stored))
        self._by_user: dict[str, tuple[StoredTask, ...]] = {
            user: tuple(entry[2] for entry in sorted(entries, key=lambda e: (e[0], e[1])))
            for user, entries in by_user.items()
        }
        self.crm_type = dataset.crm_type
        self.task_count = dataset.task_count
        self.user_ids = tuple(str(user.id) for user in dataset.users)
        self.workspaces = {
            str(user.id): tuple(map(str, user.workspace_ids)) for user in dataset.users
        }

    def query(self, task_filter: Mapping[str, Any]) -> list[bytes]:
        """The JSON bytes of every task matching a spec-valid ``filter``, in serving order."""
        types: Sequence[str] = task_filter["types"]
        statuses: Sequence[str] = task_filter["status"]
        actions = frozenset(task_filter["taskAction"])
        workspace = task_filter.get("workspaceId")
        return [
            task.body
            for task in self._by_user.get(task_filter["userId"], ())
            if task.type in types
            and task.status in statuses
            and not actions.isdisjoint(task.actions)
            and (workspace is None or task.workspace_id == workspace)
        ]
