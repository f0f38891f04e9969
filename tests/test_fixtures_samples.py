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
    assert len(files) == 7
    for path in files:
        raw = path.read_bytes()
        if path.name == "request.json":
            assert list(iter_request_violations(raw)) == []
            continue
        status = path.stem.rsplit("-", 1)[1]
        violations = list(iter_response_violations(int(status), raw, HEADERS.get(status, {})))
        assert violations == [], path.name


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("request", lambda p: "filter" in p),
        ("response", lambda p: len(p["tasks"]) == 4),
        ("errors", lambda p: sorted(p) == ["400", "401", "403", "429", "500"]),
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
