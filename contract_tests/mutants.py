"""Deliberately broken variants of the mock, to prove the contract suite catches them,
and benign ones (what Gong may do without breaking its contract), to prove it does not
raise false alarms.

Each is an app factory usable as
``gong-tasks contract --app gong_tasks_kit.contract_tests.mutants:NAME``: :data:`MUTANTS`
lists the broken ones with the check that must catch each and the words of its message,
:data:`BENIGN` the benign ones with the warning the summary must show. The variants wrap
the mock from outside (WSGI middleware around the whole app) and only touch the API's
requests and answers (and, for the reset, ``/__admin/reset``), never ``/__health``; they
run without strict mode, so the suite's own checks, not the mock's, must see what they
break (see ``answer_rewriting``). The update call's variants live in
:mod:`~gong_tasks_kit.contract_tests.update_mutants` and are importable from here too.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

from gong_tasks_kit.contract_tests.answer_rewriting import around_answers
from gong_tasks_kit.contract_tests.update_mutants import (
    reset_does_not_restore,
    unknown_task_answered_200,
    unknown_task_answered_500,
    update_accepts_invalid_updates,
    update_answers_other_status,
    update_bumps_updated,
    update_not_reordered,
    update_not_visible,
    updates_any_users_task,
)
from gong_tasks_kit.mock_server.testing import unthrottled_app as create_app
from gong_tasks_kit.spec import TASKS_PATH

__all__ = [
    "BENIGN",
    "MUTANTS",
    "SCHEMA_MUTANTS",
    "Caught",
    "enum_outside_spec",
    "ignored_filter",
    "ignored_workspace",
    "missing_request_id",
    "new_fields_and_headers",
    "no_retry_after",
    "no_tasks",
    "reset_does_not_restore",
    "server_error_on_valid_input",
    "tasks_in_no_workspace",
    "undocumented_status",
    "unknown_task_answered_200",
    "unknown_task_answered_500",
    "update_accepts_invalid_updates",
    "update_answers_other_status",
    "update_bumps_updated",
    "update_not_reordered",
    "update_not_visible",
    "updates_any_users_task",
    "wrong_content_type",
    "wrong_field_type",
]


def _rewrite_json(app: Flask, change: Callable[[int, Any], Any]) -> Flask:
    def rewrite(_: WSGIEnvironment, __: Any, response: Response) -> None:
        try:
            body = orjson.loads(response.get_data())
        except orjson.JSONDecodeError:
            return
        response.set_data(orjson.dumps(change(response.status_code, body)))

    return around_answers(app, rewrite)


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

    def each(_: WSGIEnvironment, __: Any, response: Response) -> None:
        change(response)

    return around_answers(create_app(), each)


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
            except orjson.JSONDecodeError:
                body = None  # malformed bodies reach the mock as they were sent
            if isinstance(body, dict) and isinstance(body.get("filter"), dict):
                change(body["filter"])
                raw = orjson.dumps(body)
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


def _no_workspace(task_filter: dict[str, Any]) -> None:
    task_filter.pop("workspaceId", None)


def ignored_workspace() -> Flask:
    """The filter's ``workspaceId`` is ignored: every workspace's tasks come back."""
    return _rewrite_filter(create_app(), _no_workspace)


def _as_500(response: Response) -> None:
    if response.status_code == 200 and b'"tasks"' in response.get_data():
        response.status_code = 500
        response.set_data(
            orjson.dumps({"requestId": "x" * 19, "errors": ["Internal server error occurred"]})
        )


def server_error_on_valid_input() -> Flask:
    """Every successful answer replaced by a 500."""
    return _after_each(_as_500)


def _with_new_field(task: dict[str, Any]) -> None:
    task["reminderChannel"] = "EMAIL"


def _new_fields(_: int, body: Any) -> Any:
    if isinstance(body, dict):
        body["nextPageCursor"] = None
    return _each_task(body, _with_new_field)


def new_fields_and_headers() -> Flask:
    """Benign: a new field in every task and in the body, and a new header (Gong may add
    fields without notice)."""
    app = _rewrite_json(create_app(), _new_fields)
    return around_answers(
        app, lambda _, __, response: response.headers.__setitem__("X-Gong-Region", "us-east")
    )


def no_tasks() -> Flask:
    """Benign: a company whose users have no tasks at all."""
    return create_app({"tasks_per_user": 0})


def tasks_in_no_workspace() -> Flask:
    """Benign: the start-up tasks served from a file where every third task has no
    workspace (allowed: such a task is answered only without ``filter.workspaceId``)."""
    seeded = create_app().test_client()
    served: list[dict[str, Any]] = []
    for user in seeded.get("/__health").json["userIds"]:  # type: ignore[index]
        listing = seeded.get(f"/__admin/tasks?userId={user}").json or {}
        for index, (task, workspace) in enumerate(
            zip(listing["tasks"], listing["workspaceIds"], strict=True)
        ):
            served.append(task if index % 3 == 0 else {**task, "workspaceId": workspace})
    with tempfile.TemporaryDirectory() as folder:  # read once, at start-up
        data = Path(folder) / "tasks.json"
        data.write_bytes(orjson.dumps({"crmType": "SALESFORCE", "tasks": served}))
        return create_app({"data": str(data)})


@dataclass(frozen=True, slots=True)
class Caught:
    """How the suite must report a mutant: the check's name and words of its message."""

    check: str
    words: str


#: Broken variant → the check that must catch it and words of that check's message.
MUTANTS: Mapping[str, Caught] = {
    "wrong_field_type": Caught("response-schema", "is not of type 'integer'"),
    "missing_request_id": Caught("request-id", "missing or empty requestId"),
    "enum_outside_spec": Caught("response-schema", "'PENDING' is not one of"),
    "wrong_content_type": Caught("content-type", "Content-Type is 'text/html"),
    "no_retry_after": Caught("retry-after", "429 without an integer Retry-After"),
    "undocumented_status": Caught("documented-status", "status 422 is not documented"),
    "ignored_filter": Caught("partition-by-status", "the status filter is ignored or broken"),
    "ignored_workspace": Caught(
        "partition-by-workspaceId", "the workspaceId filter is ignored or broken"
    ),
    "server_error_on_valid_input": Caught("valid-request-ok", "a valid request got 500"),
    "update_not_visible": Caught("update-visible", "the next list for status"),
    "update_answers_other_status": Caught("update-answer", "asked for status"),
    "update_bumps_updated": Caught(
        "update-idempotent", "answered other values the second time: updated"
    ),
    "update_not_reordered": Caught(
        "update-order", "was not moved to its place in the dueDate order"
    ),
    "unknown_task_answered_200": Caught("unknown-task", "which no user has, got 200 instead"),
    "unknown_task_answered_500": Caught("unknown-task", "which no user has, got 500 instead"),
    "updates_any_users_task": Caught("not-owner", "got 200 instead of Gong's 404"),
    "reset_does_not_restore": Caught("reset-restores", "is not as seeded"),
    "update_accepts_invalid_updates": Caught(
        "update-refuses-unknown-status",
        "with an unknown status ('NOT_A_STATUS') got 200 instead of Gong's 400 (accepted",
    ),
}

#: Mutants that break the answers' schema: schemathesis alone must catch them.
SCHEMA_MUTANTS: Mapping[str, str] = {
    "wrong_field_type": "is not of type 'integer'",
    "enum_outside_spec": "'PENDING' is not one of",
}

#: Benign variant → words the summary must show (a warning, never a failure).
BENIGN: Mapping[str, tuple[str, ...]] = {
    "new_fields_and_headers": (
        "drift warning: new field tasks[].reminderChannel",
        "drift warning: new field nextPageCursor",
        "drift warning: new header x-gong-region",
    ),
    "no_tasks": ("has no tasks at all",),
    "tasks_in_no_workspace": ("task(s) of user", "are in no known workspace"),
}
