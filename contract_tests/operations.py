"""The operations of the spec as values: what the suite sends, judges and records per call.

Everything operation-specific (documented statuses, response schemas, headers) is read
from the spec here, so a second operation in the spec needs no change elsewhere to be
observed and recorded; checks of its own are added beside the list call's.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gong_tasks_kit.spec import TASKS_PATH, load_spec, resolve

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@functools.cache
def _document() -> dict[str, Any]:
    return load_spec()


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec: an HTTP method on a path template.

    Attributes:
        method: The method, upper-case (``POST``).
        path: The path template as the spec writes it (``/v2/tasks``).
    """

    method: str
    path: str

    @property
    def label(self) -> str:
        """``POST /v2/tasks``, as schemathesis and the reports name it."""
        return f"{self.method} {self.path}"

    def _spec(self) -> dict[str, Any]:
        operation: dict[str, Any] = _document()["paths"][self.path][self.method.lower()]
        return operation

    def documented_statuses(self) -> tuple[int, ...]:
        """The status codes the spec documents for this operation, ascending."""
        return tuple(sorted(int(status) for status in self._spec()["responses"]))

    def response(self, status: int) -> dict[str, Any] | None:
        """The spec's response object for ``status`` (``$ref`` resolved), or None."""
        declared = self._spec()["responses"].get(str(status))
        return None if declared is None else resolve(_document(), declared)

    def response_schema(self, status: int) -> dict[str, Any] | None:
        """The JSON schema of the ``application/json`` body for ``status``, or None."""
        response = self.response(status)
        content = (response or {}).get("content", {}).get("application/json", {})
        schema = content.get("schema")
        return None if schema is None else resolve(_document(), schema)

    def documented_headers(self) -> frozenset[str]:
        """Every response header the spec names for this operation, lower-case."""
        return frozenset(
            name.lower()
            for status in self.documented_statuses()
            for name in (self.response(status) or {}).get("headers", {})
        )


#: ``POST /v2/tasks``: list a user's tasks. Read-only: the one call sent to the real API.
LIST_TASKS = Operation("POST", TASKS_PATH)

#: What the suite may send to the real Gong API (read-only calls only).
LIVE_OPERATIONS = frozenset({LIST_TASKS})


def spec_operations() -> tuple[Operation, ...]:
    """Every operation the spec describes, in the spec's order."""
    return tuple(
        Operation(method.upper(), path)
        for path, item in _document()["paths"].items()
        for method in item
        if method in _METHODS
    )


def find_operation(method: str, path_template: str) -> Operation | None:
    """The spec's operation for ``method`` on ``path_template``, or None."""
    wanted = Operation(method.upper(), path_template)
    return wanted if wanted in spec_operations() else None


def spec_with_only(document: dict[str, Any], keep: Iterable[Operation]) -> dict[str, Any]:
    """A copy of ``document`` that describes only the operations in ``keep``.

    Used to give schemathesis nothing but the read-only call against the real API, so
    an operation added to the spec later is never sent there by accident.
    """
    kept = set(keep)
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        methods = {
            key: value
            for key, value in item.items()
            if key not in _METHODS or Operation(key.upper(), path) in kept
        }
        if any(key in _METHODS for key in methods):
            paths[path] = methods
    return {**document, "paths": paths}
