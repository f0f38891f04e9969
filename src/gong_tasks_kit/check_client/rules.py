"""The rules a scenario grades a client by: each looks at the calls the journal holds (their
order, times and answers) and at how the client ended, and returns the evidence of every
way the client broke it (nothing: the rule holds).

Evidence names calls by number and time since the first call began (``call 2 at +0.06
s``), so a person can find them in the journal. A rule takes parameters with defaults
(``honours-retry-after: {tolerance: 0.01}``); :data:`RULES` declares each one once, and
scenario files, ``--help`` and the README read that declaration.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gong_tasks_kit.check_client.calls import Call, span
from gong_tasks_kit.spec.limits import GONG_LIMITS

__all__ = ["RULES", "Param", "Rule", "Run", "judge"]

_MOST_EVIDENCE = 3


@dataclass(frozen=True, slots=True)
class Run:
    """What a client did in one scenario.

    Attributes:
        calls: Its calls, in the order they began.
        exit_code: How it exited (None: not known, e.g. in a pytest test, or killed).
        timed_out: Whether it was ended by the scenario's time limit.
    """

    calls: tuple[Call, ...]
    exit_code: int | None = None
    timed_out: bool = False


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of a rule: its default (which fixes its type) and its bounds."""

    default: float | int | tuple[int, ...]
    low: float
    high: float
    help: str


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: its name, what it checks, its parameters and its judge (which returns the
    evidence of each breach)."""

    name: str
    summary: str
    judge: Callable[[Run, Mapping[str, Any]], list[str]]
    params: Mapping[str, Param] = field(default_factory=dict)


def _api_calls(run: Run) -> list[Call]:
    return [call for call in run.calls if call.operation is not None]


def _calls_api(run: Run, params: Mapping[str, Any]) -> list[str]:
    made = len(_api_calls(run))
    if made >= params["min"]:
        return []
    if made == 0:
        return ["the client made no call to the Tasks API (does it call GONG_BASE_URL?)"]
    return [f"the client made {made} calls to the Tasks API, fewer than {params['min']}"]


def _exit_zero(run: Run, params: Mapping[str, Any]) -> list[str]:
    if run.timed_out or run.exit_code in (None, 0):  # a hang is reported once, by the runner
        return []
    return [f"the client exited with status {run.exit_code}"]


def _no_error_answers(run: Run, params: Mapping[str, Any]) -> list[str]:
    return [
        f"{call.when} ({call.label}) answered {call.status}"
        + (f": {call.error}" if call.error else "")
        for call in run.calls
        if call.status >= 400
    ]


def _unheeded_retry_afters(run: Run, tolerance: float) -> list[str]:
    """Each 429 whose ``Retry-After`` the client did not wait for: the first call that
    began after it was answered came too soon (calls already in flight are not blamed)."""
    starts = [call.at for call in run.calls]
    found = []
    for told in run.calls:
        if told.status != 429 or told.retry_after is None:
            continue
        following = bisect.bisect_right(starts, told.answered_at)
        early = run.calls[following] if following < len(run.calls) else None
        if early is not None and early.at < told.answered_at + told.retry_after - tolerance:
            found.append(
                f"{early.when}, Retry-After was {told.retry_after} s ({told.when} answered 429)"
            )
    return found


def _honours_retry_after(run: Run, params: Mapping[str, Any]) -> list[str]:
    return _unheeded_retry_afters(run, params["tolerance"])


def _retries_server_errors(run: Run, params: Mapping[str, Any]) -> list[str]:
    growth, step = params["growth"], params["min_step"]
    # Each call's neighbours among the calls that are the same call (method, path, body).
    previous: dict[int, Call] = {}
    following: dict[int, Call] = {}
    last_of: dict[str, Call] = {}
    for call in run.calls:
        earlier = last_of.get(call.key)
        if earlier is not None:
            previous[call.number], following[earlier.number] = earlier, call
        last_of[call.key] = call
    found = []
    for call in run.calls:
        if call.status < 500:
            continue
        retry = following.get(call.number)
        if retry is None:
            found.append(
                f"{call.when} ({call.label}) answered {call.status} and was never sent again"
            )
            continue
        before = previous.get(call.number)
        if before is None or before.status < 500:
            continue  # the first retry of a chain: nothing to compare its wait with
        waited_before = call.at - before.answered_at
        waited = retry.at - call.answered_at
        if waited < waited_before * growth or waited - waited_before < step:
            found.append(
                f"{retry.when} retried {retry.label} {waited:.2f} s after {call.when} answered "
                f"{call.status}; the wait before was {waited_before:.2f} s (waits must grow: "
                f"at least {growth:g}x and {step:g} s longer)"
            )
    return found


def _no_repeated_client_errors(run: Run, params: Mapping[str, Any]) -> list[str]:
    statuses, most = set(params["statuses"]), params["max_repeats"]
    calls, found = run.calls, []
    index = 0
    while index < len(calls):
        call = calls[index]
        repeats: list[Call] = []
        while index + 1 + len(repeats) < len(calls) and (
            calls[index + 1 + len(repeats)].key == call.key
        ):
            repeats.append(calls[index + 1 + len(repeats)])
        if call.status in statuses and len(repeats) > most:
            found.append(
                f"{call.when} ({call.label}) answered {call.status}, and the same call was "
                f"sent {len(repeats)} more times (calls {span(c.number for c in repeats)}; "
                f"at most {most} allowed)"
            )
            index += len(repeats)
        index += 1
    return found


def _bursts(calls: Sequence[Call], most: int, seconds: float) -> list[tuple[Call, Call]]:
    """Runs of more than ``most`` calls that began within less than ``seconds``."""
    return [
        (calls[index], calls[index + most])
        for index in range(len(calls) - most)
        if calls[index + most].at - calls[index].at < seconds
    ]


def _paced(run: Run, params: Mapping[str, Any]) -> list[str]:
    most, seconds, tolerance = params["calls"], params["seconds"], params["tolerance"]
    bursts = _bursts(run.calls, most, seconds - tolerance)
    if not bursts:
        return []
    first, last = bursts[0]
    burst = (
        f"more than {most} calls in {seconds:g} s (calls {first.number}-{last.number} within "
        f"{last.at - first.at:.2f} s)"
    )
    unheeded = _unheeded_retry_afters(run, tolerance)
    if unheeded:
        return [f"{burst}; {unheeded[0]}", *unheeded[1:]]
    if not any(call.status == 429 for call in run.calls):
        return [burst]
    return []  # over the limit, but it waited as told after every 429


def _stops_on_quota(run: Run, params: Mapping[str, Any]) -> list[str]:
    told = next(
        (
            call
            for call in run.calls
            if call.status == 429
            and call.retry_after is not None
            and call.retry_after >= params["min_retry_after"]
        ),
        None,
    )
    if told is None or told.retry_after is None:
        return []
    after = [call for call in run.calls if call.at > told.answered_at]
    if len(after) <= params["max_calls_after"]:
        return []
    return [
        f"{len(after)} calls after {told.when} answered 429 with Retry-After "
        f"{told.retry_after} s ({told.retry_after / 3600:.1f} h): calls "
        f"{span(call.number for call in after)} (at most {params['max_calls_after']} allowed)"
    ]


_TOLERANCE = Param(0.01, 0, 1, "seconds of slack for clock rounding")

#: Every rule a scenario may name, by name.
RULES: Mapping[str, Rule] = {
    rule.name: rule
    for rule in (
        Rule(
            "calls-api",
            "the client calls the Tasks API at least `min` times",
            _calls_api,
            {"min": Param(1, 0, 1_000_000, "calls to POST /v2/tasks or PATCH /v2/tasks/{id}")},
        ),
        Rule("exit-zero", "the client exits with status 0", _exit_zero),
        Rule(
            "no-error-answers",
            "no call is answered with an error (a 4xx means the client sent a wrong call)",
            _no_error_answers,
        ),
        Rule(
            "honours-retry-after",
            "after a 429, no call begins before its Retry-After has passed",
            _honours_retry_after,
            {"tolerance": _TOLERANCE},
        ),
        Rule(
            "retries-server-errors",
            "a call answered 5xx is sent again, each wait longer than the one before",
            _retries_server_errors,
            {
                "growth": Param(1.25, 1, 100, "each wait at least this many times the last"),
                "min_step": Param(0.05, 0, 60, "and at least this many seconds longer"),
            },
        ),
        Rule(
            "no-repeated-client-errors",
            "a call answered 400/401/403/404 is sent again (at once) at most `max_repeats` times",
            _no_repeated_client_errors,
            {
                "max_repeats": Param(1, 0, 1000, "repeats allowed"),
                "statuses": Param((400, 401, 403, 404), 400, 499, "the statuses judged"),
            },
        ),
        Rule(
            "paced",
            "never more than `calls` calls in `seconds`, or else it waits as told after every 429",
            _paced,
            {
                "calls": Param(GONG_LIMITS.per_second, 1, 10_000, "calls allowed per window"),
                "seconds": Param(1.0, 0.1, 86_400, "the window"),
                "tolerance": Param(0.05, 0, 1, "seconds of slack"),
            },
        ),
        Rule(
            "stops-on-quota",
            "after a 429 whose Retry-After is at least `min_retry_after` seconds, at most "
            "`max_calls_after` more calls",
            _stops_on_quota,
            {
                "min_retry_after": Param(3600, 1, 10**9, "seconds that mean 'come back later'"),
                "max_calls_after": Param(1, 0, 1000, "calls allowed after it"),
            },
        ),
    )
}


def judge(run: Run, rules: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The evidence of every breach of ``rules`` (name → parameters, defaults filled in),
    at most three per rule (then how many more), in the rules' order."""
    found: list[str] = []
    for name, params in rules.items():
        evidence = RULES[name].judge(run, params)
        found.extend(evidence[:_MOST_EVIDENCE])
        if len(evidence) > _MOST_EVIDENCE:
            found.append(f"{name}: {len(evidence) - _MOST_EVIDENCE} more like these")
    return found
