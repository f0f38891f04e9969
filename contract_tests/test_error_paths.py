"""The documented error paths: 400 and 401 in every mode; against mocks also wrong
credentials, each documented error on demand (``Prefer``) and malformed bodies at random.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gong_tasks_kit.contract_tests.expect import error
from gong_tasks_kit.contract_tests.operations import LIST_TASKS
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.fixtures.strategies import invalid_task_list_requests

VALID = {"filter": {"userId": "1", "types": ["MANUAL"], "taskAction": ["CALL"], "status": ["OPEN"]}}
ON_DEMAND = "on-demand faults are a mock feature; against Gong they are checked whenever they occur"
NO_FLOODS = "no floods of invalid bodies to a vendor"


@pytest.mark.gong_designed(requests=1)
def test_no_credentials_get_401(contract_target: Target) -> None:
    body = error(contract_target.list_tasks(VALID, authorization=None), 401)
    assert body["errors"]


@pytest.mark.gong_designed(requests=1)
def test_a_malformed_body_gets_400(contract_target: Target) -> None:
    error(contract_target.list_tasks(b'{"filter": {"userId": 1}}'), 400)


@pytest.mark.gong_designed(requests=1, mock_only="only the one call without credentials to Gong")
def test_wrong_credentials_get_401(contract_target: Target) -> None:
    error(contract_target.list_tasks(VALID, authorization="Basic bm90OnZhbGlk"), 401)


@pytest.mark.parametrize("status", [s for s in LIST_TASKS.documented_statuses() if s != 200])
@pytest.mark.gong_designed(requests=1, mock_only=ON_DEMAND)
def test_prefer_returns_each_documented_error(status: int, contract_target: Target) -> None:
    reply = contract_target.list_tasks(
        VALID, headers={"Prefer": f"code={status}"}, limit_is_the_answer=status == 429
    )
    error(reply, status)


@pytest.mark.gong_random(per_example=1, mock_only=NO_FLOODS)
def test_every_kind_of_malformed_body_gets_400(
    contract_target: Target, run_examples: Callable[..., None]
) -> None:
    def check(case: tuple[str, Any]) -> None:
        error(contract_target.list_tasks(case[1]), 400)

    run_examples(invalid_task_list_requests(), check)
