"""A JSON Schema inferred from what was observed of a field (see ``observations``).

* The type is the kind every value had. One odd value that contradicts the rest (one
  string among many integers) is left out of the proposal and named in its notes; values
  of two kinds or more, each seen more than once, give no proposal at all.
* ``null`` next to another kind makes the field nullable (``type: [integer, 'null']``).
* Strings that are all RFC 3339 date-times are ``format: date-time``, all dates ``format:
  date``; one odd string among many does not change that (and is named), more do.
* Integers beyond the 32-bit range are ``format: int64`` (beyond 2^53 the description
  says that JavaScript clients lose precision); beyond int64, plain integers.
* An object gets its own properties, each inferred the same way; those present in every
  object seen are ``required`` (a field seen absent in some answers is not).
* An array gets ``items`` inferred from every item seen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gong_tasks_kit.contract_tests.observations import (
    FieldStats,
    Observations,
    Scope,
    items_of,
    join,
)

_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_SAFE_INTEGER = 2**53
#: A kind (or format) seen this many times or more makes one other value "odd".
MIN_MAJORITY = 2

#: ``describe(stats, objects, where)``: the description of an inferred field.
Describe = Callable[[FieldStats, int, str], str]

Sources = Sequence[tuple[Scope, str]]


@dataclass(slots=True)
class Inference:
    """Infers schemas from one set of observations.

    Attributes:
        observations: What was seen.
        describe: Writes each inferred field's description.
        notes: What was left out of the proposals, and why (filled as it goes).
    """

    observations: Observations
    describe: Describe
    notes: list[str] = field(default_factory=list)

    def field_schema(self, sources: Sources, where: str, objects: int) -> dict[str, Any] | None:
        """The schema of a field seen at ``sources`` (None: nothing to propose).

        Args:
            sources: ``(scope, path)`` of every place the field was seen.
            where: The field, as people read it (``tasks[].meeting``), for notes.
            objects: Objects in which the field could have been (for the description).
        """
        stats = self.observations.field_stats(sources)
        schema = self._schema(stats, sources, where)
        if schema is None:
            return None
        description = self.describe(stats, objects, where)
        if max(abs(stats.low or 0), abs(stats.high or 0)) > _SAFE_INTEGER:
            description += (
                " Its values exceed 2^53, so JavaScript clients that parse them as numbers "
                "lose precision."
            )
        # The spec's own order: type and format, then the description, then the rest.
        head: dict[str, Any] = {key: schema.pop(key) for key in ("type", "format") if key in schema}
        return {**head, "description": description, **schema}

    def _schema(self, stats: FieldStats, sources: Sources, where: str) -> dict[str, Any] | None:
        kinds = {kind: n for kind, n in stats.kinds.items() if kind != "null" and n}
        if "number" in kinds and "integer" in kinds:  # an integer is a number too
            kinds["number"] += kinds.pop("integer")
        if not kinds:
            return {}  # only null seen: any value (the description says so)
        kind = self._dominant(kinds, where, "type")
        if kind is None:
            return None
        schema: dict[str, Any] = {"type": [kind, "null"] if stats.kinds["null"] else kind}
        if kind == "string":
            string_format = self._dominant(dict(stats.formats), where, "format", quiet=True)
            if string_format:
                schema["format"] = string_format
        elif kind == "integer":
            schema.update(self._integer(stats, where))
        elif kind == "object":
            schema.update(self._object(sources, where))
        elif kind == "array":
            items = [(scope, items_of(path)) for scope, path in sources]
            item_schema = self._schema(self.observations.field_stats(items), items, items_of(where))
            schema["items"] = item_schema or {}
        return schema

    def _dominant(
        self, counts: dict[str, int], where: str, what: str, *, quiet: bool = False
    ) -> str | None:
        """The kind (or format) of every value, or of all but one odd value."""
        ranked = sorted(counts.items(), key=lambda pair: -pair[1])
        top, top_count = ranked[0]
        rest = sum(n for _, n in ranked[1:])
        if rest == 0:
            return top
        if rest == 1 and top_count >= MIN_MAJORITY:
            odd = ranked[1][0] or "other"
            self.notes.append(
                f"{where}: 1 {odd} value among {top_count} {top or 'other'} values is left "
                f"out of the proposed {what} (one odd value: check it by hand)"
            )
            return top or None
        if not quiet:
            seen = ", ".join(f"{kind or 'other'} {n}" for kind, n in ranked)
            self.notes.append(f"{where}: values of several {what}s ({seen}): nothing proposed")
        return None

    def _integer(self, stats: FieldStats, where: str) -> dict[str, Any]:
        low, high = stats.low or 0, stats.high or 0
        if _INT32[0] <= low and high <= _INT32[1]:
            return {}
        if low < _INT64[0] or high > _INT64[1]:
            self.notes.append(f"{where}: integers beyond int64 seen: no format proposed")
            return {}
        return {"format": "int64"}

    def _object(self, sources: Sources, where: str) -> dict[str, Any]:
        observations = self.observations
        objects = observations.object_count(sources)
        properties: dict[str, Any] = {}
        required: list[str] = []
        for name in observations.child_names(sources):
            children = [(scope, join(path, name)) for scope, path in sources]
            schema = self.field_schema(children, join(where, name), objects)
            if schema is None:
                continue
            properties[name] = schema
            if observations.field_stats(children).present.count >= objects > 0:
                required.append(name)
        shape: dict[str, Any] = {}
        if required:
            shape["required"] = required
        if properties:
            shape["properties"] = properties
        return shape
