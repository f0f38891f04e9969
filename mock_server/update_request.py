"""``PATCH /v2/tasks/{taskId}``: a raw request turned into a checked :class:`TaskUpdate` (or a
400 that names the field), and an update applied to a task's current fields.

The body is judged like the list call's: the compiled validator answers for valid bodies,
openapi-core (the reference) judges and words every rejection. A due date is then
converted to the served form: UTC, ``Z``, whole seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from gong_tasks_kit.mock_server.list_request import read_json_body, reference_messages
from gong_tasks_kit.mock_server.update_rules import (
    EMPTY_UPDATE_ERROR,
    next_updated,
)
from gong_tasks_kit.serving.errors import bad_request
from gong_tasks_kit.serving.state import TaskChange
from gong_tasks_kit.spec.fast_validation import is_valid
from gong_tasks_kit.spec.operations import UPDATE_TASK
from gong_tasks_kit.spec.timestamps import utc_timestamp


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
