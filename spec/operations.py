"""The spec's operations by id: method, path template and a concrete example path.

The operation ids are the vendor's own for the list call (``listTasks``) and the spec's
for the update call (``updateTask``; Gong's description calls it ``updateReminder``).
Everything else about an operation is read from the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gong_tasks_kit.spec.loader import load_spec, resolve, spec_cached

#: ``POST /v2/tasks``: list a user's tasks.
LIST_TASKS = "listTasks"
#: ``PATCH /v2/tasks/{taskId}``: update one task's status or due date.
UPDATE_TASK = "updateTask"

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
_PARAMETER = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the spec.

    Attributes:
        operation_id: Its ``operationId``, e.g. ``updateTask``.
        method: The HTTP method, lower-case.
        path: The path template, e.g. ``/v2/tasks/{taskId}``.
        example_path: The path with each parameter replaced by its example value.
        bearer_scopes: The OAuth scopes a bearer token needs for it (the operation's own
            security requirement, else the document's).
    """

    operation_id: str
    method: str
    path: str
    example_path: str
    bearer_scopes: tuple[str, ...]

    @property
    def label(self) -> str:
        """``METHOD /path``, as people write it."""
        return f"{self.method.upper()} {self.path}"

    def _node(self) -> dict[str, Any]:
        node: dict[str, Any] = _document()["paths"][self.path][self.method]
        return node

    def documented_statuses(self) -> tuple[int, ...]:
        """The status codes the spec documents for this operation, ascending."""
        return tuple(sorted(int(status) for status in self._node()["responses"]))

    def response(self, status: int) -> dict[str, Any] | None:
        """The spec's response object for ``status`` (``$ref`` resolved), or None."""
        declared = self._node()["responses"].get(str(status))
        return None if declared is None else resolve(_document(), declared)

    def response_schema(self, status: int) -> dict[str, Any] | None:
        """The JSON schema of the ``application/json`` body for ``status``, or None."""
        content = (self.response(status) or {}).get("content", {}).get("application/json", {})
        schema = content.get("schema")
        return None if schema is None else resolve(_document(), schema)

    def documented_headers(self) -> frozenset[str]:
        """Every response header the spec names for this operation, lower-case."""
        return frozenset(
            name.lower()
            for status in self.documented_statuses()
            for name in (self.response(status) or {}).get("headers", {})
        )


@spec_cached
def _document() -> dict[str, Any]:
    # One parsed copy for the look-ups above (load_spec hands out a fresh copy per call).
    return load_spec()


def example_path(document: dict[str, Any], path: str, node: dict[str, Any]) -> str:
    """``path`` with each path parameter of the operation ``node`` replaced by its example
    (``1`` for a parameter without one)."""
    examples = {}
    for raw in node.get("parameters", []):
        parameter = resolve(document, raw)
        if parameter.get("in") == "path":
            examples[parameter["name"]] = str(parameter.get("example", 1))
    return _PARAMETER.sub(lambda match: examples.get(match.group(1), "1"), path)


def _bearer_scopes(document: dict[str, Any], node: dict[str, Any]) -> tuple[str, ...]:
    requirements = node.get("security", document.get("security", []))
    schemes = document.get("components", {}).get("securitySchemes", {})
    return tuple(
        scope
        for requirement in requirements
        for name, scopes in requirement.items()
        if schemes.get(name, {}).get("type") == "oauth2"
        for scope in scopes
    )


@spec_cached
def operations() -> tuple[Operation, ...]:
    """Every operation of the spec, in the document's order."""
    document = load_spec()
    found = []
    for path, path_item in document["paths"].items():
        for method, node in path_item.items():
            if method in _METHODS:
                found.append(
                    Operation(
                        operation_id=node["operationId"],
                        method=method,
                        path=path,
                        example_path=example_path(document, path, node),
                        bearer_scopes=_bearer_scopes(document, node),
                    )
                )
    return tuple(found)


def operation(operation_id: str) -> Operation:
    """The operation with this id.

    Raises:
        KeyError: naming the operations the spec has, when it has no such one.
    """
    for candidate in operations():
        if candidate.operation_id == operation_id:
            return candidate
    known = ", ".join(op.operation_id for op in operations())
    raise KeyError(f"the spec has no operation {operation_id!r} (it has {known})")


def operation_ids() -> tuple[str, ...]:
    """The ids of every operation, in the document's order."""
    return tuple(op.operation_id for op in operations())


def find_operation(method: str, path_template: str) -> Operation | None:
    """The operation for ``method`` (any case) on ``path_template``, or None."""
    wanted = (method.lower(), path_template)
    return next((op for op in operations() if (op.method, op.path) == wanted), None)


def spec_with_only(document: dict[str, Any], keep: Iterable[Operation]) -> dict[str, Any]:
    """A copy of ``document`` that describes only the operations in ``keep`` (paths left
    without an operation are dropped)."""
    kept = {(op.method, op.path) for op in keep}
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        methods = {
            key: value for key, value in item.items() if key not in _METHODS or (key, path) in kept
        }
        if any(key in _METHODS for key in methods):
            paths[path] = methods
    return {**document, "paths": paths}


def operation_node(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    """The operation's object in a parsed document (``paths[path][method]``)."""
    found = operation(operation_id)
    node: dict[str, Any] = document["paths"][found.path][found.method]
    return node
