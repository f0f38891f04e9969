"""What a named check found wrong, as structured data: the report's blocks, the summary's
counts and the JUnit messages are all built from these values, never from pytest's text.

A :class:`Finding` is made by ``invariants.problem`` (the check's name and sentence) and
carries, when the check knows them, the call that showed it, the field and what came
back. A test fails with a :class:`ChecksFailedError` holding its findings; the suite's
plugin reads them back from the exception (:func:`findings_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from gong_tasks_kit.contract_tests.calls import Call

__all__ = ["ChecksFailedError", "Finding", "findings_of"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a named check found wrong.

    Attributes:
        check: The check's name (one of ``invariants.CHECKS``, or a schemathesis code
            such as ``ST101`` for what no check of the suite's covers).
        message: The check's sentence, as in ``[check: NAME] sentence``.
        call: The call whose answer showed it (None: the test's last call).
        field: The field at fault, as a path into the answer (``tasks[0].status``).
        observed: What came back, in short (None: the sentence says it).
        requires: What the spec or Gong asks here, beyond the check's own rule.
        also: Other tools that found the same on the same call (``schemathesis ST108
            Response violates schema``).
        note: A remark on the finding (``not confirmed: no budget left``).
    """

    check: str
    message: str
    call: Call | None = None
    field: str | None = None
    observed: str | None = None
    requires: str | None = None
    also: tuple[str, ...] = ()
    note: str | None = None

    def __str__(self) -> str:
        """``[check: NAME] sentence``: the line of a failure message."""
        return f"[check: {self.check}] {self.message}"

    def __contains__(self, words: str) -> bool:
        """Whether the line holds ``words`` (``"ignored" in finding``)."""
        return words in str(self)

    @property
    def got(self) -> str:
        """What came back, in short."""
        return self.observed or self.message


class ChecksFailedError(AssertionError):
    """A test's failure: what its checks found, one finding a line."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        """Fail with ``findings`` (at least one)."""
        self.findings: tuple[Finding, ...] = tuple(findings)
        super().__init__("\n".join(map(str, self.findings)))


def _walk(error: BaseException, seen: set[int]) -> Iterator[Finding]:
    if id(error) in seen:
        return
    seen.add(id(error))
    if isinstance(error, ChecksFailedError):
        yield from error.findings
    if isinstance(error, BaseExceptionGroup):  # hypothesis' flaky or multiple failures
        for inner in error.exceptions:
            yield from _walk(inner, seen)


def findings_of(error: BaseException) -> Sequence[Finding]:
    """The findings a test's exception carries (empty: no check failed; a crash)."""
    return tuple(dict.fromkeys(_walk(error, set())))
