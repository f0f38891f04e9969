"""Last: the drift report over every answer the run saw (written to a file on live runs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gong_tasks_kit.contract_tests.budget import NotRunError
from gong_tasks_kit.contract_tests.invariants import assert_no_problems, problem, readable
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.contract_tests.target import Target


@pytest.mark.gong_last
def test_no_type_enum_or_status_drift(
    contract_target: Target, contract_settings: ContractSettings
) -> None:
    report = contract_target.drift.report()
    if contract_settings.live:
        Path(contract_settings.drift_report).write_text(
            json.dumps(report.to_json(), indent=2), encoding="utf-8"
        )
    if report.responses == 0:
        raise NotRunError("no answer was recorded, so there is no drift to judge")
    origins = contract_target.drift.origins
    assert_no_problems(
        problem("drift", failure, call=origins.get(failure), observed=readable(failure))
        for failure in report.failures
    )
