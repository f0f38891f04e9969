"""The contract suite's pytest plugin: the order of a run.

Read the settings (and pick a seed if none was given); after collection, ask the target
for its ids (a mock's ``/__health``, or ``GONG_USER_ID``), schedule the requests within
the budget and print the schedule; run the designed checks, then the random ones, then
the drift report; keep each failed check's findings as it fails (``failure_log``); print
the failures, one block per failing check, and a summary (``summary``); exit 3 instead of
0 when checks could not run and ``--require-complete`` asks for it. The suite's fixtures
are in ``suite_fixtures``; its ``conftest.py`` only loads the two.

By default a failure is its blocks, in the terminal as in the JUnit XML: no test source,
no traceback of the suite's helpers. ``-v`` or ``--tb=...`` bring pytest's own report
back. A crash of the suite itself (an exception that is no check's failure) always keeps
its traceback.
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Generator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

from gong_tasks_kit.contract_tests.failure_log import failure_text
from gong_tasks_kit.contract_tests.findings import findings_of
from gong_tasks_kit.contract_tests.outcome import EXIT_INCOMPLETE
from gong_tasks_kit.contract_tests.reproduction import curl_target, serve_hint
from gong_tasks_kit.contract_tests.schedule import (
    ScheduleContext,
    candidate,
    make_schedule,
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
from gong_tasks_kit.contract_tests.stash_keys import (
    DECISION_KEY,
    HOME_KEY,
    SCHEDULE_KEY,
    SETTINGS_KEY,
    TARGET_KEY,
)
from gong_tasks_kit.contract_tests.summary import (
    failure_log,
    not_run_tests,
    outcome_of,
    write_report,
)
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.contract_tests.workspaces import spent_before_schedule

__all__ = [
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_report_collectionfinish",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "pytest_unconfigure",
]

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
    """Order the selected tests (designed, random, last) and schedule their requests."""
    settings = config.stash[SETTINGS_KEY]
    try:
        target = Target(settings)  # an --app that cannot be found fails here
        config.stash[TARGET_KEY] = target
        known = target.known_ids()
    except ContractConfigError as error:  # e.g. a proxy in front of Gong, not in live mode
        raise pytest.UsageError(f"gong-tasks contract: {error}") from None
    schema = build_schema(settings, known, max_examples=1, app=target.app)
    context = ScheduleContext(
        settings,
        known,
        spec_example_cases(schema),
        runs_coverage_phase(settings),
        spent=spent_before_schedule(target.workspace_lookup),
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
    config.stash[SCHEDULE_KEY] = make_schedule(candidates, context)


def pytest_report_collectionfinish(config: pytest.Config) -> list[str]:
    """Say what runs against what, with which seed, and the schedule, before anything is sent.

    (Not a report header: the suite's conftest loads only once collection starts.)
    """
    schedule = config.stash.get(SCHEDULE_KEY, None)
    if schedule is None:
        return []
    settings = config.stash[SETTINGS_KEY]
    shown = ", ".join(f"{key}={value}" for key, value in settings.redacted().items())
    # Why a check will not run is said once: in the summary, or here when nothing runs.
    return [f"gong contract: {shown}", *schedule.describe(reasons=config.option.collectonly)]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip what the schedule could not fit, with its reason."""
    schedule = item.config.stash.get(SCHEDULE_KEY, None)
    if schedule is None:
        return
    decision = schedule.decision(item.nodeid)
    item.stash[DECISION_KEY] = decision
    if not decision.runs:
        pytest.skip(decision.reason or "not planned")


def _pytest_detail(config: pytest.Config) -> bool:
    """Whether pytest's own failure report was asked for (``-v``, ``--tb=...``)."""
    option = config.option
    return (
        config.get_verbosity() > 0
        or getattr(option, "tbstyle", "auto") != "auto"
        or bool(getattr(option, "fulltrace", False))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep a failed check's findings; by default its report is its blocks (the terminal's
    and the JUnit XML's), not pytest's traceback."""
    report = yield
    findings = findings_of(call.excinfo.value) if call.excinfo and report.failed else ()
    if not findings:
        return report  # passed, skipped, or a crash of the suite: pytest's report
    target = item.config.stash.get(TARGET_KEY, None)
    last = target.last_call if target is not None else None
    # A finding that names no call was shown by the test's last one.
    findings = tuple(f if f.call else dataclasses.replace(f, call=last) for f in findings)
    failed = failure_log(item.config).add(report.nodeid, report.when, findings)
    settings = item.config.stash.get(SETTINGS_KEY, None)
    if settings is not None and not _pytest_detail(item.config):
        report.longrepr = failure_text(failed, curl_target(settings), serve_hint(settings))
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(
    terminalreporter: Any, exitstatus: int, config: pytest.Config
) -> Generator[None, None, None]:
    """The failures, one block per failing check, and the summary, last of all.

    pytest's own failure sections (test source, ``E`` lines, tracebacks) are left out
    unless ``-v`` or ``--tb=...`` asks for them: the blocks say the same, shorter.
    """
    if config.stash.get(SCHEDULE_KEY, None) is not None and not _pytest_detail(config):
        config.option.tbstyle = "no"  # read by pytest's failure and error sections
    yield
    write_report(terminalreporter, config)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Exit 3 instead of 0 when checks could not run and the run must be complete."""
    config = session.config
    settings = config.stash.get(SETTINGS_KEY, None)
    schedule = config.stash.get(SCHEDULE_KEY, None)
    if settings is None or schedule is None or not settings.require_complete or exitstatus != 0:
        return
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    not_run = len(not_run_tests(terminal)) + schedule.examples_cut if terminal is not None else 0
    if not_run:
        outcome_of(config).incomplete = True
        session.exitstatus = EXIT_INCOMPLETE
