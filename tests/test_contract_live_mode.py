"""Safe mode for the real API, proven against a local mock posing as Gong: throttled to
3 requests a second, Retry-After honoured, budgeted, drift report written, no secret shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.contract_tests.target import BudgetExhaustedError, Target
from gong_tasks_kit.mock_server.testing import MockControl

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
BODY = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}


def _live_target(url: str, **extra: str) -> Target:
    return Target(
        load_settings(
            {
                "GONG_CONTRACT_BASE_URL": url,
                "GONG_CONTRACT_LIVE": "1",
                "GONG_USER_ID": "1",
                "GONG_ACCESS_KEY": "gong-mock-access-key",
                "GONG_ACCESS_KEY_SECRET": "gong-mock-access-key-secret",
                **extra,
            }
        )
    )


def test_live_target_sends_at_most_three_requests_a_second(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    target = _live_target(gong_mock_url)
    started = time.monotonic()
    statuses = [target.list_tasks(BODY).status for _ in range(7)]
    elapsed = time.monotonic() - started
    assert statuses == [200] * 7
    assert elapsed >= 2.0, f"7 requests in {elapsed:.2f} s is more than 3 a second"
    epochs = [entry["epoch"] for entry in gong_mock.requests()]
    for index in range(3, len(epochs)):
        assert epochs[index] - epochs[index - 3] >= 0.99, "4 requests within one second"


def test_live_target_waits_retry_after_then_retries_once(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    gong_mock.fail_next(429, retry_after=1)
    reply = _live_target(gong_mock_url).list_tasks(BODY)
    assert reply.status == 200
    first, second = gong_mock.requests()
    assert second["epoch"] - first["epoch"] >= 1.0


def test_live_target_stops_at_its_budget(gong_mock_url: str) -> None:
    target = _live_target(gong_mock_url, GONG_CONTRACT_MAX_REQUESTS="2")
    target.list_tasks(BODY)
    target.list_tasks(BODY)
    with pytest.raises(BudgetExhaustedError, match="budget of 2 is spent"):
        target.list_tasks(BODY)


@pytest.mark.gong_mock(rate_limit="3/second")
def test_live_run_is_safe_and_writes_a_drift_report(
    gong_mock_app: Flask, gong_mock_url: str, gong_mock: MockControl, tmp_path: Path
) -> None:
    health: Any = gong_mock_app.test_client().get("/__health").get_json()
    secret = "gong-mock-access-key-secret"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    env |= {
        "GONG_CONTRACT_LIVE": "1",
        "GONG_USER_ID": health["userIds"][0],
        "GONG_ACCESS_KEY": "gong-mock-access-key",
        "GONG_ACCESS_KEY_SECRET": secret,
    }
    report = tmp_path / "drift.json"
    run = subprocess.run(  # noqa: S603 - our own console script
        [
            GONG_TASKS,
            "contract",
            "--base-url",
            gong_mock_url,
            "--max-examples",
            "2",
            "--max-requests",
            "40",
            "--drift-report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-4000:]
    assert "target=gong" in run.stdout
    assert "estimated requests ~" in run.stdout
    assert "(budget 40)" in run.stdout
    assert secret not in run.stdout + run.stderr
    drift = json.loads(report.read_text())
    assert drift["failures"] == []
    assert drift["responses"] > 0
    assert "tasks[].title" not in drift["never_seen_fields"]
    journal = gong_mock.requests()
    assert len(journal) <= 40
    assert {entry["method"] for entry in journal} == {"POST"}, "only the read-only call"
    assert sum(entry["status"] == 400 for entry in journal) <= 2, "no flood of invalid bodies"
    epochs = sorted(entry["epoch"] for entry in journal)
    for index in range(3, len(epochs)):
        assert epochs[index] - epochs[index - 3] >= 0.99, "more than 3 requests a second"
