"""The admission pipeline: what every call of the Tasks API passes before it is answered,
declared once and run by the mock and the proxy alike. What differs between them is
plugged in (a :class:`TasksService`): how the caller is identified, and what answers.

    latency ─► identify the caller ─► Prefer ─► fault plan / chaos ─► the service's own
            (the mock's replay) ─► rate limits ─► answer

Why this order, decided on Gong's behaviour:

- **Latency** first: it stands for the network, which delays every answer, injected or
  not.
- **Identify the caller**: Gong's gateway authenticates before anything else, so a caller
  without credentials learns nothing about its call, not even that it is throttled (the
  mock answers 401/403 here). The proxy cannot authenticate (its target does): every
  caller is the one company whose base URL it fronts.
- **Injected answers** (``Prefer``, plan steps, chaos, then the service's own: the mock's
  replay of a recorded incident) stand for answers Gong gives, and come before the
  limits: an injected answer counts against no limit, in the mock as in the proxy. In
  the proxy it never reaches the target, so counting it would throttle callers the
  target would admit; the mock does the same, so that a plan's injected 429s do not use
  the budget of the calls after them.
- **Rate limits** last: a call that passes them is answered (the mock from its data, the
  proxy by its target), and one they refuse counts against no other limit.

Every refusal is an :class:`~gong_tasks_kit.serving.errors.ApiError`; an injected 404 on
the update names the task in the path.
"""

from __future__ import annotations

import time
from typing import Protocol

from gong_tasks_kit.serving.errors import Answer, ApiError
from gong_tasks_kit.serving.faults import SESSION_HEADER, latency_seconds, next_fault
from gong_tasks_kit.serving.prefer import documented_error, preferred_error
from gong_tasks_kit.serving.runtime import ServerRuntime
from gong_tasks_kit.serving.task_ids import naming_the_task
from gong_tasks_kit.serving.tasks_call import TasksCall

__all__ = ["TasksService", "admit", "answer_admitted"]


class TasksService(Protocol):
    """What plugs into the pipeline: the mock's data, or the proxy's target."""

    def caller_key(self, call: TasksCall) -> str:
        """The limiter key of the call's caller.

        Raises:
            ApiError: when the caller may not call (401, 403).
        """

    def injected(self, call: TasksCall) -> ApiError | None:
        """The service's own injected answer for the call, after QA's (the mock's replay
        of a recorded answer), or None."""

    def answer(self, call: TasksCall) -> Answer:
        """The answer to an admitted call.

        Raises:
            ApiError: whatever answers instead (validation, an unknown task, ...).
        """


def admit(runtime: ServerRuntime, call: TasksCall, service: TasksService) -> None:
    """Run the pipeline's steps up to the answer (see the module).

    Raises:
        ApiError: the answer instead: 401/403, an injected answer, or a limit's 429.
    """
    operation_id = call.operation_id
    session = call.header(SESSION_HEADER)
    state = runtime.state
    delay = latency_seconds(state, session)
    if delay:
        time.sleep(delay)
    caller = service.caller_key(call)
    injected = (
        preferred_error(call.header("Prefer"), operation_id)
        or next_fault(state, session, operation_id)
        or service.injected(call)
    )
    if injected is not None:
        raise injected
    retry_after = runtime.limiter.admit(caller)
    if retry_after is not None:
        raise documented_error(
            429, retry_after=retry_after, source="limiter", operation_id=operation_id
        )


def answer_admitted(runtime: ServerRuntime, call: TasksCall, service: TasksService) -> Answer:
    """The call admitted and answered, or the refusal that answers it instead.

    Raises:
        ApiError: the refusal (see :func:`admit`), or the service's own.
    """
    try:
        admit(runtime, call, service)
    except ApiError as error:
        if call.task_id is None:
            raise
        raise naming_the_task(error, call.task_id) from None
    return service.answer(call)
