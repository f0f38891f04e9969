"""Faker providers, factories, datasets and strategies: realistic, seeded, spec-valid."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gong_tasks_kit.fixtures import (
    OMIT,
    build_account,
    build_contact,
    build_dataset,
    build_flow,
    build_opportunity,
    build_task,
    make_faker,
)
from gong_tasks_kit.fixtures.providers import _salesforce_checksum
from gong_tasks_kit.fixtures.strategies import (
    MALFORMATIONS,
    invalid_task_list_requests,
    task_list_requests,
    task_list_responses,
)
from gong_tasks_kit.spec.reference import iter_request_violations, iter_response_violations


def _task_violations(task: dict[str, Any]) -> list[str]:
    body = json.dumps({"requestId": "x", "tasks": [task], "crmType": "SALESFORCE"}).encode()
    return [str(v) for v in iter_response_violations(200, body, {})]


def test_provider_makes_gong_and_salesforce_shaped_ids() -> None:
    faker = make_faker(1)
    for _ in range(200):
        assert len(str(faker.gong_id())) == 19
        crm_id = faker.salesforce_id("contact")
        assert re.fullmatch(r"003[0-9A-Za-z]{12}[A-Z0-5]{3}", crm_id)
        assert crm_id[15:] == _salesforce_checksum(crm_id[:15])
        assert re.fullmatch(r"[0-9a-z]{19}", faker.gong_request_id())


def test_salesforce_checksum_matches_a_known_id() -> None:
    assert _salesforce_checksum("001A0000006Vm9r") == "IAC"


def test_provider_is_seeded_per_instance_and_leaves_global_random_alone() -> None:
    random.seed(5)
    expected_global = random.random()
    random.seed(5)
    first, second = make_faker(3), make_faker(3)
    assert [first.gong_id() for _ in range(5)] == [second.gong_id() for _ in range(5)]
    assert make_faker(4).gong_id() != make_faker(3).gong_id()
    assert random.random() == expected_global


def test_phone_numbers_carry_raw_normalized_and_country_code() -> None:
    phone = make_faker(9).phone_number_entry()
    digits = re.sub(r"\D", "", phone["raw"])
    assert phone["normalized"] == f"+1{digits}"
    assert phone["countryCode"] == 1


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    task_type=st.sampled_from([None, "FLOW", "MANUAL"]),
    status=st.sampled_from([None, "OPEN", "DONE", "DISMISSED"]),
)
def test_build_task_is_spec_valid_and_consistent_for_any_seed(
    seed: int, task_type: str | None, status: str | None
) -> None:
    task = build_task(make_faker(seed), type=task_type, status=status)
    assert _task_violations(task) == []
    assert task["type"] == (task_type or task["type"])
    assert task["status"] == (status or task["status"])
    assert ("title" in task) == (task["type"] == "MANUAL")
    assert ("flow" in task) == (task["type"] == "FLOW")
    assert task["created"] <= task["updated"]
    assert task["created"] < task["dueDate"]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), company=st.none() | st.text(max_size=30))
def test_every_factory_is_spec_valid_for_any_seed(seed: int, company: str | None) -> None:
    faker = make_faker(seed)
    account = build_account(faker)
    task = build_task(
        faker,
        type="FLOW",
        account=account,
        opportunity=build_opportunity(faker, account_name=company),
        flow=build_flow(faker),
        contact=build_contact(faker, company=company),
        additional_contacts=[build_contact(faker), build_contact(faker)],
    )
    assert _task_violations(task) == []
    assert task["account"] is account


def test_build_task_overrides_replace_or_omit_keys() -> None:
    task = build_task(make_faker(1), type="MANUAL", title="Call me", priority=OMIT)
    assert task["title"] == "Call me"
    assert "priority" not in task


def test_build_contact_is_consistent() -> None:
    contact = build_contact(make_faker(2), company="Acme Corp")
    data = contact["data"]
    assert data["companyName"] == "Acme Corp"
    assert data["emails"][0]["email"].endswith("@acme-corp.com")
    assert contact["crmId"].startswith("00Q" if contact["type"] == "LEAD" else "003")


def test_dataset_is_reproducible_unique_and_sized() -> None:
    first = build_dataset(11, users=3, tasks_per_user=20)
    second = build_dataset(11, users=3, tasks_per_user=20)
    assert orjson.dumps(first.tasks()) == orjson.dumps(second.tasks())
    tasks = first.tasks()
    assert len(tasks) == 60
    assert len({task["id"] for task in tasks}) == 60
    assert {task["userId"] for task in tasks} == {user.id for user in first.users}
    for record in first.iter_records():
        user = next(u for u in first.users if u.id == record.task["userId"])
        assert record.workspace_id in user.workspace_ids
    assert all(_task_violations(task) == [] for task in tasks)
    assert orjson.dumps(build_dataset(12, 3, 20).tasks()) != orjson.dumps(tasks)


@pytest.mark.parametrize(
    ("crm_type", "id_pattern", "url_start"),
    [
        ("SALESFORCE", r"00[13Q6][0-9A-Za-z]{12}[A-Z0-5]{3}", "https://"),
        ("HUBSPOT", r"[1-9][0-9]{10}", "https://app.hubspot.com/contacts/"),
        (
            "MICROSOFT_DYNAMICS",
            r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
            "https://",
        ),
        ("GENERIC", r"(acc|con|lea|opp)-[0-9a-z]{12}", "https://crm."),
    ],
)
def test_dataset_uses_the_id_and_url_style_of_its_crm(
    crm_type: str, id_pattern: str, url_start: str
) -> None:
    dataset = build_dataset(5, users=2, tasks_per_user=15, crm_type=crm_type)
    assert dataset.crm_type == crm_type
    for task in dataset.tasks():
        records = [task["account"], task["contact"], *task.get("additionalContacts", [])]
        records += [task["opportunity"]] if "opportunity" in task else []
        for record in records:
            assert re.fullmatch(id_pattern, record["crmId"]), record["crmId"]
            url = record.get("crmUrl") or record["data"]["crmUrl"]
            assert url.startswith(url_start)
            assert record["crmId"] in url
        assert _task_violations(task) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"users": 0}, "users must be at least 1"),
        ({"tasks_per_user": -1}, "tasks_per_user must be 0 or more"),
        ({"crm_type": "ZOHO"}, "crm_type must be one of"),
    ],
)
def test_dataset_refuses_impossible_sizes(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_dataset(**kwargs)


@settings(max_examples=100, deadline=None)
@given(task_list_requests())
def test_valid_request_strategy_passes_the_reference(body: dict[str, Any]) -> None:
    assert list(iter_request_violations(orjson.dumps(body))) == []


@settings(deadline=None)  # examples: the profile's (tests/conftest.py)
@given(invalid_task_list_requests())
def test_invalid_request_strategy_fails_the_reference(case: tuple[str, Any]) -> None:
    kind, body = case
    assert kind in MALFORMATIONS
    assert list(iter_request_violations(json.dumps(body).encode())), (kind, body)


@settings(max_examples=20, deadline=None)
@given(task_list_responses(max_tasks=3))
def test_response_strategy_passes_the_reference(body: dict[str, Any]) -> None:
    assert list(iter_response_violations(200, orjson.dumps(body), {})) == []
