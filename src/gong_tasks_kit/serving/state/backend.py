"""What a server needs of its shared state (:class:`SharedState`), and the values it keeps."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal, Protocol

from limits.storage import Storage

from gong_tasks_kit.serving.journal import JournalEntry

GLOBAL_SCOPE = "*"

#: A change record of one task: its current ``status``, ``dueDate`` and ``updated``.
TaskChange = dict[str, Any]
#: How the served data changed since start-up: ``replace`` (PUT) or ``add`` (POST).
DataChangeKind = Literal["replace", "add"]
#: One change of the served data: its kind and the task document it brought.
DataChange = tuple[DataChangeKind, bytes]

#: Turns a task's current change record (None: unchanged so far) into its next one (None:
#: leave it as it is).
ChangeFunction = Callable[[TaskChange | None], TaskChange | None]


def step_applies(step: dict[str, Any], operation: str | None) -> bool:
    """Whether a plan step is for ``operation`` (a step naming none is for every call,
    and a call naming none takes any step)."""
    wanted = step.get("operation")
    return wanted is None or operation is None or wanted == operation


class SharedState(Protocol):
    """What the request path and the admin API need of shared state."""

    url: str

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """Queue fault steps for a scope; return the scope's queue length."""

    def pop_step(self, scope: str, operation: str | None = None) -> dict[str, Any] | None:
        """Take the first step of a scope's queue that applies to ``operation`` (see
        :func:`step_applies`), atomically; None when there is none."""

    def plans(self) -> dict[str, list[dict[str, Any]]]:
        """Every scope's queued steps."""

    def clear_plans(self, scope: str | None = None) -> None:
        """Drop one scope's steps, or all."""

    def set_setting(self, name: str, value: dict[str, Any] | None) -> None:
        """Store (or delete, with None) a named JSON setting such as chaos or latency."""

    def get_setting(self, name: str) -> dict[str, Any] | None:
        """Read a named JSON setting."""

    def next_count(self, name: str) -> int:
        """Increment and return a named counter (1 on first call)."""

    def append_journal(self, entry: JournalEntry, limit: int) -> None:
        """Add a journal entry (or a captured call that makes one when read), keeping only
        the newest ``limit``."""

    def journal(self) -> list[dict[str, Any]]:
        """Every journal entry, oldest first."""

    def clear_journal(self) -> None:
        """Empty the journal."""

    def task_changes(self, user_id: str) -> dict[int, TaskChange]:
        """One user's changed tasks: task id → change record (empty when none changed)."""

    def change_task(self, user_id: str, task_id: int, change: ChangeFunction) -> TaskChange | None:
        """Replace one task's change record by ``change(current)``, atomically.

        ``change`` may run more than once (a retried transaction), so it must be pure.

        Returns:
            The task's change record afterwards (None: it never changed).
        """

    def forget_task_change(self, user_id: str, task_id: int) -> bool:
        """Drop one task's change record, so it is served as loaded again.

        Returns:
            Whether it had one.
        """

    def users_with_task_changes(self) -> list[str]:
        """The users with at least one changed task."""

    def data_version(self) -> str | None:
        """The version of the served data: a fresh token on each upload, None while the
        start-up data is served (cheap: what every call checks)."""

    def data_changes(self) -> tuple[str | None, list[DataChange]]:
        """The data version and every upload since start-up, oldest first, read together."""

    def change_data(
        self, kind: DataChangeKind, document: bytes, expected_version: str | None
    ) -> str | None:
        """Record an upload, if the data is still at ``expected_version``, atomically.

        A ``replace`` drops earlier uploads and every task change with them.

        Returns:
            The new data version, or None when another upload came first (nothing changed).
        """

    def reset(self) -> None:
        """Forget everything: plans, settings, counters, journal, task changes, uploads."""

    def limits_storage(self) -> Storage:
        """Where the rate limiter keeps its counters: beside this state (the same Redis,
        or this process), so every worker shares them."""

    def problem(self) -> str | None:
        """Why the state cannot be used right now (None when it can), without secrets."""
