"""The server's direct path (``direct_calls``) answers and journals the Tasks API's calls
exactly as the Flask app does: the same calls sent to two identical mocks, one through
each, give the same answers and the same journal entries."""

from __future__ import annotations

import asyncio
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
from gong_tasks_kit.mock_server.app import create_app, mock_state
from gong_tasks_kit.mock_server.direct_calls import DirectCalls
from gong_tasks_kit.mock_server.runtime import controls
from gong_tasks_kit.mock_server.server import direct_calls
from gong_tasks_kit.mock_server.testing import MockControl
from gong_tasks_kit.mock_server.wsgi_bridge import Answer, WsgiOnRsgi, run_wsgi, wsgi_environ
from gong_tasks_kit.proxy.app import create_proxy_app

CONFIG = {"users": 2, "tasks_per_user": 6, "rate_limit": "off"}
DIRECT_APP, FLASK_APP = create_app(CONFIG), create_app(CONFIG)
DIRECT = DirectCalls(mock_state(DIRECT_APP))
STORE = mock_state(FLASK_APP).store
USERS = list(STORE.user_ids)
TASK_IDS = [str(task.id) for task in STORE.tasks_of(USERS[0])]
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
#: Host names werkzeug's routing refuses (IDNA cannot encode them): Flask answers 400.
UNROUTABLE_HOSTS = ("a" * 64, "a..b", ".mock")
HOSTS = (None, "mock", "MOCK:80", "127.0.0.1:8080", "[::1]:8080", *UNROUTABLE_HOSTS)
PREFERS = (None, "code=429", "code=500, retry-after=3", "code=404", "code=418", "code=x")


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


BODIES = st.one_of(
    task_list_requests(USERS).map(_json),
    task_update_requests(USERS).map(_json),
    invalid_task_list_requests().map(_json),
    invalid_task_update_requests().map(_json),
    json_values().map(_json),
    st.binary(max_size=40),
)
TARGETS = st.one_of(
    st.just(("POST", "/v2/tasks")),
    st.sampled_from(TASK_IDS).map(lambda task: ("PATCH", f"/v2/tasks/{task}")),
    st.text(st.characters(codec="ascii", exclude_characters="/"), min_size=1, max_size=24).map(
        lambda task: ("PATCH", f"/v2/tasks/{task}")
    ),
    st.sampled_from(
        [
            ("GET", "/v2/tasks"),
            ("POST", "/v2/tasks/"),
            ("PATCH", "/v2/tasks/"),
            ("PATCH", "/v2/tasks/é"),
        ]
    ),
)


@st.composite
def calls(draw: st.DrawFn) -> tuple[Scope, bytes, bool]:
    """A call as granian hands it over, its body, and whether it is plain (the direct
    path must take it)."""
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
    named = dict(pairs)
    if "upgrade" in named:
        pairs.append(("connection", "Upgrade"))
    routed = "upgrade" not in named and named.get("host") not in UNROUTABLE_HOSTS
    if framing in ("length", "wrong-length"):
        pairs.append(("content-length", str(len(body) + (framing == "wrong-length"))))
    elif framing == "chunked":
        pairs.append(("transfer-encoding", "chunked"))
    plain = (method, path) == ("POST", "/v2/tasks") or (
        method == "PATCH" and len(path) > len("/v2/tasks/") and path.isascii()
    )
    query = draw(st.sampled_from(["", "a=1", "userId=2&x"]))
    scope = Scope(method=method, path=path, query_string=query, headers=Headers(pairs))
    return scope, body, plain and routed and framing != "wrong-length"


def _environ(scope: Scope, body: bytes) -> dict[str, Any]:
    return wsgi_environ(scope, io.BytesIO(body))


def _normalized(answer: Answer) -> tuple[int, list[tuple[str, str]], bytes]:
    status, headers, body = answer
    kept = [(name, value) for name, value in headers if name.lower() != "x-traceid"]
    return status, kept, _FRESH.sub(b"", body)


def _journal(app: Flask) -> list[dict[str, Any]]:
    entries = MockControl(app).requests()
    for entry in entries:
        for key in _PER_CALL:
            entry.pop(key)
        entry["responseHeaders"].pop("x-traceid")
        entry["responseBody"] = _FRESH.sub(b"", entry["responseBody"].encode()).decode()
    return entries


def _reset_both() -> None:
    for app in (DIRECT_APP, FLASK_APP):
        controls(app).reset()


@settings(max_examples=150, deadline=None)
@given(st.lists(calls(), min_size=1, max_size=4))
def test_direct_calls_answer_and_journal_as_flask_does(
    sequence: list[tuple[Scope, bytes, bool]],
) -> None:
    _reset_both()
    for scope, body, plain in sequence:
        direct = DIRECT(_environ(scope, body), body)
        assert (direct is not None) == plain, (scope.method, scope.path)
        via_direct = direct or run_wsgi(DIRECT_APP, _environ(scope, body))
        via_flask = run_wsgi(FLASK_APP, _environ(scope, body))
        assert _normalized(via_direct) == _normalized(via_flask)
    assert _journal(DIRECT_APP) == _journal(FLASK_APP)
    assert STORE.task_count == mock_state(DIRECT_APP).store.task_count


def _list_call(session: str | None = None) -> tuple[Scope, bytes]:
    body = _json(
        {
            "filter": {
                "userId": USERS[0],
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
def test_direct_calls_follow_the_qa_controls_as_flask_does(control: Any) -> None:
    _reset_both()
    for app in (DIRECT_APP, FLASK_APP):
        control(MockControl(app))
    for n in range(6):
        scope, body = _list_call(SESSION if n % 2 else None)
        direct = DIRECT(_environ(scope, body), body)
        assert direct is not None
        assert _normalized(direct) == _normalized(run_wsgi(FLASK_APP, _environ(scope, body)))
    assert _journal(DIRECT_APP) == _journal(FLASK_APP)
    assert {entry["status"] for entry in _journal(FLASK_APP)} != {200}  # the control bit


def test_a_crash_on_the_direct_path_is_gongs_500_and_journaled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _reset_both()

    def broken(*_: Any) -> list[bytes]:
        raise RuntimeError("index gone")

    monkeypatch.setattr(type(mock_state(DIRECT_APP).store), "query", broken)
    scope, body = _list_call()
    status, _, payload = DIRECT(_environ(scope, body), body) or (0, [], b"")
    assert (status, json.loads(payload)["errors"]) == (500, ["Internal server error occurred"])
    assert [entry["answeredBy"] for entry in _journal(DIRECT_APP)] == ["crash"]


@pytest.mark.parametrize("inline", [True, False], ids=["event-loop", "threads"])
def test_the_server_answers_plain_calls_directly_and_the_rest_through_flask(inline: bool) -> None:
    _reset_both()
    calls_to_flask: list[str] = []

    def counting_flask(environ: dict[str, Any], start_response: Any) -> Any:
        calls_to_flask.append(environ["PATH_INFO"])
        return DIRECT_APP.wsgi_app(environ, start_response)

    bridge = WsgiOnRsgi(
        counting_flask,  # type: ignore[arg-type]
        threads=1,
        body_timeout=5,
        body_limit=controls(DIRECT_APP).body_limit,
        run_inline=lambda: inline,
        direct=direct_calls(DIRECT_APP),
    )
    scope, body = _list_call()
    protocol = Protocol(body)
    asyncio.run(bridge.__rsgi__(scope, protocol))
    assert protocol.answer is not None
    assert protocol.answer[0] == 200
    assert calls_to_flask == []
    too_large = Protocol(b"x" * 70_000)
    chunked = Headers([("authorization", DEFAULT_AUTHORIZATION), ("transfer-encoding", "chunked")])
    asyncio.run(bridge.__rsgi__(Scope(headers=chunked), too_large))
    assert too_large.answer is not None
    assert too_large.answer[0] == 400
    assert b"larger than the 65536-byte limit" in too_large.answer[2]
    assert calls_to_flask == ["/v2/tasks"]


def test_the_direct_path_is_left_out_in_strict_mode_and_on_the_proxy() -> None:
    assert isinstance(direct_calls(DIRECT_APP), DirectCalls)
    assert direct_calls(create_app({**CONFIG, "strict": True})) is None
    assert direct_calls(create_proxy_app({"target": "http://127.0.0.1:9"})) is None
