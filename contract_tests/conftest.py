"""Wiring of the contract suite: settings, seed, target, plan, schemathesis schema, summary.

Order of a run: read the settings (and pick a seed if none was given); after collection,
ask the target for its ids (a mock's ``/__health``, or ``GONG_USER_ID``), plan the
requests within the budget and print the plan; run the designed checks, then the random
ones, then the drift report; print a summary; exit 3 instead of 0 when checks could not
run and ``--require-complete`` asks for it.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.strategies import SearchStrategy

from gong_tasks_kit.contract_tests.closing import closing_lines
from gong_tasks_kit.contract_tests.filters import full_filter
from gong_tasks_kit.contract_tests.outcome import EXIT_INCOMPLETE, RunOutcome
from gong_tasks_kit.contract_tests.plan import (
    Decision,
    Plan,
    PlanContext,
    candidate,
    make_plan,
    run_order,
)
from gong_tasks_kit.contract_tests.schema import (
    build_schema,
    runs_coverage_phase,
    spec_example_cases,
)
from gong_tasks_kit.contract_tests.settings import (
    ContractConfigError,
    ContractSettings,
    SettingsPlugin,
    load_settings,
)
from gong_tasks_kit.contract_tests.target import NOT_RUN, KnownIds, KnownTasks, Reply, Target
from gong_tasks_kit.contract_tests.workspaces import spent_before_plan
from gong_tasks_kit.contract_tests.written_task import WrittenTask, choose

SETTINGS_KEY = pytest.StashKey[ContractSettings]()
TARGET_KEY = pytest.StashKey[Target]()
PLAN_KEY = pytest.StashKey[Plan]()
DECISION_KEY = pytest.StashKey[Decision]()
HOME_KEY = pytest.StashKey[str]()
OUTCOME_KEY = pytest.StashKey[RunOutcome]()
_PROFILE = "gong-contract"
_MARKERS = (
    "gong_designed(requests, needs, mock_only): a check of the designed covering set",
    "gong_random(per_example, fixed, needs, mock_only): a test of random examples",
    "gong_last: runs after every other test and sends nothing",
)


def _settings(config: pytest.Config) -> ContractSettings:
    provided = [p for p in config.pluginmanager.get_plugins() if isinstance(p, SettingsPlugin)]
    try:
        settings = provided[0].settings if provided else load_settings()
    except ContractConfigError as error:
        raise pytest.UsageError(f"gong-tasks contract: {error}") from None
    return settings.with_seed()


def pytest_configure(config: pytest.Config) -> None:
    """Read the settings once, pick the seed, and set hypothesis up for them."""
    settings = _settings(config)
    config.stash[SETTINGS_KEY] = settings
    for marker in _MARKERS:
        config.addinivalue_line("markers", marker)
    # Hypothesis keeps caches under its home folder (`.hypothesis/` in the working
    # directory by default): a temporary one leaves nothing behind.
    home = tempfile.mkdtemp(prefix="gong-contract-hypothesis-")
    config.stash[HOME_KEY] = home
    set_hypothesis_home_dir(home)
    shrink = settings.shrink
    hypothesis_settings.register_profile(
        _PROFILE,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
        # Seeds decide (derandomize would override them); no database, so no run
        # replays another's examples.
        derandomize=False,
        database=None,
        report_multiple_bugs=False,
        print_blob=False,
        phases=[p for p in Phase if p is not Phase.explain and (shrink or p is not Phase.shrink)],
    )
    hypothesis_settings.load_profile(_PROFILE)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove hypothesis' temporary home."""
    home = config.stash.get(HOME_KEY, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


def _short_name(item: pytest.Item) -> str:
    return item.nodeid.split("::")[-1]


def _markers(item: pytest.Item) -> dict[str, dict[str, Any]]:
    return {marker.name: dict(marker.kwargs) for marker in item.iter_markers()}


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the selected tests (designed, random, last) and plan their requests."""
    settings = config.stash[SETTINGS_KEY]
    try:
        target = Target(settings)  # an --app that cannot be found fails here
        config.stash[TARGET_KEY] = target
        known = target.known_ids()
    except ContractConfigError as error:  # e.g. a proxy in front of Gong, not in live mode
        raise pytest.UsageError(f"gong-tasks contract: {error}") from None
    schema = build_schema(settings, known, max_examples=1, app=target.app)
    context = PlanContext(
        settings,
        known,
        spec_example_cases(schema),
        runs_coverage_phase(settings),
        spent=spent_before_plan(target.workspace_lookup),
    )
    candidates = [
        candidate(
            item.nodeid,
            name=_short_name(item),
            markers=_markers(item),
            params=getattr(getattr(item, "callspec", None), "params", {}),
            fixtures=getattr(item, "fixturenames", ()),
            context=context,
        )
        for item in items
    ]
    kinds = {c.nodeid: run_order(c.kind) for c in candidates}
    items.sort(key=lambda item: kinds[item.nodeid])  # stable: file order within a kind
    candidates.sort(key=lambda c: kinds[c.nodeid])
    config.stash[PLAN_KEY] = make_plan(candidates, context)


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    """Say what runs against what, with which seed, and the plan, before anything is sent.

    (Not a report header: the suite's conftest loads only once collection starts.)
    """
    plan = config.stash.get(PLAN_KEY, None)
    if plan is None:
        return []
    settings = config.stash[SETTINGS_KEY]
    shown = ", ".join(f"{key}={value}" for key, value in settings.redacted().items())
    return [f"gong contract: {shown}", *plan.describe()]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip what the plan could not fit, with its reason."""
    plan = item.config.stash.get(PLAN_KEY, None)
    if plan is None:
        return
    decision = plan.decision(item.nodeid)
    item.stash[DECISION_KEY] = decision
    if not decision.runs:
        pytest.skip(decision.reason or "not planned")


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
    """Random examples the plan granted this test."""
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
    """Run ``check`` on the examples the plan granted this test, drawn from ``strategy``
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
        with quiet:
            reporter.write_line(line, bold=True)

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
            contract_target.warnings.append(failure)
            say(failure)
            raise AssertionError(failure)
        if was_written:
            restored = f"restored {task.label} to its original {task.original_values}"
            contract_target.notes.append(restored)
            say(f"gong contract: {restored}")


# schemathesis names each failed check on a line like "- Response violates schema".
_SCHEMATHESIS_TITLE = re.compile(r"^[\s|]*- ((?:ST\d+ )?[A-Z][^\n]+?)\s*$", re.MULTILINE)
_OWN_CHECK = re.compile(r"\[check: ([A-Za-z0-9-]+)\]")


def _failure_groups(reports: list[Any]) -> Counter[str]:
    groups: Counter[str] = Counter()
    for report in reports:
        text = str(report.longrepr)
        titles = set(_OWN_CHECK.findall(text)) | {
            title.strip() for title in _SCHEMATHESIS_TITLE.findall(text)
        }
        test_name = report.nodeid.split("::")[-1].split("[")[0]
        for title in titles or {test_name}:
            groups[title] += 1
    return groups


def _reports(terminalreporter: Any, outcome: str) -> Iterator[Any]:
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "outcome", None) == outcome:
                yield report


def _not_run(terminalreporter: Any) -> dict[str, str]:
    """Skipped tests whose reason says they could not run, by node id."""
    found: dict[str, str] = {}
    for report in _reports(terminalreporter, "skipped"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        if NOT_RUN in str(reason):
            found[report.nodeid] = str(reason).split(NOT_RUN, 1)[1]
    return found


def _outcome(config: pytest.Config) -> RunOutcome:
    provided = [p for p in config.pluginmanager.get_plugins() if isinstance(p, RunOutcome)]
    return provided[0] if provided else config.stash.setdefault(OUTCOME_KEY, RunOutcome())


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """A short human summary: requests, checks not run, failures by check, warnings."""
    target = config.stash.get(TARGET_KEY, None)
    plan = config.stash.get(PLAN_KEY, None)
    if target is None or plan is None or config.option.collectonly:
        return
    settings = target.settings
    # Failed tests, and tests whose setup or teardown failed, once each.
    failed = list({r.nodeid: r for r in _reports(terminalreporter, "failed")}.values())
    not_run = _not_run(terminalreporter)
    counters = target.counters
    outcome = _outcome(config)
    outcome.not_run = len(not_run) + plan.examples_cut
    outcome.failed = len(failed)
    terminalreporter.section("gong contract summary")
    budget = "no budget" if settings.max_requests is None else f"budget {settings.max_requests}"
    terminalreporter.line(
        f"target: {settings.kind}; seed {settings.seed} (repeat this run: --seed {settings.seed})"
    )
    terminalreporter.line(
        f"requests sent: {target.requests_sent} = {counters.checks} checks ({budget}) "
        f"+ {counters.retries} retries after 429 (waited {counters.waited_seconds:.0f} s"
        + ("; paced to 3/s" if target.paced else "")
        + ")"
    )
    terminalreporter.line(
        f"checks not run: {outcome.not_run} ({len(not_run)} tests skipped, "
        f"{plan.examples_cut} random examples cut to fit the budget)"
    )
    for nodeid, reason in sorted(not_run.items()):
        terminalreporter.line(f"  not run: {nodeid.split('::')[-1]}: {reason}")
    terminalreporter.line(f"tests failed: {len(failed)}")
    for title, count in sorted(_failure_groups(failed).items()):
        terminalreporter.line(f"  FAILED check: {title} ({count})")
    for note in target.notes:
        terminalreporter.line(note)
    for warning in target.drift.report().warnings:
        terminalreporter.line(f"  drift warning: {warning}")
    for warning in target.warnings:
        terminalreporter.line(f"WARNING: {warning}", yellow=True, bold=True)
    if outcome.not_run and settings.require_complete and not failed:
        terminalreporter.line(
            f"incomplete run: exit status {EXIT_INCOMPLETE} (--require-complete)", red=True
        )
    for line in closing_lines(target):  # the spec patch, then the workspace checks not run
        terminalreporter.line(line)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Exit 3 instead of 0 when checks could not run and the run must be complete."""
    config = session.config
    settings = config.stash.get(SETTINGS_KEY, None)
    plan = config.stash.get(PLAN_KEY, None)
    if settings is None or plan is None or not settings.require_complete or exitstatus != 0:
        return
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    not_run = len(_not_run(terminal)) + plan.examples_cut if terminal is not None else 0
    if not_run:
        _outcome(config).incomplete = True
        session.exitstatus = EXIT_INCOMPLETE
