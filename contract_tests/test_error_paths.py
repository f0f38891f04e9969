"""The documented error paths: 400, 401, and (against mocks) 403, 429 and 500 on demand."""

from __future__ import annotations

from typing import Any

import pytest
from gong_tasks_kit.contract_tests.invariants import body_problems, reply_problems
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.contract_tests.target import Reply, Target
from gong_tasks_kit.fixtures.strategies import invalid_task_list_requests
from hypothesis import given, settings

VALID = {"filter": {"userId": "1", "types": ["MANUAL"], "taskAction": ["CALL"], "status": ["OPEN"]}}


def _assert_error(reply: Reply, status: int) -> Any:
    assert reply.status == status, f"expected {status}, got {reply.status}: {reply.body[:300]!r}"
    problems = reply_problems(reply.status, reply.headers, reply.body)
    problems += body_problems(reply.status, reply.json) if not problems else []
    assert not problems, problems
    return reply.json


def _mock_only(contract_settings: ContractSettings) -> None:
    if contract_settings.live:
        pytest.skip(
            "on-demand faults are a mock feature; against Gong they are checked whenever they occur"
        )


def test_no_credentials_get_401(contract_target: Target) -> None:
    body = _assert_error(contract_target.post(VALID, authorization=None), 401)
    assert body["errors"]


def test_a_malformed_body_gets_400(contract_target: Target) -> None:
    _assert_error(contract_target.post(b'{"filter": {"userId": 1}}'), 400)


@settings(max_examples=30)
@given(case=invalid_task_list_requests())
def test_every_kind_of_malformed_body_gets_400(
    case: tuple[str, Any], contract_target: Target, contract_settings: ContractSettings
) -> None:
    _mock_only(contract_settings)  # no floods of invalid bodies to a vendor
    _assert_error(contract_target.post(case[1]), 400)


def test_wrong_credentials_get_401(
    contract_target: Target, contract_settings: ContractSettings
) -> None:
    _mock_only(contract_settings)
    reply = contract_target.post(VALID, authorization="Basic bm90OnZhbGlk")
    _assert_error(reply, 401)


@pytest.mark.parametrize("status", [400, 401, 403, 429, 500])
def test_prefer_returns_each_documented_error(
    status: int, contract_target: Target, contract_settings: ContractSettings
) -> None:
    _mock_only(contract_settings)
    reply = contract_target.post(VALID, headers={"Prefer": f"code={status}"})
    _assert_error(reply, status)
