"""The report's blocks: one per failing check, read in ten seconds.

Each block says which check failed and where (how many findings, in which tests), what
the spec or Gong requires, the call that showed it (method, path, the body cut to what
matters), what came back (the field and the value), and a curl command that sends the
same call, its credential left to the environment (``curl``). Blocks are built from the
findings the checks record (``findings``), never from pytest's text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gong_tasks_kit.contract_tests.calls import Call
from gong_tasks_kit.contract_tests.curl import CurlTarget, curl_command
from gong_tasks_kit.contract_tests.findings import Finding
from gong_tasks_kit.contract_tests.invariants import CHECKS
from gong_tasks_kit.contract_tests.operations import operations

__all__ = ["Entry", "body_excerpt", "check_blocks", "operation_of"]

#: How much of a body the call line shows (the curl command sends all of it).
_MAX_STRING = 40
_MAX_ITEMS = 4
_MAX_BODY = 240
#: Distinct observations a block lists before it says how many more there are.
_MAX_OBSERVED = 3
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Entry:
    """A finding, and the test that made it.

    Attributes:
        test: The test's short name.
        finding: What it found.
    """

    test: str
    finding: Finding


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > _MAX_STRING:
        return f"{value[: _MAX_STRING - 1]}… ({len(value)} characters)"
    if isinstance(value, list):
        kept = [_cut(item) for item in value[:_MAX_ITEMS]]
        return kept + ([f"… {len(value) - _MAX_ITEMS} more"] if len(value) > _MAX_ITEMS else [])
    if isinstance(value, dict):
        return {key: _cut(item) for key, item in value.items()}
    return value


def body_excerpt(body: bytes) -> str:
    """A request body cut to what a reader needs: long strings and lists shortened."""
    if not body:
        return "no body"
    try:
        shown = json.dumps(_cut(json.loads(body)), ensure_ascii=False)
    except (ValueError, RecursionError):  # not JSON: as bytes
        shown = repr(body)
    return shown if len(shown) <= _MAX_BODY else f"{shown[:_MAX_BODY]}… ({len(body)} bytes)"


def _template(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + r"(\?.*)?")


def operation_of(call: Call) -> str | None:
    """The spec's ``operationId`` of ``call`` (None: a path or method the spec lacks)."""
    for candidate in operations():
        if candidate.method.upper() == call.method and _template(candidate.path).fullmatch(
            call.path
        ):
            return candidate.operation_id
    return None


def _call_line(call: Call) -> str:
    operation = operation_of(call)
    named = f" ({operation})" if operation else " (not in the spec)"
    answered = f", answered {call.status}" if call.status is not None else ""
    return f"{call.method} {call.path}{named}{answered}; body {body_excerpt(call.body)}"


def _observed_lines(findings: Sequence[Finding]) -> list[str]:
    """Distinct observations (alike when they differ in numbers only), each with how many
    more were alike."""
    kinds: dict[str, list[Finding]] = {}
    for finding in findings:
        kinds.setdefault(_DIGITS.sub("#", finding.got), []).append(finding)
    lines = []
    for alike in list(kinds.values())[:_MAX_OBSERVED]:
        more = f" (and {len(alike) - 1} more like it)" if len(alike) > 1 else ""
        lines.append(f"{alike[0].got}{more}")
    if len(kinds) > _MAX_OBSERVED:
        lines.append(f"… and {len(kinds) - _MAX_OBSERVED} other kinds")
    return lines


def _requires(check: str, shown: Finding) -> str:
    rule = CHECKS.get(check)
    if rule and shown.requires:
        return f"{rule}: {shown.requires}"
    return rule or shown.requires or check


def _where(entries: Sequence[Entry]) -> str:
    tests = list(dict.fromkeys(entry.test for entry in entries))
    if len(tests) == 1:
        return f"in {tests[0]}"
    return f"in {len(tests)} tests: {tests[0]} and {len(tests) - 1} more"


def _block(check: str, entries: Sequence[Entry], curl: CurlTarget) -> list[str]:
    first = next((e for e in entries if e.finding.call is not None), entries[0])
    shown = first.finding
    # What came back is said for the answer shown: the findings of that test on that call.
    same_call = [
        e.finding for e in entries if e.test == first.test and e.finding.call == shown.call
    ]
    findings = [entry.finding for entry in entries]
    lines = [f"FAILED {check} ({_where(entries)})", f"  requires: {_requires(check, shown)}"]
    if shown.call is not None:
        lines.append(f"  call:     {_call_line(shown.call)}")
    observed = _observed_lines(same_call)
    lines.append(f"  got:      {observed[0]}")
    lines += [f"            {line}" for line in observed[1:]]
    also = list(dict.fromkeys(label for f in findings for label in f.also))
    if also:
        lines.append(f"  also:     {', '.join(also)}")
    notes = list(dict.fromkeys(f.note for f in findings if f.note))
    lines += [f"  note:     {note}" for note in notes]
    if shown.call is not None:
        lines.append(f"  {curl_command(shown.call, curl)}")
    return lines


def check_blocks(entries: Sequence[Entry], curl: CurlTarget) -> list[list[str]]:
    """One block per failing check, in the order the checks first failed."""
    by_check: dict[str, list[Entry]] = {}
    for entry in entries:
        by_check.setdefault(entry.finding.check, []).append(entry)
    return [_block(check, found, curl) for check, found in by_check.items()]
