"""The findings of a run's failed tests, kept as they fail (the plugin writes, the report
reads), and the text that stands for one test's failure in pytest's reports.

A failed test whose exception carries findings failed a check of the target; one
without is a crash of the suite itself, and keeps pytest's traceback.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from gong_tasks_kit.contract_tests.blocks import Entry, check_blocks
from gong_tasks_kit.contract_tests.curl import CurlTarget
from gong_tasks_kit.contract_tests.findings import Finding

__all__ = ["FailedTest", "FailureLog", "failure_text", "short_name"]


def short_name(nodeid: str) -> str:
    """A test's name without its module: ``test_conformance[POST /v2/tasks]``."""
    return nodeid.rsplit("::", maxsplit=1)[-1]


@dataclass(frozen=True, slots=True)
class FailedTest:
    """One failed test (or its setup or teardown) and its findings.

    Attributes:
        nodeid: pytest's id of the test.
        when: ``setup``, ``call`` or ``teardown``.
        findings: What its checks found.
    """

    nodeid: str
    when: str
    findings: tuple[Finding, ...]

    @property
    def entries(self) -> list[Entry]:
        """The findings, each with the test's name."""
        return [Entry(short_name(self.nodeid), finding) for finding in self.findings]


@dataclass(slots=True)
class FailureLog:
    """The failed tests of a run that failed a check, in the order they failed."""

    failed: list[FailedTest] = field(default_factory=list)

    def add(self, nodeid: str, when: str, findings: Sequence[Finding]) -> FailedTest:
        """Keep a failed test's findings."""
        failed = FailedTest(nodeid, when, tuple(findings))
        self.failed.append(failed)
        return failed

    def covers(self, nodeid: str, when: str) -> bool:
        """Whether that failure was a check's (else it was a crash of the suite)."""
        return any(f.nodeid == nodeid and f.when == when for f in self.failed)

    @property
    def entries(self) -> list[Entry]:
        """Every finding of the run, in order."""
        return [entry for failed in self.failed for entry in failed.entries]

    def tests_by_check(self) -> Counter[str]:
        """In how many failed tests each check failed."""
        counts: Counter[str] = Counter()
        for failed in self.failed:  # in the order the checks first failed
            counts.update(dict.fromkeys((finding.check for finding in failed.findings), 1))
        return counts


def failure_text(failed: FailedTest, curl: CurlTarget, hint: Sequence[str]) -> str:
    """What stands for a test's failure in pytest's reports (and so in the JUnit XML):
    its blocks, and how to send their curl commands."""
    blocks = ["\n".join(block) for block in check_blocks(failed.entries, curl)]
    return "\n\n".join([*blocks, *(["\n".join(hint)] if hint else [])])
