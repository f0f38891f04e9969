"""The Flask side of a server app: where its runtime and dispatcher are kept, and how its
own pages (admin API, console, health, spec) answer errors in Gong's shape.

Flask answers only those pages; the Tasks API is the dispatcher's (see ``dispatcher``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from gong_tasks_kit.serving.admission import TasksService
from gong_tasks_kit.serving.dispatcher import ANSWERED_BY, JOURNAL_AS, TasksDispatcher
from gong_tasks_kit.serving.errors import Answer, ApiError, unexpected_error
from gong_tasks_kit.serving.routes import refused_method, unknown_path
from gong_tasks_kit.serving.runtime import ServerRuntime

__all__ = [
    "EXTENSION",
    "dispatcher_of",
    "install",
    "response_of",
    "runtime_as",
    "runtime_of",
]

#: Where an app keeps its runtime (``app.extensions``).
EXTENSION = "gong_tasks_kit"

RuntimeT = TypeVar("RuntimeT", bound=ServerRuntime)


def runtime_of(app: Flask | None = None) -> ServerRuntime:
    """The runtime of ``app`` (default: the current app)."""
    return runtime_as(ServerRuntime, app)


def runtime_as(kind: type[RuntimeT], app: Flask | None = None) -> RuntimeT:
    """The runtime of ``app`` (default: the current app), which must be a ``kind``.

    Raises:
        TypeError: when it is not (the proxy's runtime is not the mock's).
    """
    found = (app or current_app).extensions[EXTENSION]
    if not isinstance(found, kind):
        raise TypeError(f"this app's runtime is not a {kind.__name__}")
    return found


def dispatcher_of(app: Flask) -> TasksDispatcher:
    """The dispatcher installed in ``app`` (see :func:`install`)."""
    dispatcher = app.wsgi_app
    if not isinstance(dispatcher, TasksDispatcher):
        raise TypeError("this app has no dispatcher of the kit installed")
    return dispatcher


def response_of(answer: Answer) -> Response:
    """A Flask response carrying ``answer`` as it is."""
    response = Response(answer.body, status=answer.status)
    response.headers.clear()
    for name, value in answer.headers:
        response.headers.add(name, value)
    return response


def _api_error(error: ApiError) -> Response:
    request.environ[ANSWERED_BY] = error.source  # for the journal (see ``dispatcher``)
    if JOURNAL_AS in request.environ:
        request.environ[JOURNAL_AS] = error.source
    return response_of(error.to_answer())


def _http_error(error: HTTPException) -> Response:
    if isinstance(error, RequestEntityTooLarge):
        limit = runtime_of().body_limit(request.method, request.path)
        message = f"Request body is larger than the {limit}-byte limit"
        return _api_error(ApiError(400, [message], source="validation"))
    status = error.code or 400
    if status >= 500:
        return _unexpected_error(getattr(error, "original_exception", None) or error)
    if status == 404:
        return _api_error(unknown_path(request.method, request.path))
    if status == 405:
        allowed = list(getattr(error, "valid_methods", None) or [])
        return _api_error(refused_method(request.method, request.path, allowed))
    # only statuses the spec documents are ever sent
    return _api_error(ApiError(400, [error.description or "Malformed request"], source="routing"))


def _unexpected_error(error: Exception) -> Response:
    return _api_error(unexpected_error(error, request.method, request.path))


def install(
    app: Flask,
    runtime: ServerRuntime,
    service: TasksService,
    *,
    strict: bool = False,
) -> TasksDispatcher:
    """Make ``app`` a server of the kit: keep its runtime, answer its own pages' errors in
    Gong's shape, and put the dispatcher in front of it (every host then takes it).

    Args:
        app: The Flask app of the server's own pages.
        runtime: The server's runtime.
        service: What answers the Tasks API's admitted calls.
        strict: Validate every answer of the Tasks API against the spec.
    """
    app.extensions[EXTENSION] = runtime
    app.config["MAX_CONTENT_LENGTH"] = runtime.settings.max_body_bytes
    app.url_map.merge_slashes = False  # /v2//tasks is a 404 in Gong's shape, not a redirect
    app.url_map.strict_slashes = False  # and /__health/ a 404, not a redirect to /__health
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    propagate: Callable[[], bool] = lambda: bool(app.testing)  # noqa: E731
    dispatcher = TasksDispatcher(app.wsgi_app, runtime, service, strict=strict, propagate=propagate)
    app.wsgi_app = dispatcher  # type: ignore[method-assign]
    return dispatcher


def journal_this_call(answered_by: str = "admin") -> None:
    """Ask for the current call of the app's own pages to be journaled (a data change),
    as answered by ``answered_by`` unless an error answers it."""
    request.environ.setdefault(JOURNAL_AS, answered_by)
