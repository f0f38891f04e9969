"""Schema conformance with schemathesis: every generated request, every built-in check,
plus Gong's invariants on every answer. Requests carry the target's real user and
workspace ids, and against mocks the update call's real task ids with their owners (see
``schema``), so the response checks run on real task bodies and real updates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup

from gong_tasks_kit.contract_tests.calls import call_of_prepared
from gong_tasks_kit.contract_tests.findings import ChecksFailedError
from gong_tasks_kit.contract_tests.invariants import assert_no_problems
from gong_tasks_kit.contract_tests.operations import Operation, find_operation
from gong_tasks_kit.contract_tests.replies import Reply
from gong_tasks_kit.contract_tests.schedule import ScheduleContext
from gong_tasks_kit.contract_tests.schema import generated_operations
from gong_tasks_kit.contract_tests.schemathesis_failures import folded_findings
from gong_tasks_kit.contract_tests.target import Target

schema = schemathesis.pytest.from_fixture("contract_schema")


def _operation(case: Any) -> Operation | None:
    return find_operation(case.method, case.operation.path)


def _reply(response: Any, run_credential: str = "") -> Reply:
    headers = {name: values[0] for name, values in response.headers.items() if values}
    call = call_of_prepared(
        response.request, run_credential=run_credential, status=response.status_code
    )
    return Reply(response.status_code, headers, response.content, call)


def gong_answer_invariants(ctx: Any, response: Any, case: Any) -> bool | None:
    """Schemathesis check: Gong's invariants on one answer of an operation of the spec."""
    operation = _operation(case)
    if operation is None:
        return None  # a method the spec lacks: schemathesis's own checks expect a 405
    assert_no_problems(_reply(response).problems(operation))
    return None


def _spec_examples(context: ScheduleContext, _: Mapping[str, Any]) -> int:
    return context.spec_examples


def _per_example(context: ScheduleContext, _: Mapping[str, Any]) -> int:
    # Schemathesis draws the examples granted for each operation it sees.
    return len(generated_operations(context.settings))


@pytest.mark.gong_random(per_example=_per_example, fixed=_spec_examples)
@schema.parametrize()
def test_conformance(case: Any, contract_target: Target) -> None:
    options = {"session": contract_target.http} if contract_target.http else {}
    credential = contract_target.settings.authorization
    operation = _operation(case)
    response = contract_target.deliver(
        operation,
        lambda: case.call(**options),
        lambda answer: _reply(answer, credential),
        path=case.formatted_path,
    )
    try:
        case.validate_response(response, additional_checks=[gong_answer_invariants])
    except FailureGroup as group:
        # One report: the suite's findings on this answer, schemathesis' folded in.
        reply = _reply(response, credential)
        own = reply.problems(operation) if operation is not None else []
        raise ChecksFailedError(folded_findings(group.exceptions, reply.call, own)) from group
