"""Which call reaches what: an operation of the Tasks API (or a 405 for another method on
its paths), else the app (its own pages: admin API, console, health, spec, and any route a
user adds; anything else is its 404, in Gong's shape, from :func:`unknown_path`).

Routing is exact, as at Gong: ``/v2//tasks`` and ``/v2/tasks/`` are unknown paths (404),
never redirects, and no ``Host`` a caller sends takes part in any answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from gong_tasks_kit.serving.errors import ApiError
from gong_tasks_kit.spec import TASKS_PATH
from gong_tasks_kit.spec.operations import LIST_TASKS, UPDATE_TASK, operation

__all__ = ["OWN_PAGES", "Route", "refused_method", "route", "unknown_path"]

#: The app's own pages: not journaled (an upload of tasks asks to be); every other call
#: is.
OWN_PAGES = ("/__admin", "/__health", "/openapi.")
_TASK_PREFIX = TASKS_PATH + "/"
_METHODS = {LIST_TASKS: operation(LIST_TASKS).method, UPDATE_TASK: operation(UPDATE_TASK).method}


@dataclass(frozen=True, slots=True)
class Route:
    """Where a call goes.

    Attributes:
        operation_id: The Tasks API's operation, or None (the app's, or a refusal).
        task_id: The path's task id as sent (``updateTask`` only).
        refusal: The answer instead, when the call reaches nothing (404, 405).
    """

    operation_id: str | None = None
    task_id: str | None = None
    refusal: ApiError | None = None

    @property
    def to_app(self) -> bool:
        """Whether the app answers the call (its own pages, a route a user added, a 404)."""
        return self.operation_id is None and self.refusal is None


_APP = Route()


def unknown_path(method: str, path: str) -> ApiError:
    """Gong's 404 for a path the spec does not have."""
    return ApiError(404, [f"No such endpoint: {method} {path}"], source="routing")


def refused_method(method: str, path: str, allowed: list[str]) -> ApiError:
    """The 405 for a method the path does not take, with ``Allow``."""
    return ApiError(
        405,
        [f"Method {method} is not allowed on {path}"],
        {"Allow": ", ".join(allowed)},
        source="routing",
    )


def _operation(operation_id: str, method: str, path: str, task_id: str | None = None) -> Route:
    allowed = _METHODS[operation_id].upper()
    if method != allowed:
        return Route(refusal=refused_method(method, path, [allowed]))
    return Route(operation_id, task_id)


def route(method: str, path: str) -> Route:
    """Where ``method path`` goes (``path`` decoded, as PEP 3333's ``PATH_INFO``)."""
    if path == TASKS_PATH:
        return _operation(LIST_TASKS, method, path)
    if path.startswith(_TASK_PREFIX):
        task_id = path[len(_TASK_PREFIX) :]
        if task_id and "/" not in task_id:
            return _operation(UPDATE_TASK, method, path, task_id)
    return _APP
