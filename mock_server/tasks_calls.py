"""The Tasks API's request path, free of any web framework: one implementation of both
operations, run by the Flask views (``app``) and by the server's direct path
(``direct_calls``), so the mock answers the same however it is reached.

latency ─► authenticate ─► rate-limit ─► Prefer ─► fault plan / chaos ─► (replay)
        ─► parse/validate ─► query or update ─► assemble bytes
Authentication comes first, as at Gong's gateway: a caller without credentials learns
nothing about the body it sent, and only authenticated calls count against a limit. Both
operations take the same first steps and share one limit. Every refusal is raised as an
:class:`ApiError`; the caller turns it into an answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from gong_tasks_kit.mock_server.auth import authenticate
from gong_tasks_kit.mock_server.errors import ApiError, new_request_id
from gong_tasks_kit.mock_server.faults import SESSION_HEADER, latency_seconds, next_fault
from gong_tasks_kit.mock_server.prefer import documented_error, preferred_error
from gong_tasks_kit.mock_server.replay import replay_step
from gong_tasks_kit.mock_server.requests import parse_task_filter
from gong_tasks_kit.mock_server.runtime import ANONYMOUS_KEY, MockState
from gong_tasks_kit.mock_server.store import TaskStore
from gong_tasks_kit.mock_server.update_rules import answered_tasks
from gong_tasks_kit.mock_server.updates import naming_the_task, parse_task_id, parse_task_update
from gong_tasks_kit.spec.operations import LIST_TASKS, UPDATE_TASK, operation

__all__ = ["TasksCall", "answer_tasks_call"]


@dataclass(frozen=True, slots=True)
class TasksCall:
    """One call of the Tasks API, as any server hands it over.

    Attributes:
        operation_id: ``listTasks`` or ``updateTask``.
        task_id: The path's task id as sent (``updateTask`` only).
        header: A request header's value by name (None when absent).
        read_body: The request body; called once the call is admitted, so a body that
            cannot be read is refused only after authentication. It may raise.
        mimetype: The request's media type, without parameters, lower-case.
    """

    operation_id: str
    task_id: str | None
    header: Callable[[str], str | None]
    read_body: Callable[[], bytes]
    mimetype: str


def _admit(current: MockState, call: TasksCall) -> None:
    """Latency, authentication, the shared limit, ``Prefer``, the fault plan and chaos:
    each may answer instead (by raising)."""
    operation_id, header = call.operation_id, call.header
    session = header(SESSION_HEADER)
    delay = latency_seconds(current.state, session)
    if delay:
        time.sleep(delay)
    key = ANONYMOUS_KEY
    if current.settings.auth:
        credential = authenticate(
            header("Authorization"), current.credentials, operation(operation_id).bearer_scopes
        )
        key = f"{credential.kind}:{credential.name}"
    retry_after = current.limiter.admit(key)
    if retry_after is not None:
        raise documented_error(
            429, retry_after=retry_after, source="limiter", operation_id=operation_id
        )
    preferred = preferred_error(header("Prefer"), operation_id)
    if preferred is not None:
        raise preferred
    fault = next_fault(current.state, session, operation_id)
    if fault is not None:
        raise fault
    replay_step(current, operation_id)  # serve --replay: the recorded answer, if an error


def _tasks_body(store: TaskStore, tasks: list[bytes]) -> bytes:
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


def answer_tasks_call(current: MockState, call: TasksCall) -> bytes:
    """The body of the 200 that answers ``call``.

    Raises:
        ApiError: whatever answers instead (auth, limiter, Prefer, plan, chaos,
            validation, an unknown task), in Gong's shape.
        Exception: whatever ``call.read_body`` raises.
    """
    if call.operation_id == LIST_TASKS:
        _admit(current, call)
        task_filter = parse_task_filter(call.read_body(), call.mimetype)
        store = current.store  # once: an upload may replace it meanwhile
        return _tasks_body(store, store.query(task_filter))
    if call.operation_id != UPDATE_TASK or call.task_id is None:
        raise ValueError(f"not an operation of the Tasks API: {call.operation_id}")
    try:
        _admit(current, call)
    except ApiError as error:
        raise naming_the_task(error, call.task_id) from None
    number = parse_task_id(call.task_id)
    update = parse_task_update(call.read_body(), call.mimetype)
    store = current.store
    task = store.update(number, update, now=datetime.now(UTC))
    return _tasks_body(store, answered_tasks(task.body))
