"""Where in the spec's document (as a list of keys from the root) a response, a field's
schema or an enum is written, following ``$ref`` pointers: what an addition to the
file needs to know to land at the right node.

Field paths are the drift report's: ``tasks[].contact.data.emails[].email`` (``[]`` for
the items of an array, dots between property names; ``""`` for the whole body).
"""

from __future__ import annotations

from typing import Any

Pointer = tuple[str, ...]

_MAX_REFS = 32  # a $ref chain longer than this is a loop


def at(document: Any, pointer: Pointer) -> Any:
    """The node at ``pointer``, or None."""
    node = document
    for part in pointer:
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def dereferenced(document: Any, pointer: Pointer) -> Pointer | None:
    """``pointer``, or where the ``$ref`` chain starting at its node leads (None: a
    pointer outside the document, or a loop)."""
    for _ in range(_MAX_REFS):
        node = at(document, pointer)
        if not isinstance(node, dict):
            return None
        reference = node.get("$ref")
        if reference is None:
            return pointer
        if not isinstance(reference, str) or not reference.startswith("#/"):
            return None
        pointer = tuple(reference.removeprefix("#/").split("/"))
    return None


def segments(path: str) -> list[str]:
    """A field path as steps: property names, and ``[]`` for array items."""
    steps: list[str] = []
    for part in path.split(".") if path else []:
        name = part.removesuffix("[]")
        while name.endswith("[]"):
            name = name.removesuffix("[]")
        steps.append(name)
        steps += ["[]"] * ((len(part) - len(name)) // 2)
    return steps


def response(document: Any, path: str, method: str, status: int) -> Pointer | None:
    """The response object of an operation for a status (its ``$ref`` followed)."""
    return dereferenced(document, ("paths", path, method, "responses", str(status)))


def body_schema(document: Any, response_pointer: Pointer) -> Pointer | None:
    """The ``application/json`` schema of a response (its ``$ref`` followed)."""
    schema = (*response_pointer, "content", "application/json", "schema")
    return dereferenced(document, schema) if at(document, schema) is not None else None


def field_schema(document: Any, schema_pointer: Pointer, path: str) -> Pointer | None:
    """The schema that describes ``path`` within the schema at ``schema_pointer`` (its
    ``$ref`` followed), or None when the spec does not describe it."""
    pointer: Pointer | None = schema_pointer
    for step in segments(path):
        if pointer is None:
            return None
        node = at(document, pointer)
        if not isinstance(node, dict):
            return None
        if step == "[]":
            if "items" not in node:
                return None
            pointer = dereferenced(document, (*pointer, "items"))
        else:
            if step not in node.get("properties", {}):
                return None
            pointer = dereferenced(document, (*pointer, "properties", step))
    return pointer
