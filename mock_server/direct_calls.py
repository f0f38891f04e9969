"""The Tasks API's calls answered by the server without Flask.

Measured here, Flask and werkzeug (the request context, routing, the response object and
the hooks around them) cost more per call than the mock's own work. So ``gong-tasks
serve`` hands a call of ``listTasks`` or ``updateTask`` straight to the request path both
share (``tasks_calls``) and journals it the same way (``journal.capture_exchange``):
same answer, same headers, same journal entry. Only the plain case is taken: a body that
arrived whole and declared honestly, with strict mode off. Anything else (an odd path, a
body too large or cut short, strict mode) goes through the Flask app, as do
``flask run``, the test client and any other WSGI server.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from werkzeug.datastructures import EnvironHeaders
from werkzeug.http import parse_options_header

from gong_tasks_kit.mock_server.app import journal_safely
from gong_tasks_kit.mock_server.bodies import BodyCapture
from gong_tasks_kit.mock_server.bounds import parse_whole_number
from gong_tasks_kit.mock_server.errors import ApiError, gong_headers, unexpected_error
from gong_tasks_kit.mock_server.faults import SESSION_HEADER
from gong_tasks_kit.mock_server.journal import capture_exchange
from gong_tasks_kit.mock_server.runtime import MockState
from gong_tasks_kit.mock_server.tasks_calls import TasksCall, answer_tasks_call
from gong_tasks_kit.mock_server.wsgi_bridge import Answer, error_answer
from gong_tasks_kit.spec import TASKS_PATH
from gong_tasks_kit.spec.operations import LIST_TASKS, UPDATE_TASK

__all__ = ["DirectCalls"]

_TASK_PREFIX = TASKS_PATH + "/"


def _operation_of(method: str, path: str) -> tuple[str, str | None] | None:
    """The operation (and the path's task id) a plain call reaches, else None.

    Only paths Flask would route the same way without a second thought: the exact list
    path, or one ASCII segment after it (Flask's default converter takes any segment).
    """
    if path == TASKS_PATH:
        return (LIST_TASKS, None) if method == "POST" else None
    if method != "PATCH" or not path.startswith(_TASK_PREFIX):
        return None
    task_id = path[len(_TASK_PREFIX) :]
    if not task_id or "/" in task_id or not task_id.isascii():
        return None
    return UPDATE_TASK, task_id


def _whole_body(environ: dict[str, Any], data: bytes) -> BodyCapture | None:
    """What ``bodies.capture_body`` would capture of ``data``, when the framing is plain:
    no ``Content-Length`` or one that is exactly the body's size."""
    declared = environ.get("CONTENT_LENGTH")
    if declared is not None and parse_whole_number(declared, high=2**63) != len(data):
        return None
    return BodyCapture(data, len(data), False, None)


@functools.lru_cache(maxsize=256)
def _routed_as_sent(host: str | None, upgrade: str | None) -> bool:
    """Whether werkzeug's routing takes a call with this ``Host`` and ``Upgrade`` as it
    is, rather than refusing it with a 400 before any view runs (a host name IDNA cannot
    encode; a WebSocket upgrade, routed to WebSocket rules only). Erring towards False
    only sends a call through Flask."""
    if upgrade is not None:
        return False
    try:
        (host or "").lower().partition(":")[0].encode("idna")
    except UnicodeError:
        return False
    return True


class DirectCalls:
    """Answers the plain calls of the Tasks API from a WSGI ``environ`` (see the module).

    The body must already be known to be within the mock's limit (the server's adapter
    reads at most that much and asks only then).

    Args:
        current: The mock's state (settings, shared state, limiter, tasks).
    """

    def __init__(self, current: MockState) -> None:
        self._current = current

    def __call__(self, environ: dict[str, Any], data: bytes) -> Answer | None:
        """The answer to the call, journaled; None when Flask must answer it."""
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        reached = _operation_of(method, path)
        if reached is None or not _routed_as_sent(
            environ.get("HTTP_HOST"), environ.get("HTTP_UPGRADE")
        ):
            return None
        capture = _whole_body(environ, data)
        if capture is None:
            return None
        started = time.time()
        operation_id, task_id = reached
        header = EnvironHeaders(environ).get
        try:
            call = TasksCall(
                operation_id=operation_id,
                task_id=task_id,
                header=header,
                read_body=lambda: data,
                mimetype=parse_options_header(environ.get("CONTENT_TYPE", ""))[0].lower(),
            )
            payload = answer_tasks_call(self._current, call)
        except ApiError as error:
            status, headers, payload = error_answer(error)
            answered_by = error.source
        except Exception as error:  # every call gets an answer, as from Flask
            status, headers, payload = error_answer(unexpected_error(error, method, path))
            answered_by = "crash"
        else:
            status, answered_by = 200, "mock"
            headers = [*gong_headers().items(), ("Content-Length", str(len(payload)))]
        current = self._current
        journal_safely(
            current,
            lambda: capture_exchange(
                environ,
                capture,
                method=method,
                path=path,
                status=status,
                response_headers=tuple(headers),
                answer=payload,
                entry_id=current.state.next_count("journal"),
                session=header(SESSION_HEADER),
                answered_by=answered_by,
                started=started,
                operation=operation_id,
            ),
            method,
            path,
        )
        return status, headers, payload
