"""Grading: a scenario's rules over the calls a client made (journal entries), with the
evidence a person reads. The same for ``gong-tasks check-client`` and for pytest tests
(``assert_scenario``, the ``gong_scenario`` fixture).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from gong_tasks_kit.check_client.calls import calls_from_journal
from gong_tasks_kit.check_client.rules import Run, judge
from gong_tasks_kit.check_client.scenario import Scenario, find_scenario

__all__ = ["Verdict", "assert_scenario", "grade"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """A scenario's verdict on one run of a client.

    Attributes:
        scenario: The scenario's name.
        evidence: Each breach found, worst first (empty: the client passed).
        calls: How many calls the client made.
    """

    scenario: str
    evidence: tuple[str, ...]
    calls: int

    @property
    def passed(self) -> bool:
        """Whether the client kept every rule."""
        return not self.evidence

    @property
    def headline(self) -> str:
        """``rate-limited: PASS``, or ``rate-limited: FAIL: <the first evidence>``."""
        if self.passed:
            return f"{self.scenario}: PASS"
        return f"{self.scenario}: FAIL: {self.evidence[0]}"

    def text(self) -> str:
        """The headline, then any further evidence, one ``also:`` line each."""
        return "\n".join([self.headline, *(f"  also: {more}" for more in self.evidence[1:])])


def grade(
    scenario: Scenario,
    entries: Iterable[Mapping[str, Any]],
    *,
    exit_code: int | None = None,
    timed_out: bool = False,
) -> Verdict:
    """Grade the calls in ``entries`` (the mock's journal) by ``scenario``'s rules.

    Args:
        scenario: The scenario.
        entries: Journal entries (``GET /__admin/requests``, ``MockControl.requests()``).
        exit_code: How the client exited, when known (``exit-zero`` judges it).
        timed_out: Whether the client was ended by the time limit (always a failure).
    """
    calls = calls_from_journal(entries)
    evidence = judge(Run(calls, exit_code, timed_out), scenario.rules)
    if timed_out:
        evidence.insert(
            0,
            f"the client did not finish within {scenario.time_limit:g} s and was ended "
            "(a client must not hang)",
        )
    return Verdict(scenario.name, tuple(evidence), len(calls))


def assert_scenario(
    scenario: Scenario | str,
    entries: Iterable[Mapping[str, Any]],
    *,
    exit_code: int | None = None,
) -> Verdict:
    """Assert that the calls in ``entries`` keep ``scenario``'s rules.

    Example:
        >>> assert_scenario("server-errors", gong_mock.requests())

    Args:
        scenario: A scenario, or a built-in name or a scenario file's path.
        entries: Journal entries (``MockControl.requests()``).
        exit_code: How the client exited, when there is one to judge.

    Returns:
        The verdict (it passed).

    Raises:
        AssertionError: with the evidence, as ``gong-tasks check-client`` prints it.
    """
    found = find_scenario(scenario) if isinstance(scenario, str) else scenario
    verdict = grade(found, entries, exit_code=exit_code)
    if not verdict.passed:
        raise AssertionError(verdict.text())
    return verdict
