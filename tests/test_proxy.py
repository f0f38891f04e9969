"""The proxy in front of a stand-in target (faithful, then broken): answers passed back
unchanged, each exchange judged against the spec, the drift report, QA's controls in
front of the target, the local limiter, and no credential anywhere."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from conftest import free_port
from flask import Flask
from flask.testing import FlaskClient
from stand_in import stand_in_target

from gong_tasks_kit.contract_tests.drift import DriftReport
from gong_tasks_kit.fixtures.credentials import basic_authorization
from gong_tasks_kit.mock_server.app import mock_runtime
from gong_tasks_kit.mock_server.settings import SettingsError
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl
from gong_tasks_kit.proxy import ProxyControl, create_proxy_app, proxy_runtime

KEY, SECRET = "proxy-test-key-4711", "proxy-test-secret-0815"
AUTH = basic_authorization(KEY, SECRET)
TOKEN_PART = AUTH.split(" ", 1)[1]
ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


@pytest.fixture(scope="module")
def served_target() -> Iterator[tuple[Flask, LiveServer]]:
    app = stand_in_target(users=2, tasks_per_user=6, access_key=KEY, access_key_secret=SECRET)
    with LiveServer(app) as live:
        yield app, live


@pytest.fixture
def target(served_target: tuple[Flask, LiveServer]) -> Flask:
    app, live = served_target
    app.config.update(BREAK=None, URL=live.url)
    app.config["CALLS"].clear()
    app.config["ANSWERS"].clear()
    mock_runtime(app.config["MOCK"]).reset()
    return app


def _proxy(target: Flask, **config: Any) -> Flask:
    settings = {"target": target.config["URL"], "rate_limit": "off", "daily_limit": 0}
    return create_proxy_app({**settings, **config})


def _client(proxy: Flask) -> FlaskClient:
    client = proxy.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = AUTH
    return client


def _user(target: Flask, index: int = 0) -> str:
    return mock_runtime(target.config["MOCK"]).store.user_ids[index]


def _list(client: FlaskClient, user: str, **headers: str) -> Any:
    return client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}}, headers=headers)


def test_proxy_forwards_with_the_callers_credentials_and_passes_the_answer_back(
    target: Flask,
) -> None:
    client = _client(_proxy(target))
    answer = _list(client, _user(target), **{"X-Gong-Mock-Session": "s1", "Prefer": "code=200"})
    status, headers, body = target.config["ANSWERS"][-1]
    assert answer.status_code == status == 200
    assert answer.data == body  # byte for byte
    for name in ("Content-Type", "x-traceid", "x-gong-service-version"):
        assert answer.headers[name] == headers[name]
    method, path, sent, _ = target.config["CALLS"][-1]
    assert (method, path, sent["Authorization"]) == ("POST", "/v2/tasks", AUTH)
    assert not {"Prefer", "X-Gong-Mock-Session"} & set(sent)  # the proxy's own controls

    unauthorized = _list(client, _user(target), Authorization="Basic bm9wZQ==")
    assert unauthorized.status_code == 401
    assert unauthorized.headers["WWW-Authenticate"] == 'Basic realm="Gong.io API"'

    MockControl(target.config["MOCK"]).fail_next(429, retry_after=7)  # the target's own 429
    limited = _list(client, _user(target))
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    MockControl(target.config["MOCK"]).fail_next(500)
    assert _list(client, _user(target)).status_code == 500
    assert len(target.config["CALLS"]) == 4  # no retry of its own, ever
    entries = ProxyControl(client.application).requests()
    assert [e["answeredBy"] for e in entries] == ["target"] * 4
    assert [e["violations"] for e in entries] == [[]] * 4
    refused = ProxyControl(client.application).requests(status=429, answered_by="target")
    assert [e["retryAfter"] for e in refused] == ["7"]  # the journal's filters work here too


def test_proxy_forwards_updates_and_gongs_404_is_no_violation(target: Flask) -> None:
    proxy = _proxy(target)
    client = _client(proxy)
    user = _user(target)
    task = _list(client, user).json["tasks"][0]
    done = client.patch(f"/v2/tasks/{task['id']}", json={"userId": user, "status": "DONE"})
    assert done.status_code == 200
    assert MockControl(target.config["MOCK"]).task(task["id"])["task"]["status"] == "DONE"
    missing = client.patch("/v2/tasks/12345", json={"userId": user, "status": "DONE"})
    assert missing.status_code == 404
    assert ProxyControl(proxy).requests()[-1]["violations"] == []
    drift = ProxyControl(proxy).drift()
    assert drift["failures"] == []
    assert drift["exchanges"] == 3


def test_an_injected_404_names_the_task_in_the_path_as_on_the_mock(target: Flask) -> None:
    proxy = _proxy(target)
    client, user = _client(proxy), _user(target)
    preferred = client.patch("/v2/tasks/777", json={"userId": user}, headers={"Prefer": "code=404"})
    assert (preferred.status_code, preferred.json["errors"]) == (404, ["TaskId 777 not found"])
    ProxyControl(proxy).queue({"status": 404}, operation="updateTask")
    planned = client.patch("/v2/tasks/888", json={"userId": user})
    assert planned.json["errors"] == ["TaskId 888 not found"]
    assert target.config["CALLS"] == []  # injected: nothing reached the target


def test_a_path_cannot_forge_a_log_line(target: Flask, caplog: pytest.LogCaptureFixture) -> None:
    client = _client(_proxy(target))
    with caplog.at_level(logging.WARNING, logger="gong_tasks_kit.proxy"):
        path = "/v2/tasks/1%0d%0aFORGED%00%C2%85%E2%80%A8%C2%9B31m" + "x" * 3000
        client.patch(path, json={"userId": _user(target)})
    (line,) = [r.getMessage() for r in caplog.records if "breaks the spec" in r.message]
    assert len(line.splitlines()) == 1  # no CR, LF, NEL or line separator left raw
    assert not {"\x00", "\x9b"} & set(line)  # nor NUL, nor the 8-bit escape of a colour
    assert "\\x85\\u2028\\x9b31m" in line
    assert "\\r\\n" in line  # escaped, so the log shows what was sent
    assert "[cut: 3026 characters]" in line


def test_violations_name_the_field_on_the_journal_in_the_log_and_the_drift_report(
    target: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    report_path = tmp_path / "drift.json"
    proxy = _proxy(target, drift_report=str(report_path))
    client, control = _client(proxy), ProxyControl(proxy)
    user = _user(target)
    target.config["BREAK"] = "created-not-a-date"
    with caplog.at_level(logging.WARNING, logger="gong_tasks_kit.proxy"):
        assert _list(client, user).json["tasks"][0]["created"] == "yesterday"  # passed back
    violation = "response tasks[0].created: 'yesterday' is not a 'date-time'"
    assert control.requests()[-1]["violations"] == [violation]
    assert violation in caplog.text

    target.config["BREAK"] = "undocumented-status"
    assert _list(client, user).status_code == 422
    assert control.requests()[-1]["violations"] == ["response: Unknown response http status: 422"]
    target.config["BREAK"] = "new-field-and-header"
    _list(client, user)
    target.config["BREAK"] = None
    bad_request = client.post("/v2/tasks", json={"filter": {"userId": user, "types": ["TODO"]}})
    assert bad_request.status_code == 400  # the target's verdict, passed back
    assert (
        "request filter.types[0]: 'TODO' is not one of ['FLOW', 'MANUAL']"
        in (control.requests()[-1]["violations"])
    )
    assert client.patch("/v2/tasks/abc", json={"userId": user}).status_code == 400
    assert "request taskId: 'abc' is not an integer (int64)" in control.requests()[-1]["violations"]

    report = control.drift()
    assert set(DriftReport().to_json()) < set(report)  # the contract suite's format, and more
    assert report["target"] == target.config["URL"]
    assert report["exchanges"] == 5
    assert "undocumented status POST /v2/tasks: 422" in report["failures"]
    assert {"new field tasks[].priorityScore", "new header x-gong-new-header"} <= set(
        report["warnings"]
    )
    kinds = {(kind["operation"], kind["where"]): kind for kind in report["violations"]}
    created = kinds[("listTasks", "response tasks[].created")]
    assert (created["count"], created["statuses"], created["examples"]) == (
        1,
        {"200": 1},
        [violation],
    )
    assert ("updateTask", "request taskId") in kinds

    proxy_runtime(proxy).close()  # what the end of a run does
    assert json.loads(report_path.read_text(encoding="utf-8")) == control.drift()


def test_qa_controls_answer_in_front_of_the_target(target: Flask) -> None:
    proxy = _proxy(target)
    client, control = _client(proxy), ProxyControl(proxy)
    user = _user(target)
    assert _list(client, user, Prefer="code=429, retry-after=3").headers["Retry-After"] == "3"
    assert _list(client, user, Prefer="code=404").status_code == 400  # not for the list call
    control.fail_next(500, operation="listTasks")
    assert _list(client, user).status_code == 500
    control.chaos(1.0, (500,), seed=1)
    assert _list(client, user).status_code == 500
    control.stop_chaos()
    assert target.config["CALLS"] == []  # nothing injected ever reached the target
    control.latency(fixed_ms=150)
    assert _list(client, user).status_code == 200
    control.stop_latency()
    entries = control.requests()
    assert [(e["status"], e["answeredBy"]) for e in entries] == [
        (429, "prefer"),
        (400, "prefer"),
        (500, "plan"),
        (500, "chaos"),
        (200, "target"),
    ]
    assert entries[-1]["durationMs"] >= 150
    control.reset()
    assert control.requests() == []


def test_the_local_limiter_keeps_the_target_within_gongs_limits(target: Flask) -> None:
    proxy = _proxy(target, rate_limit="2/second")
    client, control = _client(proxy), ProxyControl(proxy)
    user = _user(target)
    for _ in range(3):
        assert _list(client, user, Prefer="code=500").status_code == 500  # never counted
    other = proxy.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = basic_authorization("someone", "else-entirely")
    statuses = [_list(client, user).status_code, other.post("/v2/tasks", json={}).status_code]
    limited = _list(client, user)
    assert statuses == [200, 401]  # both callers reached the target: one limit for all
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert len(target.config["CALLS"]) == 2
    assert control.requests()[-1]["answeredBy"] == "limiter"
    assert control.exhaust_daily_quota() == 0  # no daily limit configured
    time.sleep(1.1)
    assert _list(client, user).status_code == 200


def test_an_unreachable_target_is_a_502_in_gongs_shape() -> None:
    proxy = create_proxy_app({"target": f"http://127.0.0.1:{free_port()}", "rate_limit": "off"})
    answer = _client(proxy).post("/v2/tasks", json={"filter": {}})
    assert answer.status_code == 502
    assert answer.json["errors"] == ["proxy: the target did not answer (ConnectionError)"]
    assert ProxyControl(proxy).requests()[-1]["answeredBy"] == "proxy"


def test_no_credential_is_written_anywhere(
    target: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    record, report = tmp_path / "record.json", tmp_path / "drift.json"
    proxy = _proxy(target, record=str(record), drift_report=str(report))
    client, control = _client(proxy), ProxyControl(proxy)
    user = _user(target)
    target.config["BREAK"] = "echo-credentials"
    with caplog.at_level(logging.DEBUG):
        echoed = _list(client, user)
        assert AUTH in echoed.text  # the caller gets the target's answer, as it is
        assert client.post("/v2/tasks", json={"filter": {"userId": "1"}}).status_code == 400
        client.post("/v2/tasks", json={}, headers={"Authorization": f"Bearer {SECRET}-token"})
    proxy_runtime(proxy).close()
    written = {
        "journal": orjson.dumps(control.requests()).decode(),
        "drift": orjson.dumps(control.drift()).decode(),
        "drift file": report.read_text(encoding="utf-8"),
        "recording": record.read_text(encoding="utf-8"),
        "log": caplog.text,
    }
    for where, text in written.items():
        for secret in (AUTH, TOKEN_PART, SECRET, KEY, f"{KEY}:{SECRET}"):
            assert secret not in text, f"{secret!r} in the {where}"
    recorded = json.loads(written["recording"])["tasks"]
    assert recorded[0]["title"] == "echo [redacted]"
    assert "[redacted]" in written["journal"]  # the echoed error message, cleaned
    assert "'[redacted]' is not in" in written["drift"]  # the echoed status value, cleaned


def test_another_callers_credential_quoted_in_a_call_is_never_written(
    target: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    proxy = _proxy(target)
    client, control = _client(proxy), ProxyControl(proxy)
    token = "other-callers-token-2718"
    user = _user(target)
    _list(client, user, Authorization=f"Bearer {token}")  # seen once, from its owner
    quoting = {"filter": {"userId": user, **ALL, "types": [token]}}
    with caplog.at_level(logging.WARNING, logger="gong_tasks_kit.proxy"):
        answer = client.post("/v2/tasks", json=quoting, headers={"X-Echo": token})
    assert answer.status_code == 400
    assert token in answer.text  # the caller gets the target's answer as it is
    written = orjson.dumps(control.requests()).decode() + caplog.text
    assert token not in written
    assert "[redacted]" in control.requests()[-1]["violations"][0]


def test_the_proxys_admin_token_quoted_by_a_caller_is_never_written(
    target: Flask, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Put by a caller in the path and in an enum field: the violations quote them, in the
    # log, the journal, the drift report and its file.
    token = "proxy-admin-token-5531"
    report = tmp_path / "drift.json"
    proxy = _proxy(target, admin_token=token, drift_report=str(report))
    client = _client(proxy)
    control = ProxyControl(proxy, admin_token=token)
    user = _user(target)
    with caplog.at_level(logging.WARNING, logger="gong_tasks_kit.proxy"):
        client.patch(f"/v2/tasks/{token}", json={"userId": user, "status": "DONE"})
        client.post("/v2/tasks", json={"filter": {"userId": user, **ALL, "types": [token]}})
    proxy_runtime(proxy).close()
    written = {
        "journal": orjson.dumps(control.requests()).decode(),
        "drift": orjson.dumps(control.drift()).decode(),
        "drift file": report.read_text(encoding="utf-8"),
        "log": caplog.text,
    }
    for where, text in written.items():
        assert token not in text, f"the admin token in the {where}"
    assert "'[redacted]' is not one of" in written["drift file"]
    assert "[redacted]" in caplog.text


def test_a_body_that_is_not_utf8_is_judged_and_passed_on_never_a_500(target: Flask) -> None:
    proxy = _proxy(target)
    client, control = _client(proxy), ProxyControl(proxy)
    answer = client.post(
        "/v2/tasks", data=b'{"filter": {"userId": "\xff\xfe"}}', content_type="application/json"
    )
    assert answer.status_code == 400  # the target's verdict
    assert any("not UTF-8 text" in line for line in control.requests()[-1]["violations"])


def test_a_request_nested_past_any_of_gongs_is_one_clear_violation(target: Flask) -> None:
    proxy = _proxy(target)
    client, control = _client(proxy), ProxyControl(proxy)
    deep = b'{"filter": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    answer = client.post("/v2/tasks", data=deep, content_type="application/json")
    assert answer.status_code == 400  # the target's verdict, passed on
    assert control.requests()[-1]["violations"] == [
        "request: the body nests arrays and objects more than 64 levels deep"
    ]


@pytest.mark.parametrize(
    ("sent", "forwarded"),
    [
        ("/v2/tasks/1%3Fx=1", "/v2/tasks/1?x=1"),
        ("/v2/tasks/1%23a", "/v2/tasks/1#a"),
        ("/v2/tasks/%2e%2e", "/v2/tasks/.."),
        ("/v2/tasks/%252e%252e", "/v2/tasks/%2e%2e"),
    ],
)
def test_the_target_gets_the_task_id_the_proxy_checked(
    target: Flask, sent: str, forwarded: str
) -> None:
    client = _client(_proxy(target))
    client.patch(sent, json={"userId": _user(target), "status": "DONE"})
    method, path, _, _ = target.config["CALLS"][-1]  # as the target decoded it
    assert (method, path) == ("PATCH", forwarded)


def test_a_logged_violation_cannot_forge_a_log_line(
    target: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    client = _client(_proxy(target))
    forged = b"{bad\nFORGED LINE\x1b[31m"  # openapi-core quotes a body it cannot read
    with caplog.at_level(logging.WARNING, logger="gong_tasks_kit.proxy"):
        client.post("/v2/tasks", data=forged, content_type="application/json")
    messages = [record.getMessage() for record in caplog.records]
    (line,) = [message for message in messages if "breaks the spec" in message]
    assert "\n" not in line
    assert "\x1b" not in line
    assert "\\x0aFORGED LINE\\x1b[31m" in line


def test_the_proxy_needs_a_usable_target() -> None:
    with pytest.raises(SettingsError, match=r"GONG_PROXY_TARGET \(--target\): is required"):
        create_proxy_app({})
    with pytest.raises(SettingsError, match="must not hold credentials"):
        create_proxy_app({"target": "https://key:secret@us-1.api.gong.io"})
    with pytest.raises(SettingsError) as raised:
        create_proxy_app({"target": "ftp://us-1.api.gong.io"})
    assert "must be an http:// or https:// base URL" in str(raised.value)
