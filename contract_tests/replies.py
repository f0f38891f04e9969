"""One answer of a target as the suite sees it: status, headers, raw body and parsed JSON."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from gong_tasks_kit.contract_tests.calls import Call
from gong_tasks_kit.contract_tests.findings import Finding
from gong_tasks_kit.contract_tests.invariants import answer_problems
from gong_tasks_kit.contract_tests.operations import LIST_TASKS, Operation

__all__ = ["Reply", "header"]


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value by name, in any case (None when absent)."""
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer: status, headers, raw body and the parsed JSON (None if not JSON), and
    the call that got it (None: not recorded)."""

    status: int
    headers: dict[str, str]
    body: bytes
    call: Call | None = field(default=None, compare=False, repr=False)

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None

    def problems(self, operation: Operation = LIST_TASKS) -> list[Finding]:
        """What is wrong with this answer whatever was asked (see ``invariants``), each
        naming the call that got it."""
        found = answer_problems(self.status, self.headers, self.body, self.json, operation)
        return [dataclasses.replace(problem, call=self.call) for problem in found]
