"""The calls a client made, read from the mock's journal (``GET /__admin/requests``): what
the rules grade. Each call keeps its number, when it began and when it was answered
(seconds since the first call began), what it asked and what answered it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["Call", "calls_from_journal", "span"]

_MAX_ERROR_CHARS = 160


def _whole_seconds(text: Any) -> int | None:
    """``Retry-After`` in whole seconds, when it is written that way."""
    if isinstance(text, str) and text.strip().isascii() and text.strip().isdigit():
        digits = text.strip()
        return int(digits) if len(digits) <= 9 else None
    return None


def _request_key(entry: Mapping[str, Any]) -> str:
    """What makes two calls "the same call": method, path and body (JSON compared by value,
    so a client that writes its keys in another order still sends the same call)."""
    body = entry.get("body")
    if body is None or isinstance(body, str):
        shown = body or ""
    else:
        shown = orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()
    return f"{entry.get('method')} {entry.get('path')} {shown}"


def _first_error(entry: Mapping[str, Any]) -> str | None:
    """The first message of an error answer, cut short, for evidence."""
    if not isinstance(entry.get("status"), int) or entry["status"] < 400:
        return None
    text = entry.get("responseBody")
    try:
        parsed = orjson.loads(text) if isinstance(text, str) else None
    except orjson.JSONDecodeError:
        parsed = None
    errors = parsed.get("errors") if isinstance(parsed, dict) else None
    message = errors[0] if isinstance(errors, list) and errors else text
    if not isinstance(message, str):
        return None
    message = " ".join(message.split())
    return message if len(message) <= _MAX_ERROR_CHARS else f"{message[:_MAX_ERROR_CHARS]}…"


@dataclass(frozen=True, slots=True)
class Call:
    """One call the client made, as the journal saw it.

    Attributes:
        number: Its place among the client's calls, from 1, in the order they began.
        at: When it began, in seconds since the first call began.
        answered_at: When its answer was ready, on the same clock.
        method: Its HTTP method.
        path: Its path.
        operation: ``listTasks``, ``updateTask``, or None for a path the API lacks.
        status: The answer's status.
        retry_after: The answer's ``Retry-After`` in whole seconds, or None.
        answered_by: What answered (``mock``, ``plan``, ``limiter``, ``replay``...).
        key: What makes two calls the same call (method, path and body).
        error: The first message of an error answer, cut short, or None.
    """

    number: int
    at: float
    answered_at: float
    method: str
    path: str
    operation: str | None
    status: int
    retry_after: int | None
    answered_by: str
    key: str
    error: str | None

    @property
    def label(self) -> str:
        """``POST /v2/tasks``: what it was, for evidence."""
        return f"{self.method} {self.path}"

    @property
    def when(self) -> str:
        """``call 3 at +1.25 s``: which call, for evidence."""
        return f"call {self.number} at +{self.at:.2f} s"


def calls_from_journal(entries: Iterable[Mapping[str, Any]]) -> tuple[Call, ...]:
    """The client's calls, in the order they began, from journal entries (the admin API's
    ``requests``); uploads of tasks (``answeredBy: admin``) are not the client's.

    Raises:
        ValueError: for an entry without the journal's fields (``epoch``, ``status``...).
    """
    rows = []
    for entry in entries:
        if entry.get("answeredBy") == "admin":
            continue
        try:
            began = float(entry["epoch"])
            took = float(entry.get("durationMs") or 0) / 1000
            rows.append((began, int(entry.get("id") or 0), took, entry))
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                "not a journal entry of the mock (GET /__admin/requests): needs epoch and status"
            ) from None
    rows.sort(key=lambda row: (row[0], row[1]))
    first = rows[0][0] if rows else 0.0
    return tuple(
        Call(
            number=number,
            at=began - first,
            answered_at=began + took - first,
            method=str(entry.get("method")),
            path=str(entry.get("path")),
            operation=entry.get("operation"),
            status=int(entry["status"]),
            retry_after=_whole_seconds(entry.get("retryAfter")),
            answered_by=str(entry.get("answeredBy")),
            key=_request_key(entry),
            error=_first_error(entry),
        )
        for number, (began, _, took, entry) in enumerate(rows, start=1)
    )


def span(numbers: Iterable[int], most: int = 6) -> str:
    """Call numbers for evidence: ``2-5``, ``2, 4, 7``, or ``2, 3, 5, 8, 9, 12 and 4 more``."""
    found = sorted(numbers)
    if not found:
        return "none"
    if len(found) > 1 and found == list(range(found[0], found[-1] + 1)):
        return f"{found[0]}-{found[-1]}"
    shown = ", ".join(map(str, found[:most]))
    return shown if len(found) <= most else f"{shown} and {len(found) - most} more"
