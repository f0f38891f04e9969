"""check-client's scenarios in a pytest test: the plugin's ``gong_scenario`` fixture applies a
scenario to the test's mock and asserts its rules over the calls the test made, with the
evidence ``gong-tasks check-client`` prints."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from gong_tasks_kit.check_client import ScenarioError, assert_scenario
from gong_tasks_kit.check_client.in_test import ScenarioInTest
from gong_tasks_kit.mock_server.testing import MockControl


def _listing(client: FlaskClient, control: MockControl) -> dict[str, Any]:
    user = control.dataset()["users"][0]["userId"]
    return {
        "filter": {"userId": user, "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}
    }


def test_gong_scenario_fails_a_test_client_that_ignores_retry_after(
    gong_mock_client: FlaskClient, gong_mock: MockControl, gong_scenario: Any
) -> None:
    scenario: ScenarioInTest = gong_scenario("rate-limited")
    body = _listing(gong_mock_client, gong_mock)
    statuses = [gong_mock_client.post("/v2/tasks", json=body).status_code for _ in range(2)]
    assert statuses == [429, 200]
    with pytest.raises(AssertionError) as caught:
        scenario.assert_passed()
    assert re.fullmatch(
        r"rate-limited: FAIL: call 2 at \+\d\.\d\d s, Retry-After was 2 s "
        r"\(call 1 at \+0\.00 s answered 429\)",
        str(caught.value),
    )
    # The same grading over the journal, without the fixture.
    with pytest.raises(AssertionError, match=r"^rate-limited: FAIL: call 2 at \+\d"):
        assert_scenario("rate-limited", gong_mock.requests())


def test_gong_scenario_passes_a_test_client_that_retries_server_errors_with_growing_waits(
    gong_mock_client: FlaskClient, gong_mock: MockControl, gong_scenario: Any
) -> None:
    scenario: ScenarioInTest = gong_scenario("server-errors")
    body = _listing(gong_mock_client, gong_mock)
    statuses = []
    for wait in (0.06, 0.2, 0):
        statuses.append(gong_mock_client.post("/v2/tasks", json=body).status_code)
        time.sleep(wait)
    assert statuses == [500, 500, 200]
    verdict = scenario.assert_passed()
    assert (verdict.headline, verdict.calls) == ("server-errors: PASS", 3)
    assert not scenario.verdict(exit_code=0).evidence
    assert scenario.verdict(exit_code=1).evidence == ("the client exited with status 1",)


def test_gong_scenario_refuses_a_scenario_the_test_mock_cannot_play(gong_scenario: Any) -> None:
    with pytest.raises(ScenarioError) as caught:
        gong_scenario("pace")
    assert str(caught.value) == (
        "scenario 'pace' needs the mock's rate_limit='3/second', daily_limit=10000, and this "
        "test's mock has rate_limit='off', daily_limit=0: mark the test "
        "@pytest.mark.gong_mock(rate_limit='3/second', daily_limit=10000)"
    )
    with pytest.raises(ScenarioError, match="unknown scenario 'quota'"):
        gong_scenario("quota")


@pytest.mark.gong_mock(daily_limit=10000)
def test_gong_scenario_exhausts_the_quota_of_a_marked_mock(
    gong_mock_client: FlaskClient, gong_mock: MockControl, gong_scenario: Any
) -> None:
    scenario: ScenarioInTest = gong_scenario("daily-quota")
    body = _listing(gong_mock_client, gong_mock)
    answers = [gong_mock_client.post("/v2/tasks", json=body) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [429, 429, 429]
    assert int(answers[0].headers["Retry-After"]) > 3600
    with pytest.raises(AssertionError, match=r"^daily-quota: FAIL: 2 calls after call 1 at"):
        scenario.assert_passed()
