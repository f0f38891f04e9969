"""Strict mode on the fast check: valid answers of both operations pass without
openapi-core, and an answer that breaks the spec (status, Retry-After, content type,
body, a task in the store) still never passes, refused in openapi-core's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import orjson
import pytest
from flask import Flask, Response
from flask.testing import FlaskClient

from gong_tasks_kit.mock_server.app import StrictModeError, create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import LIMITS_OFF
from gong_tasks_kit.pytest_plugin import mock_test_client
from gong_tasks_kit.serving.errors import Answer
from gong_tasks_kit.serving.flask_app import dispatcher_of, response_of
from gong_tasks_kit.spec import reference

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


def _strict_app() -> Flask:
    return create_app({"strict": True, "TESTING": True, "users": 2, **LIMITS_OFF})


def _list(client: FlaskClient, app: Flask, task_id: int = 0, **headers: str) -> Response:
    user = mock_runtime(app).store.user_ids[0]
    return client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}}, headers=headers)


def _update(client: FlaskClient, app: Flask, task_id: int, **headers: str) -> Response:
    user = mock_runtime(app).store.user_ids[0]
    body = {"userId": user, "status": "DONE", "dueDate": "2030-01-02T03:04:05+02:00"}
    return client.patch(f"/v2/tasks/{task_id}", json=body, headers=headers)


def _first_task_id(client: FlaskClient, app: Flask) -> int:
    task_id: int = _list(client, app).json["tasks"][0]["id"]
    return task_id


def _openapi_core_must_not_run() -> NoReturn:
    raise AssertionError("openapi-core was asked about an answer the spec allows")


def test_strict_mode_passes_valid_answers_of_both_operations_without_openapi_core(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _strict_app()
    client = mock_test_client(app)
    task_id = _first_task_id(client, app)
    monkeypatch.setattr(reference, "openapi", _openapi_core_must_not_run)
    assert len(_list(client, app).json["tasks"]) == 50
    assert _update(client, app, task_id).json["tasks"][0]["status"] == "DONE"
    for code in (400, 401, 403, 429, 500):
        assert _list(client, app, Prefer=f"code={code}").status_code == code
        assert _update(client, app, task_id, Prefer=f"code={code}").status_code == code
    assert client.patch("/v2/tasks/1", json={"userId": "1"}).status_code == 404
    assert client.post("/v2/tasks", json={}, headers={"Authorization": "x"}).status_code == 401


def _breaking(app: Flask, change: Callable[[Response], None]) -> Callable[[], None]:
    """Hook ``change`` in between the mock's answers and strict mode (the dispatcher's
    answer, before its strict check); it applies from when the returned function is
    called."""
    armed = []
    dispatcher = dispatcher_of(app)
    answered = dispatcher._answered

    def broken(call: Any) -> Answer:
        answer = answered(call)
        if not armed:
            return answer
        response = response_of(answer)
        change(response)
        return Answer(response.status_code, list(response.headers.items()), response.get_data())

    dispatcher._answered = broken  # type: ignore[method-assign]
    return lambda: armed.append(True)


def _retry_after(value: str) -> Callable[[Response], None]:
    def change(response: Response) -> None:
        if response.status_code == 429:
            response.headers["Retry-After"] = value

    return change


def _no_retry_after(response: Response) -> None:
    response.headers.pop("Retry-After", None)


def _content_type(response: Response) -> None:
    response.headers["Content-Type"] = "text/plain; charset=utf-8"


def _status(response: Response) -> None:
    response.status_code = 418


def _task_id_as_text(response: Response) -> None:
    body: dict[str, Any] = orjson.loads(response.get_data())
    for task in body.get("tasks", []):
        task["id"] = str(task["id"])
    response.set_data(orjson.dumps(body))


BREAKAGES: list[tuple[Callable[[Response], None], str, str]] = [
    (_retry_after("soon"), "code=429", "integer type: soon"),
    (_retry_after("-1"), "code=429", "minimum"),
    (_no_retry_after, "code=429", "Retry-After"),
    (_content_type, "", "text/plain"),
    (_status, "", "418"),
    (_task_id_as_text, "", "is not of type 'integer'"),
]


@pytest.mark.parametrize(("change", "prefer", "words"), BREAKAGES)
@pytest.mark.parametrize("call", [_list, _update])
def test_strict_mode_refuses_a_broken_answer_in_openapi_cores_words(
    change: Callable[[Response], None],
    prefer: str,
    words: str,
    call: Callable[..., Response],
) -> None:
    app = _strict_app()
    client = mock_test_client(app)
    arm = _breaking(app, change)
    task_id = _first_task_id(client, app)
    arm()
    headers = {"Prefer": prefer} if prefer else {}
    with pytest.raises(StrictModeError, match=words):
        call(client, app, task_id, **headers)
