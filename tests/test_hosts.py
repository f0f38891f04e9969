"""Every host takes the one dispatcher: ``gong-tasks serve``'s adapter (which reads the body
on the event loop and calls the dispatcher directly) answers and journals every call
exactly as the WSGI app does (the test client, ``LiveServer``, gunicorn): the same calls
sent to two identical mocks, one through each, give the same answers and the same journal
entries. (Cheap insurance: both run the same code past the body's reading.)"""

from __future__ import annotations

import asyncio
import functools
import io
import json
import re
from typing import Any

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from rsgi_fakes import Headers, Protocol, Scope

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.fixtures.strategies import (
    invalid_task_list_requests,
    invalid_task_update_requests,
    json_values,
    task_list_requests,
    task_update_requests,
)
from gong_tasks_kit.mock_server.app import create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl
from gong_tasks_kit.proxy.app import create_proxy_app
from gong_tasks_kit.serving.dispatcher import TasksDispatcher, run_wsgi
from gong_tasks_kit.serving.errors import Answer
from gong_tasks_kit.serving.flask_app import dispatcher_of
from gong_tasks_kit.serving.rsgi_bridge import DispatcherOnRsgi, wsgi_environ

CONFIG = {"users": 2, "tasks_per_user": 6, "rate_limit": "off"}
SESSION = "s-1"
# What differs between two answers of the same call: fresh ids, and the update's time.
_FRESH = re.compile(
    rb'("requestId":\s*"|"updated":\s*")[^"]*"|\\"(requestId|updated)\\":\\"[^"\\]*'
)
_PER_CALL = ("id", "time", "epoch", "durationMs", "worker")

AUTHORIZATIONS = (
    DEFAULT_AUTHORIZATION,
    None,
    "Bearer gong-mock-token",
    "Bearer gong-mock-write-token",
    "Bearer gong-mock-token-without-tasks-scope",
    "Basic bm8tc3VjaDprZXk=",
    "Token abc",
)
CONTENT_TYPES = ("application/json", "Application/JSON; charset=utf-8", "text/plain", None)
HOSTS = (None, "mock", "MOCK:80", "127.0.0.1:8080", "[::1]:8080", "a" * 64, "a..b", ".mock")
PREFERS = (None, "code=429", "code=500, retry-after=3", "code=404", "code=418", "code=x")


@functools.cache
def _apps() -> tuple[Flask, Flask]:
    """Two identical mocks: one called through the server's adapter, one as WSGI (built on
    first use, once per process: not at import, which every xdist worker pays)."""
    return create_app(CONFIG), create_app(CONFIG)


def _served_app() -> Flask:
    return _apps()[0]


def _wsgi_app() -> Flask:
    return _apps()[1]


def _users() -> list[str]:
    return list(mock_runtime(_wsgi_app()).store.user_ids)


def _task_ids() -> list[str]:
    return [str(task.id) for task in mock_runtime(_wsgi_app()).store.tasks_of(_users()[0])]


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


BODIES = st.deferred(
    lambda: st.one_of(
        task_list_requests(_users()).map(_json),
        task_update_requests(_users()).map(_json),
        invalid_task_list_requests().map(_json),
        invalid_task_update_requests().map(_json),
        json_values().map(_json),
        st.binary(max_size=40),
    )
)
TARGETS = st.one_of(
    st.just(("POST", "/v2/tasks")),
    st.deferred(lambda: st.sampled_from(_task_ids())).map(
        lambda task: ("PATCH", f"/v2/tasks/{task}")
    ),
    st.text(st.characters(codec="ascii", exclude_characters="/"), min_size=1, max_size=24).map(
        lambda task: ("PATCH", f"/v2/tasks/{task}")
    ),
    st.sampled_from(
        [
            ("GET", "/v2/tasks"),
            ("POST", "/v2/tasks/"),
            ("PATCH", "/v2/tasks/"),
            ("PATCH", "/v2/tasks/é"),
            ("POST", "/v2//tasks"),
            ("GET", "/__health"),
            ("GET", "/nowhere"),
        ]
    ),
)


@st.composite
def calls(draw: st.DrawFn) -> tuple[Scope, bytes]:
    """A call as granian hands it over, and its body."""
    method, path = draw(TARGETS)
    body = draw(BODIES)
    framing = draw(st.sampled_from(["length", "chunked", "none", "wrong-length"]))
    if framing == "none":
        body = b""
    pairs = []
    for name, values in (
        ("host", HOSTS),
        ("upgrade", (None, None, "websocket")),
        ("authorization", AUTHORIZATIONS),
        ("content-type", CONTENT_TYPES),
        ("prefer", PREFERS),
        ("x-gong-mock-session", (None, SESSION)),
    ):
        value = draw(st.sampled_from(values))
        if value is not None:
            pairs.append((name, value))
    if "upgrade" in dict(pairs):
        pairs.append(("connection", "Upgrade"))
    if framing in ("length", "wrong-length"):
        pairs.append(("content-length", str(len(body) + (framing == "wrong-length"))))
    elif framing == "chunked":
        pairs.append(("transfer-encoding", "chunked"))
    query = draw(st.sampled_from(["", "a=1", "userId=2&x"]))
    scope = Scope(method=method, path=path, query_string=query, headers=Headers(pairs))
    return scope, body


def _served(app: Flask, scope: Scope, body: bytes, *, inline: bool = True) -> Answer:
    """The answer through ``gong-tasks serve``'s adapter (on its event loop, or on its
    threads)."""
    dispatcher = dispatcher_of(app)
    bridge = DispatcherOnRsgi(dispatcher, threads=1, body_timeout=5)
    if not inline:
        bridge.dispatcher = _Blocking(dispatcher)  # type: ignore[assignment]
    protocol = Protocol(body)
    asyncio.run(bridge.__rsgi__(scope, protocol))
    assert protocol.answer is not None
    status, headers, payload = protocol.answer
    return Answer(status, headers, payload)


class _Blocking:
    """A dispatcher that says every call may block (so the adapter uses its threads)."""

    def __init__(self, dispatcher: TasksDispatcher) -> None:
        self._dispatcher = dispatcher
        self.answer = dispatcher.answer
        self.body_limit = dispatcher.body_limit

    def may_block(self, method: str, path: str) -> bool:
        return True


def _environ(scope: Scope, body: bytes) -> dict[str, Any]:
    return wsgi_environ(scope, io.BytesIO(body))


def _normalized(answer: Answer) -> tuple[int, list[tuple[str, str]], bytes]:
    # The adapter says when it closes the connection (a body it did not read to its end).
    dropped = ("x-traceid", "connection")
    kept = [(name, value) for name, value in answer.headers if name.lower() not in dropped]
    return answer.status, kept, _FRESH.sub(b"", answer.body)


def _journal(app: Flask) -> list[dict[str, Any]]:
    entries = MockControl(app).requests()
    for entry in entries:
        for key in _PER_CALL:
            entry.pop(key)
        entry["responseHeaders"].pop("x-traceid")
        entry["responseBody"] = _FRESH.sub(b"", entry["responseBody"].encode()).decode()
    return entries


def _reset_both() -> None:
    for app in _apps():
        mock_runtime(app).reset()


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(st.lists(calls(), min_size=1, max_size=4))
def test_the_server_answers_and_journals_every_call_as_the_wsgi_app_does(
    sequence: list[tuple[Scope, bytes]],
) -> None:
    _reset_both()
    for scope, body in sequence:
        via_server = _served(_served_app(), scope, body)
        via_wsgi = run_wsgi(_wsgi_app(), _environ(scope, body))
        assert _normalized(via_server) == _normalized(via_wsgi), (scope.method, scope.path)
    assert _journal(_served_app()) == _journal(_wsgi_app())
    assert (
        mock_runtime(_wsgi_app()).store.task_count == mock_runtime(_served_app()).store.task_count
    )


def _list_call(session: str | None = None) -> tuple[Scope, bytes]:
    body = _json(
        {
            "filter": {
                "userId": _users()[0],
                "types": ["FLOW"],
                "taskAction": ["CALL"],
                "status": ["OPEN"],
            }
        }
    )
    pairs = [
        ("authorization", DEFAULT_AUTHORIZATION),
        ("content-type", "application/json"),
        ("content-length", str(len(body))),
    ]
    if session is not None:
        pairs.append(("x-gong-mock-session", session))
    return Scope(headers=Headers(pairs)), body


@pytest.mark.parametrize(
    "control",
    [
        lambda c: c.fail_next(429, times=2, retry_after=7),
        lambda c: c.queue({"status": 500}, {"status": 200}, {"status": 403}),
        lambda c: MockControl(c._app, session=SESSION).fail_next(500),
        lambda c: c.chaos(0.5, (500, 429), seed=3),
        lambda c: c.exhaust_daily_quota(),
    ],
    ids=["429-twice", "plan-of-three", "session-plan", "chaos", "quota"],
)
def test_the_server_follows_the_qa_controls_as_the_wsgi_app_does(control: Any) -> None:
    _reset_both()
    for app in _apps():
        control(MockControl(app))
    for n in range(6):
        scope, body = _list_call(SESSION if n % 2 else None)
        via_server = _served(_served_app(), scope, body, inline=n % 3 != 0)
        assert _normalized(via_server) == _normalized(run_wsgi(_wsgi_app(), _environ(scope, body)))
    assert _journal(_served_app()) == _journal(_wsgi_app())
    assert {entry["status"] for entry in _journal(_wsgi_app())} != {200}  # the control bit


def test_a_crash_on_the_request_path_is_gongs_500_and_journaled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _reset_both()

    def broken(*_: Any) -> list[bytes]:
        raise RuntimeError("index gone")

    monkeypatch.setattr(type(mock_runtime(_served_app()).store), "query", broken)
    scope, body = _list_call()
    answer = _served(_served_app(), scope, body)
    assert (answer.status, json.loads(answer.body)["errors"]) == (
        500,
        ["Internal server error occurred"],
    )
    assert [entry["answeredBy"] for entry in _journal(_served_app())] == ["crash"]


def test_every_host_enters_through_the_one_dispatcher() -> None:
    _reset_both()
    app = _served_app()
    assert isinstance(app.wsgi_app, TasksDispatcher)
    scope, body = _list_call()
    served = _served(app, scope, body)
    client = app.test_client()
    tested = client.post("/v2/tasks", data=body, headers=dict(scope.headers.items()))
    with LiveServer(app) as live:
        over_http = live_call(live.url, body)
    assert served.status == tested.status_code == over_http == 200
    entries = MockControl(app).requests(operation="listTasks")
    assert [entry["answeredBy"] for entry in entries] == ["mock", "mock", "mock"]


def live_call(url: str, body: bytes) -> int:
    import requests  # noqa: PLC0415 - only this test talks HTTP

    answer = requests.post(
        f"{url}/v2/tasks",
        data=body,
        headers={"Authorization": DEFAULT_AUTHORIZATION, "Content-Type": "application/json"},
        timeout=10,
    )
    return answer.status_code


def test_strict_mode_and_the_proxy_run_through_the_dispatcher_too() -> None:
    strict = create_app({**CONFIG, "strict": True})
    proxy = create_proxy_app({"target": "http://127.0.0.1:9"})
    assert dispatcher_of(strict).strict
    assert isinstance(proxy.wsgi_app, TasksDispatcher)
    scope, body = _list_call()
    assert _served(strict, scope, body).status == 200
