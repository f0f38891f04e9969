"""The proxy's drift report: the contract suite's drift recorder fed with every answer the
target gave, plus a summary of the violations the reference validator found.

The report is the contract suite's (``DriftReport.to_json()``: ``failures``, ``warnings``,
new fields and headers, enum and type mismatches, undocumented statuses, fields never
seen), with three keys added: ``target``, ``exchanges`` (calls forwarded) and
``violations`` (each kind of violation: where, how often, with which statuses, and up to
three distinct messages).
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from gong_tasks_kit.contract_tests.drift import DriftRecorder
from gong_tasks_kit.contract_tests.spec_patch import SpecPatch, build_spec_patch
from gong_tasks_kit.proxy.forward import TargetReply
from gong_tasks_kit.proxy.violations import ExchangeViolation
from gong_tasks_kit.spec.operations import operation

_EXAMPLES = 3  # distinct messages kept per kind of violation


@dataclass
class _Kind:
    operation: str
    where: str
    count: int = 0
    examples: list[str] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)


class DriftLog:
    """What the target sent that the spec does not say, gathered over a run."""

    def __init__(self, target: str) -> None:
        """Start with nothing seen.

        Args:
            target: The target's base URL, shown in the report.
        """
        self._target = target
        self._lock = threading.Lock()
        self._recorder = DriftRecorder()
        self._exchanges = 0
        self._kinds: dict[tuple[str, str], _Kind] = {}

    def _record_drift(self, operation_id: str, reply: TargetReply) -> None:
        # The one call site of the contract suite's recorder.
        try:
            parsed = orjson.loads(reply.body) if reply.body else None
        except orjson.JSONDecodeError:
            parsed = None
        self._recorder.record(operation(operation_id), reply.status, dict(reply.headers), parsed)

    def observe(
        self, operation_id: str, reply: TargetReply, violations: list[ExchangeViolation]
    ) -> None:
        """Take one exchange: the target's answer and the violations found in it."""
        with self._lock:
            self._exchanges += 1
            self._record_drift(operation_id, reply)
            for violation in violations:
                key = (operation_id, violation.kind)
                kind = self._kinds.setdefault(key, _Kind(operation_id, violation.kind))
                kind.count += 1
                if len(kind.examples) < _EXAMPLES and str(violation) not in kind.examples:
                    kind.examples.append(str(violation))
                kind.statuses[reply.status] += 1

    def spec_patch(self) -> SpecPatch:
        """The spec patch proposed from the answers so far (made from a snapshot: traffic
        goes on meanwhile)."""
        with self._lock:
            observations = self._recorder.observations.snapshot()
            report = self._recorder.report()
        return build_spec_patch(observations, source="gong-tasks proxy", report=report)

    def report(self) -> dict[str, Any]:
        """The report so far, JSON-ready."""
        with self._lock:
            report = self._recorder.report().to_json()
            kinds = sorted(self._kinds.values(), key=lambda kind: (-kind.count, kind.where))
            violations = [
                {
                    "operation": kind.operation,
                    "where": kind.where,
                    "count": kind.count,
                    "statuses": {str(s): n for s, n in sorted(kind.statuses.items())},
                    "examples": list(kind.examples),
                }
                for kind in kinds
            ]
            exchanges = self._exchanges
        return {"target": self._target, "exchanges": exchanges, **report, "violations": violations}
