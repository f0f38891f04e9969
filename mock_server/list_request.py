"""Turn a raw ``POST /v2/tasks`` request into a spec-valid filter, or a 400 that says why."""

from __future__ import annotations

from typing import Any

from gong_tasks_kit.serving.errors import bad_request
from gong_tasks_kit.serving.json_input import NestingTooDeepError, parse_json
from gong_tasks_kit.spec.fast_validation import is_valid
from gong_tasks_kit.spec.operations import LIST_TASKS
from gong_tasks_kit.spec.reference import iter_request_violations

_MAX_MESSAGES = 10


def _parse_json(body: bytes) -> Any:
    try:
        # Integers beyond 64 bits are valid JSON: read exactly, so the client hears
        # about the field, not about its syntax.
        return parse_json(body, bounded=True)
    except NestingTooDeepError as error:
        raise bad_request(f"Request body {error}") from None
    except ValueError as error:
        raise bad_request(f"Request body is not valid JSON: {error}") from None


def read_json_body(body: bytes, mimetype: str, expected: str) -> Any:
    """The parsed JSON of a request body.

    Args:
        body: The raw body.
        mimetype: The request's media type without parameters.
        expected: What the body should be, for the empty body's message (e.g. "a JSON
            object with a 'filter'").

    Raises:
        ApiError: 400 for a wrong content type, an empty body or malformed JSON.
    """
    if mimetype != "application/json":
        raise bad_request(f"Content-Type must be application/json, got {mimetype or 'nothing'}")
    if not body.strip():
        raise bad_request(f"Request body is empty: expected {expected}")
    return _parse_json(body)


def reference_messages(body: bytes, operation: str) -> list[str]:
    """What openapi-core, the reference, says is wrong with a body (empty when valid)."""
    violations = list(iter_request_violations(body, operation=operation))
    return [str(violation) for violation in violations[:_MAX_MESSAGES]]


def parse_task_filter(body: bytes, mimetype: str) -> dict[str, Any]:
    """The request's ``filter`` object, once the body is known to be valid.

    The compiled validator answers for valid bodies; an invalid one goes to openapi-core,
    the reference, whose verdict stands and whose messages name each field and problem.

    Raises:
        ApiError: 400 for a wrong content type, an empty body, malformed JSON or a body
            the spec rejects.
    """
    document = read_json_body(body, mimetype, "a JSON object with a 'filter'")
    if not is_valid("TaskListRequest", document):
        messages = reference_messages(body, LIST_TASKS)
        if messages:
            raise bad_request(*messages)
    task_filter: dict[str, Any] = document["filter"]
    return task_filter
