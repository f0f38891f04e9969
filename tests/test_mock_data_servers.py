"""Your own data in real server processes: ``gong-tasks serve --data`` starts from a file,
and two instances with two workers each on one Redis serve the same uploads."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests

from gong_tasks_kit.fixtures.dataset import build_dataset
from gong_tasks_kit.mock_server.testing import MockControl, MockControlError, basic_authorization

AUTH = {"Authorization": basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")}
ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


def _ids(url: str, user: object) -> list[int]:
    body = {"filter": {"userId": str(user), **ALL}}
    # A fresh connection per call, so calls spread over the workers.
    response = requests.post(f"{url}/v2/tasks", json=body, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return [task["id"] for task in response.json()["tasks"]]


def test_two_instances_on_one_redis_serve_the_same_uploads(
    start_mock: Callable[..., Any], redis_server: Any, tmp_path: Path
) -> None:
    startup = build_dataset(5, 1, 3).tasks()
    path = tmp_path / "tasks.json"
    path.write_bytes(orjson.dumps({"tasks": startup, "crmType": "HUBSPOT"}))
    argv = ["--workers", "2", "--rate-limit", "off", "--state", redis_server.url]
    first = start_mock([*argv, "--data", str(path)])
    second = start_mock([*argv, "--data", str(path)])
    assert any(f"file {path}, 3 tasks, crmType HUBSPOT" in line for line in first.banner)
    user = startup[0]["userId"]
    assert f"    {user}: (no workspace)" in first.banner  # the file names no workspace
    seeded = sorted(task["id"] for task in startup)
    assert sorted(_ids(second.url, user)) == seeded

    uploaded = build_dataset(9, 2, 2).tasks()
    MockControl(first.url).replace_tasks(uploaded)
    other_user = uploaded[0]["userId"]
    for url in (first.url, second.url) * 3:  # every worker of both instances
        assert _ids(url, user) == []
        assert sorted(_ids(url, other_user)) == sorted(
            t["id"] for t in uploaded if t["userId"] == other_user
        )

    added = {**uploaded[0], "id": 4242, "status": "OPEN"}
    MockControl(second.url).add_tasks([added])
    for url in (first.url, second.url) * 3:
        assert 4242 in _ids(url, other_user)
    with pytest.raises(MockControlError, match="id: 4242 is already served"):
        MockControl(first.url).add_tasks([added])  # the other instance knows the id too
    patched = requests.patch(
        f"{second.url}/v2/tasks/4242",
        json={"userId": str(other_user), "status": "DONE"},
        headers=AUTH,
        timeout=10,
    )
    assert patched.status_code == 200
    assert MockControl(first.url).task(4242)["task"]["status"] == "DONE"
    assert MockControl(second.url).dataset()["totals"]["tasks"] == 5

    MockControl(second.url).reset()
    for url in (first.url, second.url) * 3:
        assert sorted(_ids(url, user)) == seeded
        assert _ids(url, other_user) == []


def test_the_served_mock_takes_uploads_bigger_than_the_api_body_limit(
    start_mock: Callable[..., Any],
) -> None:
    served = start_mock(["--rate-limit", "off"])
    uploaded = build_dataset(9, 1, 100).tasks()  # ~120 KiB, over the API's 64 KiB
    assert len(orjson.dumps(uploaded)) > 64 * 1024
    assert MockControl(served.url).replace_tasks(uploaded)["tasks"] == 100
    assert sorted(_ids(served.url, uploaded[0]["userId"])) == sorted(t["id"] for t in uploaded)
    too_big = {"filter": {"userId": "1", **ALL, "padding": "x" * 70_000}}
    refused = requests.post(f"{served.url}/v2/tasks", json=too_big, headers=AUTH, timeout=10)
    assert refused.status_code == 400
    assert "larger than the 65536-byte limit" in refused.json()["errors"][0]
