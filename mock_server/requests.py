"""Turn a raw ``POST /v2/tasks`` request into a spec-valid filter, or a 400 that says why."""

from __future__ import annotations

import json
from typing import Any

import orjson
from gong_tasks_kit.mock_server.errors import bad_request
from gong_tasks_kit.mock_server.fast_validation import is_valid
from gong_tasks_kit.spec.reference import iter_request_violations

_MAX_MESSAGES = 10


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def _parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as error:
        first_error = error
    try:
        # orjson refuses integers beyond 64 bits, which are valid JSON: the slow parser
        # takes them so the client hears about the field, not about its syntax.
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise bad_request(f"Request body is not valid JSON: {first_error}") from None


def parse_task_filter(body: bytes, mimetype: str) -> dict[str, Any]:
    """The request's ``filter`` object, once the body is known to be valid.

    The compiled validator answers for valid bodies; an invalid one goes to openapi-core,
    the reference, whose verdict stands and whose messages name each field and problem.

    Raises:
        ApiError: 400 for a wrong content type, an empty body, malformed JSON or a body
            the spec rejects.
    """
    if mimetype != "application/json":
        raise bad_request(f"Content-Type must be application/json, got {mimetype or 'nothing'}")
    if not body.strip():
        raise bad_request("Request body is empty: expected a JSON object with a 'filter'")
    document = _parse_json(body)
    if not is_valid("TaskListRequest", document):
        violations = list(iter_request_violations(body))
        if violations:
            messages = [str(violation) for violation in violations[:_MAX_MESSAGES]]
            raise bad_request(*messages)
    task_filter: dict[str, Any] = document["filter"]
    return task_filter
