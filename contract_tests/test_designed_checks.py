"""The designed covering set, sent before any random example in every mode: the widest
filter, each filter value alone, each workspace, an unknown user.

A task has one type, one status and lives in one workspace, so the answers for each
value alone must split the answer for all of them: no task twice, none missing. That
needs no inside knowledge of the target, and an ignored or broken filter fails it within
a handful of requests, every run.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from gong_tasks_kit.contract_tests.budget import NotRunError
from gong_tasks_kit.contract_tests.calls import Call
from gong_tasks_kit.contract_tests.expect import ok
from gong_tasks_kit.contract_tests.filters import PARTITIONS, full_filter, values_of
from gong_tasks_kit.contract_tests.findings import Finding
from gong_tasks_kit.contract_tests.invariants import (
    assert_no_problems,
    filter_problems,
    partition_problems,
    problem,
    task_ids,
    unplaced_task_ids,
)
from gong_tasks_kit.contract_tests.known_ids import KnownIds
from gong_tasks_kit.contract_tests.replies import Reply
from gong_tasks_kit.contract_tests.schedule import ScheduleContext, needs_a_user, needs_workspaces
from gong_tasks_kit.contract_tests.target import Target


def _values_of_param(_: ScheduleContext, params: Mapping[str, Any]) -> int:
    return len(values_of(params["field"]))


def _workspace_count(context: ScheduleContext, _: Mapping[str, Any]) -> int:
    return len(context.known.workspaces)


def _whole(full_answer: Reply) -> list[Any]:
    if full_answer.status != 200 or full_answer.problems():
        pytest.skip(
            "the widest filter's answer is broken: see "
            "test_the_widest_filter_answers_the_users_tasks"
        )
    tasks: list[Any] = full_answer.json["tasks"]
    return tasks


def _confirm_split(
    problems: list[Finding], target: Target, user: str, whole: list[Any]
) -> list[Finding]:
    """Before a broken split is reported, ask for the whole again: when it changed, the
    user's tasks changed during the check (live data), which is no contract break."""
    if not any(found.check.startswith("partition-by-") for found in problems):
        return problems
    try:
        again = target.list_tasks({"filter": full_filter(user)})
    except NotRunError:
        note = "not confirmed by a second widest call: no budget left"
        return [dataclasses.replace(found, note=note) for found in problems]
    if again.status == 200 and task_ids(again.json["tasks"]) != task_ids(whole):
        pytest.skip("the user's tasks changed during the check; run it again")
    return problems


@pytest.mark.gong_designed(needs=needs_a_user)
def test_the_widest_filter_answers_the_users_tasks(full_answer: Reply, known_ids: KnownIds) -> None:
    tasks = ok(full_answer)
    call = full_answer.call
    assert_no_problems(filter_problems(full_filter(known_ids.users[0]), tasks, call=call))


@pytest.mark.parametrize("field", sorted(PARTITIONS))
@pytest.mark.gong_designed(requests=_values_of_param, needs=needs_a_user)
def test_each_value_alone_splits_the_widest_answer(
    field: str, contract_target: Target, known_ids: KnownIds, full_answer: Reply
) -> None:
    user = known_ids.users[0]
    whole = _whole(full_answer)
    parts: dict[str, list[Any]] = {}
    calls: dict[str, Call | None] = {}
    problems: list[Finding] = []
    for value in values_of(field):
        task_filter = full_filter(user, **{field: [value]})
        reply = contract_target.list_tasks({"filter": task_filter})
        parts[value], calls[value] = ok(reply), reply.call
        problems += filter_problems(task_filter, parts[value], call=reply.call)
    problems += partition_problems(field, parts, whole, calls=calls)
    assert_no_problems(_confirm_split(problems, contract_target, user, whole))


@pytest.mark.gong_designed(requests=_workspace_count, needs=needs_workspaces)
def test_each_workspace_splits_the_widest_answer(
    contract_target: Target, known_ids: KnownIds, full_answer: Reply
) -> None:
    user = known_ids.users[0]
    whole = _whole(full_answer)
    parts: dict[str, list[Any]] = {}
    calls: dict[str, Call | None] = {}
    problems: list[Finding] = []
    for workspace in known_ids.workspaces:
        task_filter = full_filter(user, workspaceId=workspace)
        reply = contract_target.list_tasks({"filter": task_filter})
        parts[workspace], calls[workspace] = ok(reply), reply.call
        problems += filter_problems(task_filter, parts[workspace], call=reply.call)
    # A task may be in no workspace (Gong does not say otherwise; --data allows it): a note.
    problems += partition_problems(
        "workspaceId", parts, whole, every_task_has_one=False, calls=calls
    )
    unplaced = unplaced_task_ids(parts, whole)
    if unplaced:
        contract_target.notes.append(
            f"{len(unplaced)} task(s) of user {user} are in no known workspace (e.g. "
            f"{', '.join(unplaced[:3])}); workspaces known from {known_ids.source}"
        )
    assert_no_problems(_confirm_split(problems, contract_target, user, whole))


def _unknown_user(known: KnownIds) -> str:
    return next(candidate for candidate in ("1", "2", "3", "4") if candidate not in known.users)


@pytest.mark.gong_designed(requests=1)
def test_an_unknown_user_gets_no_one_elses_tasks(
    contract_target: Target, known_ids: KnownIds
) -> None:
    user = _unknown_user(known_ids)
    reply = contract_target.list_tasks({"filter": full_filter(user)})
    problems = reply.problems()
    if reply.status == 200 and not problems:
        problems += [
            dataclasses.replace(found, check="unknown-user")
            for found in filter_problems(full_filter(user), reply.json["tasks"], call=reply.call)
        ]
    elif reply.status not in (200, 400, 403) and not problems:
        problems.append(
            problem(
                "unknown-user",
                f"a user no one has got {reply.status}: {reply.body[:200]!r}",
                call=reply.call,
                requires="200 with no task, 400 or 403",
            )
        )
    assert_no_problems(problems)
