"""Shared state in one process: the default backend (one process, so one mock)."""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Iterable
from typing import Any

from limits.storage import MemoryStorage, Storage

from gong_tasks_kit.serving.journal import JournalEntry, materialized
from gong_tasks_kit.serving.state.backend import (
    ChangeFunction,
    DataChange,
    DataChangeKind,
    TaskChange,
    step_applies,
)


class MemoryState:
    """In-process state for one mock process (the default)."""

    url = "memory://"

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._plans: dict[str, deque[dict[str, Any]]] = {}
        self._settings: dict[str, dict[str, Any]] = {}
        self._counters: dict[str, int] = {}
        self._journal: deque[JournalEntry] = deque()
        self._task_changes: dict[str, dict[int, TaskChange]] = {}
        self._data_version: str | None = None
        self._data_changes: list[DataChange] = []

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """See :class:`SharedState`."""
        with self._lock:
            queue = self._plans.setdefault(scope, deque())
            queue.extend(steps)
            return len(queue)

    def pop_step(self, scope: str, operation: str | None = None) -> dict[str, Any] | None:
        """See :class:`SharedState`."""
        with self._lock:
            queue = self._plans.get(scope)
            if queue is None:
                return None
            for index, step in enumerate(queue):
                if step_applies(step, operation):
                    del queue[index]
                    return step
            return None

    def plans(self) -> dict[str, list[dict[str, Any]]]:
        """See :class:`SharedState`."""
        with self._lock:
            return {scope: list(queue) for scope, queue in self._plans.items() if queue}

    def clear_plans(self, scope: str | None = None) -> None:
        """See :class:`SharedState`."""
        with self._lock:
            if scope is None:
                self._plans.clear()
            else:
                self._plans.pop(scope, None)

    def set_setting(self, name: str, value: dict[str, Any] | None) -> None:
        """See :class:`SharedState`."""
        with self._lock:
            if value is None:
                self._settings.pop(name, None)
            else:
                self._settings[name] = value

    def get_setting(self, name: str) -> dict[str, Any] | None:
        """See :class:`SharedState`."""
        return self._settings.get(name)

    def next_count(self, name: str) -> int:
        """See :class:`SharedState`."""
        with self._lock:
            self._counters[name] = self._counters.get(name, 0) + 1
            return self._counters[name]

    def append_journal(self, entry: JournalEntry, limit: int) -> None:
        """See :class:`SharedState`: kept as it comes, formatted when read."""
        with self._lock:
            self._journal.append(entry)
            while len(self._journal) > limit:
                self._journal.popleft()

    def journal(self) -> list[dict[str, Any]]:
        """See :class:`SharedState`."""
        with self._lock:
            kept = list(self._journal)
        return [materialized(entry) for entry in kept]

    def clear_journal(self) -> None:
        """See :class:`SharedState`."""
        with self._lock:
            self._journal.clear()

    def task_changes(self, user_id: str) -> dict[int, TaskChange]:
        """See :class:`SharedState`."""
        changes = self._task_changes.get(user_id)
        if not changes:  # the list call's usual case, without taking the lock
            return {}
        with self._lock:  # records are replaced, never changed in place
            return dict(changes)

    def change_task(self, user_id: str, task_id: int, change: ChangeFunction) -> TaskChange | None:
        """See :class:`SharedState`."""
        with self._lock:
            changes = self._task_changes.setdefault(user_id, {})
            current = changes.get(task_id)
            new = change(current)
            if new is None:
                if not changes:
                    del self._task_changes[user_id]
                return current
            changes[task_id] = dict(new)
            return new

    def forget_task_change(self, user_id: str, task_id: int) -> bool:
        """See :class:`SharedState`."""
        with self._lock:
            changes = self._task_changes.get(user_id, {})
            had = changes.pop(task_id, None) is not None
            if not changes:
                self._task_changes.pop(user_id, None)
            return had

    def users_with_task_changes(self) -> list[str]:
        """See :class:`SharedState`."""
        with self._lock:
            return [user for user, changes in self._task_changes.items() if changes]

    def data_version(self) -> str | None:
        """See :class:`SharedState`."""
        return self._data_version

    def data_changes(self) -> tuple[str | None, list[DataChange]]:
        """See :class:`SharedState`."""
        with self._lock:
            return self._data_version, list(self._data_changes)

    def change_data(
        self, kind: DataChangeKind, document: bytes, expected_version: str | None
    ) -> str | None:
        """See :class:`SharedState`."""
        with self._lock:
            if self._data_version != expected_version:
                return None
            if kind == "replace":
                self._data_changes.clear()
                self._task_changes.clear()
            self._data_changes.append((kind, document))
            self._data_version = uuid.uuid4().hex
            return self._data_version

    def reset(self) -> None:
        """See :class:`SharedState`."""
        with self._lock:
            self._plans.clear()
            self._settings.clear()
            self._counters.clear()
            self._journal.clear()
            self._task_changes.clear()
            self._data_changes.clear()
            self._data_version = None

    def limits_storage(self) -> Storage:
        """See :class:`SharedState`: the limiter's counters, in this process too."""
        return MemoryStorage()

    def problem(self) -> str | None:
        """See :class:`SharedState`: memory is always there."""
        return None
