"""The update call's refusals, on the one task the run may write to: an unknown status, a
malformed ``dueDate`` and a ``userId`` of the wrong JSON type must each get Gong's 400 in
Gong's shape (``{requestId, errors}``).

They are sent to the task of the other update checks (``written_task``): against Gong
only when ``--allow-writes TASK_ID`` names it (without it no update reaches a vendor, and
these checks are skipped as read-only), against a mock to the task the update checks
write to. A target that accepts one fails the check named after it, and the task is
restored when the run ends, like after any write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from gong_tasks_kit.contract_tests.filters import values_of
from gong_tasks_kit.contract_tests.invariants import assert_no_problems, problem
from gong_tasks_kit.contract_tests.operations import UPDATE_TASK
from gong_tasks_kit.contract_tests.schedule import ScheduleContext, needs_a_user
from gong_tasks_kit.contract_tests.written_task import WrittenTask

#: A status no spec lists.
UNKNOWN_STATUS = "NOT_A_STATUS"
#: A due date in no ISO-8601 form.
MALFORMED_DUE_DATE = "31/12/2030 10:00"


def _other_status(task: WrittenTask) -> str:
    return next(value for value in values_of("status") if value != task.current.get("status"))


def _user_id_of_the_wrong_type(owner: str) -> Any:
    # Gong takes the user id as a JSON string: a number (or, for an id that is no
    # number, a list) is the wrong type.
    return int(owner) if owner.isascii() and owner.isdigit() else [owner]


#: ``(check, what is wrong, body for the task)``: each invalid update of the task.
INVALID_UPDATES: tuple[tuple[str, str, Callable[[WrittenTask], dict[str, Any]]], ...] = (
    (
        "update-refuses-unknown-status",
        f"an unknown status ({UNKNOWN_STATUS!r})",
        lambda task: {"userId": task.owner, "status": UNKNOWN_STATUS},
    ),
    (
        "update-refuses-malformed-due-date",
        f"a malformed dueDate ({MALFORMED_DUE_DATE!r})",
        lambda task: {"userId": task.owner, "dueDate": MALFORMED_DUE_DATE},
    ),
    (
        "update-refuses-wrong-user-id-type",
        "a userId that is no JSON string",
        lambda task: {
            "userId": _user_id_of_the_wrong_type(task.owner),
            "status": _other_status(task),
        },
    ),
)


def _refusal_note(context: ScheduleContext, _: Mapping[str, Any]) -> str:
    task = (
        f"task {context.settings.allow_writes}"
        if context.settings.allow_writes
        else "the task the update checks write to"
    )
    return (
        f"refusals: three invalid updates of {task} (an unknown status, a malformed dueDate, "
        "a userId of the wrong type) must each get Gong's 400; one that is accepted fails "
        "its check, and the task is restored when the run ends like after any write"
    )


@pytest.mark.parametrize(
    ("check", "wrong", "body"), INVALID_UPDATES, ids=[check for check, _, _ in INVALID_UPDATES]
)
@pytest.mark.gong_designed(requests=1, needs=needs_a_user, writes=True, note=_refusal_note)
def test_an_invalid_update_of_the_written_task_gets_400(
    written_task: WrittenTask,
    check: str,
    wrong: str,
    body: Callable[[WrittenTask], dict[str, Any]],
) -> None:
    reply = written_task.send(body(written_task))
    problems = reply.problems(UPDATE_TASK)
    if reply.status != 400:
        accepted = (
            " (accepted: the task is restored when the run ends)"
            if 200 <= reply.status < 300
            else ""
        )
        problems.append(
            problem(
                check,
                f"an update of {written_task.label} with {wrong} got {reply.status} instead "
                f"of Gong's 400{accepted}: {reply.body[:200]!r}",
                call=reply.call,
                requires="400 in Gong's error shape",
            )
        )
    assert_no_problems(problems)
