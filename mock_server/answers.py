"""How the mock answers an admitted call of the Tasks API: from its data.

The admission pipeline (``serving.admission``) runs first, the same for the mock and the
proxy; what the mock plugs into it is here: who the caller is (Gong's two ways in, when
``auth`` is on) and the answer (the list call's query, or the update, on the served
tasks). Both operations share one limit, as at Gong.
"""

from __future__ import annotations

from datetime import UTC, datetime

from gong_tasks_kit.mock_server.auth import authenticate
from gong_tasks_kit.mock_server.list_request import parse_task_filter
from gong_tasks_kit.mock_server.replay import replayed_answer
from gong_tasks_kit.mock_server.runtime import ANONYMOUS_KEY, MockRuntime
from gong_tasks_kit.mock_server.task_store import TaskStore
from gong_tasks_kit.mock_server.update_request import parse_task_update
from gong_tasks_kit.mock_server.update_rules import answered_tasks
from gong_tasks_kit.serving.errors import Answer, ApiError, json_answer, new_request_id
from gong_tasks_kit.serving.task_ids import parse_task_id
from gong_tasks_kit.serving.tasks_call import TasksCall
from gong_tasks_kit.spec.operations import LIST_TASKS, operation

__all__ = ["MockTasks"]


def tasks_body(store: TaskStore, tasks: list[bytes]) -> bytes:
    """A 200's body in the shape both operations answer, assembled from serialized tasks."""
    return b"".join(
        (
            b'{"requestId":"',
            new_request_id().encode(),
            b'","tasks":[',
            b",".join(tasks),
            b'],"crmType":"',
            store.crm_type.encode(),
            b'"}',
        )
    )


class MockTasks:
    """The mock's part of the admission pipeline (see ``serving.admission.TasksService``).

    Args:
        runtime: The mock's runtime (settings, credentials, served tasks).
    """

    def __init__(self, runtime: MockRuntime) -> None:
        self._runtime = runtime

    def caller_key(self, call: TasksCall) -> str:
        """The caller's limiter key, once its credentials are checked (auth on).

        Raises:
            ApiError: 401 for missing or wrong credentials, 403 for a token without the
                operation's scope.
        """
        runtime = self._runtime
        if not runtime.settings.auth:
            return ANONYMOUS_KEY
        scopes = operation(call.operation_id).bearer_scopes
        return authenticate(call.header("Authorization"), runtime.credentials, scopes).limit_key

    def injected(self, call: TasksCall) -> ApiError | None:
        """With ``--replay``, the recorded answer of this call, if an error (see
        ``replay``)."""
        runtime = self._runtime
        path = runtime.settings.replay
        return replayed_answer(path, runtime.state, call.operation_id) if path else None

    def answer(self, call: TasksCall) -> Answer:
        """The 200 of the list call's query, or of the update.

        Raises:
            ApiError: 400 for a bad body or task id, 404 for a task the caller may not
                update.
        """
        store = self._runtime.store  # once: an upload may replace it meanwhile
        if call.operation_id == LIST_TASKS:
            task_filter = parse_task_filter(call.read_body(), call.mimetype)
            return json_answer(tasks_body(store, store.query(task_filter)))
        assert call.task_id is not None  # noqa: S101 - the update's route has one
        number = parse_task_id(call.task_id)
        update = parse_task_update(call.read_body(), call.mimetype)
        task = store.update(number, update, now=datetime.now(UTC))
        return json_answer(tasks_body(store, answered_tasks(task.body)))
