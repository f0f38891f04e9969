"""Broken variants of the mock's update call (and of its reset), to prove the update
checks catch them: each wraps the mock from outside, as a WSGI middleware or an
after-request hook that sees only requests and answers, and reads what it needs through
the mock's own HTTP API (``/__admin/tasks/<id>``), never its insides.

:mod:`~gong_tasks_kit.contract_tests.mutants` lists them in ``MUTANTS`` with the check that
must catch each.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask
from werkzeug.test import Client
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

from gong_tasks_kit.contract_tests.answer_rewriting import around_answers, read_json_body
from gong_tasks_kit.contract_tests.filters import values_of
from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.mock_server.testing import unthrottled_app as create_app
from gong_tasks_kit.spec import TASKS_PATH
from gong_tasks_kit.spec.timestamps import format_timestamp

_TASK_PATH = re.compile(re.escape(TASKS_PATH) + r"/(\d+)")
_Middleware = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def _updated_task_id(environ: WSGIEnvironment) -> int | None:
    """The task id of an update call, or None for any other request."""
    match = _TASK_PATH.fullmatch(environ.get("PATH_INFO", ""))
    if environ.get("REQUEST_METHOD") != "PATCH" or match is None:
        return None
    return int(match.group(1))


def _set_body(environ: WSGIEnvironment, body: Any) -> None:
    raw = orjson.dumps(body)
    environ["wsgi.input"] = io.BytesIO(raw)
    environ["CONTENT_LENGTH"] = str(len(raw))


#: The admin API answers loopback callers (the mock's default, without an admin token).
_LOOPBACK = {"REMOTE_ADDR": "127.0.0.1"}


def _admin_task(inner: WSGIApplication, task_id: int) -> dict[str, Any] | None:
    """``{task, userId, ...}`` from the mock's admin API, or None for an unknown task."""
    answer = Client(inner).get(f"/__admin/tasks/{task_id}", environ_base=_LOOPBACK)
    found: dict[str, Any] | None = answer.json if answer.status_code == 200 else None
    return found


def _around_updates(app: Flask, middleware: Callable[[WSGIApplication], _Middleware]) -> Flask:
    app.wsgi_app = middleware(app.wsgi_app)  # type: ignore[method-assign,assignment]
    return app


def update_not_visible() -> Flask:
    """An update is answered 200 with the task changed, then undone: the next list shows
    the task as it was."""

    def wrap(inner: WSGIApplication) -> _Middleware:
        def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            task_id = _updated_task_id(environ)
            before = _admin_task(inner, task_id) if task_id is not None else None
            answer = list(inner(environ, start_response))  # the update happens here
            if before is not None:
                undo = {key: before["task"][key] for key in ("status", "dueDate")}
                Client(inner).patch(
                    f"{TASKS_PATH}/{task_id}",
                    json={"userId": before["userId"], **undo},
                    headers={"Authorization": DEFAULT_AUTHORIZATION},
                    environ_base=_LOOPBACK,
                )
            return answer

        return middleware

    return _around_updates(create_app(), wrap)


def updates_any_users_task() -> Flask:
    """Anyone may update any task: the body's ``userId`` is taken for the owner's."""

    def wrap(inner: WSGIApplication) -> _Middleware:
        def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            task_id = _updated_task_id(environ)
            found = _admin_task(inner, task_id) if task_id is not None else None
            body = read_json_body(environ) if found is not None else None
            if found is not None and isinstance(body, dict) and "userId" in body:
                _set_body(environ, {**body, "userId": found["userId"]})
            return inner(environ, start_response)

        return middleware

    return _around_updates(create_app(), wrap)


def reset_does_not_restore() -> Flask:
    """``POST /__admin/reset`` answers as usual but forgets nothing."""

    def wrap(inner: WSGIApplication) -> _Middleware:
        def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            if (environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")) != (
                "POST",
                "/__admin/reset",
            ):
                return inner(environ, start_response)
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"reset":true}']

        return middleware

    return _around_updates(create_app(), wrap)


def _made_valid(body: dict[str, Any]) -> dict[str, Any]:
    """An invalid update made into a valid one: an unknown status becomes DONE, a due date
    that is no date-time a fixed one, a user id of the wrong type its text."""
    fixed = dict(body)
    if "status" in fixed and fixed["status"] not in values_of("status"):
        fixed["status"] = "DONE"
    if "dueDate" in fixed:
        try:
            datetime.fromisoformat(str(fixed["dueDate"]).replace("Z", "+00:00"))
        except ValueError:
            fixed["dueDate"] = "2031-01-01T09:00:00Z"
    user = fixed.get("userId")
    if isinstance(user, list) and user:
        user = user[0]
    if user is not None and not isinstance(user, str):
        fixed["userId"] = str(user)
    return fixed


def update_accepts_invalid_updates() -> Flask:
    """An update with an unknown status, a malformed due date or a user id of the wrong
    type is taken as a valid one (DONE, a fixed due date, the id's text) and answered 200:
    the task changes."""

    def wrap(inner: WSGIApplication) -> _Middleware:
        def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
            if _updated_task_id(environ) is not None:
                body = read_json_body(environ)
                if isinstance(body, dict):
                    _set_body(environ, _made_valid(body))
            return inner(environ, start_response)

        return middleware

    return _around_updates(create_app(), wrap)


def _after_updates(change: Callable[[Response, Any], None]) -> Flask:
    """The unthrottled mock with ``change(response, request body)`` applied to every
    answer of the update call."""

    def after(environ: WSGIEnvironment, body: Any, response: Response) -> None:
        if _updated_task_id(environ) is not None:
            change(response, body)

    return around_answers(create_app(), after)


def _rewrite_tasks(response: Response, change: Callable[[dict[str, Any]], None]) -> None:
    body = orjson.loads(response.get_data())
    for task in body.get("tasks") or []:
        change(task)
    response.set_data(orjson.dumps(body))


def update_answers_other_status() -> Flask:
    """An update's answer shows a status other than the one asked for."""

    def change(response: Response, body: Any) -> None:
        asked = body.get("status") if isinstance(body, dict) else None
        if response.status_code == 200 and asked in values_of("status"):
            other = next(status for status in values_of("status") if status != asked)
            _rewrite_tasks(response, lambda task: task.update(status=other))

    return _after_updates(change)


def update_bumps_updated() -> Flask:
    """Every update moves ``updated`` on, even one that changes nothing (not idempotent)."""
    later = itertools.count(1)

    def bump(task: dict[str, Any]) -> None:
        task["updated"] = format_timestamp(datetime.now(UTC) + timedelta(seconds=next(later)))

    def change(response: Response, _: Any) -> None:
        if response.status_code == 200:
            _rewrite_tasks(response, bump)

    return _after_updates(change)


def _unknown_task_answered(status: int) -> Flask:
    def change(response: Response, _: Any) -> None:
        if response.status_code != 404:
            return
        response.status_code = status
        request_id = orjson.loads(response.get_data())["requestId"]
        if status == 200:
            response.set_data(orjson.dumps({"requestId": request_id, "tasks": []}))
        else:
            errors = ["Internal server error occurred"]
            response.set_data(orjson.dumps({"requestId": request_id, "errors": errors}))

    return _after_updates(change)


def unknown_task_answered_500() -> Flask:
    """An update of a task that does not exist (or is not the user's) gets a 500."""
    return _unknown_task_answered(500)


def unknown_task_answered_200() -> Flask:
    """An update of a task that does not exist (or is not the user's) gets a 200 with no
    task."""
    return _unknown_task_answered(200)


def update_not_reordered() -> Flask:
    """The list keeps each task where its first due date put it: an update of the due
    date does not move the task."""
    first_due: dict[Any, str] = {}

    def after(environ: WSGIEnvironment, _: Any, response: Response) -> None:
        listed = (environ.get("REQUEST_METHOD"), environ.get("PATH_INFO")) == ("POST", TASKS_PATH)
        if not listed or response.status_code != 200:
            return
        body = orjson.loads(response.get_data())
        tasks = body.get("tasks") or []
        for task in tasks:
            first_due.setdefault(task["id"], task["dueDate"])
        tasks.sort(key=lambda task: (first_due[task["id"]], task["id"]))
        response.set_data(orjson.dumps(body))

    return around_answers(create_app(), after)
