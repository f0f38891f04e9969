"""The one task the update checks write to, and its restore.

Against Gong that is the task named by ``--allow-writes`` (of ``GONG_USER_ID``), and
nothing is written without it; against a mock the named task, else the first user's task
with the lowest id. Its status and due date are read (from the list call) before the
first write and restored when the run ends, also when a check failed; the restore's
request is kept back from the budget at the first write, so it is always sent. A restore
that fails says loudly which task was left changed and what to set it back to. A task
answered without a status or a due date, or with a status the spec does not list (which
a restore could not send back), is never written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from gong_tasks_kit.contract_tests.budget import NotRunError
from gong_tasks_kit.contract_tests.calls import Call
from gong_tasks_kit.contract_tests.filters import values_of
from gong_tasks_kit.contract_tests.findings import Finding
from gong_tasks_kit.contract_tests.invariants import instant, problem
from gong_tasks_kit.contract_tests.operations import task_path
from gong_tasks_kit.contract_tests.replies import Reply
from gong_tasks_kit.contract_tests.target import Target

#: The fields an update changes, and the restore sets back.
RESTORED_FIELDS = ("status", "dueDate")


def with_offset(moment: datetime, hours: int = -7) -> str:
    """``moment`` written with a UTC offset (Gong's own example uses ``-07:00``), whole
    seconds: a client in another time zone sends due dates like this."""
    try:
        local = moment.astimezone(timezone(timedelta(hours=hours)))
    except OverflowError:  # the first or last hours of the calendar: say it in UTC
        local = moment.astimezone(UTC)
    return local.replace(microsecond=0).isoformat()


def find_task(reply: Reply, task_id: int) -> dict[str, Any] | None:
    """The task ``task_id`` in a 200's ``tasks``, or None."""
    body = reply.json
    tasks = body.get("tasks") if isinstance(body, dict) else None
    for task in tasks if isinstance(tasks, list) else []:
        if isinstance(task, dict) and task.get("id") == task_id:
            return task
    return None


def _restored(task: Mapping[str, Any] | None, original: Mapping[str, Any]) -> bool:
    return (
        task is not None
        and task.get("status") == original["status"]
        and instant(task.get("dueDate")) == instant(original["dueDate"])
    )


@dataclass(slots=True)
class WrittenTask:
    """The task the update checks write to.

    Attributes:
        target: Where it lives.
        id: Its id.
        owner: The user id that owns it (the ``userId`` of every update).
        original: The task as the list call answered it before any write.
        current: The task as last answered (by an update or a list call).
        say: Prints a line at once (outside pytest's capture).
        written: Whether an update was sent (so a restore is due).
    """

    target: Target
    id: int
    owner: str
    original: dict[str, Any]
    say: Callable[[str], None] = field(repr=False)
    current: dict[str, Any] = field(default_factory=dict)
    written: bool = False

    def __post_init__(self) -> None:
        """Start from the original."""
        self.current = dict(self.original)

    @property
    def label(self) -> str:
        """``task ID of user OWNER``."""
        return f"task {self.id} of user {self.owner}"

    @property
    def original_values(self) -> str:
        """The original status and due date, as a restore sets them."""
        return ", ".join(f"{name} {self.original[name]}" for name in RESTORED_FIELDS)

    def update(self, **changes: Any) -> Reply:
        """Send ``PATCH /v2/tasks/{id}`` with ``userId`` and ``changes``.

        The first write keeps a request back for the restore and says what will be
        restored.

        Raises:
            BudgetExhaustedError: no request is left for the update or its restore
                (nothing is written).
        """
        return self.send({"userId": self.owner, **changes})

    def send(self, body: Any) -> Reply:
        """Send ``PATCH /v2/tasks/{id}`` with ``body`` as it is (an invalid update, say):
        a write like any other, so the task is restored when the run ends."""
        if not self.written:
            self.target.hold_back()
            self.written = True  # before sending: an answer lost on the way may still count
            self.say(
                f"gong contract: writing {self.label} ({task_path(self.id)}); its original "
                f"{self.original_values} are restored when the run ends"
            )
        reply = self.target.update_task(self.id, body)
        self.saw(reply)
        return reply

    def saw(self, reply: Reply) -> None:
        """Remember the task as a good answer shows it."""
        if reply.status == 200:
            task = find_task(reply, self.id)
            if task is not None:
                self.current = dict(task)

    def restore(self) -> Finding | None:
        """Set the original status and due date back, if anything was written.

        Returns:
            None when restored (or nothing was written), else a loud message naming the
            task and the values to set back by hand.
        """
        if not self.written:
            return None
        body = {"userId": self.owner, **{name: self.original[name] for name in RESTORED_FIELDS}}
        why = ""
        call: Call | None = None
        try:
            reply = self.target.update_task(self.id, body, held=True)
        except (NotRunError, RuntimeError) as error:  # limits, unreachable, refused
            why = f"{type(error).__name__}: {error}"
        else:
            call = reply.call
            answered = find_task(reply, self.id)
            if reply.status == 200 and (answered is None or _restored(answered, self.original)):
                if answered is None:  # Gong does not publish what the 200 holds
                    self.target.warnings.append(
                        f"the restore of {self.label} was answered 200 without the task: "
                        f"check that it has {self.original_values}"
                    )
                self.written = False
                self.current = dict(answered or self.original)
                return None
            why = f"the restore got {reply.status}: {reply.body[:200]!r}"
        return problem(
            "restore",
            f"RESTORE FAILED: {self.label} may be left changed; set it back by hand to "
            f"{self.original_values} ({why})",
            call=call,
            requires=self.original_values,
        )


def choose(
    target: Target,
    *,
    allow_writes: str | None,
    owner: str | None,
    first_answer: Reply,
    first_user: str,
    known: Callable[[int], tuple[str, dict[str, Any]] | None],
    say: Callable[[str], None],
) -> WrittenTask:
    """The task the update checks write to, read before any write.

    Args:
        target: The target.
        allow_writes: The task named by ``--allow-writes`` (None: the first user's task with
            the lowest id).
        owner: Against Gong (or any target that is no mock) ``GONG_USER_ID``, the only
            owner it may write for: the named task must be in ``first_answer``. None
            against a mock: any user's task, looked up with ``known``.
        first_answer: The first user's widest list answer.
        first_user: That user.
        known: Looks a task up among the mock's known tasks (``(owner, task)`` or None).
        say: Prints a line at once.

    Raises:
        NotRunError: the task is not found (nothing is written).
    """
    if allow_writes is None:
        tasks = first_answer.json.get("tasks") if isinstance(first_answer.json, dict) else None
        # The lowest id: the same task whatever earlier runs changed.
        usable = [
            task
            for task in (tasks if first_answer.status == 200 and isinstance(tasks, list) else [])
            if isinstance(task, dict) and isinstance(task.get("id"), int)
        ]
        first = min(usable, key=lambda task: task["id"], default=None)
        if first is None:
            raise NotRunError(f"user {first_user} has no task to update")
        return _checked(WrittenTask(target, first["id"], first_user, dict(first), say))
    task_id = int(allow_writes)
    found: dict[str, Any] | None = None
    whose = f"GONG_USER_ID {owner}" if owner else "any user of the mock"
    if owner is not None:
        found = find_task(first_answer, task_id) if first_answer.status == 200 else None
    elif (owned := known(task_id)) is not None:
        owner, found = owned
    if found is None or owner is None:
        raise NotRunError(
            f"task {task_id} (--allow-writes) is not among the call tasks of {whose} "
            "(widest filter); nothing was written"
        )
    return _checked(WrittenTask(target, task_id, owner, dict(found), say))


def _checked(task: WrittenTask) -> WrittenTask:
    if (
        not isinstance(task.original.get("status"), str)
        or instant(task.original.get("dueDate")) is None
    ):
        raise NotRunError(
            f"{task.label} was answered without a status or a due date to restore; "
            "nothing was written"
        )
    status = task.original["status"]
    if status not in values_of("status"):
        # A restore would send a status the spec refuses: the task would stay changed.
        raise NotRunError(
            f"{task.label} was answered with status {status!r}, which the spec does not "
            "list, so it could not be restored; nothing was written"
        )
    return task
