"""What check-client shows: one line per scenario for a person, and a JUnit XML file (one
test case per scenario) for CI."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from gong_tasks_kit.check_client.runner import ScenarioResult

__all__ = ["render", "summary_line", "write_junit"]

_SUITE = "gong-tasks check-client"
# Characters XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _calls(count: int) -> str:
    return f"{count} call" if count == 1 else f"{count} calls"


def _client_lines(result: ScenarioResult, *, with_output: bool) -> list[str]:
    client = result.client
    lines = [f"  client: {client.describe()}, {_calls(result.verdict.calls)}"]
    lines += [f"  note: {note}" for note in result.notes]
    if with_output:
        if client.output_tail:
            lines.append("  its output ended with:")
            lines += [f"    | {line}" for line in client.output_tail]
        else:
            lines.append("  it wrote nothing")
    return lines


def render(result: ScenarioResult, *, verbose: bool = False) -> str:
    """A scenario's lines: ``name: PASS`` or ``name: FAIL: <evidence>`` (then any further
    evidence), the client's exit and, for a failure (or ``verbose``), the last lines of
    its output."""
    verdict = result.verdict
    if verdict.passed:
        head = f"{verdict.headline} ({_calls(verdict.calls)}, {result.client.describe()})"
        return "\n".join([head, *(_client_lines(result, with_output=True) if verbose else [])])
    return "\n".join([verdict.text(), *_client_lines(result, with_output=True)])


def summary_line(results: Sequence[ScenarioResult]) -> str:
    """The last line: how many passed, and which failed."""
    failed = [result.verdict.scenario for result in results if not result.passed]
    if not failed:
        return f"all {len(results)} scenarios passed"
    return f"{len(failed)} of {len(results)} scenarios failed: {', '.join(failed)}"


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def write_junit(path: str | Path, results: Sequence[ScenarioResult]) -> None:
    """Write a JUnit XML report: one test case per scenario, its evidence in the failure
    and the client's exit and output in ``system-out``."""
    failures = sum(not result.passed for result in results)
    total = sum(result.client.seconds for result in results)
    suites = ET.Element("testsuites")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=_SUITE,
        tests=str(len(results)),
        failures=str(failures),
        errors="0",
        time=f"{total:.3f}",
    )
    for result in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=_SUITE,
            name=_xml_text(result.verdict.scenario),
            time=f"{result.client.seconds:.3f}",
        )
        if not result.passed:
            failure = ET.SubElement(
                case, "failure", message=_xml_text(result.verdict.evidence[0]), type="FAIL"
            )
            failure.text = _xml_text(result.verdict.text())
        output = ET.SubElement(case, "system-out")
        output.text = _xml_text("\n".join(_client_lines(result, with_output=True)))
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
