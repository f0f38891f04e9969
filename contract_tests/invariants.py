"""What every answer of ``POST /v2/tasks`` must satisfy beyond what a schema can say.

Each function returns a list of problems (empty when all is well), each problem a
sentence that names the field and what is wrong, in the spirit of ``responses``'
matchers, so a failure says what was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gong_tasks_kit.spec.examples import documented_statuses
from gong_tasks_kit.spec.reference import iter_response_violations


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


def reply_problems(status: int, headers: Mapping[str, str], body: bytes) -> list[str]:
    """Problems of any answer: documented status, JSON content type, Gong's shapes."""
    problems: list[str] = []
    if status not in documented_statuses():
        return [
            f"status {status} is not documented for POST /v2/tasks "
            f"(documented: {', '.join(map(str, documented_statuses()))})"
        ]
    content_type = _header(headers, "Content-Type") or ""
    mimetype = content_type.split(";")[0].strip().lower()
    if mimetype != "application/json":
        return [f"Content-Type is {content_type or 'missing'!r}, expected application/json"]
    problems += [
        f"response breaks the spec: {violation}"
        for violation in iter_response_violations(status, body, dict(headers))
    ]
    if status == 429:
        retry_after = _header(headers, "Retry-After")
        if retry_after is None or not retry_after.strip().isdecimal():
            problems.append(f"429 without an integer Retry-After header (got {retry_after!r})")
    if status == 401 and _header(headers, "WWW-Authenticate") is None:
        problems.append("401 without a WWW-Authenticate header")
    return problems


def body_problems(status: int, body: Any) -> list[str]:
    """Problems of a parsed body: a ``requestId`` always, errors on errors, sane tasks."""
    if not isinstance(body, dict):
        return [f"body is not a JSON object: {type(body).__name__}"]
    problems: list[str] = []
    request_id = body.get("requestId")
    if not isinstance(request_id, str) or not request_id:
        problems.append(f"missing or empty requestId (got {request_id!r})")
    if status != 200:
        errors = body.get("errors")
        if not isinstance(errors, list) or not errors:
            problems.append(f"{status} error body without a non-empty errors array")
        return problems
    tasks = body.get("tasks")
    if not isinstance(tasks, list):
        return [*problems, "200 body without a tasks array"]
    ids = [task.get("id") for task in tasks if isinstance(task, dict)]
    if len(ids) != len(set(map(repr, ids))):
        problems.append("task ids are not unique")
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        if "title" in task and task.get("type") != "MANUAL":
            problems.append(f"tasks[{index}] has a title but type {task.get('type')!r}, not MANUAL")
        created, updated = task.get("created"), task.get("updated")
        if isinstance(created, str) and isinstance(updated, str) and updated < created:
            problems.append(f"tasks[{index}] updated {updated} before created {created}")
    return problems


def filter_problems(task_filter: Mapping[str, Any], tasks: list[Any]) -> list[str]:
    """Returned tasks that do not match the request's filter (user, type, action, status)."""
    problems: list[str] = []
    for index, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        where = f"tasks[{index}] (id {task.get('id')})"
        if str(task.get("userId")) != task_filter["userId"]:
            problems.append(
                f"{where} belongs to user {task.get('userId')}, "
                f"filter.userId is {task_filter['userId']}"
            )
        if task.get("type") not in task_filter["types"]:
            problems.append(
                f"{where} has type {task.get('type')!r}, filter.types is {task_filter['types']}"
            )
        if task.get("status") not in task_filter["status"]:
            problems.append(
                f"{where} has status {task.get('status')!r}, "
                f"filter.status is {task_filter['status']}"
            )
        actions = task.get("actions") or []
        if not set(actions) & set(task_filter["taskAction"]):
            problems.append(
                f"{where} has actions {actions}, filter.taskAction is {task_filter['taskAction']}"
            )
    return problems
