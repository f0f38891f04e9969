"""Deliberately broken variants of the mock, to prove the contract suite catches them.

Each is an app factory usable as
``gong-tasks contract --app gong_tasks_kit.contract_tests.mutants:NAME`` (``MUTANTS``
lists them with the words the suite's report must contain).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

from gong_tasks_kit.mock_server.testing import unthrottled_app as create_app
from gong_tasks_kit.spec import TASKS_PATH


def _rewrite_json(app: Flask, change: Callable[[int, Any], Any]) -> Flask:
    def after(response: Response) -> Response:
        try:
            body = orjson.loads(response.get_data())
        except orjson.JSONDecodeError:
            return response
        response.set_data(orjson.dumps(change(response.status_code, body)))
        return response

    app.after_request(after)
    return app


def _each_task(body: Any, change: Callable[[dict[str, Any]], None]) -> Any:
    tasks = body.get("tasks") if isinstance(body, dict) else None
    for task in tasks if isinstance(tasks, list) else []:
        change(task)
    return body


def wrong_field_type() -> Flask:
    """Task ids sent as strings instead of int64 numbers."""
    return _rewrite_json(
        create_app(), lambda _, body: _each_task(body, lambda task: task.update(id=str(task["id"])))
    )


def missing_request_id() -> Flask:
    """No ``requestId`` in any body."""

    def drop(_: int, body: Any) -> Any:
        if isinstance(body, dict):
            body.pop("requestId", None)
        return body

    return _rewrite_json(create_app(), drop)


def enum_outside_spec() -> Flask:
    """Task status ``PENDING``, which the spec's enum does not have."""
    return _rewrite_json(
        create_app(), lambda _, body: _each_task(body, lambda task: task.update(status="PENDING"))
    )


def _after_each(change: Callable[[Response], object]) -> Flask:
    """The unthrottled mock with ``change`` applied to every answer."""
    app = create_app()

    def after(response: Response) -> Response:
        change(response)
        return response

    app.after_request(after)
    return app


def wrong_content_type() -> Flask:
    """Answers labelled ``text/html``."""
    return _after_each(lambda r: r.headers.__setitem__("Content-Type", "text/html; charset=utf-8"))


def no_retry_after() -> Flask:
    """429 answers without the ``Retry-After`` header."""
    return _after_each(lambda r: r.headers.pop("Retry-After", None))


def _as_422(response: Response) -> None:
    if response.status_code == 400:
        response.status_code = 422


def undocumented_status() -> Flask:
    """Malformed requests answered 422 instead of the documented 400."""
    return _after_each(_as_422)


def _rewrite_filter(app: Flask, change: Callable[[dict[str, Any]], None]) -> Flask:
    """The app behind a WSGI middleware that rewrites each task filter before the app
    reads it: the mock itself is untouched, as a broken server would be."""
    inner = app.wsgi_app

    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == TASKS_PATH and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            try:
                body = orjson.loads(raw)
                change(body["filter"])
                raw = orjson.dumps(body)
            except (orjson.JSONDecodeError, KeyError, TypeError):
                pass  # malformed bodies reach the mock as they were sent
            environ["wsgi.input"] = io.BytesIO(raw)
            environ["CONTENT_LENGTH"] = str(len(raw))
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    return app


def _every_value(task_filter: dict[str, Any]) -> None:
    task_filter.update(
        types=["FLOW", "MANUAL"], taskAction=["CALL"], status=["OPEN", "DONE", "DISMISSED"]
    )


def ignored_filter() -> Flask:
    """The ``types``, ``taskAction`` and ``status`` of the filter are ignored."""
    return _rewrite_filter(create_app(), _every_value)


def _as_500(response: Response) -> None:
    if response.status_code == 200 and b'"tasks"' in response.get_data():
        response.status_code = 500
        response.set_data(
            orjson.dumps({"requestId": "x" * 19, "errors": ["Internal server error occurred"]})
        )


def server_error_on_valid_input() -> Flask:
    """Every successful answer replaced by a 500."""
    return _after_each(_as_500)


#: name → words the suite's output must contain when it catches the mutant.
MUTANTS: Mapping[str, str] = {
    "wrong_field_type": "is not of type 'integer'",
    "missing_request_id": "missing or empty requestId",
    "enum_outside_spec": "'PENDING' is not one of",
    "wrong_content_type": "text/html",
    "no_retry_after": "Retry-After",
    "undocumented_status": "status 422 is not documented",
    "ignored_filter": "filter.status is",
    "server_error_on_valid_input": "Server error",
}
