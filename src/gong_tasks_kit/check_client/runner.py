"""One scenario, end to end: a fresh mock, the scenario's controls through the admin API,
the client run once with the mock's address and credentials, the journal read back and
graded. Everything goes through the mock's HTTP API, as a QA engineer's tools would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from gong_tasks_kit.check_client.grading import Verdict, grade
from gong_tasks_kit.check_client.processes import (
    JOURNAL_SIZE,
    ClientOutcome,
    MockProcess,
    MockStartError,
    run_client,
)
from gong_tasks_kit.check_client.scenario import Scenario
from gong_tasks_kit.fixtures.credentials import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BEARER_TOKENS,
    WRITE_SCOPE,
)

__all__ = ["ScenarioResult", "client_environment", "run_scenario"]

#: The bearer token handed to the client: the mock's default one that may also update.
WRITE_TOKEN = next(t for t, scopes in DEFAULT_BEARER_TOKENS.items() if WRITE_SCOPE in scopes)


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """What one scenario found.

    Attributes:
        verdict: PASS or FAIL, with the evidence.
        client: How the client's run ended, and the end of its output.
        notes: What the reader should know beyond the verdict (a full journal).
    """

    verdict: Verdict
    client: ClientOutcome
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether the client passed."""
        return self.verdict.passed


def client_environment(base_url: str, user_id: str | None) -> dict[str, str]:
    """What the client is given: the mock's address, its credentials (the public mock
    defaults: Basic, and a bearer token that may read and write) and a user with open
    tasks."""
    environment = {
        "GONG_BASE_URL": base_url,
        "GONG_ACCESS_KEY": DEFAULT_ACCESS_KEY,
        "GONG_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
        "GONG_BEARER_TOKEN": WRITE_TOKEN,
    }
    if user_id is not None:
        environment["GONG_USER_ID"] = user_id
    return environment


def _user_with_open_tasks(mock: MockProcess) -> str | None:
    users: list[dict[str, Any]] = mock.admin("GET", "/dataset")["users"]
    with_open = [user for user in users if user.get("tasks", {}).get("OPEN")]
    chosen = with_open or users
    return str(chosen[0]["userId"]) if chosen else None


def _prepare(mock: MockProcess, scenario: Scenario) -> None:
    """Apply the scenario's controls before the client starts."""
    if scenario.plan:
        mock.admin("POST", "/plans", {"steps": list(scenario.plan)})
    if scenario.chaos is not None:
        mock.admin("PUT", "/chaos", dict(scenario.chaos))
    if scenario.latency is not None:
        mock.admin("PUT", "/latency", dict(scenario.latency))
    if scenario.exhaust_quota:
        mock.admin("POST", "/quota/exhaust", {})


def run_scenario(
    scenario: Scenario, command: Sequence[str], *, time_limit: float | None = None
) -> ScenarioResult:
    """Run ``command`` once against a fresh mock set up by ``scenario``, and grade it.

    Args:
        scenario: The scenario.
        command: The client's command and arguments.
        time_limit: Seconds the client may take (default: the scenario's).

    Raises:
        MockStartError: when the mock did not start or refused the scenario's controls.
        ClientStartError: when the command cannot be run.
    """
    limit = time_limit if time_limit is not None else scenario.time_limit
    try:
        with MockProcess(scenario.mock_environment()) as mock:
            _prepare(mock, scenario)
            environment = client_environment(mock.url, _user_with_open_tasks(mock))
            outcome = run_client(
                command, environment, limit, secrets=(DEFAULT_ACCESS_KEY_SECRET, WRITE_TOKEN)
            )
            entries: list[Mapping[str, Any]] = mock.admin("GET", "/requests")["requests"]
    except MockStartError as error:
        raise MockStartError(f"{scenario.name}: {error}") from None
    notes = []
    if len(entries) >= JOURNAL_SIZE:
        notes.append(f"the journal was full: only the last {JOURNAL_SIZE} calls were graded")
    graded = replace(scenario, time_limit=limit)
    verdict = grade(graded, entries, exit_code=outcome.exit_code, timed_out=outcome.timed_out)
    return ScenarioResult(verdict, outcome, tuple(notes))
