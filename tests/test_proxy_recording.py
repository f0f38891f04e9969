"""``--record``: a recording of traffic through the proxy replays as a mock with the same
answers; ``--anonymize`` replaces the people in it, consistently, and keeps the rest."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from stand_in import stand_in_target

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.mock_server.app import create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import LiveServer
from gong_tasks_kit.proxy import create_proxy_app, proxy_runtime
from gong_tasks_kit.proxy.anonymize import Anonymizer

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}
KEPT = ("id", "userId", "type", "status", "created", "updated", "dueDate", "actions", "flow")


@pytest.fixture(scope="module")
def target() -> Iterator[Flask]:
    app = stand_in_target(users=3, tasks_per_user=8, seed=21, crm_type="MICROSOFT_DYNAMICS")
    with LiveServer(app) as live:
        app.config["URL"] = live.url
        yield app


def _client(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = DEFAULT_AUTHORIZATION
    return client


def _filters(mock: Flask) -> list[dict[str, Any]]:
    """A session of list calls: each user, with and without each workspace, narrowed."""
    store = mock_runtime(mock).store
    found: list[dict[str, Any]] = []
    for user in store.user_ids:
        found.append({"userId": user, **ALL})
        found.append({"userId": user, **ALL, "types": ["MANUAL"], "status": ["OPEN"]})
        found.extend({"userId": user, **ALL, "workspaceId": w} for w in store.workspaces[user])
    return found


def _record(target: Flask, path: Path, **config: Any) -> list[dict[str, Any]]:
    proxy = create_proxy_app(
        {"target": target.config["URL"], "rate_limit": "off", "record": str(path), **config}
    )
    client = _client(proxy)
    answers = []
    for task_filter in _filters(target.config["MOCK"]):
        answer = client.post("/v2/tasks", json={"filter": task_filter})
        assert answer.status_code == 200
        answers.append(answer.json)
    proxy_runtime(proxy).close()
    return answers


def _tasks_text(path: Path) -> str:
    """A recording's text up to its answers (its tasks and crmType)."""
    return path.read_text(encoding="utf-8").split('"answers"')[0]


def _without_request_id(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "requestId"}


def test_a_recording_replays_as_a_mock_with_the_same_answers(target: Flask, tmp_path: Path) -> None:
    path = tmp_path / "recording.json"
    recorded_answers = _record(target, path)
    recording = json.loads(path.read_text(encoding="utf-8"))
    assert recording["crmType"] == "MICROSOFT_DYNAMICS"
    assert len(recording["tasks"]) == 24
    assert all(task.get("workspaceId") for task in recording["tasks"])  # each seen in one

    replay = create_app({"data": str(path), "rate_limit": "off", "strict": True, "TESTING": True})
    client = _client(replay)
    filters = _filters(target.config["MOCK"])
    for task_filter, recorded in zip(filters, recorded_answers, strict=True):
        answer = client.post("/v2/tasks", json={"filter": task_filter})
        assert _without_request_id(answer.json) == _without_request_id(recorded), task_filter
    health = client.get("/__health").json
    assert health["userIds"] == list(mock_runtime(target.config["MOCK"]).store.user_ids)


def test_the_recording_keeps_each_task_as_last_seen_and_its_workspace(
    target: Flask, tmp_path: Path
) -> None:
    path = tmp_path / "recording.json"
    proxy = create_proxy_app(
        {"target": target.config["URL"], "rate_limit": "off", "record": str(path)}
    )
    client = _client(proxy)
    store = mock_runtime(target.config["MOCK"]).store
    user = store.user_ids[0]
    workspace = store.workspaces[user][0]
    in_workspace = client.post(
        "/v2/tasks", json={"filter": {"userId": user, **ALL, "workspaceId": workspace}}
    ).json["tasks"]
    task = in_workspace[0]
    client.patch(f"/v2/tasks/{task['id']}", json={"userId": user, "status": "DISMISSED"})
    client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}})  # no workspace named
    target.config["BREAK"] = "created-not-a-date"
    client.post("/v2/tasks", json={"filter": {"userId": store.user_ids[1], **ALL}})
    target.config["BREAK"] = None
    proxy_runtime(proxy).close()
    recorded = {t["id"]: t for t in json.loads(path.read_text(encoding="utf-8"))["tasks"]}
    assert recorded[task["id"]]["status"] == "DISMISSED"
    assert recorded[task["id"]]["workspaceId"] == workspace  # still known
    assert sum(1 for t in recorded.values() if str(t["userId"]) == store.user_ids[1]) == 7
    assert proxy_runtime(proxy).recording.skipped == 1  # type: ignore[union-attr]
    mock_runtime(target.config["MOCK"]).reset()


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _people(task: dict[str, Any]) -> list[str]:
    contacts = [task.get("contact"), *task.get("additionalContacts", [])]
    found = []
    for contact in filter(None, contacts):
        data = contact["data"]
        found += [data["firstName"], data["lastName"], data["crmUrl"], data["linkedinProfile"]]
        found += [entry["email"] for entry in data["emails"]]
        found += [phone["raw"] for phone in data.get("phoneNumbers", [])]
    account = task.get("account") or {}
    return [*found, account.get("name", ""), account.get("crmUrl", "")]


def test_anonymized_recordings_keep_ids_and_dates_and_replace_people(
    target: Flask, tmp_path: Path
) -> None:
    plain, first, again, other = (tmp_path / f"{name}.json" for name in "pfao")
    _record(target, plain)
    _record(target, first, anonymize=True, anonymize_seed=7)
    _record(target, again, anonymize=True, anonymize_seed=7)
    _record(target, other, anonymize=True, anonymize_seed=8)
    # The same seed, the same replacements (the answers' times differ from run to run).
    assert _tasks_text(first) == _tasks_text(again)
    assert _tasks_text(first) != _tasks_text(other)
    originals = json.loads(plain.read_text(encoding="utf-8"))["tasks"]
    anonymized = json.loads(first.read_text(encoding="utf-8"))["tasks"]
    # Emails, URLs and phone numbers are distinctive: none may survive anywhere. (A
    # replacement name may equal another person's real one: Faker's lists are short.)
    distinctive = {v for task in originals for v in _people(task) if re.search(r"[@/(]", v)}
    assert not distinctive & {value for task in anonymized for value in _strings(task)}
    for before, after in zip(originals, anonymized, strict=True):
        changed = zip(_people(before), _people(after), strict=True)
        assert all(old != new for old, new in changed if old)
        assert {key: before.get(key) for key in KEPT} == {key: after.get(key) for key in KEPT}
        assert before["contact"]["crmId"] == after["contact"]["crmId"]
        assert before["contact"]["data"]["city"] == after["contact"]["data"]["city"]
        phones = zip(
            before["contact"]["data"].get("phoneNumbers", []),
            after["contact"]["data"].get("phoneNumbers", []),
            strict=True,
        )
        for old, new in phones:
            assert re.sub(r"\d", "0", old["raw"]) == re.sub(r"\d", "0", new["raw"])  # shape
            assert new["normalized"].endswith(re.sub(r"\D", "", new["raw"]))  # one number
            assert new["countryCode"] == old["countryCode"]
        url = after["contact"]["data"]["crmUrl"]
        assert url.startswith("https://")
        assert ".crm.dynamics.com/main.aspx?" in url
        assert after["contact"]["crmId"] in url  # the task's own CRM id is kept
    # One company, one replacement: accounts shared by tasks stay shared.
    pairs = {
        (b["account"]["name"], a["account"]["name"])
        for b, a in zip(originals, anonymized, strict=True)
    }
    assert len({name for name, _ in pairs}) == len(pairs)
    replay = create_app({"data": str(first), "strict": True, "TESTING": True})  # spec-valid
    assert mock_runtime(replay).store.task_count == len(anonymized)


def test_anonymizer_keeps_shapes() -> None:
    names = Anonymizer(3)
    assert names.first_name("Jon") == names.first_name("Jon") != "Jon"
    assert names.email("jon.snow@winterfell.com").endswith(
        "@" + names.email("arya@winterfell.com").split("@")[1]
    )
    assert names.email("x@gmail.com").endswith("@gmail.com")
    phone = names.phone("+44 (0)20 7946 0958", 44)
    assert re.fullmatch(r"\+44 \(0\)\d{2} \d{4} \d{4}", phone)
    assert names.phone("020 7946 0958", 44).replace(" ", "") == "0" + phone[7:].replace(" ", "")
    linkedin = names.url("https://www.linkedin.com/in/jon-snow-12ab")
    assert re.fullmatch(r"https://www\.linkedin\.com/in/[a-z]{3}-[a-z]{4}-\d\d[a-z]{2}", linkedin)
    assert "jon" not in linkedin
    salesforce = names.url("https://winterfell.my.salesforce.com/003ABC", frozenset({"003ABC"}))
    assert re.fullmatch(r"https://[a-z-]+\.my\.salesforce\.com/003ABC", salesforce)
    assert "winterfell" not in salesforce
    assert names.url("https://key:secret@crm.example.com/x").count("secret") == 0


def test_anonymizer_never_merges_two_values_even_past_fakers_lists() -> None:
    names = Anonymizer(1)
    originals = [f"Name{number}" for number in range(900)]  # Faker has 703 first names
    replaced = {names.first_name(name) for name in originals}
    assert len(replaced) == len(originals)
