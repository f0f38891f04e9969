"""What a run puts back on a mock it wrote to.

On a mock, schemathesis updates real tasks by their owners (with ids from the list call,
see ``known_tasks``) and the update checks write one task (``written_task``). So:

* a mock served over HTTP is read before the first test and again after the last one,
  every user's tasks through its admin API (``GET /__admin/tasks?userId=``, never a
  check of the budget); each task that differs is put back: served as loaded again
  (``DELETE /__admin/tasks/<id>/change``) when it was unchanged before the run, so it is
  exactly as before, ``updated`` included; else (changed before the run, or a mock
  without that call) its status and due date are written back with the update call;
* an in-process mock belongs to the run: it is reset (``POST /__admin/reset``);
* against Gong nothing is read or written here (only the task ``--allow-writes`` names,
  restored by ``written_task``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from gong_tasks_kit.contract_tests.budget import NotRunError
from gong_tasks_kit.contract_tests.invariants import instant
from gong_tasks_kit.contract_tests.target import Target

__all__ = ["MockTasks", "PutBack", "leave_as_found", "put_back", "read_mock_tasks"]

#: What the update call can set back (the rest of a task never changes).
_WRITABLE = ("status", "dueDate")


@dataclass(frozen=True, slots=True)
class MockTasks:
    """Every known user's tasks on a mock, as its admin API showed them.

    Attributes:
        tasks: Task id → (owner's user id, the task's document).
        changed: The ids of tasks the mock said were changed since its data was loaded.
    """

    tasks: dict[int, tuple[str, dict[str, Any]]]
    changed: frozenset[int]


@dataclass(slots=True)
class PutBack:
    """What :func:`put_back` did.

    Attributes:
        restored: Ids of the tasks put back.
        rewritten: Those among them put back with the update call (status and due date
            as before, ``updated`` now).
        left: Ids of tasks still not as before (a loud warning).
        problem: Why the mock could not be read, when it could not.
    """

    restored: list[int] = field(default_factory=list)
    rewritten: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)
    problem: str | None = None

    def lines(self) -> tuple[list[str], list[str]]:
        """The summary's notes and warnings about it."""
        if self.problem is not None:
            return [], [
                f"could not read the mock's tasks ({self.problem}): tasks the run changed "
                "may be left changed"
            ]
        notes: list[str] = []
        if not self.restored:
            notes.append("the run left every task of the mock as it found it")
        else:
            count = len(self.restored)
            notes.append(
                f"restored {count} task{'s' if count != 1 else ''} the run changed: "
                + ", ".join(map(str, self.restored))
            )
            if self.rewritten:
                notes.append(
                    "  (status and due date written back with the update call, so their "
                    "`updated` is now: " + ", ".join(map(str, self.rewritten)) + ")"
                )
        warnings = (
            [
                "RESTORE FAILED: tasks the run changed are left changed on the mock: "
                + ", ".join(map(str, self.left))
                + " (POST /__admin/reset serves the loaded data again)"
            ]
            if self.left
            else []
        )
        return notes, warnings


def read_mock_tasks(target: Target, users: Sequence[str]) -> MockTasks | str:
    """Every task of ``users`` as the mock's admin API shows it now.

    Returns:
        The tasks, or why they could not be read (no admin API, a token it wants, ...).
    """
    tasks: dict[int, tuple[str, dict[str, Any]]] = {}
    changed: set[int] = set()
    for user in users:
        path = f"/__admin/tasks?userId={quote(user, safe='')}"
        reply = target.admin("GET", path)
        body = reply.json if reply is not None else None
        if reply is None or reply.status != 200 or not isinstance(body, dict):
            return f"GET {path} answered {reply.status if reply else 'nothing'}"
        for task in body.get("tasks") or []:
            if isinstance(task, dict) and isinstance(task.get("id"), int):
                tasks[task["id"]] = (user, task)
        changed.update(i for i in body.get("changedTaskIds") or [] if isinstance(i, int))
    return MockTasks(tasks, frozenset(changed))


def _forgotten(target: Target, task_id: int, before: dict[str, Any]) -> bool:
    reply = target.admin("DELETE", f"/__admin/tasks/{task_id}/change")
    body = reply.json if reply is not None else None
    return (
        reply is not None
        and reply.status == 200
        and isinstance(body, dict)
        and (body.get("task") == before)
    )


def _rewritten(target: Target, task_id: int, owner: str, before: dict[str, Any]) -> bool:
    body = {"userId": owner, **{name: before[name] for name in _WRITABLE}}
    try:
        reply = target.update_task(task_id, body)
    except (NotRunError, RuntimeError):  # the budget, the target's limits, unreachable
        return False
    return reply.status == 200


def _same(now: dict[str, Any] | None, before: dict[str, Any], *, exactly: bool) -> bool:
    if now is None or exactly:
        return now == before
    return now.get("status") == before.get("status") and instant(now.get("dueDate")) == instant(
        before.get("dueDate")
    )


def put_back(target: Target, before: MockTasks, users: Sequence[str]) -> PutBack:
    """Put back every task that differs from ``before`` (see the module's docstring)."""
    after = read_mock_tasks(target, users)
    if isinstance(after, str):
        return PutBack(problem=after)
    done = PutBack()
    for task_id, (owner, task) in sorted(before.tasks.items()):
        now = after.tasks.get(task_id, (owner, None))[1]
        if now == task:
            continue
        if task_id not in before.changed and _forgotten(target, task_id, task):
            done.restored.append(task_id)
        elif _rewritten(target, task_id, owner, task):
            done.restored.append(task_id)
            done.rewritten.append(task_id)
        else:
            done.left.append(task_id)
    # Read once more: a restore answered 200 is not yet a task as before.
    checked = read_mock_tasks(target, users) if done.restored else after
    if isinstance(checked, str):
        return PutBack(problem=checked)
    for task_id in list(done.restored):
        now = checked.tasks.get(task_id, ("", None))[1]
        if not _same(now, before.tasks[task_id][1], exactly=task_id not in done.rewritten):
            done.restored.remove(task_id)
            done.left.append(task_id)
    done.left.sort()
    return done


def leave_as_found(
    target: Target, before: MockTasks | str | None, users: Sequence[str]
) -> tuple[list[str], list[str]]:
    """After the run: reset an in-process mock, else put back what differs from
    ``before`` (None in-process; a message when the mock could not be read before).

    Returns:
        The summary's notes and warnings.
    """
    if target.app is not None:
        reply = target.admin("POST", "/__admin/reset")
        if reply is not None and reply.status == 200:
            return ["reset the in-process mock (POST /__admin/reset)"], []
        status = reply.status if reply is not None else "nothing"
        return [], [f"could not reset the in-process mock: POST /__admin/reset answered {status}"]
    if before is None or isinstance(before, str):
        return [], [
            f"could not read the mock's tasks before the run ({before}): tasks the run "
            "changed may be left changed"
        ]
    return put_back(target, before, users).lines()
