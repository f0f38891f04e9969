"""The contract suite's fixtures: the run's settings and target, the ids and tasks it
queries, the examples the schedule granted each test, the schemathesis schema, the first
full answer, the one task the update checks write to (restored at the end), and what a
run puts back on a mock (``mock_restore``)."""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.strategies import SearchStrategy

from gong_tasks_kit.contract_tests.filters import full_filter
from gong_tasks_kit.contract_tests.findings import ChecksFailedError
from gong_tasks_kit.contract_tests.known_ids import KnownIds, KnownTasks
from gong_tasks_kit.contract_tests.mock_restore import leave_as_found, read_mock_tasks
from gong_tasks_kit.contract_tests.replies import Reply
from gong_tasks_kit.contract_tests.schedule import Decision
from gong_tasks_kit.contract_tests.schema import build_schema
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.contract_tests.stash_keys import DECISION_KEY, SETTINGS_KEY, TARGET_KEY
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.contract_tests.written_task import WrittenTask, choose

__all__ = [
    "contract_schema",
    "contract_settings",
    "contract_target",
    "example_seed",
    "full_answer",
    "known_ids",
    "known_tasks",
    "mock_put_back",
    "planned_examples",
    "run_examples",
    "written_task",
]


@pytest.fixture(scope="session")
def contract_settings(pytestconfig: pytest.Config) -> ContractSettings:
    """The run's settings."""
    return pytestconfig.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config) -> Target:
    """The system under contract, shared by the whole run."""
    return pytestconfig.stash[TARGET_KEY]


@pytest.fixture(scope="session")
def known_ids(contract_target: Target) -> KnownIds:
    """The users and workspaces the target has (the first user is the designed checks')."""
    return contract_target.known_ids()


@pytest.fixture
def planned_examples(request: pytest.FixtureRequest) -> int:
    """Random examples the schedule granted this test."""
    decision = request.node.stash.get(DECISION_KEY, Decision(runs=True))
    settings: ContractSettings = request.config.stash[SETTINGS_KEY]
    return decision.examples if decision.examples is not None else settings.max_examples


def example_seed(run_seed: int, nodeid: str) -> int:
    """The seed of one test's random examples: the run's seed and the test's id."""
    return zlib.crc32(f"{run_seed}:{nodeid}".encode())


@pytest.fixture
def run_examples(
    request: pytest.FixtureRequest, contract_settings: ContractSettings, planned_examples: int
) -> Callable[[SearchStrategy[Any], Callable[[Any], None]], None]:
    """Run ``check`` on the examples the schedule granted this test, drawn from ``strategy``
    with a seed derived from the run's (so ``--seed`` repeats them, in order)."""
    seed = example_seed(contract_settings.seed or 0, request.node.nodeid)

    def run(strategy: SearchStrategy[Any], check: Callable[[Any], None]) -> None:
        @hypothesis.seed(seed)
        @hypothesis_settings(max_examples=planned_examples)
        @hypothesis.given(strategy)
        def examples(value: Any) -> None:
            check(value)

        examples()

    return run


@pytest.fixture
def contract_schema(
    contract_settings: ContractSettings,
    contract_target: Target,
    known_ids: KnownIds,
    known_tasks: KnownTasks,
    planned_examples: int,
) -> Any:
    """The spec as a schemathesis schema bound to the target (see ``schema``)."""
    return build_schema(
        contract_settings,
        known_ids,
        max_examples=planned_examples,
        app=contract_target.app,
        tasks=known_tasks,
    )


@pytest.fixture(scope="session")
def full_answer(contract_target: Target, known_ids: KnownIds) -> Reply:
    """The answer for the first user with the widest filter, sent once per run.

    A user with no tasks at all is a loud warning in the summary: the data checks had
    nothing to look at.
    """
    user = known_ids.users[0]
    reply = contract_target.list_tasks({"filter": full_filter(user)})
    tasks = reply.json.get("tasks") if isinstance(reply.json, dict) else None
    if reply.status == 200 and tasks == []:
        contract_target.warnings.append(
            f"user {user} has no tasks at all: the checks of task data had nothing to "
            "look at (pick a user with tasks: GONG_USER_ID)"
        )
    return reply


@pytest.fixture(scope="session")
def known_tasks(
    contract_target: Target, contract_settings: ContractSettings, known_ids: KnownIds
) -> KnownTasks:
    """Every known user's tasks, read with the widest filter (one list call per user),
    against mocks only: schemathesis updates real tasks by their owners with them, and
    the update checks look tasks up. On any other target none are read, so schemathesis
    names no real task there."""
    if contract_settings.live or not known_ids.mock:
        return KnownTasks()
    owned: list[tuple[str, dict[str, Any]]] = []
    for user in known_ids.users:
        reply = contract_target.list_tasks({"filter": full_filter(user)})
        tasks = reply.json.get("tasks") if isinstance(reply.json, dict) else None
        if reply.status != 200 or not isinstance(tasks, list):
            continue  # the checks of the list call report a broken answer
        owned += [
            (user, task)
            for task in tasks
            if isinstance(task, dict) and isinstance(task.get("id"), int)
        ]
    return KnownTasks(tuple(sorted(owned, key=lambda pair: pair[1]["id"])))


def _say(config: pytest.Config) -> Callable[[str], None]:
    """Print a line at once, past pytest's capture (what a write does must be on screen
    even if the run is killed)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def say(line: str) -> None:
        if reporter is None:
            return
        quiet = capture.global_and_fixture_disabled() if capture else contextlib.nullcontext()
        # On a line of its own, after the progress dots of a quiet run.
        writer = getattr(reporter, "_tw", None)
        mid_line = bool(getattr(writer, "width_of_current_line", 0))
        with quiet:
            reporter.write_line(("\n" if mid_line else "") + line, bold=True)

    return say


@pytest.fixture(scope="session")
def written_task(
    pytestconfig: pytest.Config,
    contract_target: Target,
    known_ids: KnownIds,
    known_tasks: KnownTasks,
    full_answer: Reply,
) -> Iterator[WrittenTask]:
    """The one task the update checks write to (see ``written_task``), restored to its
    original status and due date when the run ends, whatever happened before.

    A restore that fails is a loud warning naming the task and its original values, and
    an error of the run.
    """
    say = _say(pytestconfig)
    contract_settings = contract_target.settings
    task = choose(
        contract_target,
        allow_writes=contract_settings.allow_writes,
        owner=None if known_ids.mock else known_ids.users[0],
        first_answer=full_answer,
        first_user=known_ids.users[0],
        known=known_tasks.find,
        say=say,
    )
    try:
        yield task
    finally:
        was_written = task.written
        failure = task.restore()
        if failure is not None:
            contract_target.warnings.append(str(failure))
            say(str(failure))
            raise ChecksFailedError([failure])
        if was_written:
            restored = f"restored {task.label} to its original {task.original_values}"
            contract_target.notes.append(restored)
            say(f"gong contract: {restored}")


@pytest.fixture(scope="session", autouse=True)
def mock_put_back(
    pytestconfig: pytest.Config, contract_target: Target, known_ids: KnownIds
) -> Iterator[None]:
    """Leave a mock as the run found it (see ``mock_restore``): a served one's tasks are
    read before the first test and every task the run changed is put back after the
    last one (torn down after ``written_task``); an in-process one is reset. Nothing
    against Gong, or any target that is no mock."""
    if contract_target.settings.live or not known_ids.mock:
        yield
        return
    say = _say(pytestconfig)
    in_process = contract_target.app is not None
    before = None if in_process else read_mock_tasks(contract_target, known_ids.users)
    try:
        yield
    finally:
        notes, warnings = leave_as_found(contract_target, before, known_ids.users)
        contract_target.notes.extend(notes)
        contract_target.warnings.extend(warnings)
        for line in (*notes, *warnings):
            say(f"gong contract: {line}")
