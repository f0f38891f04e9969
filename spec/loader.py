"""Locate, parse and cache the OpenAPI document."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    from openapi_core import OpenAPI

#: The one spec file of the project.
SPEC_PATH: Path = Path(__file__).with_name("gong-tasks.openapi.yaml")

#: The list call's path (``POST``).
TASKS_PATH = "/v2/tasks"

#: The update call's path template (``PATCH``).
TASK_PATH = "/v2/tasks/{taskId}"


@functools.cache
def load_spec_text() -> str:
    """Return the spec file's text, read once per process."""
    return SPEC_PATH.read_text(encoding="utf-8")


@functools.cache
def _parsed_spec() -> dict[str, Any]:
    loaded = yaml.safe_load(load_spec_text())
    if not isinstance(loaded, dict):  # pragma: no cover - the file is ours
        raise TypeError(f"{SPEC_PATH} does not hold a mapping")
    return loaded


def load_spec() -> dict[str, Any]:
    """Return the parsed spec as a fresh deep copy, so callers cannot alter the cache."""
    return copy.deepcopy(_parsed_spec())


@functools.cache
def openapi() -> OpenAPI:
    """Return the openapi-core object for the spec (the reference validator), built once."""
    # Imported here: openapi-core (and werkzeug with it) costs a fifth of a second, which
    # reading the spec's paths and schemas never needs.
    from openapi_core import OpenAPI  # noqa: PLC0415

    return OpenAPI.from_dict(load_spec())


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref`` pointers (``#/components/...``) until a node has none."""
    while "$ref" in node:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_for(name: str) -> dict[str, Any]:
    """Return a self-contained JSON Schema for ``components.schemas[name]``.

    The schema keeps every component under ``$defs``-style references by embedding the
    whole ``components`` section, so ``$ref`` values resolve without the file.

    Args:
        name: A key of ``components.schemas``, e.g. ``"TaskListRequest"``.

    Raises:
        KeyError: if the spec has no such component.
    """
    document = load_spec()
    schemas: dict[str, Any] = document["components"]["schemas"]
    if name not in schemas:
        raise KeyError(f"the spec has no component schema named {name!r}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": {"schemas": schemas},
        "$ref": f"#/components/schemas/{name}",
    }
