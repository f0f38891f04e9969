"""Self-checks of the spec: a valid OpenAPI document whose every example is valid.

Follows openapi-core's verb families: ``iter_spec_problems`` yields, ``validate_spec``
raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate as validate_openapi_document
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from gong_tasks_kit.spec.loader import load_spec, openapi, resolve
from gong_tasks_kit.spec.operations import example_path

_EXAMPLE_HOST = "https://us-12345.api.gong.io"
_EXAMPLE_AUTHORIZATION = "Basic ZXhhbXBsZS1rZXk6ZXhhbXBsZS1zZWNyZXQ="  # example-key:example-secret


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """One thing wrong with the spec.

    Attributes:
        where: A JSON-pointer-like location in the document.
        message: What is wrong there.
    """

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class SpecError(ValueError):
    """The spec is not a valid OpenAPI document or one of its examples is invalid."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def _example_headers(document: dict[str, Any], response: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, header in response.get("headers", {}).items():
        resolved = resolve(document, header)
        if "example" in resolved:
            headers[name] = str(resolved["example"])
    return headers


def _iter_operation_example_problems(
    validator: OpenAPI,
    document: dict[str, Any],
    path: str,
    method: str,
    operation: dict[str, Any],
) -> Iterator[SpecProblem]:
    request_body = resolve(document, operation.get("requestBody", {}))
    request_examples = {
        name: resolve(document, example)["value"]
        for media in request_body.get("content", {}).values()
        for name, example in media.get("examples", {}).items()
    }
    if not request_examples:
        yield SpecProblem(f"paths.{path}.{method}.requestBody", "has no example")
    requests: list[MockRequest] = []
    concrete_path = example_path(document, path, operation)
    for name, value in request_examples.items():
        request = MockRequest(
            _EXAMPLE_HOST,
            method,
            concrete_path,
            headers={"Authorization": _EXAMPLE_AUTHORIZATION},
            data=orjson.dumps(value),
        )
        try:
            validator.validate_request(request)
        except Exception as error:  # openapi-core raises a family of unrelated errors
            where = f"paths.{path}.{method}.requestBody.examples.{name}"
            yield SpecProblem(where, str(error.__cause__ or error))
        requests.append(request)

    for status, raw_response in operation.get("responses", {}).items():
        response = resolve(document, raw_response)
        where = f"paths.{path}.{method}.responses.{status}"
        media_types = response.get("content", {})
        if not media_types:
            yield SpecProblem(where, "has no content schema")
        for media_type, media in media_types.items():
            if "schema" not in media:
                yield SpecProblem(f"{where}.{media_type}", "has no schema")
            examples = media.get("examples", {})
            if not examples:
                yield SpecProblem(f"{where}.{media_type}", "has no example")
            for name, example in examples.items():
                mock_response = MockResponse(
                    orjson.dumps(resolve(document, example)["value"]),
                    status_code=int(status),
                    headers=_example_headers(document, response),
                    content_type=media_type,
                )
                try:
                    validator.validate_response(requests[0], mock_response)
                except Exception as error:  # see above
                    yield SpecProblem(f"{where}.{media_type}.examples.{name}", str(error))


def iter_spec_problems(document: dict[str, Any] | None = None) -> Iterator[SpecProblem]:
    """Yield every problem of the spec: OpenAPI validity first, then each example.

    Every operation needs a request example, and every response a schema and an
    example; each example must validate against its schema with openapi-core, the
    project's reference validator (headers included).

    Args:
        document: A parsed OpenAPI document to check instead of the project's spec
            (the tests use it to prove that a broken document is caught).
    """
    if document is None:
        document, validator = load_spec(), openapi()
    else:
        try:
            validator = OpenAPI.from_dict(document)
        except OpenAPIValidationError as error:
            yield SpecProblem("/".join(str(p) for p in error.absolute_path), error.message)
            return
    try:
        validate_openapi_document(document)
    except OpenAPIValidationError as error:
        yield SpecProblem("/".join(str(p) for p in error.absolute_path), error.message)
        return
    for path, path_item in document.get("paths", {}).items():
        for method, operation in path_item.items():
            if method in {"get", "put", "post", "delete", "patch", "head", "options"}:
                yield from _iter_operation_example_problems(
                    validator, document, path, method, operation
                )


def validate_spec(document: dict[str, Any] | None = None) -> None:
    """Raise :class:`SpecError` listing every problem of the spec, if there is any."""
    problems = list(iter_spec_problems(document))
    if problems:
        raise SpecError(problems)
