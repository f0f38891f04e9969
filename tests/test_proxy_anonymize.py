"""``--anonymize`` keeps no personal data: canary strings planted in every place a target's
answer may carry a person (free text, fields the spec does not describe, a name met
only in a later answer) never reach the recording, and the recording still replays."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from stand_in import stand_in_target

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.mock_server.app import create_app, mock_runtime
from gong_tasks_kit.mock_server.testing import LiveServer
from gong_tasks_kit.proxy import create_proxy_app, proxy_runtime
from gong_tasks_kit.proxy.free_text import TextScrubber

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}
# Each is unique to this test: found anywhere in the recording, it leaked.
CANARIES = (
    "Zorbulon",
    "Quillfeather",
    "Canarycorp",
    "zorbulon.q@canary-mail",
    "canary-mail",
    "555-0199",
    "(415) 555",
    "canarysite",
    "7946 0958",
    "canary.assistant",
    "Philomena",
    "Canarysmith",
    "0161 496 0000",
    "assigner.canary",
    "Bartholomew",
    "Canaryfield",
    "Canarynote",
    "778899",
    "Ottoline",
    "Vexworth",
    "canaryweb",
    "canaryteam",
)
TITLE = (
    "Call Zorbulon Quillfeather of Canarycorp at zorbulon.q@canary-mail.example or "
    "+1 (415) 555-0199 about https://canarysite.example.com/deal/778899; also ZORBULON "
    "QUILLFEATHER at CANARYCORP, www.canaryweb.example and canaryteam.io/people"
)


def _plant(calls: list[int]) -> Any:
    def plant(status: int, headers: dict[str, str], body: Any) -> Any:
        calls.append(1)
        for index, task in enumerate(body.get("tasks", [])):
            data = task["contact"]["data"]
            if len(calls) == 1:
                data.update(firstName="Zorbulon", lastName="Quillfeather")
                data["companyName"] = "Canarycorp"
                # A name met only in the next answer, as its contact's.
                text = f"{TITLE}; then Ottoline Vexworth"
            else:
                data.update(firstName="Ottoline", lastName="Vexworth")
                text = "Follow up"
            if "title" in task:
                task["title"] = text
            if task.get("flow"):
                task["flow"]["name"] = f"Canarycorp outreach: Zorbulon Quillfeather ({index})"
                task["flow"]["step"]["name"] = "Email zorbulon.q@canary-mail.example"
                task["flow"]["assignedBy"] = {
                    "email": "assigner.canary@canarycorp.example",
                    "name": "Bartholomew Canaryfield",
                    "userId": 778899,
                }
            task["account"].update(
                website="https://www.canarysite.example", phone="+44 20 7946 0958"
            )
            data.update(
                assistantEmail="canary.assistant@canarycorp.example",
                assistantName="Philomena Canarysmith",
                notes="Private: Philomena Canarysmith, home 0161 496 0000",
            )
            task["notesForRep"] = ["Canarynote", {"code": 778899, "vip": True}]
        return status, headers, body

    return plant


@pytest.fixture(scope="module")
def target() -> Iterator[Flask]:
    app = stand_in_target(users=2, tasks_per_user=10, seed=5)
    with LiveServer(app) as live:
        app.config["URL"] = live.url
        yield app


def test_proxy_anonymize_leaves_no_canary_in_the_recording(target: Flask, tmp_path: Path) -> None:
    target.config["BREAK"] = _plant([])
    path = tmp_path / "recording.json"
    proxy = create_proxy_app(
        {
            "target": target.config["URL"],
            "rate_limit": "off",
            "record": str(path),
            "anonymize": True,
        }
    )
    client = proxy.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = DEFAULT_AUTHORIZATION
    answers = []
    for user in mock_runtime(target.config["MOCK"]).store.user_ids:
        answer = client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}})
        assert answer.status_code == 200
        answers.append(answer.json)
    proxy_runtime(proxy).close()
    target.config["BREAK"] = None
    sent = json.dumps(answers)
    assert [canary for canary in CANARIES if canary not in sent] == []  # all planted
    text = path.read_text(encoding="utf-8")
    leaked = [canary for canary in CANARIES if canary.lower() in text.lower()]
    assert leaked == []
    recorded = json.loads(text)["tasks"]
    assert len(recorded) == sum(len(answer["tasks"]) for answer in answers)
    first = recorded[0]
    assert set(first["account"]) >= {"website", "phone"}  # replaced by type, not dropped
    assert isinstance(first["notesForRep"][1]["code"], int)
    replay = create_app({"data": str(path)})  # still what serve --data reads
    assert len(mock_runtime(replay).store.task_ids()) == len(recorded)


def test_anonymizer_free_text_finds_each_kind_once() -> None:
    scrubber = TextScrubber(lambda url: "<url>", lambda email: "<email>", lambda phone: "<phone>")
    names = {"John": "Al", "Smith": "Bo", "Acme, Inc.": "Zed LLC", "Mary Ann": "Cy Dee"}
    text = (
        "Call John Smith (Acme, Inc.) at john@x.example or +1 415 555 0199 with Mary Ann "
        "on 2025-08-13 about 12 seats, see https://crm.example.com/r/42; Johnson stays"
    )
    assert scrubber.scrub(text, names) == (
        "Call Al Bo (Zed LLC) at <email> or <phone> with Cy Dee on 2025-08-13 about 12 "
        "seats, see <url>; Johnson stays",
        7,
    )


def test_anonymizer_free_text_finds_names_in_any_case_and_hosts_without_a_scheme() -> None:
    scrubber = TextScrubber(lambda url: "<url>", lambda email: "<email>", lambda phone: "<phone>")
    names = {"John": "Al", "Acme, Inc.": "Zed LLC"}
    text = "JOHN of acme, inc. at www.acme.com, acme.io/team or Mr.Smith; v2.0 e.g. 1.5x"
    assert scrubber.scrub(text, names) == (
        "Al of Zed LLC at <url>, <url> or <url>; v2.0 e.g. 1.5x",
        5,
    )


def test_anonymizer_free_text_cost_does_not_grow_with_the_names_met() -> None:
    scrubber = TextScrubber(str, str, str)
    names = {f"Person{index}": f"Other{index}" for index in range(20_000)}
    started = time.perf_counter()
    for index in range(2_000):
        text, found = scrubber.scrub(f"Follow up with Person{index} about the renewal", names)
        assert (text, found) == (f"Follow up with Other{index} about the renewal", 1)
    assert time.perf_counter() - started < 2  # about 0.1 s here; one regex of all: minutes
