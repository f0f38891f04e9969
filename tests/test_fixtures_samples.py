"""The committed sample payloads are current and valid; ``gong-tasks sample`` prints them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from gong_tasks_kit.fixtures.samples import COMMITTED_DIR, build_samples, dump
from gong_tasks_kit.spec.reference import iter_request_violations, iter_response_violations

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
HEADERS = {"429": {"Retry-After": "1"}, "401": {"WWW-Authenticate": 'Basic realm="Gong.io API"'}}


@pytest.mark.parametrize("name", sorted(build_samples()))
def test_committed_sample_matches_a_fresh_build(name: str) -> None:
    committed = (COMMITTED_DIR / name).read_bytes()
    assert committed == dump(build_samples()[name]), (
        f"{name} is stale: run `scripts/refresh-samples.py`"
    )


def test_committed_samples_are_spec_valid() -> None:
    files = sorted(COMMITTED_DIR.glob("*.json"))
    assert len(files) == 7 + 8  # the list call's, then the update call's (404 too)
    for path in files:
        raw = path.read_bytes()
        operation = "updateTask" if path.name.startswith("update-") else "listTasks"
        if path.name.endswith("request.json"):
            assert list(iter_request_violations(raw, operation=operation)) == [], path.name
            continue
        status = path.stem.rsplit("-", 1)[1]
        violations = list(
            iter_response_violations(int(status), raw, HEADERS.get(status, {}), operation=operation)
        )
        assert violations == [], path.name


def test_update_sample_answers_the_sample_request() -> None:
    samples = build_samples()
    request, response = samples["update-request.json"], samples["update-response-200.json"]
    (task,) = response["tasks"]
    assert str(task["userId"]) == request["userId"]
    assert task["status"] == request["status"]
    assert task["created"] <= task["updated"]


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("request", lambda p: "filter" in p),
        ("response", lambda p: len(p["tasks"]) == 4),
        ("errors", lambda p: sorted(p) == ["400", "401", "403", "429", "500"]),
        ("update-request", lambda p: set(p) == {"userId", "status"}),
        ("update-response", lambda p: p["tasks"][0]["status"] == "DONE"),
        ("update-errors", lambda p: sorted(p) == ["400", "401", "403", "404", "429", "500"]),
    ],
)
def test_sample_command_prints_each_kind(kind: str, check: object) -> None:
    run = subprocess.run(  # noqa: S603
        [GONG_TASKS, "sample", "--kind", kind, "--count", "4", "--seed", "3"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    payload = orjson.loads(run.stdout)
    assert callable(check)
    assert check(payload)
    assert json.loads(run.stdout) == payload
