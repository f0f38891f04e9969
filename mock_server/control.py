"""A Python client of the mock's admin API: QA's controls, and the mock's own views of the
served tasks and uploads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gong_tasks_kit.serving.admin_client import AdminClient, AdminClientError

__all__ = ["MockControl", "MockControlError"]

#: The error of a refused control call (the admin API's 4xx); the message carries its
#: errors.
MockControlError = AdminClientError


class MockControl(AdminClient):
    """A Python client of the mock's admin API (``/__admin/``), in-process or over HTTP.

    Example:
        >>> control = MockControl(app)                       # or MockControl("http://...")
        >>> control.fail_next(429, times=2, retry_after=1)   # then normal answers
        >>> control.fail_next(500, operation="updateTask")   # the list keeps working
        >>> control.requests()                               # the journal
        >>> control.task(task_id)["task"]["status"]          # a task as it is now
        >>> control.replace_tasks([task, ...])               # serve exactly these tasks

    Args:
        target: A Flask app of the mock, or its base URL.
        admin_token: The admin token, if the mock has one.
        session: Scope plans and journal reads to this session id (the calls must send
            it in the ``X-Gong-Mock-Session`` header; see :meth:`session_headers`).
    """

    def task(self, task_id: int | str) -> dict[str, Any]:
        """A task as it is now: ``{"task", "userId", "workspaceId", "changed"}``.

        Raises:
            MockControlError: for an unknown task id (404).
        """
        found: dict[str, Any] = self._call("GET", f"/tasks/{task_id}")
        return found

    def tasks(self, user_id: int | str) -> list[dict[str, Any]]:
        """A user's tasks as they are now, in serving order (empty for an unknown user)."""
        found: list[dict[str, Any]] = self._call("GET", "/tasks", params={"userId": str(user_id)})[
            "tasks"
        ]
        return found

    def dataset(self) -> dict[str, Any]:
        """The served data: where it comes from, users with workspaces and task counts per
        status, and totals."""
        summary: dict[str, Any] = self._call("GET", "/dataset")
        return summary

    def replace_tasks(
        self, tasks: Sequence[Mapping[str, Any]] | Mapping[str, Any]
    ) -> dict[str, Any]:
        """Serve these tasks instead of the current ones; every task change is forgotten
        (:meth:`reset` returns to the start-up data).

        Args:
            tasks: A list of tasks, or a Gong answer ``{"tasks": [...], "crmType": ...}``;
                a task may carry ``workspaceId`` (the mock's workspace of the task).

        Returns:
            ``{"replaced", "tasks", "users", "crmType"}``: how many tasks were sent, and
            what is served now.

        Raises:
            MockControlError: naming the task's index, its id and the field; nothing
                changed.
        """
        summary: dict[str, Any] = self._call("PUT", "/tasks", _task_payload(tasks))
        return summary

    def add_tasks(self, tasks: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> dict[str, Any]:
        """Serve these tasks as well as the current ones (task changes stay).

        Returns:
            ``{"added", "tasks", "users", "crmType"}``.

        Raises:
            MockControlError: for a task the spec refuses or an id already served;
                nothing changed.
        """
        summary: dict[str, Any] = self._call("POST", "/tasks", _task_payload(tasks))
        return summary


def _task_payload(tasks: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Any:
    return dict(tasks) if isinstance(tasks, Mapping) else [dict(task) for task in tasks]
