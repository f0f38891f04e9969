"""Prism's ``Prefer: code=NNN`` convention: ask for one documented answer on demand.

``Prefer: code=429`` (optionally ``, retry-after=5``) returns the spec's 429 with an
integer ``Retry-After``; ``code=500``, ``code=401``, ``code=403`` and ``code=400``
return those answers, and ``code=404`` on the update call; ``code=200`` asks for the
normal answer. Any other code is a 400 saying which codes the spec documents for the
operation called.
"""

from __future__ import annotations

import re

from gong_tasks_kit.serving.bounds import cut, parse_whole_number
from gong_tasks_kit.serving.errors import WWW_AUTHENTICATE, ApiError
from gong_tasks_kit.spec.examples import documented_statuses, response_example
from gong_tasks_kit.spec.loader import spec_cached
from gong_tasks_kit.spec.operations import LIST_TASKS, operation

_PREFERENCE = re.compile(r"^\s*([A-Za-z-]+)\s*=\s*\"?([^\";,]*)\"?\s*$")
DEFAULT_RETRY_AFTER = 1
MAX_RETRY_AFTER = 86_400


@spec_cached
def spec_example_errors(status: int, operation_id: str = LIST_TASKS) -> tuple[str, ...]:
    """The ``errors`` of the spec's first example for an error status of an operation."""
    return tuple(response_example(status, operation_id)["errors"])


def _preferences(header: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in re.split(r"[,;]", header):
        match = _PREFERENCE.match(part)
        if match:
            found[match.group(1).lower()] = match.group(2).strip()
    return found


def _retry_after(preferences: dict[str, str]) -> int:
    raw = preferences.get("retry-after", str(DEFAULT_RETRY_AFTER))
    seconds = parse_whole_number(raw, high=MAX_RETRY_AFTER)
    if seconds is None:
        raise ApiError(
            400,
            [
                f"Prefer: retry-after must be whole seconds from 0 to {MAX_RETRY_AFTER}, "
                f"got {cut(raw)!r}"
            ],
            source="prefer",
        )
    return seconds


def documented_error(
    status: int,
    *,
    retry_after: int = DEFAULT_RETRY_AFTER,
    source: str = "prefer",
    operation_id: str = LIST_TASKS,
) -> ApiError:
    """The spec's answer for a documented error status of an operation, with its required
    headers."""
    headers: dict[str, str] = {}
    if status == 429:
        headers["Retry-After"] = str(retry_after)
    elif status == 401:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return ApiError(status, spec_example_errors(status, operation_id), headers, source=source)


def preferred_error(header: str | None, operation_id: str = LIST_TASKS) -> ApiError | None:
    """The error a ``Prefer`` header asks for, or None for a normal answer.

    Args:
        header: The ``Prefer`` header's value.
        operation_id: The operation called (default: the list call).

    Raises:
        ApiError: 400 when the header asks for a code the spec does not document for
            the operation.
    """
    if not header:
        return None
    preferences = _preferences(header)
    code = preferences.get("code")
    if code is None:
        return None
    documented = documented_statuses(operation_id)
    status = parse_whole_number(code, low=100, high=599)
    if status is None or status not in documented:
        listed = ", ".join(map(str, documented))
        raise ApiError(
            400,
            [
                f"Prefer: code={cut(code)} is not a status the spec documents for "
                f"{operation(operation_id).label} (documented: {listed})"
            ],
            source="prefer",
        )
    if status == 200:
        return None
    return documented_error(
        status, retry_after=_retry_after(preferences), operation_id=operation_id
    )
