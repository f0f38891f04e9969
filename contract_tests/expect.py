"""Assertions of the suite's tests: an answer is a good 200, or the expected error.

Each failure lists every problem with the name of its check (see ``invariants``).
"""

from __future__ import annotations

from typing import Any

from gong_tasks_kit.contract_tests.invariants import assert_no_problems, problem
from gong_tasks_kit.contract_tests.operations import LIST_TASKS, Operation
from gong_tasks_kit.contract_tests.replies import Reply


def ok(reply: Reply, operation: Operation = LIST_TASKS) -> list[Any]:
    """The tasks of a good answer to a valid request; fails the test otherwise."""
    problems = reply.problems(operation)
    if reply.status != 200:
        problems.append(
            problem(
                "valid-request-ok",
                f"a valid request got {reply.status}: {reply.body[:300]!r}",
                call=reply.call,
                requires=f"200 for a valid call of {operation.label}",
            )
        )
    assert_no_problems(problems)
    tasks: list[Any] = reply.json["tasks"]
    return tasks


def error(reply: Reply, status: int, operation: Operation = LIST_TASKS) -> Any:
    """The body of a good ``status`` answer to an invalid request; fails the test otherwise."""
    problems = []
    if reply.status != status:
        problems.append(
            problem(
                "expected-status",
                f"expected {status}, got {reply.status}: {reply.body[:300]!r}",
                call=reply.call,
                requires=f"{status}",
            )
        )
    assert_no_problems([*problems, *reply.problems(operation)])
    return reply.json
