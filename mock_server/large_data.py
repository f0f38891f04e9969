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

from gong_tasks_kit.mock_server.task_data import WORKSPACE_KEY, SourceTask


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


@dataclass(frozen=True, slots=True)
class PackedTasks:
    """Checked tasks, packed: their JSON end to end in one buffer, where each ends, and
    their workspaces (one copy of each)."""

    buffer: bytearray
    ends: array[int]
    workspaces: list[str | None]

    @classmethod
    def of(cls, tasks: Iterable[SourceTask]) -> PackedTasks:
        """Pack ``tasks`` (each is released by its iterator once packed)."""
        buffer, ends, workspaces = bytearray(), array("Q"), []
        shared: dict[str, str] = {}
        for item in tasks:
            buffer += orjson.dumps(item.task)
            ends.append(len(buffer))
            workspace = item.workspace_id
            # A new copy of each workspace id: the parsed one would pin the parse.
            copy = (
                None
                if workspace is None
                else shared.setdefault(workspace, workspace.encode().decode())
            )
            workspaces.append(copy)
        return cls(buffer, ends, workspaces)

    def unpacked(self) -> Iterator[SourceTask]:
        """Each task again, read back from the buffer (which is emptied at the end)."""
        view = memoryview(self.buffer)
        start = 0
        try:
            for end, workspace in zip(self.ends, self.workspaces, strict=True):
                yield SourceTask(orjson.loads(view[start:end]), workspace)
                start = end
        finally:
            view.release()
            self.buffer.clear()
            return_freed_memory()
