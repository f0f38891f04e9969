"""Where the served tasks come from: data generated from a seed, a file (``serve --data``),
or an upload (``PUT``/``POST /__admin/tasks``). The store is built the same way from each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from gong_tasks_kit.fixtures.dataset import Dataset
from gong_tasks_kit.mock_server.large_data import (
    PackedTasks,
    collection_paused,
    listed_workspaces,
    return_freed_memory,
)
from gong_tasks_kit.serving.task_documents import (
    SourceTask,
    TaskDocument,
    TaskDocumentError,
    checked_tasks,
    read_task_list,
)
from gong_tasks_kit.spec.fast_validation import is_valid
from gong_tasks_kit.spec.file_reading import FileReadError, read_at_most
from gong_tasks_kit.spec.reference import iter_response_violations

#: The largest ``--data`` file read (about 700,000 tasks; 100,000 take 140 MB): a file
#: named by a user may be anything, a device that never ends included.
MAX_DATA_FILE_BYTES = 1024 * 1024 * 1024


class DatasetError(RuntimeError):
    """The data to serve breaks the spec; the mock refuses to serve it."""


@dataclass(frozen=True, slots=True)
class StoreSource:
    """The tasks to serve, with what describes them.

    Attributes:
        origin: Where they come from, for people: ``seed 42``, ``file tasks.json``,
            ``upload``.
        crm_type: The ``crmType`` every answer carries.
        workspaces: Each user id (as requests spell it) and the workspace ids they work
            in, in the order users are listed.
        task_count: How many tasks :attr:`iter_tasks` yields.
        iter_tasks: Yields every task, checked against the spec.
    """

    origin: str
    crm_type: str
    workspaces: Mapping[str, tuple[str, ...]]
    task_count: int
    iter_tasks: Callable[[], Iterator[SourceTask]]


def _check_generated(task: Mapping[str, object]) -> None:
    if is_valid("Task", task):
        return
    # The reference validator says what is wrong (it is also the judge of "valid").
    violations = list(iter_response_violations(200, orjson.dumps({"tasks": [task]}), {}))
    if violations:
        raise DatasetError(f"task {task.get('id')} breaks the spec: {violations[0]}")


def generated_source(dataset: Dataset) -> StoreSource:
    """The tasks of a seeded dataset, each checked against the spec as it is yielded.

    Raises (when iterated):
        DatasetError: if a generated task breaks the spec.
    """

    def iter_tasks() -> Iterator[SourceTask]:
        for record in dataset.iter_records():
            _check_generated(record.task)
            yield SourceTask(record.task, str(record.workspace_id))

    return StoreSource(
        origin=f"seed {dataset.seed}",
        crm_type=dataset.crm_type,
        workspaces={str(user.id): tuple(map(str, user.workspace_ids)) for user in dataset.users},
        task_count=dataset.task_count,
        iter_tasks=iter_tasks,
    )


def workspaces_of(tasks: tuple[SourceTask, ...]) -> dict[str, tuple[str, ...]]:
    """Each user of ``tasks`` (in order of first appearance) and the sorted workspace ids
    their tasks live in."""
    found: dict[str, set[str]] = {}
    for item in tasks:
        spaces = found.setdefault(str(item.task["userId"]), set())
        if item.workspace_id is not None:
            spaces.add(item.workspace_id)
    return {user: tuple(sorted(spaces)) for user, spaces in found.items()}


def document_source(document: TaskDocument, origin: str, default_crm_type: str) -> StoreSource:
    """The tasks of a checked document; its ``crmType``, else ``default_crm_type``."""
    tasks = document.tasks
    return StoreSource(
        origin=origin,
        crm_type=document.crm_type or default_crm_type,
        workspaces=workspaces_of(tasks),
        task_count=len(tasks),
        iter_tasks=lambda: iter(tasks),
    )


class DataFileError(DatasetError):
    """A ``--data`` file the mock cannot serve; the one-line message names the file, the
    task's index, its id and the field."""


def file_source(path: str, default_crm_type: str) -> StoreSource:
    """The tasks of a JSON file (see :mod:`~gong_tasks_kit.serving.task_documents`), as
    cheap as generated data: parsed once, then each task checked, served and released in
    packed (see :mod:`~gong_tasks_kit.mock_server.large_data`).

    Raises:
        DataFileError: when it cannot be read or is no task document; a task refused
            raises it when the tasks are iterated (the store is built at start).
    """
    try:
        raw = read_at_most(path, MAX_DATA_FILE_BYTES)
    except FileReadError as error:
        raise DataFileError(f"--data {path}: {error}") from None
    try:
        with collection_paused():
            tasks, name, crm_type = read_task_list(raw)
    except TaskDocumentError as error:
        raise DataFileError(f"--data {path}: {error}") from None
    del raw  # the text of a large file is not kept while its tasks are stored
    taken: list[list[Any]] = [tasks]

    def iter_tasks() -> Iterator[SourceTask]:
        if not taken:  # iterated again: read the file again
            yield from file_source(path, default_crm_type).iter_tasks()
            return
        try:
            with collection_paused():
                packed = PackedTasks.of(checked_tasks(taken.pop(), name))
        except TaskDocumentError as error:
            raise DataFileError(f"--data {path}: {error}") from None
        return_freed_memory()  # the parsed file is gone: its memory goes back
        yield from packed.unpacked()

    return StoreSource(
        origin=f"file {path}",
        crm_type=crm_type or default_crm_type,
        workspaces=listed_workspaces(tasks),
        task_count=len(tasks),
        iter_tasks=iter_tasks,
    )
