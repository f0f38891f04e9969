"""The tasks the mock serves now: its start-up data (generated or a file), then the uploads
of ``PUT``/``POST /__admin/tasks``, which live in the shared state so every worker and
instance serves the same data.

Each upload is checked once, by the process that receives it, and stored with a fresh
data version. Every call reads the version (one cheap read); a process whose store is of
another version rebuilds it from the start-up data and the stored uploads, once. A reset
forgets the uploads with everything else: the start-up data is served again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from gong_tasks_kit.mock_server.store_sources import StoreSource, document_source
from gong_tasks_kit.mock_server.task_store import TaskStore
from gong_tasks_kit.serving.state import DataChange, DataChangeKind, SharedState
from gong_tasks_kit.serving.task_documents import (
    TaskDocument,
    TaskDocumentError,
    parse_task_document,
    trusted_task_document,
)

_UPLOAD = "upload"
_ATTEMPTS = 20  # concurrent uploads retry; each attempt loses only to another upload


@dataclass(frozen=True, slots=True)
class UploadResult:
    """What an upload did.

    Attributes:
        received: How many tasks the upload held.
        store: The tasks served right after it.
    """

    received: int
    store: TaskStore


class StoreVersions:
    """The start-up tasks and the uploads on top of them."""

    def __init__(self, startup: StoreSource, state: SharedState) -> None:
        """Build the store of the start-up data (once: a reset returns to it at no cost).

        Raises:
            DatasetError: when generated data breaks the spec.
        """
        self._state = state
        self.startup = TaskStore(startup, state)
        self._lock = threading.Lock()
        self._current: tuple[str | None, TaskStore] = (None, self.startup)

    def _snapshot(self) -> tuple[str | None, TaskStore]:
        version = self._state.data_version()
        seen = self._current
        if version == seen[0]:
            return seen
        with self._lock:
            version, changes = self._state.data_changes()
            if version != self._current[0]:
                self._current = (version, self._built(changes))
            return self._current

    def current(self) -> TaskStore:
        """The store of the data served now."""
        return self._snapshot()[1]

    def _replaced(self, document: TaskDocument) -> TaskStore:
        source = document_source(document, _UPLOAD, self.startup.crm_type)
        return TaskStore(source, self._state)

    def _added(self, document: TaskDocument, base: TaskStore) -> TaskStore:
        return TaskStore(document_source(document, _UPLOAD, base.crm_type), self._state, base=base)

    def _built(self, changes: list[DataChange]) -> TaskStore:
        store = self.startup
        for kind, raw in changes:
            document = trusted_task_document(raw)
            store = self._replaced(document) if kind == "replace" else self._added(document, store)
        return store

    def _commit(
        self,
        kind: DataChangeKind,
        attempt: Callable[[TaskStore], TaskDocument],
        build: Callable[[TaskDocument, TaskStore], TaskStore],
    ) -> UploadResult:
        for _ in range(_ATTEMPTS):
            version, store = self._snapshot()
            document = attempt(store)
            new_version = self._state.change_data(kind, document.to_json(), version)
            if new_version is not None:
                built = build(document, store)
                with self._lock:  # the store of exactly that version: no rebuild needed
                    self._current = (new_version, built)
                return UploadResult(len(document.tasks), built)
        raise TaskDocumentError(
            "the data kept changing while this upload was applied; send it again"
        )

    def replace(self, raw: bytes) -> UploadResult:
        """Serve the tasks of a document instead of the current ones; every task change is
        forgotten.

        Raises:
            TaskDocumentError: naming the first problem; nothing changed.
        """
        document = parse_task_document(raw)
        return self._commit("replace", lambda _: document, lambda doc, _: self._replaced(doc))

    def add(self, raw: bytes) -> UploadResult:
        """Serve the tasks of a document as well as the current ones (task changes stay).

        Raises:
            TaskDocumentError: naming the first problem (an id already served, a different
                ``crmType``, ...); nothing changed.
        """
        parse_task_document(raw)  # the document's own problems first, whatever is served

        def attempt(store: TaskStore) -> TaskDocument:
            document = parse_task_document(raw, taken_ids=store.task_ids())
            if document.crm_type not in (None, store.crm_type):
                raise TaskDocumentError(
                    f"crmType: {document.crm_type!r} is not the served crmType "
                    f"{store.crm_type!r} (one company, one CRM; PUT replaces the data)"
                )
            return document

        return self._commit("add", attempt, self._added)
