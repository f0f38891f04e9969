"""What the drift recorder keeps so that a spec patch can be inferred from it, bounded.

Per field path (of an operation's answers with a given status): how often the field was
present and in how many objects it could have been, the kinds of its values (``null``,
``boolean``, ``integer``, ``number``, ``string``, ``array``, ``object``), string formats
(``date-time``, ``date``), the integer range, and when it was first and last seen. Also
new enum values, new headers and undocumented statuses, each with counts and dates.

Nothing of a value is kept but its kind, its format and, for integers, the range; enum
values, which are the vendor's constants, are kept when they are short. Every table has
a bound; what does not fit is counted in :attr:`Observations.dropped`.
"""

from __future__ import annotations

import copy
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

#: Distinct keys (field paths, objects, enum values, headers, statuses) kept in all.
MAX_KEYS = 4000
#: How deep a new value is walked below the field that is new.
MAX_DEPTH = 8
#: Items of one array walked (the rest only counted as seen).
MAX_ITEMS = 100
#: Distinct new values kept per enum.
MAX_ENUM_VALUES = 32
#: Longest enum value or name kept.
MAX_TEXT = 100

#: ``(operation id, status)``: which answers a path belongs to.
Scope = tuple[str, int]

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def join(parent: str, name: str) -> str:
    """The path of ``name`` in ``parent`` (``tasks[]`` + ``id`` → ``tasks[].id``)."""
    return f"{parent}.{name}" if parent else name


def items_of(path: str) -> str:
    """The path of the items of the array at ``path``."""
    return f"{path}[]"


_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "boolean"),  # before int: a bool is an int to Python
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def kind_of(value: Any) -> str:
    """The JSON kind of a parsed value (``null``, ``boolean``, ``integer``, ...)."""
    if value is None:
        return "null"
    return next((kind for python, kind in _KINDS if isinstance(value, python)), "unknown")


def string_format(text: str) -> str:
    """``date-time`` (RFC 3339), ``date`` or ``""`` for any other string."""
    if len(text) <= 40 and _DATE_TIME.match(text):
        try:
            datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
        except ValueError:
            return ""
        return "date-time"
    if _DATE.match(text):
        try:
            date.fromisoformat(text)
        except ValueError:
            return ""
        return "date"
    return ""


@dataclass(slots=True)
class Seen:
    """How often something was seen, and when first and last (epoch seconds)."""

    count: int = 0
    first: float = 0.0
    last: float = 0.0

    def hit(self, now: float, times: int = 1) -> None:
        """Count ``times`` sightings at ``now``."""
        if self.count == 0:
            self.first = now
        self.count += times
        self.last = max(self.last, now)

    def add(self, other: Seen) -> None:
        """Fold another tally into this one."""
        if other.count == 0:
            return
        self.first = other.first if self.count == 0 else min(self.first, other.first)
        self.last = max(self.last, other.last)
        self.count += other.count


@dataclass(slots=True)
class FieldStats:
    """What was seen of one field (or of the items of an array, or of a whole body).

    Attributes:
        present: How often it was there (a field: in its parent; items: each item).
        kinds: Values by kind.
        formats: String values by format (``""``: none).
        low: The smallest integer seen.
        high: The largest integer seen.
    """

    present: Seen = field(default_factory=Seen)
    kinds: Counter[str] = field(default_factory=Counter)
    formats: Counter[str] = field(default_factory=Counter)
    low: int | None = None
    high: int | None = None


@dataclass(slots=True)
class StatusStats:
    """An undocumented status of one operation: how often, with which content types,
    and how many bodies had Gong's error shape (``{requestId, errors}``)."""

    seen: Seen = field(default_factory=Seen)
    content_types: Counter[str] = field(default_factory=Counter)
    error_shaped: int = 0
    json_bodies: int = 0


def error_shaped(body: Any) -> bool:
    """Whether ``body`` is in Gong's error shape: a string ``requestId`` and a non-empty
    array of strings ``errors``."""
    if not isinstance(body, dict) or not isinstance(body.get("requestId"), str):
        return False
    errors = body.get("errors")
    return isinstance(errors, list) and bool(errors) and all(isinstance(e, str) for e in errors)


class Observations:
    """The tables a spec patch is inferred from, filled by the drift recorder."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        """Start empty.

        Args:
            clock: Gives the time of each sighting (epoch seconds).
        """
        self._clock = clock
        self.answers: dict[Scope, int] = {}
        self.objects: dict[tuple[Scope, str], int] = {}
        self.fields: dict[tuple[Scope, str], FieldStats] = {}
        self.children: dict[tuple[Scope, str], list[str]] = {}
        self.new_fields: dict[tuple[Scope, str], list[str]] = {}
        self.enum_values: dict[tuple[Scope, str], dict[str, Seen]] = {}
        self.headers: dict[tuple[Scope, str], Seen] = {}
        self.statuses: dict[Scope, StatusStats] = {}
        self.dropped = 0
        self._keys = 0

    # -- bounds -------------------------------------------------------------------------

    def _room(self) -> bool:
        if self._keys >= MAX_KEYS:
            self.dropped += 1
            return False
        self._keys += 1
        return True

    # -- what the recorder tells ------------------------------------------------------------

    def answer(self, scope: Scope) -> None:
        """One answer of ``scope`` was compared with the spec."""
        if scope in self.answers or self._room():
            self.answers[scope] = self.answers.get(scope, 0) + 1

    def object_at(self, scope: Scope, path: str) -> None:
        """An object the spec describes was seen at ``path`` (the parent of new fields)."""
        key = (scope, path)
        if key in self.objects or self._room():
            self.objects[key] = self.objects.get(key, 0) + 1

    def new_field(self, scope: Scope, parent: str, name: str, value: Any) -> None:
        """A field the spec lacks, ``name``, was in an object at ``parent``."""
        if len(name) > MAX_TEXT:
            self.dropped += 1
            return
        listed = self.new_fields.get((scope, parent))
        if listed is None:
            if not self._room():
                return
            listed = self.new_fields[(scope, parent)] = []
        if name not in listed:
            listed.append(name)
        self._value(scope, join(parent, name), value, self._clock(), 0)

    def body(self, scope: Scope, value: Any) -> None:
        """The whole body of an answer with an undocumented status."""
        self._value(scope, "", value, self._clock(), 0)

    def _stats(self, scope: Scope, path: str) -> FieldStats | None:
        key = (scope, path)
        stats = self.fields.get(key)
        if stats is None and self._room():
            stats = self.fields[key] = FieldStats()
        return stats

    def _value(self, scope: Scope, path: str, value: Any, now: float, depth: int) -> None:
        stats = self._stats(scope, path)
        if stats is None:
            return
        stats.present.hit(now)
        kind = kind_of(value)
        stats.kinds[kind] += 1
        if kind == "string":
            stats.formats[string_format(value)] += 1
        elif kind == "integer":
            stats.low = value if stats.low is None else min(stats.low, value)
            stats.high = value if stats.high is None else max(stats.high, value)
        if depth >= MAX_DEPTH:
            return
        if kind == "object":
            self._object(scope, path, value, now, depth)
        elif kind == "array":
            for item in value[:MAX_ITEMS]:
                self._value(scope, items_of(path), item, now, depth + 1)

    def _object(
        self, scope: Scope, path: str, value: Mapping[str, Any], now: float, depth: int
    ) -> None:
        self.object_at(scope, path)
        names = self.children.get((scope, path))
        if names is None:
            if not self._room():
                return
            names = self.children[(scope, path)] = []
        for name, item in value.items():
            if len(name) > MAX_TEXT:
                self.dropped += 1
                continue
            if name not in names:
                names.append(name)
            self._value(scope, join(path, name), item, now, depth + 1)

    def enum_value(self, scope: Scope, path: str, value: Any) -> None:
        """A value outside the spec's enum at ``path``."""
        if not isinstance(value, str | int) or isinstance(value, bool):
            return  # a wrong type is a type mismatch, not a new value
        text = str(value)
        values = self.enum_values.get((scope, path))
        if values is None:
            if not self._room():
                return
            values = self.enum_values[(scope, path)] = {}
        if text not in values:
            if len(text) > MAX_TEXT or len(values) >= MAX_ENUM_VALUES:
                self.dropped += 1
                return
            values[text] = Seen()
        values[text].hit(self._clock())

    def header(self, scope: Scope, name: str) -> None:
        """A header the spec does not name, on an answer of ``scope``."""
        if len(name) > MAX_TEXT:
            self.dropped += 1
            return
        key = (scope, name)
        if key in self.headers or self._room():
            self.headers.setdefault(key, Seen()).hit(self._clock())

    def undocumented(self, scope: Scope, content_type: str | None, body: Any) -> None:
        """An answer whose status the spec does not document for the operation."""
        stats = self.statuses.get(scope)
        if stats is None:
            if not self._room():
                return
            stats = self.statuses[scope] = StatusStats()
        stats.seen.hit(self._clock())
        media = (content_type or "").split(";")[0].strip().lower()[:MAX_TEXT]
        if media in stats.content_types or len(stats.content_types) < 8:
            stats.content_types[media] += 1
        if body is not None:
            stats.json_bodies += 1
            stats.error_shaped += error_shaped(body)
            self.body(scope, body)

    # -- reading ------------------------------------------------------------------------------

    def snapshot(self) -> Observations:
        """A copy that later sightings do not change (for a patch built while traffic
        flows)."""
        return copy.deepcopy(self)

    def field_stats(self, sources: Iterable[tuple[Scope, str]]) -> FieldStats:
        """The stats of one field summed over several ``(scope, path)`` sources (the same
        field answered by two operations, say)."""
        total = FieldStats()
        for key in sources:
            stats = self.fields.get(key)
            if stats is None:
                continue
            total.present.add(stats.present)
            total.kinds.update(stats.kinds)
            total.formats.update(stats.formats)
            for bound in (stats.low, stats.high):
                if bound is not None:
                    total.low = bound if total.low is None else min(total.low, bound)
                    total.high = bound if total.high is None else max(total.high, bound)
        return total

    def object_count(self, sources: Iterable[tuple[Scope, str]]) -> int:
        """Objects seen at these paths, summed."""
        return sum(self.objects.get(key, 0) for key in sources)

    def child_names(self, sources: Iterable[tuple[Scope, str]]) -> list[str]:
        """The property names seen in objects at these paths, in first-seen order."""
        names: dict[str, None] = {}
        for key in sources:
            names.update(dict.fromkeys(self.children.get(key, [])))
        return list(names)
