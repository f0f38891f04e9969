"""The served tasks: built once from a task source (generated, a file or an upload),
checked once, serialized once, indexed by user and id, with the changes updates made to
them applied on top.

The source's bytes never change. An update stores a small change record per task in the
shared state (memory or Redis, see ``state``), so every worker and instance sees it; a
user's tasks with their changes are rebuilt only when that user's records differ from
the last ones seen here, and a user without changes is served the source's bytes as they
are. Forgetting the records (a reset) restores the source's data exactly.

Order of returned tasks: by ``dueDate`` ascending (as instants: a date-time in any offset
sorts by its UTC time), then by ``id`` ascending, so a client sees what is due first and
the same query always gets the same order; an update of the due date moves the task to
its new place.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from gong_tasks_kit.mock_server.store_sources import DatasetError, StoreSource
from gong_tasks_kit.mock_server.update_request import TaskUpdate, next_change
from gong_tasks_kit.mock_server.update_rules import may_update, task_not_found
from gong_tasks_kit.serving.state import SharedState, TaskChange
from gong_tasks_kit.serving.task_documents import SourceTask
from gong_tasks_kit.spec.timestamps import utc_timestamp

__all__ = ["DatasetError", "StoredTask", "TaskStore"]

_SEEDED_FIELDS = ("created", "updated", "status", "dueDate")


@dataclass(frozen=True, slots=True)
class StoredTask:
    """What a query needs of one task, plus its JSON bytes.

    Attributes:
        id: The task's id.
        user_id: Its owner's id, as requests spell it (a string).
        type: ``FLOW`` or ``MANUAL``.
        status: Its current status.
        actions: Its actions.
        workspace_id: The workspace it lives in (the API does not return it), or None.
        due_date: Its current ``dueDate`` in UTC ``Z`` form, whole seconds (so it sorts
            as text).
        body: Its current JSON.
        changed: Whether an update changed it since the data was loaded.
    """

    id: int
    user_id: str
    type: str
    status: str
    actions: frozenset[str]
    workspace_id: str | None
    due_date: str
    body: bytes
    changed: bool = False

    @property
    def order(self) -> tuple[str, int]:
        """Its place in the serving order."""
        return (self.due_date, self.id)


def _sort_form(due_date: str) -> str:
    """A due date in the served form, which sorts as text (most already are)."""
    if len(due_date) == 20 and due_date.endswith("Z"):
        return due_date
    return utc_timestamp(due_date)


def _stored(item: SourceTask, shared: dict[object, Any]) -> StoredTask:
    task = item.task
    actions = frozenset(task["actions"])
    user_id = str(task["userId"])
    workspace = item.workspace_id
    return StoredTask(
        id=task["id"],
        user_id=shared.setdefault(user_id, user_id),
        type=task["type"],
        status=task["status"],
        actions=shared.setdefault(actions, actions),
        workspace_id=None if workspace is None else shared.setdefault(workspace, workspace),
        due_date=_sort_form(task["dueDate"]),
        # orjson over-allocates its buffer (8 KiB for a 1 KiB task): keep an exact copy.
        body=item.body if item.body is not None else bytes(memoryview(orjson.dumps(task))),
    )


def _merged_workspaces(
    earlier: Mapping[str, tuple[str, ...]], later: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    merged = dict(earlier)
    for user, spaces in later.items():
        merged[user] = tuple(sorted({*merged.get(user, ()), *spaces}))
    return merged


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
    """The tasks of a :class:`~gong_tasks_kit.mock_server.store_sources.StoreSource`, ready to
    be queried and updated."""

    def __init__(
        self,
        source: StoreSource,
        state: SharedState,
        *,
        base: TaskStore | None = None,
    ) -> None:
        """Serialize and index every task of ``source``.

        Args:
            source: The tasks to serve (checked against the spec by the source).
            state: Where updates keep their change records.
            base: A store whose tasks are served too, before the source's (an upload
                that adds tasks); its ``crmType`` is kept.

        Raises:
            DatasetError: if a generated task breaks the spec.
        """
        shared: dict[object, Any] = {}  # one copy of each repeated value, at 100,000 tasks
        added = [_stored(item, shared) for item in source.iter_tasks()]
        by_user: dict[str, list[StoredTask]] = defaultdict(list)
        for task in added:
            by_user[task.user_id].append(task)
        earlier = base._by_user if base is not None else {}
        self._by_user: dict[str, tuple[StoredTask, ...]] = {
            **earlier,
            **{
                user: tuple(sorted((*earlier.get(user, ()), *tasks), key=lambda t: t.order))
                for user, tasks in by_user.items()
            },
        }
        self._by_id: dict[int, StoredTask] = {
            **(base._by_id if base is not None else {}),
            **{task.id: task for task in added},
        }
        self._state = state
        # user -> (the change records last seen, the user's tasks with them applied)
        self._current_cache: dict[str, tuple[dict[int, TaskChange], tuple[StoredTask, ...]]] = {}
        self.origin: str = source.origin if base is None else f"{base.origin} + {source.origin}"
        self.crm_type: str = source.crm_type if base is None else base.crm_type
        self.task_count = len(self._by_id)
        self.workspaces: dict[str, tuple[str, ...]] = _merged_workspaces(
            base.workspaces if base is not None else {}, source.workspaces
        )
        self.user_ids = tuple(self.workspaces)

    def has_task(self, task_id: int) -> bool:
        """Whether a task with this id is served."""
        return task_id in self._by_id

    def task_ids(self) -> Collection[int]:
        """Every served task's id."""
        return self._by_id.keys()

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
        # Dates in the served form, so they compare as instants (a file may use any offset).
        fields = {
            name: document[name] if name == "status" else _sort_form(document[name])
            for name in _SEEDED_FIELDS
        }
        record = self._state.change_task(
            seeded.user_id, task_id, lambda current: next_change(fields, current, update, now)
        )
        return seeded if record is None else _with_change(seeded, record)

    def forget_change(self, task_id: int) -> StoredTask | None:
        """Forget what updates did to a task: it is served as loaded again, ``updated``
        included (what a contract run's restore needs; a reset does it for every task).

        Returns:
            The task as it is now, or None for an unknown id.
        """
        seeded = self._by_id.get(task_id)
        if seeded is not None:
            self._state.forget_task_change(seeded.user_id, task_id)
        return seeded

    def status_counts(self, user_id: str) -> Counter[str]:
        """How many tasks of a user are in each status now."""
        return Counter(task.status for task in self.tasks_of(user_id))

    def changed_count(self) -> int:
        """How many tasks updates have changed since the data was loaded."""
        return sum(
            task.changed
            for user in self._state.users_with_task_changes()
            for task in self.tasks_of(user)
        )
