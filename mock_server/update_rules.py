"""The mock's choices where Gong says nothing about ``PATCH /v2/tasks/{taskId}``.

Each choice is here and nowhere else, and the spec's description of ``updateTask`` states
it; change both together.
"""

from __future__ import annotations

from datetime import datetime

from gong_tasks_kit.serving.task_ids import task_not_found
from gong_tasks_kit.spec.timestamps import format_timestamp

#: A body with neither ``status`` nor ``dueDate``: None answers 200 with the task as it
#: is (an empty change, as a PATCH with nothing in it); a message answers 400 with it.
EMPTY_UPDATE_ERROR: str | None = None


__all__ = ["EMPTY_UPDATE_ERROR", "answered_tasks", "may_update", "next_updated", "task_not_found"]


def may_update(owner_id: str, user_id: str) -> bool:
    """Whether the body's ``userId`` may update a task of ``owner_id``: only its owner.

    Anyone else gets the unknown task's 404 (:func:`task_not_found`), so an answer never
    tells whether a task id exists for another user.
    """
    return owner_id == user_id


def next_updated(*, created: str, previous: str, changed: bool, now: datetime) -> str:
    """The task's ``updated`` after an update.

    The time of the call when the update changed the status or the due date, never
    earlier than ``created`` or the previous ``updated`` (clocks of several instances may
    disagree); unchanged when the update changed nothing, so repeating an update is
    idempotent.

    Args:
        created: The task's ``created``, in the served form (UTC, ``Z``, whole seconds).
        previous: The task's ``updated`` before this update, in the same form.
        changed: Whether the update changed the status or the due date.
        now: The time of the call.
    """
    if not changed:
        return previous
    return max(format_timestamp(now), created, previous)  # same fixed-width form: sortable


def answered_tasks(updated_task: bytes) -> list[bytes]:
    """What the 200's ``tasks`` holds: the updated task alone, as it is after the update."""
    return [updated_task]
