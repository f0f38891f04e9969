"""openapi-core, the project's reference validator, applied to raw requests and responses.

Its verdict defines "valid" everywhere in the toolkit; faster validators elsewhere are
proven to agree with it. Requests are validated as if sent to Gong's generic host, so
the verdict never depends on where a mock happens to listen.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gong_tasks_kit.spec.loader import TASKS_PATH, openapi, spec_cached
from gong_tasks_kit.spec.operations import LIST_TASKS, operation

if TYPE_CHECKING:
    from openapi_core.testing import MockRequest
    from openapi_core.validation.request.validators import V31RequestBodyValidator

# openapi-core is imported where it is used (as ``loader.openapi`` does): importing this
# module is free, so a server that never needs the reference (valid calls take the fast
# path) starts without it: a quarter of a second per start.

_REFERENCE_HOST = "https://api.gong.io"


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a request or response breaks the spec.

    Attributes:
        location: Where, as a dotted path into the body (``filter.types[0]``), a header
            name, or ``body`` for the whole document.
        message: What is wrong, in the validator's words.
    """

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def _dotted(path: Any) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or "body"


def _violations(error: Exception) -> Iterator[Violation]:
    cause = error.__cause__
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        for schema_error in schema_errors:
            yield Violation(_dotted(schema_error.absolute_path), schema_error.message)
    else:
        yield Violation("request" if cause is None else "body", _message(cause or error))


def _message(error: BaseException) -> str:
    try:
        return str(error)
    except UnicodeDecodeError:  # openapi-core quotes the body as UTF-8 text
        return f"{type(error).__name__}: the body is not UTF-8 text"


def reference_request(
    body: bytes,
    *,
    content_type: str = "application/json",
    method: str = "post",
    path: str = TASKS_PATH,
) -> MockRequest:
    """An openapi-core request for a concrete path (default ``TASKS_PATH``) with this raw
    body."""
    from openapi_core.testing import MockRequest  # noqa: PLC0415 - see above

    return MockRequest(_REFERENCE_HOST, method, path, data=body, content_type=content_type)


def _operation_request(body: bytes, content_type: str, operation_id: str) -> MockRequest:
    found = operation(operation_id)
    return reference_request(
        body, content_type=content_type, method=found.method, path=found.example_path
    )


@spec_cached
def _request_body_validator() -> V31RequestBodyValidator:
    # The body alone: authentication is the mock's own job, not the schema's.
    from openapi_core.validation.request.validators import (  # noqa: PLC0415 - see above
        V31RequestBodyValidator,
    )

    return V31RequestBodyValidator(openapi().spec)


def iter_request_violations(
    body: bytes, *, content_type: str = "application/json", operation: str = LIST_TASKS
) -> Iterator[Violation]:
    """Yield each way a request body breaks the spec (nothing when valid).

    Args:
        body: The raw body.
        content_type: The media type without parameters.
        operation: The operation id the body is for (default: the list call).
    """
    request = _operation_request(body, content_type, operation)
    try:
        _request_body_validator().validate(request)
    except Exception as error:  # openapi-core's errors share no useful base class
        yield from _violations(error)


def iter_response_violations(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    content_type: str = "application/json",
    operation: str = LIST_TASKS,
) -> Iterator[Violation]:
    """Yield each way a response to an operation breaks the spec.

    Args:
        status: The HTTP status code.
        body: The raw body.
        headers: The response headers.
        content_type: The media type without parameters, e.g. ``application/json``.
        operation: The operation id that answered (default: the list call,
            ``POST /v2/tasks``; ``updateTask`` for ``PATCH /v2/tasks/{taskId}``).
    """
    from openapi_core.testing import MockResponse  # noqa: PLC0415 - see above

    response = MockResponse(
        body, status_code=status, headers=dict(headers), content_type=content_type
    )
    request = _operation_request(b"{}", "application/json", operation)
    try:
        openapi().validate_response(request, response)
    except Exception as error:  # see above
        cause = error.__cause__
        if getattr(cause, "schema_errors", None):
            yield from _violations(error)
        else:
            yield Violation("response", str(cause or error))
