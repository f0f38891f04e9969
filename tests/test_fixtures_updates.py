"""Fixtures for the update call: the factory and the strategies are spec-valid (or
spec-invalid, as they say), for any seed."""

from __future__ import annotations

import json
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from gong_tasks_kit.fixtures import OMIT, build_task_update, make_faker
from gong_tasks_kit.fixtures.strategies import (
    UPDATE_MALFORMATIONS,
    due_dates,
    invalid_task_update_requests,
    task_update_requests,
    task_update_responses,
)
from gong_tasks_kit.spec.reference import iter_request_violations, iter_response_violations

UPDATE = "updateTask"


def _request_violations(body: Any) -> list[str]:
    raw = json.dumps(body).encode()
    return [str(v) for v in iter_request_violations(raw, operation=UPDATE)]


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_build_task_update_is_spec_valid_for_any_seed(seed: int) -> None:
    body = build_task_update(make_faker(seed))
    assert _request_violations(body) == []
    assert body["userId"].isdecimal()
    assert {"status", "dueDate"} & set(body)


def test_build_task_update_takes_a_user_and_overrides() -> None:
    faker = make_faker(5)
    body = build_task_update(faker, user_id=42, status="DONE", dueDate=OMIT)
    assert body == {"userId": "42", "status": "DONE"}
    moved = build_task_update(faker, status=OMIT, dueDate="2026-02-01T09:00:00-05:00")
    assert set(moved) == {"userId", "dueDate"}
    assert build_task_update(make_faker(9)) == build_task_update(make_faker(9))


def test_build_task_update_due_dates_carry_utc_offsets() -> None:
    faker = make_faker(1)
    dates = [build_task_update(faker).get("dueDate") for _ in range(60)]
    offsets = {d[-6:] for d in dates if d}
    assert len(offsets) > 3, offsets


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(task_update_requests(["1", "2"]))
def test_valid_update_strategy_passes_the_reference(body: dict[str, Any]) -> None:
    assert _request_violations(body) == []


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(due_dates())
def test_due_dates_are_date_times_with_offsets(due_date: str) -> None:
    assert _request_violations({"userId": "1", "dueDate": due_date}) == []
    assert due_date.endswith("Z") or due_date[-6] in "+-"


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(invalid_task_update_requests())
def test_invalid_update_strategy_fails_the_reference(case: tuple[str, Any]) -> None:
    kind, body = case
    assert kind in UPDATE_MALFORMATIONS
    assert _request_violations(body), (kind, body)


@settings(max_examples=30, deadline=None)
@given(task_update_responses())
def test_update_response_strategy_passes_the_reference(body: dict[str, Any]) -> None:
    assert len(body["tasks"]) == 1
    raw = orjson.dumps(body)
    assert list(iter_response_violations(200, raw, {}, operation=UPDATE)) == []
