"""The suite's named checks on answers: each problem names its check, and the split of an
answer by a filter field finds a task twice, a task missing and a task too many."""

from __future__ import annotations

from typing import Any

import pytest
from gong_tasks_kit.contract_tests.invariants import (
    CHECKS,
    filter_problems,
    partition_problems,
    problem,
)


def _task(task_id: int, status: str = "OPEN", kind: str = "FLOW") -> dict[str, Any]:
    return {"id": task_id, "userId": 1, "status": status, "type": kind, "actions": ["CALL"]}


def test_problem_names_its_check_and_refuses_unknown_ones() -> None:
    assert problem("request-id", "missing") == "[check: request-id] missing"
    with pytest.raises(KeyError, match="unknown check"):
        problem("no-such-check", "x")
    assert all(name == name.strip() and " " not in name for name in CHECKS)


def test_partition_of_a_faithful_answer_has_no_problem() -> None:
    whole = [_task(1, "OPEN"), _task(2, "DONE")]
    parts = {"OPEN": [whole[0]], "DONE": [whole[1]], "DISMISSED": []}
    assert partition_problems("status", parts, whole) == []


def test_partition_finds_an_ignored_filter_a_lost_task_and_a_stray_one() -> None:
    whole = [_task(1, "OPEN"), _task(2, "DONE"), _task(3, "DONE")]
    ignored = partition_problems("status", {"OPEN": whole, "DONE": whole}, whole)
    assert ignored
    assert all(line.startswith("[check: partition-by-status] ") for line in ignored)
    assert "the status filter is ignored or broken" in ignored[0]
    lost = partition_problems("status", {"OPEN": [whole[0]], "DONE": [whole[1]]}, whole, "!")
    assert lost == [
        "[check: partition-by-status] 1 task(s) of the full answer are in no status answer "
        "(e.g. 3)!"
    ]
    stray = partition_problems("status", {"OPEN": [*whole, _task(9)]}, whole)
    assert stray == [
        "[check: partition-by-status] 1 task(s) answered for one status are not in the full "
        "answer (e.g. 9)"
    ]


def test_filter_problems_name_the_field_the_task_breaks() -> None:
    task_filter = {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}
    assert filter_problems(task_filter, [_task(1)]) == []
    (found,) = filter_problems(task_filter, [_task(2, status="DONE")])
    assert found == (
        "[check: filter-match] tasks[0] (id 2) has status 'DONE', filter.status is ['OPEN']"
    )
