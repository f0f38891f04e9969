"""The end of a run's terminal report: the failures, one block per failing check (and the
traceback of any crash of the suite itself), then the summary, whose last lines are what
a person in a hurry needs: the verdict, the failing checks with their counts, the seed
that repeats the run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from gong_tasks_kit.contract_tests.blocks import check_blocks
from gong_tasks_kit.contract_tests.budget import NOT_RUN
from gong_tasks_kit.contract_tests.closing import closing_lines
from gong_tasks_kit.contract_tests.failure_log import FailureLog, short_name
from gong_tasks_kit.contract_tests.outcome import EXIT_INCOMPLETE, RunOutcome
from gong_tasks_kit.contract_tests.reproduction import curl_target, serve_hint
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.contract_tests.skips import group_skips, skipped_once
from gong_tasks_kit.contract_tests.stash_keys import (
    FAILURES_KEY,
    OUTCOME_KEY,
    SCHEDULE_KEY,
    TARGET_KEY,
)
from gong_tasks_kit.contract_tests.target import Target

__all__ = ["failure_log", "not_run_tests", "outcome_of", "write_report"]

#: pytest's words for a test whose subtests failed (schemathesis' operations): the
#: subtests' own reports say what failed.
_SUBTESTS_FAILED = "failed subtest"


def _reports(terminalreporter: Any, outcome: str) -> Iterator[Any]:
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "outcome", None) == outcome:
                yield report


def not_run_tests(terminalreporter: Any) -> dict[str, str]:
    """Skipped tests whose reason says they could not run, by node id."""
    found: dict[str, str] = {}
    for nodeid, reason in skipped_once(_reports(terminalreporter, "skipped")).items():
        if NOT_RUN in reason:
            found[nodeid] = reason.split(NOT_RUN, 1)[1]
    return found


def outcome_of(config: pytest.Config) -> RunOutcome:
    """The run's outcome: the one ``gong-tasks contract`` passed in, else the suite's own."""
    provided = [p for p in config.pluginmanager.get_plugins() if isinstance(p, RunOutcome)]
    return provided[0] if provided else config.stash.setdefault(OUTCOME_KEY, RunOutcome())


def failure_log(config: pytest.Config) -> FailureLog:
    """The run's failed checks, as the plugin kept them."""
    return config.stash.setdefault(FAILURES_KEY, FailureLog())


def _crashes(terminalreporter: Any, log: FailureLog) -> list[Any]:
    """Failed reports that are no check's failure: the suite itself broke."""
    return [
        report
        for report in _reports(terminalreporter, "failed")
        if not log.covers(report.nodeid, report.when)
        and _SUBTESTS_FAILED not in str(report.longrepr)
    ]


def _write_failures(
    terminalreporter: Any, target: Target, log: FailureLog, crashes: list[Any]
) -> None:
    blocks = check_blocks(log.entries, curl_target(target.settings))
    if not blocks and not crashes:
        return
    title = f"{len(blocks)} check{'s' if len(blocks) != 1 else ''} failed" if blocks else "errors"
    terminalreporter.section(f"gong contract: {title}")
    if any("  curl " in line for block in blocks for line in block):
        for line in serve_hint(target.settings):
            terminalreporter.line(line)
    for block in blocks:
        terminalreporter.line("")
        for line in block:
            terminalreporter.line(
                line, red=line.startswith("FAILED"), bold=line.startswith("FAILED")
            )
    for report in crashes:
        terminalreporter.write_sep(
            "_", f"ERROR in {short_name(report.nodeid)} ({report.when}): the suite itself failed"
        )
        terminalreporter.line(report.longreprtext)


def _count(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _target(settings: ContractSettings) -> str:
    if settings.kind == "app":
        return f"the in-process app {settings.app_factory}"
    return f"Gong at {settings.base_url}" if settings.live else f"{settings.base_url}"


def _tests_line(terminalreporter: Any) -> str:
    stats = terminalreporter.stats
    parts = [
        f"{len(stats[key])} {word if len(stats[key]) == 1 else plural}"
        for key, word, plural in (
            ("failed", "failed", "failed"),
            ("passed", "passed", "passed"),
            ("skipped", "skipped", "skipped"),
            ("error", "error", "errors"),
        )
        if stats.get(key)
    ]
    return f"tests: {', '.join(parts) or 'none ran'}"


def _verdict(log: FailureLog, crashes: list[Any], outcome: RunOutcome, complete: bool) -> str:
    checks = _count(len(log.tests_by_check()), "check")
    crashed = f"the suite itself failed in {_count(len(crashes), 'test')} (tracebacks above)"
    if log.failed:
        also = f"; {crashed}" if crashes else ""
        return f"verdict: FAILED, the target breaks {checks} (exit status 1){also}"
    if crashes:
        return f"verdict: ERROR, {crashed}; no check failed (exit status 1)"
    could = f"{_count(outcome.not_run, 'check')} could not run"
    if outcome.not_run and complete:
        return (
            f"verdict: INCOMPLETE, {could}: incomplete run: exit status {EXIT_INCOMPLETE} "
            "(--require-complete)"
        )
    could_not = f"; {could} (above)" if outcome.not_run else ""
    return f"verdict: PASSED, the target conforms: every check that ran passed{could_not}"


def write_report(terminalreporter: Any, config: pytest.Config) -> None:
    """Write the failures and the run's summary (nothing when the run sent nothing:
    collection only)."""
    target = config.stash.get(TARGET_KEY, None)
    schedule = config.stash.get(SCHEDULE_KEY, None)
    if target is None or schedule is None or config.option.collectonly:
        return
    settings = target.settings
    log = failure_log(config)
    crashes = _crashes(terminalreporter, log)
    _write_failures(terminalreporter, target, log, crashes)
    skipped = skipped_once(_reports(terminalreporter, "skipped"))
    not_run = not_run_tests(terminalreporter)
    counters = target.counters
    outcome = outcome_of(config)
    outcome.not_run = len(not_run) + schedule.examples_cut
    outcome.failed = len({report.nodeid for report in _reports(terminalreporter, "failed")})
    terminalreporter.section("gong contract summary")
    budget = "no budget" if settings.max_requests is None else f"budget {settings.max_requests}"
    terminalreporter.line(f"target: {_target(settings)}")
    terminalreporter.line(
        f"requests sent: {target.requests_sent} = {counters.checks} checks ({budget}) "
        f"+ {counters.retries} retries after 429 (waited {counters.waited_seconds:.0f} s"
        + ("; paced to 3/s" if target.paced else "")
        + ")"
    )
    cut = schedule.examples_cut
    terminalreporter.line(
        f"checks not run: {outcome.not_run}"
        + (
            f" ({_count(len(not_run), 'test')} skipped, {_count(cut, 'random example')} cut "
            "to fit the budget)"
            if outcome.not_run
            else ""
        )
    )
    lookup = target.workspace_lookup
    workspaces_said = lookup is not None and lookup.not_run is not None
    for line in group_skips(skipped, schedule).lines(workspaces_said=workspaces_said):
        terminalreporter.line(line)
    for note in target.notes:
        terminalreporter.line(note)
    for warning in target.drift.report().warnings:
        terminalreporter.line(f"  drift warning: {warning}")
    for warning in target.warnings:
        terminalreporter.line(f"WARNING: {warning}", yellow=True, bold=True)
    for line in closing_lines(target):  # the spec patch, then the workspace checks not run
        terminalreporter.line(line)
    verdict = _verdict(log, crashes, outcome, settings.require_complete)
    failed = bool(log.failed or crashes)
    terminalreporter.line(verdict, red=failed, green=not failed, bold=True)
    for check, count in log.tests_by_check().items():
        terminalreporter.line(f"  FAILED check: {check} ({count})", red=True)
    terminalreporter.line(_tests_line(terminalreporter))
    terminalreporter.line(f"repeat this run: --seed {settings.seed}")
