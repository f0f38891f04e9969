"""Hypothesis properties that no schema can say, on real answers of the target."""

from __future__ import annotations

from typing import Any

import pytest
from gong_tasks_kit.contract_tests.invariants import body_problems, filter_problems, reply_problems
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.contract_tests.target import Reply, Target
from gong_tasks_kit.fixtures.strategies import task_list_requests
from hypothesis import given
from hypothesis import strategies as st


def _ok(reply: Reply) -> list[Any]:
    problems = reply_problems(reply.status, reply.headers, reply.body)
    problems += body_problems(reply.status, reply.json) if not problems else []
    assert not problems, problems
    assert reply.status == 200, f"a valid request got {reply.status}: {reply.json}"
    tasks: list[Any] = reply.json["tasks"]
    return tasks


@given(data=st.data())
def test_returned_tasks_match_the_filter(
    data: st.DataObject, contract_target: Target, known_users: tuple[list[str], list[str]]
) -> None:
    body = data.draw(task_list_requests(*known_users), label="body")
    tasks = _ok(contract_target.post(body))
    problems = filter_problems(body["filter"], tasks)
    assert not problems, problems


@given(data=st.data())
def test_a_workspace_narrows_never_widens(
    data: st.DataObject, contract_target: Target, known_users: tuple[list[str], list[str]]
) -> None:
    users, workspaces = known_users
    body = data.draw(task_list_requests(users, workspaces), label="body")
    if "workspaceId" not in body["filter"]:
        body["filter"]["workspaceId"] = data.draw(
            st.sampled_from(workspaces) if workspaces else st.just("1"), label="workspace"
        )
    narrowed = {task["id"] for task in _ok(contract_target.post(body))}
    del body["filter"]["workspaceId"]
    everything = {task["id"] for task in _ok(contract_target.post(body))}
    assert narrowed <= everything, f"workspace filter added tasks {narrowed - everything}"


@given(data=st.data())
def test_the_same_request_twice_returns_the_same_tasks(
    data: st.DataObject,
    contract_target: Target,
    contract_settings: ContractSettings,
    known_users: tuple[list[str], list[str]],
) -> None:
    if contract_settings.live:
        pytest.skip("Gong's data may change between two calls; checked against mocks only")
    body = data.draw(task_list_requests(*known_users), label="body")
    first, second = contract_target.post(body), contract_target.post(body)
    assert _ok(first) == _ok(second)
    assert first.json["requestId"] != second.json["requestId"], "requestId repeated"


def test_a_known_user_has_tasks(
    contract_target: Target, known_users: tuple[list[str], list[str]]
) -> None:
    users, _ = known_users
    assert users, "the target names no user to query (GONG_USER_ID, or a mock's /__health)"
    body = {
        "filter": {
            "userId": users[0],
            "types": ["FLOW", "MANUAL"],
            "taskAction": ["CALL"],
            "status": ["OPEN", "DONE", "DISMISSED"],
        }
    }
    tasks = _ok(contract_target.post(body))
    assert filter_problems(body["filter"], tasks) == []
    assert tasks, f"user {users[0]} has no task at all: the properties would prove nothing"
