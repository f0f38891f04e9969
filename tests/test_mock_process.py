"""``gong-tasks serve`` and ``python -m mock_server`` as real processes talking HTTP."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from mock_server.testing import basic_authorization

BIN = Path(sys.executable).parent
AUTH = basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_banner(process: subprocess.Popen[str], deadline: float) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "health:" in line:
            return lines
    raise AssertionError(f"no banner; got {lines!r}")


def _wait_until_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/__health", timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never answered")


def _post(url: str, body: object, **headers: str) -> tuple[int, dict[str, str], dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 - loopback URL built by the test
        f"{url}/v2/tasks",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[str, list[str]]]:
    port = _free_port()
    command: list[str] = request.param(port)
    env = {**os.environ, "GONG_MOCK_USERS": "3", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(  # noqa: S603 - our own console script
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    try:
        deadline = time.monotonic() + 30
        banner = _wait_for_banner(process, deadline)
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(url, deadline)
        yield url, banner
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            assert process.wait(timeout=15) == 0
        finally:
            process.kill()


COMMANDS = [
    pytest.param(
        lambda port: [str(BIN / "gong-tasks"), "serve", "--port", str(port), "--workers", "2"],
        id="gong-tasks-serve",
    ),
    pytest.param(
        lambda port: [
            sys.executable,
            "-m",
            "mock_server",
            "--port",
            str(port),
            "--workers",
            "1",
            "--seed",
            "7",
        ],
        id="python-m-mock_server",
    ),
]


@pytest.mark.parametrize("served", COMMANDS, indirect=True)
def test_served_mock_answers_over_http(served: tuple[str, list[str]]) -> None:
    url, banner = served
    text = "\n".join(banner)
    assert f"listening on {url}" in text
    assert "access key 'gong-mock-access-key'" in text
    user_lines = [line.strip() for line in banner if line.startswith("    ")]
    assert len(user_lines) == 3, banner  # GONG_MOCK_USERS=3 from the environment
    user = user_lines[0].split(":")[0]
    assert len(user) == 19

    body = {
        "filter": {
            "userId": user,
            "types": ["FLOW", "MANUAL"],
            "taskAction": ["CALL"],
            "status": ["OPEN", "DONE", "DISMISSED"],
        }
    }
    status, headers, payload = _post(url, body, Authorization=AUTH)
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert isinstance(payload["tasks"], list)
    assert len(payload["tasks"]) == 50

    status, headers, payload = _post(url, body)
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Basic realm="Gong.io API"'

    status, headers, payload = _post(url, body, Authorization=AUTH, Prefer="code=429")
    assert (status, headers["Retry-After"]) == (429, "1")

    status, _, payload = _post(url, {"filter": {}}, Authorization=AUTH)
    assert status == 400
    assert "filter: 'userId' is a required property" in payload["errors"]


def test_serve_refuses_bad_settings_with_one_line_and_exit_2() -> None:
    completed = subprocess.run(  # noqa: S603
        [str(BIN / "gong-tasks"), "serve", "--users", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    assert "--users" in completed.stderr
