"""What makes a large ``--data`` file as cheap to serve as generated data.

Measured with 100,000 tasks (139 MB): Python's cyclic garbage collector, run again and
again while orjson builds a million containers, took longer than the parse itself; and
the process stayed at about 700-900 MB after start, though the parsed tasks were freed:
each task the store keeps (its record, its due date) was allocated in the holes the
parsed tasks left, one in every block of memory, so no block could be given back.

So the file is parsed and checked with collection paused (nothing it builds holds a
cycle), each checked task is packed into one buffer (:class:`PackedTasks`: its JSON
bytes, end to end), the parse is freed and its memory handed back to the system, and
only then are the tasks unpacked one by one for the store, as generated tasks are made:
what the store keeps lies together, as it does for generated data.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import functools
import gc
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from gong_tasks_kit.serving.task_documents import WORKSPACE_KEY, SourceTask
from gong_tasks_kit.spec.timestamps import utc_timestamp


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector inside the block (as it was, after)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@functools.cache
def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    library = ctypes.CDLL(name) if name else None
    return getattr(library, "malloc_trim", None)  # glibc's; absent elsewhere


def return_freed_memory() -> None:
    """Hand memory freed by Python back to the system (glibc's ``malloc_trim``: the
    tasks' bytes sit between the freed parse, so the heap cannot shrink by itself)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def listed_workspaces(tasks: list[Any]) -> dict[str, tuple[str, ...]]:
    """Each user of a parsed, not yet checked, task list (in order of first appearance)
    and the sorted workspace ids their tasks name (a task that is no object, or names a
    bad workspace, is refused when checked, before anything is served)."""
    found: dict[str, set[str]] = {}
    for task in tasks:
        if not isinstance(task, dict):
            continue
        spaces = found.setdefault(str(task.get("userId")), set())
        workspace = task.get(WORKSPACE_KEY)
        if isinstance(workspace, str):
            spaces.add(workspace)
    return {user: tuple(sorted(spaces)) for user, spaces in found.items()}


class _Table:
    """Few distinct values (types, statuses, action sets, workspaces), each kept once as
    a new copy, and referred to by number."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._numbers: dict[Any, int] = {}

    def number(self, value: Any) -> int:
        found = self._numbers.get(value)
        if found is None:
            found = self._numbers[value] = len(self.values)
            self.values.append(orjson.loads(orjson.dumps(value)))  # a copy, not the parse's
        return found


@dataclass(frozen=True, slots=True)
class PackedTasks:
    """Checked tasks, packed in a few large buffers: their JSON end to end, and what the
    store indexes them by (id, user, type, status, actions, due date, workspace), as
    numbers and tables. Nothing in it is an object of the parse."""

    bodies: bytearray
    ends: array[int]
    numbers: array[int]  # id, userId, then the table numbers: 6 per task
    due_dates: bytearray  # each in the served form: 20 ASCII characters
    tables: tuple[_Table, _Table, _Table, _Table]  # type, status, actions, workspace

    @classmethod
    def of(cls, tasks: Iterable[SourceTask]) -> PackedTasks:
        """Pack ``tasks`` (each is released by its iterator once packed)."""
        bodies, ends, numbers, dates = bytearray(), array("Q"), array("q"), bytearray()
        tables = (_Table(), _Table(), _Table(), _Table())
        kinds, statuses, actions, workspaces = tables
        for item in tasks:
            task = item.task
            bodies += orjson.dumps(task)
            ends.append(len(bodies))
            numbers.extend(
                (
                    task["id"],
                    task["userId"],
                    kinds.number(task["type"]),
                    statuses.number(task["status"]),
                    actions.number(tuple(task["actions"])),
                    workspaces.number(item.workspace_id),
                )
            )
            dates += utc_timestamp(task["dueDate"]).encode()
        return cls(bodies, ends, numbers, dates, tables)

    def unpacked(self) -> Iterator[SourceTask]:
        """Each task again, as the store takes it: its JSON, and a small dict of what the
        store indexes by (the buffers are emptied at the end)."""
        kinds, statuses, actions, workspaces = (table.values for table in self.tables)
        view, numbers, dates = memoryview(self.bodies), self.numbers, self.due_dates
        start = 0
        try:
            for index, end in enumerate(self.ends):
                first = index * 6
                task_id, user_id, kind, status, action, workspace = numbers[first : first + 6]
                fields = {
                    "id": task_id,
                    "userId": user_id,
                    "type": kinds[kind],
                    "status": statuses[status],
                    "actions": actions[action],
                    "dueDate": dates[index * 20 : index * 20 + 20].decode(),
                }
                yield SourceTask(fields, workspaces[workspace], bytes(view[start:end]))
                start = end
        finally:
            view.release()
            self.bodies.clear()
            return_freed_memory()
