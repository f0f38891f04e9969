"""Plan steps and chaos: ``retryAfter`` only where a 429 can use it (ignored elsewhere,
neither stored nor shown), and a status of the wrong type is told it must be an
integer."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from gong_tasks_kit.mock_server.app import create_app


@pytest.fixture
def admin() -> FlaskClient:
    return create_app({"rate_limit": "off", "tasks_per_user": 2}).test_client()


def test_plans_keep_retry_after_on_429_steps_only(admin: FlaskClient) -> None:
    steps = [{"status": 500, "retryAfter": 1}, {"status": 500}, {"status": 429, "retryAfter": 3}]
    assert admin.post("/__admin/plans", json={"steps": steps}).status_code < 300
    shown = admin.get("/__admin/plans").get_json()
    assert shown["plans"]["*"] == [
        {"status": 500},
        {"status": 500},
        {"status": 429, "retryAfter": 3},
    ]


def test_plans_default_retry_after_of_a_429_step_is_one(admin: FlaskClient) -> None:
    admin.post("/__admin/plans", json={"steps": [{"status": 429}]})
    assert admin.get("/__admin/plans").get_json()["plans"]["*"] == [
        {"status": 429, "retryAfter": 1}
    ]


@pytest.mark.parametrize("status", [429.0, "429", True, None])
def test_plans_status_of_the_wrong_type_must_be_an_integer(
    admin: FlaskClient, status: object
) -> None:
    answer = admin.post("/__admin/plans", json={"steps": [{"status": status}]})
    assert answer.status_code == 400
    (message,) = answer.get_json()["errors"]
    assert message.startswith("status must be an integer (one the spec documents: ")
    assert "not a documented" not in message


def test_plans_undocumented_integer_status_still_names_the_documented_ones(
    admin: FlaskClient,
) -> None:
    answer = admin.post("/__admin/plans", json={"steps": [{"status": 418}]})
    (message,) = answer.get_json()["errors"]
    assert message.startswith("status must be one the spec documents for every operation (")
    assert message.endswith("got 418")


def test_chaos_keeps_retry_after_only_with_a_429_status(admin: FlaskClient) -> None:
    admin.put("/__admin/chaos", json={"rate": 0.5, "statuses": [500], "retryAfter": 4})
    without = admin.get("/__admin/status").get_json()["chaos"]
    admin.put("/__admin/chaos", json={"rate": 0.5, "statuses": [500, 429], "retryAfter": 4})
    with_429 = admin.get("/__admin/status").get_json()["chaos"]
    assert "retryAfter" not in without
    assert with_429["retryAfter"] == 4
