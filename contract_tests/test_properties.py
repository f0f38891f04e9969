"""Hypothesis properties that no schema can say, on real answers of the target, with
random filters for the target's real users and workspaces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import strategies as st

from gong_tasks_kit.contract_tests.expect import ok
from gong_tasks_kit.contract_tests.invariants import assert_no_problems, filter_problems, problem
from gong_tasks_kit.contract_tests.known_ids import KnownIds
from gong_tasks_kit.contract_tests.schedule import needs_a_user
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.fixtures.strategies import task_list_requests


@st.composite
def _known_requests(draw: st.DrawFn, known: KnownIds) -> dict[str, Any]:
    """Valid bodies for the target's own users (and workspaces; none when none is known,
    so no made-up workspace is ever sent)."""
    body: dict[str, Any] = draw(task_list_requests(known.users, known.workspaces))
    task_filter = body["filter"]
    task_filter["userId"] = draw(st.sampled_from(known.users))
    if "workspaceId" in task_filter:
        if known.workspaces:
            task_filter["workspaceId"] = draw(st.sampled_from(known.workspaces))
        else:
            del task_filter["workspaceId"]
    return body


@pytest.mark.gong_random(per_example=1, needs=needs_a_user)
def test_returned_tasks_match_the_filter(
    contract_target: Target, known_ids: KnownIds, run_examples: Callable[..., None]
) -> None:
    def check(body: dict[str, Any]) -> None:
        reply = contract_target.list_tasks(body)
        assert_no_problems(filter_problems(body["filter"], ok(reply), call=reply.call))

    run_examples(_known_requests(known_ids), check)


@pytest.mark.gong_random(
    per_example=2,
    needs=needs_a_user,
    mock_only="Gong's data may change between two calls",
)
def test_the_same_request_twice_returns_the_same_tasks(
    contract_target: Target, known_ids: KnownIds, run_examples: Callable[..., None]
) -> None:
    def check(body: dict[str, Any]) -> None:
        first, second = contract_target.list_tasks(body), contract_target.list_tasks(body)
        problems = []
        if ok(first) != ok(second):
            problems.append(
                problem("same-answer-twice", "the same request got other tasks", call=second.call)
            )
        if first.json["requestId"] == second.json["requestId"]:
            problems.append(
                problem(
                    "request-id",
                    "requestId repeated in two answers",
                    call=second.call,
                    field="requestId",
                )
            )
        assert_no_problems(problems)

    run_examples(_known_requests(known_ids), check)
