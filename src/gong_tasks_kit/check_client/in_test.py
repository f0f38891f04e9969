"""check-client's scenarios inside a pytest test: the scenario's controls applied to the
test's mock (the plugin's ``gong_scenario`` fixture), and its rules asserted over the
calls the test made, with the evidence ``gong-tasks check-client`` prints.

Example:
    >>> def test_my_client_backs_off(gong_mock_url, gong_scenario):
    ...     scenario = gong_scenario("server-errors")   # 500 twice on each operation
    ...     MyClient(gong_mock_url).sync()
    ...     scenario.assert_passed()                     # AssertionError with the evidence
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gong_tasks_kit.check_client.grading import Verdict, grade
from gong_tasks_kit.check_client.scenario import (
    Scenario,
    ScenarioError,
    find_scenario,
    mock_settings,
)
from gong_tasks_kit.mock_server.settings import SettingsError, is_setting
from gong_tasks_kit.mock_server.testing import MockControl

__all__ = ["ScenarioInTest", "apply_scenario"]


class ScenarioInTest:
    """A scenario applied to a test's mock: grade the calls the test made."""

    def __init__(self, scenario: Scenario, control: MockControl) -> None:
        """Keep the scenario and the test mock's controls (see :func:`apply_scenario`)."""
        self.scenario = scenario
        self.control = control

    def verdict(self, *, exit_code: int | None = None) -> Verdict:
        """The scenario's verdict on the calls in the mock's journal (``exit_code``: how a
        client process the test ran exited, when there is one to judge)."""
        return grade(self.scenario, self.control.requests(), exit_code=exit_code)

    def assert_passed(self, *, exit_code: int | None = None) -> Verdict:
        """Assert that the calls kept the scenario's rules.

        Raises:
            AssertionError: with the evidence, as ``gong-tasks check-client`` prints it.
        """
        found = self.verdict(exit_code=exit_code)
        if not found.passed:
            raise AssertionError(found.text())
        return found


def _shown(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in values.items())


def _check_settings(scenario: Scenario, test_settings: Mapping[str, Any]) -> None:
    """Refuse a scenario whose mock settings (limits, data, replay) the test's mock lacks:
    its faults would mean something else there."""
    wanted = dict(scenario.mock)
    if scenario.replay is not None:
        wanted["replay"] = scenario.replay
    given = {key: test_settings[key] for key in wanted if key in test_settings}
    try:
        expected, actual = mock_settings(wanted), mock_settings(given)
    except SettingsError as error:
        raise ScenarioError(f"scenario {scenario.name!r}: {error}") from None
    differ = [key for key in wanted if getattr(expected, key) != getattr(actual, key)]
    if differ:
        needed = {key: wanted[key] for key in differ}
        has = {key: getattr(actual, key) for key in differ}
        raise ScenarioError(
            f"scenario {scenario.name!r} needs the mock's {_shown(needed)}, and this test's "
            f"mock has {_shown(has)}: mark the test @pytest.mark.gong_mock({_shown(needed)})"
        )


def apply_scenario(
    scenario: Scenario | str, control: MockControl, test_settings: Mapping[str, Any]
) -> ScenarioInTest:
    """Apply a scenario's controls (plan steps, chaos, latency, an exhausted quota) to a
    test's mock, after checking that the mock has the settings it needs.

    Args:
        scenario: A scenario, a built-in name or a scenario file's path.
        control: The test mock's controls (the ``gong_mock`` fixture).
        test_settings: The test mock's settings (the plugin's, marker included).

    Raises:
        ScenarioError: for an unknown scenario, or a mock without the settings it needs
            (the message says how to mark the test).
    """
    found = find_scenario(scenario) if isinstance(scenario, str) else scenario
    _check_settings(found, {k.lower(): v for k, v in test_settings.items() if is_setting(k)})
    if found.plan:
        control.queue(*found.plan)
    if found.chaos is not None:
        chaos = found.chaos
        control.chaos(
            chaos["rate"],
            tuple(chaos.get("statuses", (500,))),
            seed=chaos.get("seed", 0),
            retry_after=chaos.get("retryAfter", 1),
        )
    if found.latency is not None:
        latency = found.latency
        control.latency(
            latency.get("fixedMs"),
            min_ms=latency.get("minMs", 0),
            max_ms=latency.get("maxMs", latency.get("minMs", 0)),
            seed=latency.get("seed", 0),
        )
    if found.exhaust_quota:
        control.exhaust_daily_quota()
    return ScenarioInTest(found, control)
