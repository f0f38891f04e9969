"""The spec accepts well-formed task queries and rejects malformed ones."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from openapi_core.testing import MockRequest

from gong_tasks_kit.spec import TASKS_PATH, openapi
from gong_tasks_kit.spec.reference import iter_request_violations

VALID_FILTER: dict[str, Any] = {
    "userId": "234599484848423",
    "workspaceId": "623457276584334",
    "types": ["MANUAL", "FLOW"],
    "taskAction": ["CALL"],
    "status": ["OPEN", "DONE", "DISMISSED"],
}


def _validate(body: Any) -> None:
    request = MockRequest(
        "http://127.0.0.1:8080",
        "post",
        TASKS_PATH,
        headers={"Authorization": "Basic a2V5OnNlY3JldA=="},
        data=orjson.dumps(body),
    )
    openapi().validate_request(request)


def _without(key: str) -> dict[str, Any]:
    return {"filter": {k: v for k, v in VALID_FILTER.items() if k != key}}


def _with(key: str, value: Any) -> dict[str, Any]:
    return {"filter": {**VALID_FILTER, key: value}}


def test_spec_accepts_a_full_filter() -> None:
    _validate({"filter": VALID_FILTER})


def test_spec_accepts_a_filter_without_workspace_and_with_empty_arrays() -> None:
    _validate({"filter": {"userId": "1", "types": [], "taskAction": [], "status": []}})


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param({}, "'filter' is a required property", id="missing-filter"),
        pytest.param(_without("userId"), "'userId' is a required property", id="missing-user"),
        pytest.param(_without("types"), "'types' is a required property", id="missing-types"),
        pytest.param(
            _without("taskAction"), "'taskAction' is a required property", id="missing-action"
        ),
        pytest.param(_without("status"), "'status' is a required property", id="missing-status"),
        pytest.param(_with("types", ["TODO"]), "'TODO' is not one of", id="unknown-type"),
        pytest.param(_with("taskAction", ["EMAIL"]), "'EMAIL' is not one of", id="unknown-action"),
        pytest.param(_with("status", ["CLOSED"]), "'CLOSED' is not one of", id="unknown-status"),
        pytest.param(_with("userId", 234599484848423), "is not of type 'string'", id="int-user"),
        pytest.param(_with("workspaceId", 1), "is not of type 'string'", id="int-workspace"),
        pytest.param(_with("types", "MANUAL"), "is not of type 'array'", id="types-not-array"),
        pytest.param(_with("status", [None]), "None is not one of", id="null-status"),
        pytest.param({"filter": []}, "is not of type 'object'", id="filter-array"),
        pytest.param([], "is not of type 'object'", id="body-array"),
    ],
)
def test_spec_rejects_a_malformed_request(body: Any, expected: str) -> None:
    with pytest.raises(Exception) as raised:  # noqa: PT011 - openapi-core's errors share no base
        _validate(body)
    cause = raised.value.__cause__
    messages = [error.message for error in getattr(cause, "schema_errors", [])]
    assert any(expected in message for message in messages), messages


@pytest.mark.parametrize("body", [b'{"filter": {"userId": "\xff\xfe"}}', b"\x1f\x8b\x08\x00gzip"])
def test_reference_names_a_body_that_is_not_utf8_without_failing(body: bytes) -> None:
    violations = [str(violation) for violation in iter_request_violations(body)]
    assert violations
    assert any("not UTF-8 text" in violation for violation in violations), violations
