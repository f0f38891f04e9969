"""The run's skipped tests, said once each, grouped by why.

Three kinds: checks that could not run (the budget, the target's limits, a missing id:
each reason one line with its count, and the reason says the fix), checks left out by
design for this kind of target (the mock-only checks against Gong: one line), and the
update checks left out because nothing may be written (one line, with the option that
lets them run). Any other skip (a check that needs an earlier answer that broke) is one
line per reason too.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gong_tasks_kit.contract_tests.budget import NOT_RUN
from gong_tasks_kit.contract_tests.schedule import NO_WORKSPACES, Schedule

__all__ = ["SkipGroups", "group_skips", "skip_reason"]

# The schedule says what each check it could not fit needed; one line says it for all.
_NEEDED = re.compile(r" \(\d+ needed\)")
_MOCK_ONLY = "mock only: "


def skip_reason(report: Any) -> str:
    """The reason a skipped test's report gives (pytest's ``Skipped: `` left out)."""
    longrepr = report.longrepr
    reason = str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""
    return reason.removeprefix("Skipped: ")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(slots=True)
class SkipGroups:
    """The skipped tests of a run, by kind and reason.

    Attributes:
        not_run: Checks that could not run, by reason.
        mock_only: Mock-only checks left out against Gong.
        read_only: Update checks left out (nothing may be written), by reason (it names
            the fix).
        skipped: Any other skip, by reason.
    """

    not_run: Counter[str] = field(default_factory=Counter)
    mock_only: int = 0
    read_only: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    def lines(self, *, workspaces_said: bool = False) -> list[str]:
        """One line per reason (the workspace checks' left out when the summary's last
        lines say it, ``workspaces_said``)."""
        lines = [
            f"  {_plural(count, 'test')} not run: {reason}"
            for reason, count in self.not_run.items()
            if not (workspaces_said and reason == NO_WORKSPACES)
        ]
        if self.mock_only:
            lines.append(
                f"{_plural(self.mock_only, 'mock-only check')} not run against Gong, by design "
                "(a mock's controls, floods of invalid bodies, writes to other tasks)"
            )
        lines += [
            f"{_plural(count, 'update check')} not run, {reason}"
            for reason, count in self.read_only.items()
        ]
        lines += [f"{_plural(count, 'test')} skipped: {r}" for r, count in self.skipped.items()]
        return lines


def group_skips(reasons: Mapping[str, str], schedule: Schedule) -> SkipGroups:
    """Group skipped tests (reason by node id) by what the schedule decided for them."""
    groups = SkipGroups()
    for nodeid, reason in reasons.items():
        decision = schedule.decision(nodeid)
        planned = decision.reason or ""
        if not decision.runs and decision.not_run:
            groups.not_run[_NEEDED.sub("", planned.removeprefix(NOT_RUN))] += 1
        elif not decision.runs and planned.startswith(_MOCK_ONLY):
            groups.mock_only += 1
        elif not decision.runs:
            groups.read_only[planned] += 1
        elif NOT_RUN in reason:
            groups.not_run[reason.split(NOT_RUN, 1)[1]] += 1
        else:
            groups.skipped[reason] += 1
    return groups


def skipped_once(reports: Iterable[Any]) -> dict[str, str]:
    """Each skipped test's reason, by node id (a test skipped in setup is reported once)."""
    return {report.nodeid: skip_reason(report) for report in reports}
