"""Drift between the spec and what a target really sends: new fields, enum values,
headers and status codes, and spec fields never seen.

Gong adds fields without notice, so a new field or header is a warning; a value outside
an enum or an undocumented status code is a failure.
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gong_tasks_kit.spec import TASKS_PATH, load_spec, resolve

# Headers any HTTP stack adds; never drift.
_TRANSPORT_HEADERS = frozenset(
    {
        "content-type",
        "content-length",
        "date",
        "server",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "vary",
        "strict-transport-security",
        "cache-control",
        "expires",
        "pragma",
        "set-cookie",
        "via",
        "x-cache",
        "x-amz-cf-id",
        "x-amz-cf-pop",
        "age",
        "etag",
        "x-content-type-options",
        "x-frame-options",
        "x-xss-protection",
        "allow",
    }
)


@functools.cache
def _document() -> dict[str, Any]:
    return load_spec()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    return resolve(_document(), node)


@functools.cache
def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = _document()["components"]["schemas"]
    return schemas


@functools.cache
def _operation() -> dict[str, Any]:
    operation: dict[str, Any] = _document()["paths"][TASKS_PATH]["post"]
    return operation


def _spec_paths(schema: dict[str, Any], prefix: str) -> set[str]:
    schema = _resolve(schema)
    paths: set[str] = set()
    if schema.get("type") == "array":
        return _spec_paths(schema["items"], f"{prefix}[]")
    for name, sub in schema.get("properties", {}).items():
        path = f"{prefix}.{name}" if prefix else name
        paths.add(path)
        paths |= _spec_paths(sub, path)
    return paths


@functools.cache
def _documented_headers() -> frozenset[str]:
    return frozenset(
        name.lower()
        for declared in _operation()["responses"].values()
        for name in _resolve(declared).get("headers", {})
    )


@dataclass
class DriftReport:
    """What a run saw that the spec does not say, and what the spec says that it never saw."""

    new_fields: list[str] = field(default_factory=list)
    new_headers: list[str] = field(default_factory=list)
    enum_mismatches: list[str] = field(default_factory=list)
    type_mismatches: list[str] = field(default_factory=list)
    undocumented_statuses: list[int] = field(default_factory=list)
    never_seen_fields: list[str] = field(default_factory=list)
    statuses_seen: dict[str, int] = field(default_factory=dict)
    responses: int = 0

    @property
    def failures(self) -> list[str]:
        """The drift that breaks the contract (types, enums, statuses)."""
        return [
            *self.type_mismatches,
            *self.enum_mismatches,
            *(f"undocumented status {status}" for status in self.undocumented_statuses),
        ]

    @property
    def warnings(self) -> list[str]:
        """Drift Gong is allowed (new fields and headers)."""
        return [
            *(f"new field {path}" for path in self.new_fields),
            *(f"new header {name}" for name in self.new_headers),
        ]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict of the report."""
        return {
            "responses": self.responses,
            "statuses_seen": self.statuses_seen,
            "failures": self.failures,
            "warnings": self.warnings,
            "new_fields": self.new_fields,
            "new_headers": self.new_headers,
            "enum_mismatches": self.enum_mismatches,
            "type_mismatches": self.type_mismatches,
            "undocumented_statuses": self.undocumented_statuses,
            "never_seen_fields": self.never_seen_fields,
        }


_JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def _type_ok(expected: str | None, value: Any) -> bool:
    if expected is None:
        return True
    if expected == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, _JSON_TYPES.get(expected, object))


class DriftRecorder:
    """Collects responses of a run and compares them with the spec."""

    def __init__(self) -> None:
        """Start with nothing seen."""
        self._seen_fields: set[str] = set()
        self._new_fields: set[str] = set()
        self._new_headers: set[str] = set()
        self._enum: set[str] = set()
        self._types: set[str] = set()
        self._statuses: Counter[int] = Counter()

    def _walk(self, value: Any, schema: dict[str, Any], path: str) -> None:
        schema = _resolve(schema)
        expected = schema.get("type")
        if not _type_ok(expected, value):
            self._types.add(f"{path or 'body'}: expected {expected}, got {type(value).__name__}")
            return
        if "enum" in schema and value not in schema["enum"]:
            self._enum.add(f"{path}: {value!r} is not in {schema['enum']}")
        if isinstance(value, list) and "items" in schema:
            for item in value:
                self._walk(item, schema["items"], f"{path}[]")
        elif isinstance(value, dict):
            properties = schema.get("properties", {})
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                if key in properties:
                    self._seen_fields.add(child)
                    self._walk(item, properties[key], child)
                else:
                    self._new_fields.add(child)

    def record(self, status: int, headers: dict[str, str], body: Any) -> None:
        """Compare one response (parsed JSON body, or None) with the spec."""
        self._statuses[status] += 1
        responses = _operation()["responses"]
        if str(status) not in responses:
            return
        documented = _documented_headers()
        for name in headers:
            lowered = name.lower()
            if lowered not in documented and lowered not in _TRANSPORT_HEADERS:
                self._new_headers.add(lowered)
        schema_name = "TaskListResponse" if status == 200 else "ErrorResponse"
        if body is not None:
            self._walk(body, _components()[schema_name], "")

    def report(self) -> DriftReport:
        """The drift seen so far."""
        spec_fields = _spec_paths(_components()["TaskListResponse"], "")
        documented = {int(status) for status in _operation()["responses"]}
        return DriftReport(
            new_fields=sorted(self._new_fields),
            new_headers=sorted(self._new_headers),
            enum_mismatches=sorted(self._enum),
            type_mismatches=sorted(self._types),
            undocumented_statuses=sorted(s for s in self._statuses if s not in documented),
            never_seen_fields=sorted(spec_fields - self._seen_fields),
            statuses_seen={str(s): n for s, n in sorted(self._statuses.items())},
            responses=sum(self._statuses.values()),
        )
