"""The spec's second operation through the spec tooling: operations by id, statuses and
examples per operation, and the reference validator on update requests and answers."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gong_tasks_kit.fixtures.credentials import READ_SCOPE, WRITE_SCOPE
from gong_tasks_kit.spec import TASK_PATH, TASKS_PATH, operation, operations
from gong_tasks_kit.spec.examples import common_statuses, documented_statuses, response_example
from gong_tasks_kit.spec.reference import iter_request_violations, iter_response_violations

UPDATE = "updateTask"


def _violations(body: Any) -> list[str]:
    return [str(v) for v in iter_request_violations(orjson.dumps(body), operation=UPDATE)]


def test_operations_are_read_from_the_spec_with_paths_methods_and_scopes() -> None:
    assert [op.operation_id for op in operations()] == ["listTasks", UPDATE]
    listing, update = operation("listTasks"), operation(UPDATE)
    assert (listing.method, listing.path, listing.label) == ("post", TASKS_PATH, "POST /v2/tasks")
    assert (update.method, update.path) == ("patch", TASK_PATH)
    assert update.example_path == "/v2/tasks/1234361284629351"
    assert listing.bearer_scopes == (READ_SCOPE,)
    assert update.bearer_scopes == (WRITE_SCOPE,)
    with pytest.raises(KeyError, match=r"no operation 'updateReminder'.*listTasks, updateTask"):
        operation("updateReminder")


def test_statuses_and_examples_are_per_operation() -> None:
    assert documented_statuses() == (200, 400, 401, 403, 429, 500)
    assert documented_statuses(UPDATE) == (200, 400, 401, 403, 404, 429, 500)
    assert common_statuses() == (200, 400, 401, 403, 429, 500)
    assert response_example(404, UPDATE)["errors"] == ["TaskId 1234361284629351 not found"]
    assert response_example(403, UPDATE)["errors"] == ["Access denied"]
    assert response_example(200, UPDATE)["tasks"][0]["status"] == "DONE"
    with pytest.raises(KeyError):
        response_example(404)


@pytest.mark.parametrize(
    "body",
    [
        {"userId": "234599484848423", "status": "DONE"},
        {"userId": "234599484848423", "dueDate": "2018-02-18T02:30:00-07:00"},
        {"userId": "1", "status": "OPEN", "dueDate": "2018-02-18T08:00:00.250Z"},
        {"userId": "1"},
        {"userId": "1", "priority": "MEDIUM"},  # open to properties Gong may add
    ],
)
def test_spec_accepts_a_well_formed_update(body: dict[str, Any]) -> None:
    assert _violations(body) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"status": "DONE"}, "body: 'userId' is a required property"),
        ({"userId": 234599484848423}, "userId: 234599484848423 is not of type 'string'"),
        ({"userId": "1", "status": "CLOSED"}, "status: 'CLOSED' is not one of"),
        ({"userId": "1", "status": None}, "status: None is not one of"),
        ({"userId": "1", "dueDate": "tomorrow"}, "dueDate: 'tomorrow' is not a 'date-time'"),
        ({"userId": "1", "dueDate": "2018-02-18T02:30:00"}, "is not a 'date-time'"),
        ({"userId": "1", "dueDate": 1518921000}, "dueDate: 1518921000 is not of type 'string'"),
        ([], "body: [] is not of type 'object'"),
    ],
)
def test_spec_rejects_a_malformed_update_naming_the_field(body: Any, expected: str) -> None:
    assert any(expected in violation for violation in _violations(body)), _violations(body)


def test_reference_judges_update_answers_by_the_update_operation() -> None:
    not_found = orjson.dumps({"requestId": "x" * 19, "errors": ["TaskId 1 not found"]})
    assert list(iter_response_violations(404, not_found, {}, operation=UPDATE)) == []
    assert list(iter_response_violations(404, not_found, {}))  # not documented for the list
    broken = orjson.dumps({"requestId": "x", "tasks": [{"id": "7"}]})
    (violation,) = iter_response_violations(200, broken, {}, operation=UPDATE)
    assert "is not of type 'integer'" in str(violation)
