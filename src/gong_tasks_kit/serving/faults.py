"""QA's fault controls: scripted plans, seeded chaos and added latency.

Plans are queues of steps (``{"status": 429, "retryAfter": 1}``) per scope: a session id
sent in the ``X-Gong-Mock-Session`` header, or ``*`` for every caller. A step may name
the operation it is for (``"operation": "updateTask"``; default: any). A call takes the
first step of its session's queue that is for its operation, else of the global one, so
"the update fails once, the list keeps working" is one plan. Chaos and latency draw from a
generator seeded by ``seed`` and the call's number in a shared counter, so a run with the
same seed and the same order of calls sees the same faults, across workers too.
"""

from __future__ import annotations

import random
from typing import Any

from gong_tasks_kit.serving.bounds import cut, is_json_integer
from gong_tasks_kit.serving.errors import ApiError
from gong_tasks_kit.serving.prefer import DEFAULT_RETRY_AFTER, documented_error
from gong_tasks_kit.serving.state import GLOBAL_SCOPE, SharedState
from gong_tasks_kit.spec.examples import common_statuses, documented_statuses
from gong_tasks_kit.spec.operations import operation_ids

SESSION_HEADER = "X-Gong-Mock-Session"
MAX_TIMES = 10_000
MAX_RETRY_AFTER = 86_400
MAX_LATENCY_MS = 30_000


_PLAN_FIELDS = frozenset({"steps", "session"})
_STEP_FIELDS = frozenset({"status", "times", "retryAfter", "operation"})
_CHAOS_FIELDS = frozenset({"rate", "statuses", "seed", "retryAfter", "session"})
_LATENCY_FIELDS = frozenset({"fixedMs", "minMs", "maxMs", "seed", "session"})


class AdminInputError(ValueError):
    """Bad input to the admin API; nothing was changed."""


def _shown(value: Any) -> str:
    return cut(repr(value), 60)


def _integer(payload: dict[str, Any], name: str, low: int, high: int, default: int) -> int:
    value = payload.get(name, default)
    if not is_json_integer(value) or not low <= value <= high:
        raise AdminInputError(
            f"{name} must be an integer from {low} to {high}, got {_shown(value)}"
        )
    return int(value)


def _status(value: Any, operation: str | None = None, *, by_operation: bool = True) -> int:
    """A status the spec documents for ``operation``, or for every operation when None
    (``by_operation``: whether the caller can name an operation, as a plan step can and
    chaos cannot)."""
    allowed = documented_statuses(operation) if operation else common_statuses()
    listed = ", ".join(map(str, allowed))
    if not is_json_integer(value):  # 429.0 or "429": a type problem, said as one
        raise AdminInputError(
            f"status must be an integer (one the spec documents: {listed}), got {_shown(value)}"
        )
    if value not in allowed:
        scope = f"for {operation}" if operation else "for every operation"
        hint = ""
        owners = [op for op in operation_ids() if value in documented_statuses(op)]
        if operation is None and is_json_integer(value) and owners:
            only = f"; {value} is documented for {', '.join(owners)} only"
            hint = (
                f"{only}: name the operation"
                if by_operation
                else f"{only}, and chaos applies to every call: queue plan steps naming "
                "the operation instead"
            )
        raise AdminInputError(
            f"status must be one the spec documents {scope} ({listed}), got {_shown(value)}{hint}"
        )
    return int(value)


def _operation(payload: dict[str, Any]) -> str | None:
    if "operation" not in payload:
        return None
    value = payload["operation"]
    if not isinstance(value, str) or value not in operation_ids():
        raise AdminInputError(
            f"operation must be one of {', '.join(operation_ids())}, got {_shown(value)}"
        )
    return value


def _known_fields(payload: dict[str, Any], what: str, fields: frozenset[str]) -> None:
    """Refuse a misspelt field rather than ignore it (``retryafter`` would default)."""
    unknown = sorted(set(payload) - fields)
    if unknown:
        listed = ", ".join(sorted(fields))
        raise AdminInputError(f"{what}: unknown field {_shown(unknown[0])} (known: {listed})")


def _session(payload: dict[str, Any]) -> str | None:
    session = payload.get("session")
    if session is not None and (
        not isinstance(session, str)
        or not session
        or len(session) > 200
        or not session.isprintable()
        or not session.isascii()  # the server drops a header value that is not ASCII
        or session != session.strip()  # a header value loses its outer spaces
    ):
        raise AdminInputError(
            "session must be a non-empty string of at most 200 printable ASCII characters, "
            "without outer spaces (it travels in the X-Gong-Mock-Session header)"
        )
    return session


def scope_of(session: str | None) -> str:
    """The plan scope of a session id (the global scope for None)."""
    return GLOBAL_SCOPE if session is None else f"session:{session}"


def parse_plan(payload: Any) -> tuple[str, list[dict[str, Any]]]:
    """Check a plan:
    ``{"steps": [{"status", "times"?, "retryAfter"?, "operation"?}], "session"?}``.

    Returns:
        ``(scope, expanded steps)``: each step once per ``times``.

    Raises:
        AdminInputError: naming the first problem; nothing is queued then.
    """
    if not isinstance(payload, dict):
        raise AdminInputError("a plan must be a JSON object with a 'steps' array")
    _known_fields(payload, "plan", _PLAN_FIELDS)
    steps = payload.get("steps")
    if not isinstance(steps, list) or not steps:
        raise AdminInputError("steps must be a non-empty array")
    if len(steps) > MAX_TIMES:
        raise AdminInputError(f"a plan may hold at most {MAX_TIMES} steps, got {len(steps)}")
    checked: list[tuple[dict[str, Any], int]] = []
    total = 0
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            raise AdminInputError(f"steps[{index}] must be an object")
        _known_fields(step, f"steps[{index}]", _STEP_FIELDS)
        operation = _operation(step)
        status = _status(step.get("status"), operation)
        times = _integer(step, "times", 1, MAX_TIMES, 1)
        retry_after = _integer(step, "retryAfter", 0, MAX_RETRY_AFTER, 1)
        total += times
        if total > MAX_TIMES:  # sized before anything is expanded
            raise AdminInputError(
                f"a plan may hold at most {MAX_TIMES} steps (counting times); "
                f"steps[0..{index}] already make {total}"
            )
        # Retry-After belongs to a 429 only: on any other step it is ignored (clients such
        # as MockControl.fail_next send one whatever the status), neither stored nor shown.
        step_value: dict[str, Any] = {"status": status}
        if status == 429:
            step_value["retryAfter"] = retry_after
        if operation is not None:
            step_value["operation"] = operation
        checked.append((step_value, times))
    expanded = [dict(step_value) for step_value, times in checked for _ in range(times)]
    return scope_of(_session(payload)), expanded


def parse_chaos(payload: Any) -> dict[str, Any]:
    """Check chaos: ``{"rate": 0.2, "statuses": [500, 429], "seed": 7, "retryAfter"?}``."""
    if not isinstance(payload, dict):
        raise AdminInputError("chaos must be a JSON object")
    _known_fields(payload, "chaos", _CHAOS_FIELDS)
    rate = payload.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise AdminInputError(f"rate must be a number from 0 to 1, got {_shown(rate)}")
    statuses = payload.get("statuses", [500])
    if not isinstance(statuses, list) or not statuses:
        raise AdminInputError("statuses must be a non-empty array")
    checked = [_status(status, by_operation=False) for status in statuses]
    retry_after = _integer(payload, "retryAfter", 0, MAX_RETRY_AFTER, 1)
    return {
        "rate": float(rate),
        "statuses": checked,
        "seed": _integer(payload, "seed", 0, 2**63 - 1, 0),
        **({"retryAfter": retry_after} if 429 in checked else {}),  # as for plan steps
        "session": _session(payload),
    }


def parse_latency(payload: Any) -> dict[str, Any]:
    """Check latency: ``{"fixedMs": 200}`` or ``{"minMs": 50, "maxMs": 500, "seed": 3}``."""
    if not isinstance(payload, dict):
        raise AdminInputError("latency must be a JSON object")
    _known_fields(payload, "latency", _LATENCY_FIELDS)
    fixed_given, range_given = "fixedMs" in payload, {"minMs", "maxMs"} & set(payload)
    if fixed_given == bool(range_given):
        raise AdminInputError('latency needs {"fixedMs": N} or {"minMs": N, "maxMs": M}, not both')
    if fixed_given:
        fixed = _integer(payload, "fixedMs", 0, MAX_LATENCY_MS, 0)
        low = high = fixed
    else:
        low = _integer(payload, "minMs", 0, MAX_LATENCY_MS, 0)
        high = _integer(payload, "maxMs", 0, MAX_LATENCY_MS, low)
        if high < low:
            raise AdminInputError("maxMs must not be below minMs")
    return {
        "minMs": low,
        "maxMs": high,
        "seed": _integer(payload, "seed", 0, 2**63 - 1, 0),
        "session": _session(payload),
    }


def _applies(setting: dict[str, Any], session: str | None) -> bool:
    return setting.get("session") in (None, session)


def next_fault(state: SharedState, session: str | None, operation: str) -> ApiError | None:
    """The injected answer for this call of ``operation``, if a plan step or chaos calls
    for one."""
    step = state.pop_step(scope_of(session), operation) if session is not None else None
    if step is None:
        step = state.pop_step(GLOBAL_SCOPE, operation)
    if step is not None:
        if step["status"] == 200:
            return None
        return documented_error(
            step["status"],
            retry_after=step.get("retryAfter", DEFAULT_RETRY_AFTER),
            source="plan",
            operation_id=operation,
        )
    chaos = state.get_setting("chaos")
    if chaos is None or not _applies(chaos, session):
        return None
    draw = random.Random(f"{chaos['seed']}:{state.next_count('chaos')}")  # noqa: S311
    if draw.random() >= chaos["rate"]:
        return None
    status = draw.choice(chaos["statuses"])
    if status == 200:
        return None
    return documented_error(
        status,
        retry_after=chaos.get("retryAfter", DEFAULT_RETRY_AFTER),
        source="chaos",
        operation_id=operation,
    )


def latency_seconds(state: SharedState, session: str | None) -> float:
    """How long to delay this call (0 when no latency is set)."""
    latency = state.get_setting("latency")
    if latency is None or not _applies(latency, session):
        return 0.0
    if latency["minMs"] == latency["maxMs"]:
        return float(latency["minMs"]) / 1000
    draw = random.Random(f"{latency['seed']}:{state.next_count('latency')}")  # noqa: S311
    return draw.uniform(latency["minMs"], latency["maxMs"]) / 1000
