"""Updates against real server processes: two mock instances on one Redis act as one
mock (an update on one is seen by the other's list, admin views and reset)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from gong_tasks_kit.mock_server.testing import MockControl, basic_authorization

AUTH = {"Authorization": basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")}
ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


def _tasks(url: str, user: str, status: list[str]) -> list[dict[str, Any]]:
    body = {"filter": {"userId": user, **ALL, "status": status}}
    response = requests.post(f"{url}/v2/tasks", json=body, headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    tasks: list[dict[str, Any]] = response.json()["tasks"]
    return tasks


def _update(url: str, task_id: int, body: dict[str, Any]) -> requests.Response:
    return requests.patch(f"{url}/v2/tasks/{task_id}", json=body, headers=AUTH, timeout=10)


def test_two_instances_on_one_redis_share_task_changes_plans_and_reset(
    start_mock: Callable[..., Any], redis_server: Any
) -> None:
    argv = ["--workers", "2", "--rate-limit", "off", "--state", redis_server.url]
    first, second = start_mock(argv), start_mock(argv)
    user = requests.get(f"{first.url}/__health", timeout=10).json()["userIds"][0]
    seeded = _tasks(second.url, user, ["OPEN", "DONE", "DISMISSED"])
    task = _tasks(second.url, user, ["OPEN"])[0]

    done = _update(
        first.url,
        task["id"],
        {"userId": user, "status": "DONE", "dueDate": "2030-05-06T07:08:09+02:00"},
    )
    assert done.status_code == 200
    for url in (first.url, second.url, first.url, second.url):  # every worker of both
        assert task["id"] not in [t["id"] for t in _tasks(url, user, ["OPEN"])]
        moved = _tasks(url, user, ["DONE"])
        assert moved[-1] == done.json()["tasks"][0]
        assert moved[-1]["dueDate"] == "2030-05-06T05:08:09Z"
    assert MockControl(second.url).task(task["id"])["changed"] is True
    assert MockControl(second.url).dataset()["totals"]["changedTasks"] == 1

    MockControl(first.url).fail_next(500, operation="updateTask")
    assert _tasks(second.url, user, ["DONE"])  # the list call leaves the step alone
    assert _update(second.url, task["id"], {"userId": user, "status": "OPEN"}).status_code == 500
    assert _update(first.url, task["id"], {"userId": user, "status": "OPEN"}).status_code == 200

    MockControl(second.url).reset()
    assert _tasks(first.url, user, ["OPEN", "DONE", "DISMISSED"]) == seeded
    assert MockControl(first.url).task(task["id"])["changed"] is False
