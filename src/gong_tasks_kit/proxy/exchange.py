"""How the proxy answers an admitted call of the Tasks API: by its target.

The admission pipeline (``serving.admission``) runs first, the same as the mock's; what
the proxy plugs into it is here. Every caller is the one company whose base URL the proxy
fronts (the target authenticates, not the proxy); an admitted call is sent on to the
target exactly once, and the exchange is judged against the spec (violations on the
journal and in the log, the drift report, the recording) before the target's answer goes
back as it came.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import quote

from gong_tasks_kit.proxy.forward import (
    TargetBusyError,
    TargetReply,
    TargetUnreachableError,
    forwarded_headers,
)
from gong_tasks_kit.proxy.runtime import TARGET_LIMIT_KEY, ProxyRuntime
from gong_tasks_kit.proxy.violations import request_violations, response_violations
from gong_tasks_kit.serving.bounds import loggable, printable
from gong_tasks_kit.serving.errors import Answer, ApiError
from gong_tasks_kit.serving.tasks_call import TasksCall
from gong_tasks_kit.spec import TASKS_PATH
from gong_tasks_kit.spec.operations import LIST_TASKS

__all__ = ["ProxyExchange"]

logger = logging.getLogger("gong_tasks_kit.proxy")


def target_path(call: TasksCall) -> str:
    """The path the proxy checked, encoded again (a decoded ``%3F`` or ``%2F`` in the task
    id must not become a query or a path at the target, nor ``..`` a step up: dots are
    encoded too), and the query as sent."""
    if call.task_id is None:
        path = TASKS_PATH
    else:
        path = f"{TASKS_PATH}/{quote(call.task_id, safe='').replace('.', '%2E')}"
    query = call.query
    return path + (f"?{query}" if query else "")


def _answer(reply: TargetReply, violations: list[str]) -> Answer:
    """The target's answer as it came, noted with the exchange's violations."""
    headers = [*reply.headers, ("Content-Length", str(len(reply.body)))]
    return Answer(reply.status, headers, reply.body, "target", {"violations": violations})


class ProxyExchange:
    """The proxy's part of the admission pipeline (see ``serving.admission.TasksService``).

    Args:
        runtime: The proxy's runtime (its target, drift report, recording).
    """

    def __init__(self, runtime: ProxyRuntime) -> None:
        self._runtime = runtime

    def caller_key(self, call: TasksCall) -> str:
        """Every caller shares the target's limits (its credential is remembered, so
        nothing the proxy writes ever holds it)."""
        self._runtime.credential_filter.remember(call.header("Authorization"))
        return TARGET_LIMIT_KEY

    def injected(self, call: TasksCall) -> ApiError | None:
        """None: the proxy injects nothing of its own (its target answers)."""
        return None

    def answer(self, call: TasksCall) -> Answer:
        """The target's answer to the call, sent on once.

        Raises:
            ApiError: 400 for a body that could not be read; 503 when as many calls as may
                wait on the target already do; 502 when the target does not answer in
                time, or its answer is too large or cannot be decoded.
        """
        runtime = self._runtime
        started = time.time()
        body = call.read_body()
        runtime.report_at_exit()  # in the process that serves, not a server's parent
        headers = forwarded_headers(call.headers())
        try:
            reply = runtime.forwarder.send(call.method, target_path(call), headers, body)
        except TargetBusyError as error:
            raise ApiError(503, [f"proxy: {error}"], source="proxy") from None
        except TargetUnreachableError as error:
            raise ApiError(502, [f"proxy: {error}"], source="proxy") from None
        violations = [
            *request_violations(call.operation_id, call.task_id, body, call.mimetype),
            *response_violations(call.operation_id, reply),
        ]
        shown = [runtime.credential_filter.scrub_text(str(violation)) for violation in violations]
        runtime.drift.observe(call.operation_id, reply, violations)
        for keeper in (runtime.drift_file, runtime.spec_patch_file):
            if keeper is not None:
                keeper.changed()
        if runtime.recording is not None:  # the tasks, and the answers for serve --replay
            if call.operation_id == LIST_TASKS:
                runtime.recording.observe(body, reply)
            runtime.recording.observe_answer(call.operation_id, reply, started)
        if shown:
            logger.warning(
                "%s %s -> %d breaks the spec: %s",
                call.method,
                runtime.credential_filter.scrub_text(loggable(call.path)),
                reply.status,
                printable("; ".join(shown)),
            )
        return _answer(reply, shown)
