"""One admission pipeline and one dispatcher for the mock and the proxy: the same order,
the same refusals in Gong's shape, and what a server shows never holds a secret it knows."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from hostile_target import HostileTarget
from proxy_process import start_proxy
from stand_in import stand_in_target

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl
from gong_tasks_kit.proxy.app import create_proxy_app
from gong_tasks_kit.proxy.control import ProxyControl

ADMIN_TOKEN = "adm1n-T0ken-7f3e"
GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")


def _list_body(client: FlaskClient) -> dict[str, Any]:
    user = client.get("/__health").json["userIds"][0]  # type: ignore[index]
    kinds = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN"]}
    return {"filter": {"userId": user, **kinds}}


def _statuses(client: FlaskClient, body: Any, count: int, **headers: str) -> list[int]:
    sent = {"Authorization": DEFAULT_AUTHORIZATION, **headers}
    return [client.post("/v2/tasks", json=body, headers=sent).status_code for _ in range(count)]


def test_injected_answers_count_against_no_limit_in_the_mock() -> None:
    app = create_app({"rate_limit": "3/second", "daily_limit": 0})
    client = app.test_client()
    body = _list_body(client)
    MockControl(app).fail_next(500, times=4)
    assert _statuses(client, body, 4) == [500] * 4
    assert _statuses(client, body, 2, Prefer="code=500") == [500, 500]
    # Six injected answers in this second, and still three calls left for it.
    assert _statuses(client, body, 4) == [200, 200, 200, 429]


def test_injected_answers_count_against_no_limit_in_the_proxy() -> None:
    with LiveServer(stand_in_target()) as target:
        proxy = create_proxy_app({"target": target.url, "rate_limit": "3/second"})
        client = proxy.test_client()
        ProxyControl(proxy).fail_next(500, times=4)
        body = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"]}}
        assert _statuses(client, body, 4) == [500] * 4
        assert _statuses(client, body, 2, Prefer="code=500") == [500, 500]
        answered = _statuses(client, body, 4)
    assert answered[:3] != [429, 429, 429]
    assert answered[3] == 429, "the fourth admitted call of the second is refused"
    assert 429 not in answered[:3]


def test_the_proxy_answers_unknown_paths_in_gongs_shape_whatever_the_host() -> None:
    proxy = create_proxy_app({"target": "http://127.0.0.1:9"})
    client = proxy.test_client()
    for path in ("/v2//tasks", "/v2/tasks/", "/nowhere", "/v2/tasks/1/x"):
        answer = client.post(path, json={}, headers={"Host": "evil.example"})
        assert answer.status_code == 404, path
        assert answer.mimetype == "application/json", path
        assert "Location" not in answer.headers, path
        assert answer.json["errors"] == [f"No such endpoint: POST {path}"]  # type: ignore[index]
        assert b"evil.example" not in answer.data


def test_the_mock_and_the_proxy_refuse_a_wrong_method_alike() -> None:
    mock = create_app().test_client()
    proxy = create_proxy_app({"target": "http://127.0.0.1:9"}).test_client()
    for client in (mock, proxy):
        answer = client.get("/v2/tasks")
        assert (answer.status_code, answer.headers["Allow"]) == (405, "POST")
        assert answer.json["errors"] == ["Method GET is not allowed on /v2/tasks"]  # type: ignore[index]


#: What the admin API shows of the controls and the calls.
ADMIN_VIEWS = ("requests", "status", "plans")


def _planted(client: FlaskClient, secret: str, token: str | None = None) -> None:
    """Send ``secret`` in a header, the body, the session id and the path, and as the
    session of a plan and of chaos (an admin call, with the admin ``token`` if any)."""
    headers = {"X-Gong-Mock-Session": secret, "X-Note": secret, "Authorization": "Bearer x"}
    client.post("/v2/tasks", data=f'{{"filter": "{secret}"}}', headers=headers)
    client.patch(f"/v2/tasks/{secret}", json={"userId": secret})
    admin = {"X-Gong-Mock-Admin-Token": token} if token else {}
    plan = {"steps": [{"status": 500}], "session": secret}
    assert client.post("/__admin/plans", json=plan, headers=admin).status_code == 201
    chaos = {"rate": 0.0, "session": secret}
    assert client.put("/__admin/chaos", json=chaos, headers=admin).status_code == 200


def _shown(client: FlaskClient, token: str | None = None) -> str:
    headers = {"X-Gong-Mock-Admin-Token": token} if token else {}
    shown = [client.get(f"/__admin/{what}", headers=headers) for what in ADMIN_VIEWS]
    assert [answer.status_code for answer in shown] == [200] * len(ADMIN_VIEWS)
    return "".join(answer.text for answer in shown)


def test_the_admin_token_never_shows_in_the_journal_or_the_status() -> None:
    for app in (
        create_app({"admin_token": ADMIN_TOKEN}),
        create_proxy_app({"target": "http://127.0.0.1:9", "admin_token": ADMIN_TOKEN}),
    ):
        client = app.test_client()
        _planted(client, ADMIN_TOKEN, ADMIN_TOKEN)
        shown = _shown(client, ADMIN_TOKEN)
        assert ADMIN_TOKEN not in shown
        assert "[redacted]" in shown


def test_the_state_password_never_shows_in_the_journal_or_the_status(
    redis_server_with_password: Any,
) -> None:
    server = redis_server_with_password
    app: Flask = create_app({"state": server.url})
    client = app.test_client()
    MockControl(app).reset()
    _planted(client, server.password)
    shown = _shown(client)
    assert server.password not in shown
    assert "[redacted]" in shown


def test_health_and_the_admin_api_never_wait_behind_a_slow_target(tmp_path: Path) -> None:
    with HostileTarget(mode="slow", pause=6) as target:
        process, url = start_proxy(target.url, tmp_path, "--threads", "4")
        try:
            waiting = [
                threading.Thread(
                    target=lambda: requests.post(f"{url}/v2/tasks", json={}, timeout=20)
                )
                for _ in range(6)
            ]
            for thread in waiting:
                thread.start()
            time.sleep(1)
            started = time.monotonic()
            assert requests.get(f"{url}/__health", timeout=5).status_code == 200
            assert requests.get(f"{url}/__admin/status", timeout=5).status_code == 200
            took = time.monotonic() - started
            busy = requests.post(f"{url}/v2/tasks", json={}, timeout=5)
            for thread in waiting:
                thread.join()
        finally:
            process.terminate()
            process.wait(timeout=15)
    assert took < 2, f"health and the admin API waited {took:.1f} s behind the target"
    assert busy.status_code == 503
    assert busy.json()["errors"][0].startswith("proxy: ")


@pytest.mark.parametrize("program", ["serve", "proxy"])
def test_port_0_binds_a_free_port_and_says_which(program: str) -> None:
    extra = ["--target", "http://127.0.0.1:9"] if program == "proxy" else []
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [GONG_TASKS, program, "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in first, first
        port = int(first.split("http://127.0.0.1:")[1].split()[0])
        assert port != 0
        answer = requests.get(f"http://127.0.0.1:{port}/__health", timeout=10)
        assert (answer.status_code, answer.json()["port"]) == (200, port)
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.mark.parametrize(
    ("argv", "env", "words"),
    [
        (["serve", "--state", "redis://127.0.0.1:notaport/0"], {}, "GONG_MOCK_STATE (--state)"),
        (["serve", "--state", "redis://[::1/0"], {}, "Invalid IPv6 URL"),
        (["serve", "--state", "redis://127.0.0.1:6379/abc"], {}, "the database must be a number"),
        (
            ["serve", "--state", "redis://127.0.0.1:6379/0?socket_timeout=abc"],
            {},
            "Invalid value for 'socket_timeout' in connection URL",
        ),
        (
            ["proxy", "--target", "http://127.0.0.1:1", "--state", "redis://h:6379/0?foo=bar"],
            {},
            "redis-py knows no URL option 'foo'",
        ),
        (["proxy", "--target", "http://[::1"], {}, "GONG_PROXY_TARGET (--target)"),
        (["proxy", "--target", "http://h:notaport"], {}, "must be an http:// or https://"),
        (["serve"], {"GONG_MOCK_ADMIN_TOKEN": " padded "}, "the admin token must be printable"),
        (["serve"], {"GONG_MOCK_ADMIN_TOKEN": "tökén"}, "the admin token must be printable"),
        (["serve"], {"GONG_MOCK_BEARER_TOKENS": '{"tökén": []}'}, "a bearer token must be"),
        (["serve"], {"GONG_MOCK_ACCESS_KEY": "key:with-colon"}, "must not contain ':'"),
    ],
)
def test_a_setting_that_can_never_work_is_one_line_and_exit_2(
    argv: list[str], env: dict[str, str], words: str
) -> None:
    run = subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, *argv, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, **env},
    )
    assert run.returncode == 2, run.stderr
    assert words in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    errors = run.stderr.splitlines()
    assert len(errors) == 1, run.stderr  # one line says what is wrong, no usage lines
    assert errors[0].startswith("Error: "), errors
    assert errors[0].count(", got ") <= 1, errors  # the value given, said once
    for secret in ("padded", "tökén", "key:with-colon"):  # a credential is never quoted
        assert secret not in run.stderr
