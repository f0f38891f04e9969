"""The task the update checks write to is one whose original values a restore can send
back: a task answered with a status the spec does not list is never written (else the
restore is refused, the task stays changed, and the run reports a restore failure that
only follows from the answer's own break)."""

from __future__ import annotations

import pytest

from gong_tasks_kit.contract_tests.budget import NotRunError
from gong_tasks_kit.contract_tests.filters import full_filter
from gong_tasks_kit.contract_tests.known_ids import KnownTasks
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.contract_tests.written_task import choose


def _target(app: str) -> Target:
    return Target(load_settings({"GONG_CONTRACT_APP": app}).with_seed())


def _choose(target: Target, said: list[str]) -> object:
    user = target.known_ids().users[0]
    first = target.list_tasks({"filter": full_filter(user)})
    return choose(
        target,
        allow_writes=None,
        owner=None,
        first_answer=first,
        first_user=user,
        known=KnownTasks().find,
        say=said.append,
    )


def test_a_task_answered_with_a_status_outside_the_spec_is_never_written() -> None:
    target = _target("gong_tasks_kit.contract_tests.mutants:enum_outside_spec")
    said: list[str] = []
    with pytest.raises(NotRunError, match="status 'PENDING', which the spec does not list"):
        _choose(target, said)
    assert said == []
    assert target.counters.checks == 1, "the list call only: no update was sent"


def test_a_task_with_a_status_of_the_spec_is_chosen() -> None:
    target = _target("gong_tasks_kit.mock_server.apps:unthrottled_app")
    chosen = _choose(target, [])
    assert getattr(chosen, "original", {}).get("status") in ("OPEN", "DONE", "DISMISSED")
