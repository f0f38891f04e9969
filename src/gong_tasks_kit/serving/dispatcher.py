"""The one dispatcher of a server app: every call, in every host, enters here.

    request ─► body read under its limit ─► route
            ├─ Tasks API ─► admission pipeline ─► answer (mock: data; proxy: target)
            │             ─► (strict: validate the answer) ─► journal
            ├─ another method on the Tasks API's paths: 405 ─► journal
            └─ anything else ─► the Flask app (its own pages: admin API, console, health,
               spec, routes a user adds; else its 404) ─► journal (but its own pages)

It is installed in the Flask app as WSGI middleware (``app.wsgi_app``), so the test
client, the pytest plugin, ``LiveServer``, ``flask run`` and any WSGI server take it; and
``gong-tasks serve`` calls :meth:`TasksDispatcher.answer` directly with the body its
server has read, skipping the WSGI round trip. Either way a call is admitted in one place
(``admission``), answered by one service, checked by one strict mode and journaled by one
capture. Flask answers the rest, its errors in Gong's shape (``flask_app``).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import BadRequest, RequestEntityTooLarge
from werkzeug.http import parse_options_header

from gong_tasks_kit.serving.admission import TasksService, answer_admitted
from gong_tasks_kit.serving.bodies import BodyCapture, capture_body
from gong_tasks_kit.serving.bounds import printable
from gong_tasks_kit.serving.errors import Answer, ApiError, unexpected_error
from gong_tasks_kit.serving.faults import SESSION_HEADER
from gong_tasks_kit.serving.journal import capture_exchange
from gong_tasks_kit.serving.routes import OWN_PAGES, route
from gong_tasks_kit.serving.runtime import ServerRuntime
from gong_tasks_kit.serving.tasks_call import TasksCall

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["ANSWERED_BY", "JOURNAL_AS", "StrictModeError", "TasksDispatcher", "run_wsgi"]

logger = logging.getLogger("gong_tasks_kit.serving")

#: Set in the ``environ`` by a view of the app's own pages whose call must be journaled (an
#: upload of tasks: a data change), to what answered it (``admin``, or an error's source).
JOURNAL_AS = "gong_tasks_kit.journal_as"
#: Set in the ``environ`` by the app's error handlers: what answered (``routing``, ...).
ANSWERED_BY = "gong_tasks_kit.answered_by"
_SESSION_KEY = "HTTP_" + SESSION_HEADER.upper().replace("-", "_")


class StrictModeError(RuntimeError):
    """The mock was about to send a response the spec does not allow."""


class _RefusingStream(io.RawIOBase):
    """A request body the app must not read: reading raises the HTTP error that says why."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise self._error


def _body_stream(body: BodyCapture) -> Any:
    """What the app reads as the body: the bytes, or a stream that refuses them."""
    if body.problem is not None:
        return _RefusingStream(BadRequest(f"Request body: {body.problem}"))
    if body.too_large:
        return _RefusingStream(RequestEntityTooLarge())
    return io.BytesIO(body.data)


def _decoded_path(environ: WSGIEnvironment) -> str:
    """``PATH_INFO`` as text: PEP 3333 carries its UTF-8 bytes as Latin-1 code points."""
    raw = environ.get("PATH_INFO") or "/"
    return raw if raw.isascii() else raw.encode("latin-1").decode("utf-8", "replace")


def run_wsgi(app: WSGIApplication, environ: WSGIEnvironment, *, propagate: bool = False) -> Answer:
    """Call a WSGI app and collect its whole answer; a crash becomes Gong's 500, unless
    ``propagate`` (a test app: the test sees the exception)."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.append

    try:
        result: Iterable[bytes] = app(environ, start_response)
        try:
            body = b"".join([*written, *result])
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except Exception as error:  # an answer is always sent, in Gong's shape
        if propagate:
            raise
        logger.error("the app raised %s: %s", type(error).__name__, printable(str(error)))
        return ApiError(500, ["Internal server error occurred"], source="crash").to_answer()
    if not started:
        logger.error("the app returned without starting a response")
        return ApiError(500, ["Internal server error occurred"], source="crash").to_answer()
    return Answer(int(started[0][:3]), list(started[1]), body, answered_by="app")


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class TasksDispatcher:
    """Answers every call of a server app (see the module).

    Args:
        app: The WSGI app of the server's own pages (the Flask app's ``wsgi_app``).
        runtime: The server's runtime (settings, shared state, limiter, journal).
        service: What answers admitted calls of the Tasks API.
        strict: Validate every answer of the Tasks API against the spec first.
        propagate: Asked per call: whether exceptions reach the caller (a Flask app in
            testing mode) instead of becoming 500s.
    """

    def __init__(
        self,
        app: WSGIApplication,
        runtime: ServerRuntime,
        service: TasksService,
        *,
        strict: bool = False,
        propagate: Callable[[], bool] = lambda: False,
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.service = service
        self.strict = strict
        self._propagate = propagate

    def body_limit(self, method: str, path: str) -> int:
        """The most bytes a request's body may hold (read by the server, or here)."""
        return self.runtime.body_limit(method, path)

    def may_block(self, method: str, path: str) -> bool:
        """Whether answering this call may wait (see ``ServerRuntime.may_block``)."""
        return self.runtime.may_block(method, path)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """WSGI: read the body under its limit, answer, send."""
        limit = self.body_limit(environ.get("REQUEST_METHOD", ""), _decoded_path(environ))
        answer = self.answer(environ, capture_body(environ, limit))
        start_response(_status_line(answer.status), answer.headers)
        return [answer.body]

    def answer(self, environ: WSGIEnvironment, body: BodyCapture) -> Answer:
        """The answer to one call whose body has been read (what arrived of it: ``body``),
        journaled."""
        method = environ.get("REQUEST_METHOD", "GET")
        path = _decoded_path(environ)
        found = route(method, path)
        if found.to_app:
            return self._app_answer(environ, body)
        started = time.time()
        if found.refusal is not None:
            answer = found.refusal.to_answer()
        else:
            assert found.operation_id is not None  # noqa: S101 - a route with no refusal has one
            call = TasksCall(
                operation_id=found.operation_id,
                task_id=found.task_id,
                method=method,
                path=path,
                environ=environ,
                body=body,
                body_limit=self.body_limit(method, path),
            )
            answer = self._answered(call)
            if self.strict:
                return self._checked(answer, environ, body, started, found.operation_id)
        self._journal(environ, body, answer, started=started, operation_id=found.operation_id)
        return answer

    def _answered(self, call: TasksCall) -> Answer:
        try:
            return answer_admitted(self.runtime, call, self.service)
        except ApiError as error:
            return error.to_answer()
        except Exception as error:  # every call gets an answer in Gong's shape
            return unexpected_error(error, call.method, call.path).to_answer()

    def _checked(
        self,
        answer: Answer,
        environ: WSGIEnvironment,
        body: BodyCapture,
        started: float,
        operation_id: str,
    ) -> Answer:
        """Strict mode: the answer if the spec allows it, else a loud 500 (journaled as
        ``strict``), raised as :class:`StrictModeError` in a test app."""
        # Imported on the first strict answer: it loads openapi-core (a quarter of a second
        # at every start of a server that never runs strict).
        from gong_tasks_kit.spec.fast_reference import (  # noqa: PLC0415
            iter_response_violations,
        )

        headers = dict(answer.headers)
        content_type = parse_options_header(headers.get("Content-Type", ""))[0]
        violations = list(
            iter_response_violations(
                answer.status,
                answer.body,
                headers,
                content_type=content_type,
                operation=operation_id,
            )
        )
        if not violations:
            self._journal(environ, body, answer, started=started, operation_id=operation_id)
            return answer
        detail = "; ".join(str(violation) for violation in violations[:5])
        logger.error("STRICT MODE: the mock's response breaks the spec: %s", detail)
        refused = ApiError(
            500, [f"Strict mode: the mock's response breaks the spec: {detail}"], source="strict"
        ).to_answer()
        self._journal(environ, body, refused, started=started, operation_id=operation_id)
        if self._propagate():
            raise StrictModeError(detail)
        return refused

    def _app_answer(self, environ: WSGIEnvironment, body: BodyCapture) -> Answer:
        """The app's answer; journaled unless it is one of the app's own pages, which are
        journaled only when their view asks (a data change)."""
        started = time.time()
        environ["wsgi.input"] = _body_stream(body)
        environ["wsgi.input_terminated"] = True  # read whole: the app may read to the end
        answer = run_wsgi(self.app, environ, propagate=self._propagate())
        answered_by = environ.get(JOURNAL_AS)
        if answered_by is None and not _decoded_path(environ).startswith(OWN_PAGES):
            answered_by = environ.get(ANSWERED_BY, "mock")
        if answered_by is not None:
            answer = Answer(answer.status, answer.headers, answer.body, str(answered_by))
            self._journal(environ, body, answer, started=started, operation_id=None)
        return answer

    def _journal(
        self,
        environ: WSGIEnvironment,
        body: BodyCapture,
        answer: Answer,
        *,
        started: float,
        operation_id: str | None,
    ) -> None:
        method, path = environ.get("REQUEST_METHOD", ""), _decoded_path(environ)
        runtime = self.runtime
        state = runtime.state
        runtime.journal(
            lambda: runtime.journal_entry(
                capture_exchange(
                    environ,
                    body,
                    method=method,
                    path=path,
                    status=answer.status,
                    response_headers=tuple(answer.headers),
                    answer=answer.body,
                    entry_id=state.next_count("journal"),
                    session=environ.get(_SESSION_KEY),
                    answered_by=answer.answered_by,
                    started=started,
                    operation=operation_id,
                ),
                answer.notes,
            ),
            method,
            path,
        )
