"""Schemathesis' failures folded into the suite's findings, so a report says each thing
once, in one shape.

A schemathesis failure that one of the suite's own checks also makes (a response that
breaks the schema is the suite's ``response-schema``, an undocumented status its
``documented-status``, ...) is named after that check: when the suite's check fired on
the same answer, the failure only adds ``also: schemathesis ST108 ...`` to its finding;
else it becomes a finding of that check. A failure no check of the suite's covers (a
server error on fuzzed input, say) becomes a finding named by its code (``ST101``).
Schemathesis' custom-check failures (``ST901``) are the suite's own invariants, whose
findings the test has already, structured: they are left out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from gong_tasks_kit.contract_tests.calls import Call
from gong_tasks_kit.contract_tests.findings import Finding

__all__ = ["SAME_CHECK", "folded_findings"]

#: Schemathesis' failure codes that a check of the suite's also makes, by code.
SAME_CHECK: Mapping[str, str] = {
    "ST103": "documented-status",
    "ST104": "content-type",
    "ST105": "content-type",
    "ST106": "content-type",
    "ST107": "response-schema",
    "ST108": "response-schema",
    "ST109": "response-schema",
    "ST110": "response-schema",
    "ST111": "response-schema",
    "ST201": "expected-status",
    "ST202": "valid-request-ok",
}
#: A custom check's failure: the suite's own invariants.
_CUSTOM = "ST901"


def _dotted(path: Sequence[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "body"


def _said(failure: Any, title: str) -> str:
    """What a failure says in short: its status, and the first lines of its message."""
    lines = [line.strip() for line in str(getattr(failure, "message", "")).splitlines()]
    text = "; ".join([line for line in lines if line][:2]) or title
    status = getattr(failure, "status_code", None)
    return f"{status}: {text}" if isinstance(status, int) else text


def _finding(failure: Any, code: str, call: Call | None) -> Finding:
    title = str(getattr(failure, "title", "") or type(failure).__name__)
    label = f"schemathesis {code} {title}"
    path = getattr(failure, "instance_path", None)
    if path is not None:  # a schema violation: the field and the validator's words
        field: str | None = _dotted(list(path))
        observed = f"{field}: {getattr(failure, 'validation_message', '') or title}"
    else:
        field, observed = None, _said(failure, title)
    check = SAME_CHECK.get(code)
    names = ", ".join(getattr(type(failure), "checks", ()) or (code,))
    return Finding(
        check or code,
        f"{title}: {observed}",
        call=call,
        field=field,
        observed=observed,
        requires=None if check else f"no {title.lower()} (schemathesis' {names} check)",
        also=(label,) if check else (),
    )


def folded_findings(
    failures: Sequence[BaseException], call: Call | None, own: Sequence[Finding]
) -> list[Finding]:
    """The suite's findings on one answer (``own``) with schemathesis' failures on the
    same answer folded in (see the module's docstring).

    Args:
        failures: Schemathesis' failures (a ``FailureGroup``'s exceptions).
        call: The call that got the answer.
        own: The suite's own findings on that answer.
    """
    found = list(own)
    for failure in failures:
        code = str(getattr(failure, "code", "") or type(failure).__name__)
        if code == _CUSTOM:
            continue
        new = _finding(failure, code, call)
        same = next((i for i, f in enumerate(found) if f.check == new.check), None)
        if same is None:
            found.append(new)
        elif new.also and new.also[0] not in found[same].also:
            found[same] = dataclasses.replace(found[same], also=(*found[same].also, *new.also))
    return found
