"""What every answer must satisfy beyond what a schema can say, check by named check.

Each function returns a list of problems (empty when all is well). A problem is a
:class:`~gong_tasks_kit.contract_tests.findings.Finding`: the name of the check that
found it and a sentence, written ``[check: filter-match] tasks[0] (id 7) has status
'DONE', filter.status is ['OPEN']`` in the spirit of ``responses``' matchers, with the
field at fault and the call that showed it when the check knows them. The report
groups failures by that name (:data:`CHECKS` lists them) and builds each block from
those parts.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from gong_tasks_kit.contract_tests.calls import Call
from gong_tasks_kit.contract_tests.findings import ChecksFailedError, Finding
from gong_tasks_kit.contract_tests.operations import LIST_TASKS, Operation
from gong_tasks_kit.spec.fast_reference import iter_response_violations

#: Every check of the suite's own, by name, with what it proves.
CHECKS: Mapping[str, str] = {
    "documented-status": "the status code is one the spec documents for the operation",
    "content-type": "every answer is application/json",
    "response-schema": "the answer validates against the spec (openapi-core)",
    "retry-after": "a 429 carries an integer Retry-After header",
    "www-authenticate": "a 401 carries a WWW-Authenticate challenge",
    "json-body": "the body is a JSON object",
    "request-id": "every answer has a non-empty requestId",
    "error-body": "every error has a non-empty errors array",
    "tasks-array": "a 200 has a tasks array",
    "unique-ids": "task ids are unique within an answer",
    "title-only-on-manual": "only MANUAL tasks have a title",
    "created-before-updated": "no task was updated before it was created",
    "valid-request-ok": "a valid request gets 200",
    "expected-status": "an invalid request gets the documented error status",
    "filter-match": "every returned task matches the filter",
    "partition-by-types": "the answers for each type alone split the full answer",
    "partition-by-status": "the answers for each status alone split the full answer",
    "partition-by-workspaceId": "the answers for each workspace split the full answer",
    "unknown-user": "an unknown user gets no one else's tasks",
    "same-answer-twice": "the same request twice returns the same tasks (mocks only)",
    "update-answer": "an update's 200 holds the task with the values asked for",
    "update-visible": "an update shows in the next list: status filters, due date",
    "update-order": "an updated due date moves the task to its place in the order (mocks)",
    "update-idempotent": "the same update twice answers the same task, updated unchanged",
    "unknown-task": "an unknown task id gets Gong's 404",
    "not-owner": "a task another user owns gets the 404 and stays as it was (mocks only)",
    "reset-restores": "after POST /__admin/reset a task is as seeded (mocks only)",
    "restore": "the task the update checks wrote to gets its original status and due date back",
    "update-refuses-unknown-status": "an update with an unknown status gets Gong's 400",
    "update-refuses-malformed-due-date": "an update with a dueDate in no ISO-8601 form gets 400",
    "update-refuses-wrong-user-id-type": "an update whose userId is no JSON string gets 400",
    "drift": "no type, enum or status code outside the spec in any answer",
}


def problem(
    check: str,
    message: str,
    *,
    call: Call | None = None,
    field: str | None = None,
    observed: str | None = None,
    requires: str | None = None,
) -> Finding:
    """A problem found by ``check`` (one of :data:`CHECKS`), worded for a report.

    Args:
        check: The check's name.
        message: What is wrong, in a sentence.
        call: The call whose answer showed it, when the check has it at hand.
        field: The field at fault, as a path into the answer.
        observed: What came back, in short (default: the sentence).
        requires: What the spec or Gong asks here, beyond the check's own rule.

    Raises:
        KeyError: for a check :data:`CHECKS` does not name.
    """
    if check not in CHECKS:
        raise KeyError(f"unknown check {check!r}")
    return Finding(check, message, call, field, observed, requires)


def assert_no_problems(problems: Iterable[Finding]) -> None:
    """Fail the running test with its problems, one line each.

    Raises:
        ChecksFailedError: when there is any problem (an ``AssertionError``).
    """
    found = list(problems)
    if found:
        raise ChecksFailedError(found)


_ONE_OF = re.compile(r"^(?P<value>.*) (?P<verb>is not one of|is not in) (?P<options>\[.*\])$", re.S)


def readable(message: str) -> str:
    """A message with its list of allowed values as plain words: ``'X' is not one of
    OPEN, DONE, DISMISSED`` (a validator's), ``'X' is not in OPEN, ...`` (the drift's)."""
    found = _ONE_OF.match(message)
    if found is None:
        return message
    try:
        options = ast.literal_eval(found["options"])
    except (ValueError, SyntaxError):
        return message
    return f"{found['value']} {found['verb']} {', '.join(map(str, options))}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


def reply_problems(
    status: int, headers: Mapping[str, str], body: bytes, operation: Operation = LIST_TASKS
) -> list[Finding]:
    """Problems of any answer: documented status, JSON content type, Gong's shapes."""
    documented = operation.documented_statuses()
    if status not in documented:
        return [
            problem(
                "documented-status",
                f"status {status} is not documented for {operation.label} "
                f"(documented: {', '.join(map(str, documented))})",
                requires=f"one of {', '.join(map(str, documented))} for {operation.label}",
            )
        ]
    content_type = _header(headers, "Content-Type") or ""
    mimetype = content_type.split(";")[0].strip().lower()
    if mimetype != "application/json":
        return [
            problem(
                "content-type",
                f"Content-Type is {content_type or 'missing'!r}, expected application/json",
                field="Content-Type",
            )
        ]
    problems = [
        problem(
            "response-schema",
            f"response breaks the spec: {violation}",
            field=violation.location,
            observed=f"{violation.location}: {readable(violation.message)}",
        )
        for violation in iter_response_violations(
            status, body, dict(headers), operation=operation.operation_id
        )
    ]
    if status == 429:
        retry_after = _header(headers, "Retry-After")
        if retry_after is None or not retry_after.strip().isdecimal():
            problems.append(
                problem(
                    "retry-after",
                    f"429 without an integer Retry-After (got {retry_after!r})",
                    field="Retry-After",
                )
            )
    if status == 401 and _header(headers, "WWW-Authenticate") is None:
        problems.append(
            problem(
                "www-authenticate",
                "401 without a WWW-Authenticate header",
                field="WWW-Authenticate",
            )
        )
    return problems


def body_problems(status: int, body: Any) -> list[Finding]:
    """Problems of a parsed body: a ``requestId`` always, errors on errors, sane tasks."""
    if not isinstance(body, dict):
        return [problem("json-body", f"body is not a JSON object: {type(body).__name__}")]
    problems: list[Finding] = []
    request_id = body.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        problems.append(
            problem(
                "request-id",
                f"missing or empty requestId (got {request_id!r})",
                field="requestId",
            )
        )
    if status != 200:
        errors = body.get("errors")
        if not isinstance(errors, list) or not errors:
            problems.append(
                problem(
                    "error-body",
                    f"{status} error body without a non-empty errors array",
                    field="errors",
                )
            )
        return problems
    tasks = body.get("tasks")
    if not isinstance(tasks, list):
        return [*problems, problem("tasks-array", "200 body without a tasks array", field="tasks")]
    ids = [task.get("id") for task in tasks if isinstance(task, dict)]
    if len(ids) != len(set(map(repr, ids))):
        problems.append(problem("unique-ids", "task ids are not unique"))
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        if "title" in task and task.get("type") != "MANUAL":
            problems.append(
                problem(
                    "title-only-on-manual",
                    f"tasks[{index}] has a title but type {task.get('type')!r}, not MANUAL",
                    field=f"tasks[{index}].title",
                )
            )
        created, updated = task.get("created"), task.get("updated")
        if isinstance(created, str) and isinstance(updated, str) and updated < created:
            problems.append(
                problem(
                    "created-before-updated",
                    f"tasks[{index}] updated {updated} before created {created}",
                    field=f"tasks[{index}].updated",
                )
            )
    return problems


def answer_problems(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    parsed: Any,
    operation: Operation = LIST_TASKS,
) -> list[Finding]:
    """:func:`reply_problems`, then (when the answer's shape is sound) :func:`body_problems`."""
    return reply_problems(status, headers, body, operation) or body_problems(status, parsed)


def _filter_mismatches(task: dict[str, Any], task_filter: Mapping[str, Any]) -> Iterable[str]:
    """The filter fields ``task`` does not match, by the field's name in the filter."""
    if str(task.get("userId")) != task_filter["userId"]:
        yield "userId"
    if task.get("type") not in task_filter["types"]:
        yield "types"
    if task.get("status") not in task_filter["status"]:
        yield "status"
    if not set(task.get("actions") or []) & set(task_filter["taskAction"]):
        yield "taskAction"


#: Filter field -> (the task's field, how a sentence says what the task has).
_FILTER_WORDS: Mapping[str, tuple[str, str]] = {
    "userId": ("userId", "belongs to user {value}"),
    "types": ("type", "has type {value!r}"),
    "status": ("status", "has status {value!r}"),
    "taskAction": ("actions", "has actions {value}"),
}


def filter_problems(
    task_filter: Mapping[str, Any], tasks: list[Any], *, call: Call | None = None
) -> list[Finding]:
    """Returned tasks that do not match the request's filter (user, type, action, status).

    Args:
        task_filter: The request's filter.
        tasks: The tasks answered.
        call: The call that answered them.
    """
    problems: list[Finding] = []
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        where = f"tasks[{index}] (id {task.get('id')})"
        for name in _filter_mismatches(task, task_filter):
            field, words = _FILTER_WORDS[name]
            value = task.get(field)
            if field == "actions":
                value = value or []
            has = words.format(value=value)
            wanted = f"filter.{name} is {task_filter[name]}"
            problems.append(
                problem(
                    "filter-match",
                    f"{where} {has}, {wanted}",
                    call=call,
                    field=f"tasks[{index}].{field}",
                    observed=f"{where} {has}",
                    requires=wanted,
                )
            )
    return problems


def unplaced_task_ids(parts: Mapping[str, list[Any]], everything: list[Any]) -> list[str]:
    """The tasks of ``everything`` in none of ``parts``, sorted."""
    placed = set().union(*(task_ids(tasks) for tasks in parts.values()))
    return sorted(task_ids(everything) - placed)


def task_ids(tasks: list[Any]) -> set[str]:
    """The ids of ``tasks`` (as text, so ids of any JSON type compare)."""
    return {repr(task.get("id")) for task in tasks if isinstance(task, dict)}


def partition_problems(
    dimension: str,
    parts: Mapping[str, list[Any]],
    everything: list[Any],
    *,
    every_task_has_one: bool = True,
    calls: Mapping[str, Call | None] | None = None,
) -> list[Finding]:
    """Problems when the answers for each value of ``dimension`` alone do not split the
    answer for all of them: a task in two parts, or a task of the whole in none.

    Args:
        dimension: The filter field narrowed (``status``, ``workspaceId``, ...).
        parts: The tasks answered for each value alone, by value.
        everything: The tasks answered with the field at its widest (or absent).
        every_task_has_one: False where a task may have no value at all (a task in no
            workspace): then a task of the whole in no part is no problem.
        calls: The call that answered each part, by value (a problem names the call of
            the part where it showed).
    """
    check = f"partition-by-{dimension}"
    call_of = calls or {}
    problems: list[Finding] = []
    seen: dict[str, str] = {}
    for value, tasks in parts.items():
        for task_id in sorted(task_ids(tasks)):
            if task_id in seen:
                problems.append(
                    problem(
                        check,
                        f"task {task_id} is answered for {dimension}={seen[task_id]} and "
                        f"for {dimension}={value}: the {dimension} filter is ignored or broken",
                        call=call_of.get(value),
                        requires=f"no task in the answers for two {dimension} values",
                    )
                )
            seen.setdefault(task_id, value)
    whole = task_ids(everything)
    missing, extra = sorted(whole - set(seen)), sorted(set(seen) - whole)
    if missing and every_task_has_one:
        problems.append(
            problem(
                check,
                f"{len(missing)} task(s) of the full answer are in no {dimension} answer "
                f"(e.g. {', '.join(missing[:3])})",
            )
        )
    if extra:
        first = next(v for v, tasks in parts.items() if task_ids(tasks) & set(extra))
        problems.append(
            problem(
                check,
                f"{len(extra)} task(s) answered for one {dimension} are not in the full answer "
                f"(e.g. {', '.join(extra[:3])})",
                call=call_of.get(first),
            )
        )
    return problems[:10]


def instant(text: Any) -> datetime | None:
    """The moment an RFC 3339 date-time names (any offset), or None for anything else."""
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def order_problems(tasks: list[Any], task_id: int) -> list[Finding]:
    """A task out of ``dueDate`` order (then ``id``), the mock's documented order, after
    ``task_id``'s due date changed (the first one found)."""
    keys = [
        (instant(task.get("dueDate")), task.get("id")) if isinstance(task, dict) else None
        for task in tasks
    ]
    for index in range(1, len(keys)):
        previous, current = keys[index - 1], keys[index]
        if previous is None or current is None or previous[0] is None or current[0] is None:
            continue
        try:
            out_of_order = previous > current
        except TypeError:  # ids of other types: the schema checks report those
            continue
        if out_of_order:
            place = next((i for i, t in enumerate(tasks) if t.get("id") == task_id), None)
            return [
                problem(
                    "update-order",
                    f"tasks[{index}] (id {current[1]}) comes after tasks[{index - 1}] (id "
                    f"{previous[1]}) but belongs before it: after its due date changed, task "
                    f"{task_id} (now tasks[{place}]) was not moved to its place in the "
                    "dueDate order, then id",
                    field=f"tasks[{index}]",
                )
            ]
    return []
