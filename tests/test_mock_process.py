"""``gong-tasks serve`` and ``python -m gong_tasks_kit.mock_server`` as real processes."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from gong_tasks_kit.mock_server.testing import basic_authorization

BIN = Path(sys.executable).parent
AUTH = basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")


def _post(url: str, body: object, **headers: str) -> tuple[int, Message, dict[str, object]]:
    """Status, headers (looked up in any case, as HTTP says) and JSON body of a call."""
    request = urllib.request.Request(  # noqa: S310 - loopback URL built by the test
        f"{url}/v2/tasks",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, json.loads(error.read())


COMMANDS = [
    pytest.param(
        lambda port: [str(BIN / "gong-tasks"), "serve", "--port", str(port)],
        id="gong-tasks-serve",
    ),
    pytest.param(
        lambda port: [
            sys.executable,
            "-m",
            "gong_tasks_kit.mock_server",
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


@pytest.mark.parametrize("command", COMMANDS)
def test_served_mock_answers_over_http(
    start_mock: Callable[..., Any], command: Callable[[int], list[str]]
) -> None:
    served = start_mock(command, env={"GONG_MOCK_USERS": "3"})
    url, banner = served.url, served.banner
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


def test_serve_refuses_several_workers_on_memory_state_in_one_line() -> None:
    completed = subprocess.run(  # noqa: S603
        [str(BIN / "gong-tasks"), "serve", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 2
    error_lines = [line for line in completed.stderr.splitlines() if line.startswith("Error")]
    assert len(error_lines) == 1, completed.stderr
    assert "--workers" in error_lines[0]
    assert "redis://" in error_lines[0]
    assert "Traceback" not in completed.stderr


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
