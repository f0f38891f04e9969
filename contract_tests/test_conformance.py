"""Schema conformance with schemathesis: every generated request, every built-in check,
plus Gong's own invariants on every answer."""

from __future__ import annotations

from typing import Any

import schemathesis
from gong_tasks_kit.contract_tests.invariants import body_problems, reply_problems
from gong_tasks_kit.contract_tests.target import Reply, Target
from gong_tasks_kit.spec import TASKS_PATH

schema = schemathesis.pytest.from_fixture("contract_schema")


def _is_list_call(case: Any) -> bool:
    # Not method fuzzing (schemathesis's own checks expect a 405 there), and not the update
    # call, which schemathesis's built-in checks judge on their own for now.
    return bool(case.method.upper() == "POST" and case.path == TASKS_PATH)


def gong_answer_invariants(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis check: Gong's invariants on one answer to ``POST /v2/tasks``."""
    if not _is_list_call(case):
        return None
    headers = {name: values[0] for name, values in response.headers.items() if values}
    reply = Reply(response.status_code, headers, response.content)
    problems = reply_problems(reply.status, reply.headers, reply.body)
    if not problems:
        problems = body_problems(reply.status, reply.json)
    if problems:
        raise AssertionError("Gong invariant broken: " + "; ".join(problems))
    return None


@schema.parametrize()
def test_conformance(case: Any, contract_target: Target) -> None:
    contract_target.before_request()
    if contract_target.session is not None:
        response = case.call(session=contract_target.session)
    else:
        response = case.call()
    if _is_list_call(case):
        headers = {name: values[0] for name, values in response.headers.items() if values}
        contract_target.observe(response.status_code, headers, response.content)
    case.validate_response(response, additional_checks=[gong_answer_invariants])
