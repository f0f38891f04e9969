"""A stand-in for Gong behind the proxy: a small Flask app that answers like the mock (so
its answers are faithful and realistic) and can be told to break in known ways.

It keeps every call it received, so a test can see what the proxy sent on (and that it
sent each call once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from flask import Flask, Response, request

from gong_tasks_kit.contract_tests.answer_rewriting import around_answers
from gong_tasks_kit.mock_server.testing import unthrottled_app

Breakage = Callable[[int, dict[str, str], Any], tuple[int, dict[str, str], Any]]


def _created_not_a_date(status: int, headers: dict[str, str], body: Any) -> Any:
    if status == 200 and body.get("tasks"):
        body["tasks"][0]["created"] = "yesterday"
    return status, headers, body


def _undocumented_status(status: int, headers: dict[str, str], body: Any) -> Any:
    return 422, headers, {"requestId": "x" * 19, "errors": ["Unprocessable"]}


def _new_field_and_header(status: int, headers: dict[str, str], body: Any) -> Any:
    if status == 200:
        for task in body.get("tasks", []):
            task["priorityScore"] = 7
    return status, {**headers, "x-gong-new-header": "1"}, body


#: The CRM type a Gong that moved on answers (not in the spec's enum).
NEW_CRM_TYPE = "PIPEDRIVE"
#: The header a Gong that moved on sends with every answer.
NEW_HEADER = "x-gong-region"


def _moved_on_task(task: dict[str, Any]) -> None:
    # Derived from the task alone, so every answer (list, update, again) agrees.
    task_id = task["id"]
    task["sequenceNumber"] = 2**60 + task_id % 1000  # int64, beyond 2^53
    task["score"] = task_id % 100  # a small integer
    task["isAutomated"] = task.get("type") == "FLOW"  # a boolean
    task["labels"] = ["call", "renewal"] if task_id % 2 else []  # an array of strings
    if task.get("status") == "OPEN":  # optional: only open tasks have it
        task["snoozedUntil"] = task["dueDate"]  # a date-time
    if task.get("type") == "MANUAL":  # a nested object, on manual tasks only
        task["meeting"] = {
            "id": 2**55 + task_id % 97,
            "title": f"Review of task {task_id}",
            "startsAt": task["created"],
        }
    if isinstance(task.get("priority"), dict):  # a new field in an existing nested object
        task["priority"]["color"] = "red" if task_id % 3 else "amber"


def moved_on(status: int, headers: dict[str, str], body: Any) -> Any:
    """Gong as it may be one day: new task fields of each kind, a new ``crmType`` value
    and a new header (on every answer)."""
    if status == 200 and isinstance(body, dict):
        body["crmType"] = NEW_CRM_TYPE
        for task in body.get("tasks", []):
            _moved_on_task(task)
    return status, {**headers, NEW_HEADER: "us-west"}, body


BREAKAGES: dict[str, Breakage] = {
    "created-not-a-date": _created_not_a_date,
    "undocumented-status": _undocumented_status,
    "new-field-and-header": _new_field_and_header,
    "moved-on": moved_on,
}


def moved_on_mock(**mock_config: Any) -> Flask:
    """The mock, whole (``/__health``, ``Prefer``, admin API), answering like a Gong that
    moved on (:func:`moved_on`): what the contract suite runs against over HTTP."""

    def move_on(_: Any, __: Any, response: Any) -> None:
        if response.mimetype != "application/json":
            return
        _, headers, body = moved_on(response.status_code, {}, orjson.loads(response.get_data()))
        response.set_data(orjson.dumps(body))
        response.headers.update(headers)

    return around_answers(unthrottled_app(mock_config), move_on)


def _echo(answer: Any, status: int) -> tuple[int, Any]:
    """A target that quotes the caller's credential back (in a title, as a status value,
    in an error message): nothing the proxy writes may hold it."""
    secret = request.headers.get("Authorization", "")
    tasks = answer.get("tasks") if status == 200 else None
    if not tasks:
        return 400, {"requestId": "x" * 19, "errors": [f"bad credential {secret}"]}
    tasks[0]["title"] = f"echo {secret}"
    if len(tasks) > 1:
        tasks[1]["status"] = secret
    return status, answer


def stand_in_target(**mock_config: Any) -> Flask:
    """The stand-in: ``app.config["BREAK"]`` names a breakage (None: faithful, or
    ``echo-credentials``) or is one; ``app.config["CALLS"]`` holds ``(method, path, headers, body)``
    of each call and ``app.config["ANSWERS"]`` ``(status, headers, body)`` of each answer;
    ``app.config["MOCK"]`` is the mock it answers like."""
    inner = unthrottled_app(mock_config)
    app = Flask("stand-in-target")
    app.config.update(BREAK=None, CALLS=[], ANSWERS=[], MOCK=inner)

    def answer(path: str) -> Response:
        body = request.get_data()
        app.config["CALLS"].append((request.method, path, dict(request.headers), body))
        forwarded = {
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("authorization", "content-type")
        }
        inner_answer = inner.test_client().open(
            path, method=request.method, data=body, headers=forwarded
        )
        status = inner_answer.status_code
        headers = {
            name: value
            for name, value in inner_answer.headers.items()
            if name.lower() not in ("content-length",)
        }
        parsed = orjson.loads(inner_answer.get_data())
        breakage = app.config["BREAK"]
        if breakage == "echo-credentials":
            status, parsed = _echo(parsed, status)
        elif breakage is not None:
            broken = breakage if callable(breakage) else BREAKAGES[breakage]
            status, headers, parsed = broken(status, headers, parsed)
        sent = orjson.dumps(parsed)
        app.config["ANSWERS"].append((status, headers, sent))
        return Response(sent, status=status, headers=headers)

    @app.post("/v2/tasks")
    def list_tasks() -> Response:
        return answer("/v2/tasks")

    @app.patch("/v2/tasks/<task_id>")
    def update_task(task_id: str) -> Response:
        return answer(f"/v2/tasks/{task_id}")

    return app
