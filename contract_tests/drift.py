"""Drift between the spec and what a target really sends: new fields, enum values,
headers and status codes, and spec fields never seen.

Gong adds fields without notice, so a new field or header is a warning; a value outside
an enum, a value of the wrong type or an undocumented status code is a failure. Each
answer is compared with the spec of the operation that was called, so a second operation
in the spec is recorded the same way.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gong_tasks_kit.contract_tests.observations import Observations, Scope
from gong_tasks_kit.contract_tests.operations import Operation
from gong_tasks_kit.spec import load_spec, resolve
from gong_tasks_kit.spec.loader import spec_cached

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


@spec_cached
def _document() -> dict[str, Any]:
    return load_spec()


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    return resolve(_document(), node)


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


@dataclass
class DriftReport:
    """What a run saw that the spec does not say, and what the spec says that it never saw."""

    new_fields: list[str] = field(default_factory=list)
    new_headers: list[str] = field(default_factory=list)
    enum_mismatches: list[str] = field(default_factory=list)
    type_mismatches: list[str] = field(default_factory=list)
    undocumented_statuses: list[int] = field(default_factory=list)
    undocumented_answers: list[str] = field(default_factory=list)
    never_seen_fields: list[str] = field(default_factory=list)
    statuses_seen: dict[str, int] = field(default_factory=dict)
    responses: int = 0

    @property
    def failures(self) -> list[str]:
        """The drift that breaks the contract (types, enums, statuses)."""
        return [
            *self.type_mismatches,
            *self.enum_mismatches,
            *(f"undocumented status {answer}" for answer in self.undocumented_answers),
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
            "undocumented_answers": self.undocumented_answers,
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


#: Bounds on what one list of the report keeps, and on each of its texts: an answer's
#: field names and values come from outside (a hostile target's answer may hold a
#: million keys, or a megabyte in one enum value).
MAX_ENTRIES = 200
MAX_TEXT = 300
_MAX_VALUE = 80


def _excerpt(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= _MAX_VALUE else f"{shown[:_MAX_VALUE]}…"


def _note(bucket: set[str], text: str) -> str:
    kept = text if len(text) <= MAX_TEXT else f"{text[:MAX_TEXT]}… ({len(text)} characters)"
    if len(bucket) < MAX_ENTRIES:
        bucket.add(kept)
    return kept


class DriftRecorder:
    """Collects the answers of a run and compares them with the spec, and keeps in
    :attr:`observations` what a spec patch is inferred from."""

    def __init__(self, observations: Observations | None = None) -> None:
        """Start with nothing seen."""
        self.observations = Observations() if observations is None else observations
        self._scope: Scope = ("", 0)
        self._seen_fields: set[str] = set()
        self._new_fields: set[str] = set()
        self._new_headers: set[str] = set()
        self._enum: set[str] = set()
        self._types: set[str] = set()
        self._statuses: Counter[int] = Counter()
        self._undocumented: set[tuple[str, int]] = set()
        self._answered: set[Operation] = set()
        #: The first answer's origin (the call that got it) of each failure's text.
        self.origins: dict[str, Any] = {}
        self._origin: Any = None

    def _failed(self, bucket: set[str], text: str) -> None:
        self._first_seen(_note(bucket, text))

    def _first_seen(self, failure: str) -> None:
        if len(self.origins) < 3 * MAX_ENTRIES:  # bounded like the report's lists
            self.origins.setdefault(failure, self._origin)

    def _walk(self, value: Any, schema: dict[str, Any], path: str) -> None:
        schema = _resolve(schema)
        expected = schema.get("type")
        if not _type_ok(expected, value):
            self._failed(
                self._types, f"{path or 'body'}: expected {expected}, got {type(value).__name__}"
            )
            return
        if "enum" in schema and value not in schema["enum"]:
            self._failed(self._enum, f"{path}: {_excerpt(value)} is not in {schema['enum']}")
            self.observations.enum_value(self._scope, path, value)
        if isinstance(value, list) and "items" in schema:
            for item in value:
                self._walk(item, schema["items"], f"{path}[]")
        elif isinstance(value, dict):
            self.observations.object_at(self._scope, path)
            properties = schema.get("properties", {})
            for key, item in value.items():
                child = f"{path}.{key}" if path else key
                if key in properties:
                    self._seen_fields.add(child)
                    self._walk(item, properties[key], child)
                else:
                    _note(self._new_fields, child)
                    self.observations.new_field(self._scope, path, key, item)

    def record(
        self,
        operation: Operation | None,
        status: int,
        headers: dict[str, str],
        body: Any,
        *,
        origin: Any = None,
    ) -> None:
        """Compare one answer (parsed JSON body, or None) with the spec of ``operation``.

        An answer to a call the spec does not describe (``None``: a method schemathesis
        probes, say) only counts towards the statuses seen. ``origin`` (the call that got
        the answer) is kept for each failure it shows first (:attr:`origins`).
        """
        self._statuses[status] += 1
        if operation is None:
            return
        self._origin = origin
        scope = self._scope = (operation.operation_id, status)
        if status not in operation.documented_statuses():
            self._undocumented.add((operation.label, status))
            self._first_seen(f"undocumented status {operation.label}: {status}")
            content_type = next(
                (v for k, v in headers.items() if k.lower() == "content-type"), None
            )
            self.observations.undocumented(scope, content_type, body)
            return
        self.observations.answer(scope)
        if status == 200:
            self._answered.add(operation)
        documented = operation.documented_headers()
        for name in headers:
            lowered = name.lower()
            if lowered not in documented and lowered not in _TRANSPORT_HEADERS:
                _note(self._new_headers, lowered)
                self.observations.header(scope, lowered)
        schema = operation.response_schema(status)
        if body is not None and schema is not None:
            self._walk(body, schema, "")

    def report(self) -> DriftReport:
        """The drift seen so far."""
        spec_fields: set[str] = set()
        for operation in self._answered:
            schema = operation.response_schema(200)
            spec_fields |= _spec_paths(schema, "") if schema is not None else set()
        return DriftReport(
            new_fields=sorted(self._new_fields),
            new_headers=sorted(self._new_headers),
            enum_mismatches=sorted(self._enum),
            type_mismatches=sorted(self._types),
            undocumented_statuses=sorted({status for _, status in self._undocumented}),
            undocumented_answers=sorted(
                f"{label}: {status}" for label, status in self._undocumented
            ),
            never_seen_fields=sorted(spec_fields - self._seen_fields),
            statuses_seen={str(s): n for s, n in sorted(self._statuses.items())},
            responses=sum(self._statuses.values()),
        )
