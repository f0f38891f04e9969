"""Which journal entries ``GET /__admin/requests`` shows: its query, checked.

The verification half of a mock (WireMock's ``verify``): a test asks the journal for the
calls that match, e.g. ``?operation=updateTask&status=200``, and counts them. Every
filter is checked before the journal is read: an unknown name, an operation the spec
does not have, or a misspelt ``answeredBy`` is a 400 naming what is allowed, never an
empty list that would make a test's "it was never called" pass by mistake.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gong_tasks_kit.serving.bounds import cut, parse_whole_number
from gong_tasks_kit.serving.errors import ApiError
from gong_tasks_kit.serving.journal import ANSWERED_BY
from gong_tasks_kit.spec.operations import operation_ids

MAX_JOURNAL_LIMIT = 100_000
_MAX_ENTRY_ID = 2**62
_MAX_TEXT = 2048

#: Filters: each one names the entry's field it compares.
_FIELD_FILTERS = ("session", "operation", "method", "path", "status", "answeredBy")
_PAGING = ("since", "limit")
#: The methods a filter may name: HTTP's own, so a misspelt one is refused.
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
KNOWN_PARAMETERS = (*_FIELD_FILTERS, *_PAGING)


def _bad(message: str) -> ApiError:
    return ApiError(400, [message], source="admin")


def _count(name: str, text: str, maximum: int) -> int:
    number = parse_whole_number(text, high=maximum)
    if number is None:
        raise _bad(f"{name} must be a whole number from 0 to {maximum} (ASCII digits)")
    return number


def _one_of(name: str, text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise _bad(f"{name} must be one of {', '.join(allowed)}, got {_shown(text)}")
    return text


def _shown(text: str) -> str:
    return repr(cut(text))


def _wanted_value(name: str, text: str) -> object:
    """The value an entry's field must equal for the filter ``name=text``."""
    if not text:
        raise _bad(f"{name} must not be empty")
    if len(text) > _MAX_TEXT:
        raise _bad(f"{name} must be at most {_MAX_TEXT} characters")
    if name == "status":
        return _count("status", text, 599)
    if name == "method":
        return _one_of("method", text.upper(), _METHODS)
    if name == "session" and not (text.isascii() and text.isprintable() and text == text.strip()):
        raise _bad(
            "session must be printable ASCII without outer spaces, as the "
            "X-Gong-Mock-Session header is"
        )
    if name == "path" and not text.startswith("/"):
        raise _bad(
            f"path must start with '/' (a path as called, e.g. /v2/tasks), got {_shown(text)}"
        )
    if name == "operation":
        return _one_of("operation", text, operation_ids())
    if name == "answeredBy":
        return _one_of("answeredBy", text, ANSWERED_BY)
    return text


@dataclass(frozen=True, slots=True)
class JournalQuery:
    """A checked query: the fields an entry must match, and the paging."""

    fields: Mapping[str, object]
    since: int | None
    limit: int | None

    def matches(self, entry: Mapping[str, Any]) -> bool:
        """Whether ``entry`` is shown (its id is newer than ``since``, every field
        matches; the method case-insensitively)."""
        if self.since is not None and int(entry["id"]) <= self.since:
            return False
        for field, wanted in self.fields.items():
            value = entry.get(field)
            if field == "method" and isinstance(value, str):
                value = value.upper()
            if value != wanted:
                return False
        return True

    def select(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The entries shown, oldest first (the newest ``limit`` when there is one)."""
        kept = [entry for entry in entries if self.matches(entry)]
        if self.limit is not None:
            kept = kept[-self.limit :] if self.limit else []
        return kept


def journal_query(args: Mapping[str, str], getlist: Callable[[str], list[str]]) -> JournalQuery:
    """Check a ``GET /__admin/requests`` query.

    Args:
        args: The query's parameters (the first value of each).
        getlist: Every value of a parameter (a repeated filter is refused).

    Raises:
        ApiError: 400 for an unknown parameter, a repeated one, or a bad value.
    """
    unknown = sorted(name for name in args if name not in KNOWN_PARAMETERS)
    if unknown:
        names = ", ".join(_shown(name) for name in unknown[:5])
        raise _bad(f"unknown journal filter {names}: use {', '.join(KNOWN_PARAMETERS)}")
    repeated = [name for name in args if len(getlist(name)) > 1]
    if repeated:
        raise _bad(f"{repeated[0]} may be given once (filters combine: every one must match)")
    fields = {
        name: _wanted_value(name, text) for name, text in args.items() if name in _FIELD_FILTERS
    }
    since = _count("since", args["since"], _MAX_ENTRY_ID) if "since" in args else None
    limit = _count("limit", args["limit"], MAX_JOURNAL_LIMIT) if "limit" in args else None
    return JournalQuery(fields, since, limit)
