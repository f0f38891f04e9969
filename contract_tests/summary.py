"""The run's summary at the end of the terminal report: requests sent, checks not run,
failures by check, notes and warnings."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from gong_tasks_kit.contract_tests.budget import NOT_RUN
from gong_tasks_kit.contract_tests.closing import closing_lines
from gong_tasks_kit.contract_tests.outcome import EXIT_INCOMPLETE, RunOutcome
from gong_tasks_kit.contract_tests.stash_keys import OUTCOME_KEY, SCHEDULE_KEY, TARGET_KEY

__all__ = ["not_run_tests", "outcome_of", "write_summary"]

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


def not_run_tests(terminalreporter: Any) -> dict[str, str]:
    """Skipped tests whose reason says they could not run, by node id."""
    found: dict[str, str] = {}
    for report in _reports(terminalreporter, "skipped"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
        if NOT_RUN in str(reason):
            found[report.nodeid] = str(reason).split(NOT_RUN, 1)[1]
    return found


def outcome_of(config: pytest.Config) -> RunOutcome:
    provided = [p for p in config.pluginmanager.get_plugins() if isinstance(p, RunOutcome)]
    return provided[0] if provided else config.stash.setdefault(OUTCOME_KEY, RunOutcome())


def write_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Write the run's summary (nothing when the run sent nothing: collection only)."""
    target = config.stash.get(TARGET_KEY, None)
    schedule = config.stash.get(SCHEDULE_KEY, None)
    if target is None or schedule is None or config.option.collectonly:
        return
    settings = target.settings
    # Failed tests, and tests whose setup or teardown failed, once each.
    failed = list({r.nodeid: r for r in _reports(terminalreporter, "failed")}.values())
    not_run = not_run_tests(terminalreporter)
    counters = target.counters
    outcome = outcome_of(config)
    outcome.not_run = len(not_run) + schedule.examples_cut
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
        f"{schedule.examples_cut} random examples cut to fit the budget)"
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
