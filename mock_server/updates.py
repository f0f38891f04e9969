"""``PATCH /v2/tasks/{taskId}``: a raw request turned into a checked :class:`TaskUpdate` (or a
400 that names the field), and an update applied to a task's current fields.

The body is judged like the list call's: the compiled validator answers for valid bodies,
openapi-core (the reference) judges and words every rejection. A due date is then
converted to the served form: UTC, ``Z``, whole seconds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from gong_tasks_kit.fixtures.providers import format_timestamp
from gong_tasks_kit.mock_server.bounds import cut, printable
from gong_tasks_kit.mock_server.errors import ApiError, bad_request
from gong_tasks_kit.mock_server.fast_validation import is_valid
from gong_tasks_kit.mock_server.requests import read_json_body, reference_messages
from gong_tasks_kit.mock_server.state import TaskChange
from gong_tasks_kit.mock_server.update_rules import (
    EMPTY_UPDATE_ERROR,
    next_updated,
    task_not_found,
)
from gong_tasks_kit.spec.operations import UPDATE_TASK

_TASK_ID = re.compile(r"-?[0-9]{1,40}", re.ASCII)  # leading zeros allowed, as int64 reads
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# RFC 3339's date-time, which is what the spec's `format: date-time` means.
_SERVED_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)


@dataclass(frozen=True, slots=True)
class TaskUpdate:
    """One checked update request.

    Attributes:
        user_id: The body's ``userId``: who claims to own the task.
        status: The new status, or None to keep it.
        due_date: The new due date in the served form (UTC, ``Z``, whole seconds), or
            None to keep it.
    """

    user_id: str
    status: str | None = None
    due_date: str | None = None

    @property
    def changes_nothing(self) -> bool:
        """Whether the body names neither a status nor a due date."""
        return self.status is None and self.due_date is None


def parse_task_id(text: str) -> int:
    """The path's ``taskId`` as a number.

    Raises:
        ApiError: 400 unless it is a whole number (ASCII digits) within int64.
    """
    if _TASK_ID.fullmatch(text) and _INT64_MIN <= int(text) <= _INT64_MAX:
        return int(text)
    raise bad_request(f"taskId: {cut(text)!r} is not an integer (int64)")


def naming_the_task(error: ApiError, task_id: str) -> ApiError:
    """An injected 404 on the update (``Prefer``, a plan step) worded as Gong words it for
    the task in the path, not the spec example's task; any other answer as it is.

    A path id that is no int64 is named as sent (escaped, cut): the caller never sent the
    example's id.
    """
    if error.status != 404:
        return error
    try:
        named = task_not_found(parse_task_id(task_id)).errors
    except ApiError:
        named = [f"TaskId {printable(cut(task_id))} not found"]
    return ApiError(404, named, error.headers, source=error.source)


def utc_timestamp(text: str) -> str:
    """An RFC 3339 date-time with any offset, in the served form: ``2018-02-18T09:30:00Z``.

    A fraction of a second is dropped.

    Raises:
        ValueError: when ``text`` is no date-time, or its UTC form is outside years 1-9999.
    """
    if _SERVED_FORM.fullmatch(text):
        # Most dates already are in the served form (every one the mock writes): checked
        # by the C parser, a tenth of the cost of the general path (100,000 tasks of a
        # data file hold 300,000 dates).
        try:
            datetime.fromisoformat(text)
        except ValueError:
            pass  # day 30 of February, year 0: the general path words it
        else:
            return text
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError("is not a 'date-time'")
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    zulu, sign, offset_hours, offset_minutes = match.groups()[6:]
    offset = timedelta(0)
    if not zulu:
        offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes))
        offset = -offset if sign == "-" else offset
    try:
        moment = datetime(
            year, month, day, hour, minute, second, tzinfo=timezone(offset)
        )  # ValueError: day 30 of February, second 60, an offset of 24 hours or more
        return format_timestamp(moment)
    except OverflowError:
        raise ValueError("is outside the years 1 to 9999 once converted to UTC") from None


def parse_task_update(body: bytes, mimetype: str) -> TaskUpdate:
    """The checked update a raw body asks for.

    Raises:
        ApiError: 400 for a wrong content type, an empty body, malformed JSON, a body the
            spec rejects (each message naming the field), or a due date the mock cannot
            represent.
    """
    document = read_json_body(body, mimetype, "a JSON object with a 'userId'")
    if not is_valid("TaskUpdateRequest", document):
        messages = reference_messages(body, UPDATE_TASK)
        if messages:
            raise bad_request(*messages)
    due_date = document.get("dueDate")
    if due_date is not None:
        try:
            due_date = utc_timestamp(due_date)
        except ValueError as error:
            # The compiled validator lets a few date-times through that the reference
            # refuses (a leap second, year 0): its words first, else ours.
            raise bad_request(
                *(reference_messages(body, UPDATE_TASK) or [f"dueDate: {due_date!r} {error}"])
            ) from None
    update = TaskUpdate(document["userId"], document.get("status"), due_date)
    if update.changes_nothing and EMPTY_UPDATE_ERROR is not None:
        raise bad_request(EMPTY_UPDATE_ERROR)
    return update


def next_change(
    seeded: Mapping[str, str], record: TaskChange | None, update: TaskUpdate, now: datetime
) -> TaskChange | None:
    """A task's change record after ``update``.

    Args:
        seeded: The seeded task's ``created``, ``updated``, ``status`` and ``dueDate``.
        record: The task's change record so far (None: never changed).
        update: The checked update.
        now: The time of the call.

    Returns:
        The new record, or None when the update changes neither status nor due date (the
        task then stays exactly as it is, ``updated`` included).
    """
    current = {**seeded, **(record or {})}
    status = update.status or current["status"]
    due_date = update.due_date or current["dueDate"]
    changed = (status, due_date) != (current["status"], current["dueDate"])
    updated = next_updated(
        created=seeded["created"], previous=current["updated"], changed=changed, now=now
    )
    if not changed:
        return None
    return {"status": status, "dueDate": due_date, "updated": updated}
