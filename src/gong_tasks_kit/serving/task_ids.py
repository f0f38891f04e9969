"""Task ids in the update's path (``PATCH /v2/tasks/{taskId}``): read as Gong reads them,
and named as Gong names them in its 404, by the mock and the proxy alike."""

from __future__ import annotations

import re

from gong_tasks_kit.serving.bounds import cut, printable
from gong_tasks_kit.serving.errors import ApiError, bad_request

__all__ = ["naming_the_task", "parse_task_id", "task_not_found"]

_TASK_ID = re.compile(r"-?[0-9]{1,40}", re.ASCII)  # leading zeros allowed, as int64 reads
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def parse_task_id(text: str) -> int:
    """The path's ``taskId`` as a number.

    Raises:
        ApiError: 400 unless it is a whole number (ASCII digits) within int64.
    """
    if _TASK_ID.fullmatch(text) and _INT64_MIN <= int(text) <= _INT64_MAX:
        return int(text)
    raise bad_request(f"taskId: {cut(text)!r} is not an integer (int64)")


def task_not_found(task_id: int) -> ApiError:
    """Gong's documented 404, "TaskId not found"."""
    return ApiError(404, [f"TaskId {task_id} not found"], source="mock")


def naming_the_task(error: ApiError, task_id: str) -> ApiError:
    """An injected 404 on the update (``Prefer``, a plan step) worded as Gong words it for
    the task in the path, not the spec example's task; any other answer as it is (a
    replayed one stays as it was recorded).

    A path id that is no int64 is named as sent (escaped, cut): the caller never sent the
    example's id.
    """
    if error.status != 404 or error.source == "replay":
        return error
    try:
        named = task_not_found(parse_task_id(task_id)).errors
    except ApiError:
        named = [f"TaskId {printable(cut(task_id))} not found"]
    return ApiError(404, named, error.headers, source=error.source)
