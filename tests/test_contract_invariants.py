"""The suite's named checks on answers: each problem names its check, the split of an
answer by a filter field finds a task twice, a task missing and a task too many, due
dates compare as instants and a task left out of the due-date order is named."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gong_tasks_kit.contract_tests.invariants import (
    CHECKS,
    filter_problems,
    instant,
    order_problems,
    partition_problems,
    problem,
    unplaced_task_ids,
)
from gong_tasks_kit.contract_tests.written_task import with_offset


def _task(task_id: int, status: str = "OPEN", kind: str = "FLOW") -> dict[str, Any]:
    return {"id": task_id, "userId": 1, "status": status, "type": kind, "actions": ["CALL"]}


def test_problem_names_its_check_and_refuses_unknown_ones() -> None:
    assert str(problem("request-id", "missing")) == "[check: request-id] missing"
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
    assert all(str(line).startswith("[check: partition-by-status] ") for line in ignored)
    assert "the status filter is ignored or broken" in ignored[0]
    lost = partition_problems("status", {"OPEN": [whole[0]], "DONE": [whole[1]]}, whole)
    assert list(map(str, lost)) == [
        "[check: partition-by-status] 1 task(s) of the full answer are in no status answer (e.g. 3)"
    ]
    stray = partition_problems("status", {"OPEN": [*whole, _task(9)]}, whole)
    assert list(map(str, stray)) == [
        "[check: partition-by-status] 1 task(s) answered for one status are not in the full "
        "answer (e.g. 9)"
    ]


def test_a_task_in_no_workspace_is_no_problem_but_a_task_in_two_is() -> None:
    whole = [_task(1), _task(2), _task(3)]
    parts = {"w1": [whole[0]], "w2": [whole[1]]}
    assert partition_problems("workspaceId", parts, whole, every_task_has_one=False) == []
    assert unplaced_task_ids(parts, whole) == ["3"]
    twice = {"w1": whole[:2], "w2": whole[1:2]}
    assert partition_problems("workspaceId", twice, whole, every_task_has_one=False)


def test_filter_problems_name_the_field_the_task_breaks() -> None:
    task_filter = {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}
    assert filter_problems(task_filter, [_task(1)]) == []
    (found,) = filter_problems(task_filter, [_task(2, status="DONE")])
    assert str(found) == (
        "[check: filter-match] tasks[0] (id 2) has status 'DONE', filter.status is ['OPEN']"
    )


def test_due_dates_compare_as_instants_whatever_their_offset() -> None:
    moment = datetime(2018, 2, 18, 9, 30, tzinfo=UTC)
    assert with_offset(moment) == "2018-02-18T02:30:00-07:00"
    assert instant("2018-02-18T02:30:00-07:00") == instant("2018-02-18T09:30:00Z") == moment
    assert instant("2018-02-18T09:30:00") is None, "no offset: no instant"
    assert instant("not a date") is None
    assert instant(7) is None
    # The first hours of the calendar cannot be written at -07:00: they are said in UTC.
    assert with_offset(datetime(1, 1, 1, 3, tzinfo=UTC)) == "0001-01-01T03:00:00+00:00"


def test_order_problem_names_the_task_left_out_of_place() -> None:
    early, late = "2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z"
    ordered = [{"id": 2, "dueDate": early}, {"id": 1, "dueDate": late}, {"id": 3, "dueDate": late}]
    assert order_problems(ordered, 1) == []
    left_first = [{"id": 9, "dueDate": "2026-01-01T00:00:00-07:00"}, *ordered]
    (found,) = order_problems(left_first, 9)
    assert str(found).startswith(
        "[check: update-order] tasks[1] (id 2) comes after tasks[0] (id 9)"
    )
    assert "task 9 (now tasks[0]) was not moved to its place" in found
