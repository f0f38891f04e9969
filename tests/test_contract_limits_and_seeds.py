"""Limits are conforming behaviour in every mode (a 429 is waited out, retried apart from
the budget, and paces the suite), a run against ``gong-tasks serve`` with its defaults
passes, and ``--seed`` repeats a run's requests exactly."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import ServedMock
from contract_runner import ContractRunner

from gong_tasks_kit.contract_tests.budget import (
    BudgetExhaustedError,
    NotRunError,
    TargetLimitedError,
)
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.mock_server.testing import LiveServer, MockControl, unthrottled_app

# One worker runs this module's contract runs, with one warm runner (contract_runner):
# a runner costs ~10 s of CPU to warm up, once per worker that uses one.
pytestmark = pytest.mark.xdist_group("contract-runs-b")

BODY = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}


def _url_target(url: str, **extra: str) -> Target:
    return Target(load_settings({"GONG_CONTRACT_BASE_URL": url, **extra}))


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}


def _contract(
    runner: ContractRunner, url: str, *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """``gong-tasks contract --base-url URL ARGS``, in the tests' warm runner."""
    return runner.run(["--base-url", url, *args], _clean_env(), cwd)


def test_a_429_is_waited_out_and_retried_apart_from_the_budget(
    gong_mock_url: str, gong_mock: MockControl
) -> None:

    gong_mock.fail_next(429, times=2, retry_after=1)
    target = _url_target(gong_mock_url, GONG_CONTRACT_MAX_REQUESTS="2")
    assert not target.paced
    assert target.list_tasks(BODY).status == 200
    assert target.list_tasks(BODY).status == 200
    assert (target.counters.checks, target.counters.retries, target.requests_sent) == (2, 2, 4)
    assert target.paced, "after a 429 the suite paces itself"
    first, second, third, _ = gong_mock.requests()
    assert second["epoch"] - first["epoch"] >= 1.0, "Retry-After was not waited out"
    assert third["epoch"] - second["epoch"] >= 1.0
    with pytest.raises(BudgetExhaustedError, match="budget of 2 is spent"):
        target.list_tasks(BODY)
    assert len(gong_mock.requests()) == 4


def test_after_a_429_the_suite_sends_at_most_three_requests_a_second(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    gong_mock.fail_next(429, retry_after=0)
    target = _url_target(gong_mock_url)
    assert [target.list_tasks(BODY).status for _ in range(5)] == [200] * 5
    epochs = [entry["epoch"] for entry in gong_mock.requests()][1:]  # from the retry on
    assert len(epochs) == 5
    for index in range(3, len(epochs)):
        # Unpaced, these would be milliseconds apart; the margin absorbs network jitter.
        assert epochs[index] - epochs[index - 3] >= 0.9, "4 requests within one second"


def test_a_429_without_retry_after_is_the_checks_to_judge(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    target = _url_target(gong_mock_url)
    # A planned 429 has a Retry-After; one the check asks for is never retried either.
    reply = target.list_tasks(BODY, headers={"Prefer": "code=429"}, limit_is_the_answer=True)
    assert reply.status == 429
    assert target.counters.retries == 0
    assert not target.paced
    assert len(gong_mock.requests()) == 1


def test_a_429_asking_for_too_long_a_wait_stops_sending_without_failing(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    gong_mock.fail_next(429, retry_after=3600)
    target = _url_target(gong_mock_url)
    with pytest.raises(TargetLimitedError, match="wait 3600 s") as raised:
        target.list_tasks(BODY)
    assert isinstance(raised.value, NotRunError)
    assert isinstance(raised.value, pytest.skip.Exception), "a skip, never a failure"
    with pytest.raises(TargetLimitedError):
        target.list_tasks(BODY)
    assert len(gong_mock.requests()) == 1, "nothing more is sent after such a 429"


def test_a_target_that_keeps_answering_429_skips_the_check(
    gong_mock_url: str, gong_mock: MockControl
) -> None:
    gong_mock.fail_next(429, times=10, retry_after=0)
    target = _url_target(gong_mock_url)
    with pytest.raises(TargetLimitedError, match="429 4 times in a row"):
        target.list_tasks(BODY)
    assert target.counters.retries == 3


def _summary_numbers(stdout: str) -> tuple[int, int]:
    sent = re.search(r"requests sent: \d+ = (\d+) checks .*?\+ (\d+) retries after 429", stdout)
    assert sent is not None, stdout[-3000:]
    return int(sent.group(1)), int(sent.group(2))


def test_contract_passes_against_serve_with_its_default_limits(
    contract_runner: ContractRunner, start_mock: Callable[..., ServedMock], tmp_path: Path
) -> None:
    # `gong-tasks serve` as started, with Gong's 3/s: the suite meets 429s, waits them out
    # and paces itself. A budget keeps this test short (it also turns the schemathesis
    # coverage phase off); retries are not counted against it.
    served = start_mock()
    run = _contract(
        contract_runner, served.url, "--max-examples", "2", "--max-requests", "70", cwd=tmp_path
    )
    assert run.returncode == 0, run.stdout[-5000:]
    assert "verdict: PASSED" in run.stdout
    assert "checks not run: 0" in run.stdout
    checks, retries = _summary_numbers(run.stdout)
    assert checks <= 70
    assert retries > 0, "the default limits were never met: the test proves nothing"
    assert "paced to 3/s" in run.stdout


def _journal_run(
    runner: ContractRunner, server: LiveServer, control: MockControl, tmp_path: Path, *args: str
) -> tuple[list[tuple[Any, ...]], str]:
    control.clear_requests()
    run = _contract(runner, server.url, "--max-examples", "3", *args, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    entries = sorted(control.requests(), key=lambda entry: entry["id"])
    sent = [
        (e["method"], e["path"], json.dumps(e["body"], sort_keys=True), e["headers"].get("Prefer"))
        for e in entries
    ]
    return sent, run.stdout


def test_the_same_seed_repeats_a_run_and_another_seed_explores_others(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    app = unthrottled_app({"journal_size": 10_000})
    control = MockControl(app)
    with LiveServer(app) as server:
        unseeded, stdout = _journal_run(contract_runner, server, control, tmp_path)
        shown = re.search(r"seed=(\d+) \(random\)", stdout)
        assert shown is not None, stdout[:3000]
        seed = int(shown.group(1))
        assert f"repeat this run: --seed {seed}" in stdout
        repeated, _ = _journal_run(contract_runner, server, control, tmp_path, "--seed", str(seed))
        other, _ = _journal_run(contract_runner, server, control, tmp_path, "--seed", str(seed + 1))
    assert len(unseeded) > 50
    assert repeated == unseeded, "the same seed sent other requests, or in another order"
    assert {body for _, _, body, _ in other} != {body for _, _, body, _ in unseeded}
