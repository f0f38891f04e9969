"""Every QA control is exact on real servers: the default (one process, memory state) and
four processes sharing Redis. Each call opens a fresh connection, so calls spread over
the processes; each test checks that they did."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from gong_tasks_kit.mock_server.testing import MockControl, basic_authorization

BASIC = {
    "Authorization": basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")
}
BEARER = {"Authorization": "Bearer gong-mock-token"}


def _body(marker: int = 1) -> dict[str, Any]:
    return {
        "filter": {
            "userId": str(marker),
            "types": ["FLOW"],
            "taskAction": ["CALL"],
            "status": ["OPEN"],
        }
    }


def _post(url: str, marker: int = 1, headers: dict[str, str] = BASIC) -> requests.Response:
    # A fresh connection per call, so calls spread over the processes.
    return requests.post(f"{url}/v2/tasks", json=_body(marker), headers=headers, timeout=30)


def _burst(url: str, count: int, headers: tuple[dict[str, str], ...] = (BASIC,)) -> list[int]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = pool.map(lambda n: _post(url, n, headers[n % len(headers)]), range(count))
        return [answer.status_code for answer in answers]


@dataclass
class Mock:
    """A served mock, its controls, and how many processes it should spread calls over."""

    url: str
    control: MockControl
    processes: int

    def workers_seen(self) -> set[int]:
        return {entry["worker"] for entry in self.control.requests()}


@pytest.fixture(params=["default", "redis-4-workers"])
def serve_mock(
    request: pytest.FixtureRequest, start_mock: Callable[..., Any]
) -> Callable[..., Mock]:
    """Start the mock as shipped, or as 4 processes on a real Redis, with extra options."""

    def serve(*options: str) -> Mock:
        if request.param == "default":
            served = start_mock(list(options))
            return Mock(served.url, MockControl(served.url), 1)
        redis_server = request.getfixturevalue("redis_server")
        shared = ["--workers", "4", "--threads", "2", "--state", redis_server.url]
        served = start_mock([*shared, *options])
        return Mock(served.url, MockControl(served.url), 4)

    return serve


def _assert_spread(mock: Mock) -> None:
    seen = mock.workers_seen()
    assert len(seen) == 1 if mock.processes == 1 else len(seen) > 1, seen


def test_the_limiter_admits_three_calls_a_second_for_the_whole_company(
    serve_mock: Callable[..., Mock],
) -> None:
    mock = serve_mock("--rate-limit", "3/second")
    statuses = Counter(_burst(mock.url, 30, (BASIC, BEARER)))
    assert set(statuses) == {200, 429}
    entries = mock.control.requests()
    assert len(entries) == 30
    admitted = sorted(entry["epoch"] for entry in entries if entry["status"] == 200)
    for index in range(3, len(admitted)):  # never a fourth call within one second
        assert admitted[index] - admitted[index - 3] >= 0.99, admitted
    if admitted[-1] - admitted[0] < 0.99:  # the usual case: the burst fit in one second
        assert statuses == Counter({200: 3, 429: 27})
    _assert_spread(mock)


def test_a_plan_is_served_exactly_once_across_processes(serve_mock: Callable[..., Mock]) -> None:
    mock = serve_mock("--rate-limit", "off")
    mock.control.fail_next(429, times=5, retry_after=2)
    statuses = []
    for _ in range(3):  # bursts until several processes have answered
        statuses += _burst(mock.url, 10)
        if len(mock.workers_seen()) >= min(2, mock.processes):
            break
    assert Counter(statuses) == Counter({429: 5, 200: len(statuses) - 5})
    assert mock.control.plans() == {}
    journal = mock.control.requests()
    assert sorted(entry["retryAfter"] for entry in journal if entry["status"] == 429) == ["2"] * 5
    _assert_spread(mock)


def test_chaos_latency_and_status_are_the_same_everywhere(
    serve_mock: Callable[..., Mock],
) -> None:
    mock = serve_mock("--rate-limit", "off")
    mock.control.chaos(1.0, (429,), seed=3)
    assert set(_burst(mock.url, 8)) == {429}
    mock.control.stop_chaos()
    with ThreadPoolExecutor(max_workers=12) as pool:
        views = list(pool.map(lambda _: mock.control._call("GET", "/status"), range(12)))
    assert [view["chaos"] for view in views] == [None] * 12
    assert set(_burst(mock.url, 12)) == {200}
    mock.control.latency(fixed_ms=300)
    started = time.monotonic()
    _burst(mock.url, 6)
    assert time.monotonic() - started >= 0.3
    durations = [entry["durationMs"] for entry in mock.control.requests()[-6:]]
    assert min(durations) >= 300, durations
    mock.control.stop_latency()
    _assert_spread(mock)


def test_an_exhausted_quota_refuses_every_later_call(serve_mock: Callable[..., Mock]) -> None:
    mock = serve_mock("--rate-limit", "off", "--daily-limit", "10000")
    assert set(_burst(mock.url, 6)) == {200}
    assert mock.control.exhaust_daily_quota() > 86_000
    assert _burst(mock.url, 12, (BASIC, BEARER)) == [429] * 12
    mock.control.reset()
    assert set(_burst(mock.url, 6)) == {200}
    _assert_spread(mock)


def test_the_journal_is_one_journal(serve_mock: Callable[..., Mock]) -> None:
    mock = serve_mock("--rate-limit", "off")
    _burst(mock.url, 24)
    with ThreadPoolExecutor(max_workers=6) as pool:
        reads = list(pool.map(lambda _: mock.control.requests(), range(6)))
    assert all(read == reads[0] for read in reads)
    markers = sorted(int(entry["body"]["filter"]["userId"]) for entry in reads[0])
    assert markers == list(range(24))  # every call journaled, each once
    assert len({entry["id"] for entry in reads[0]}) == 24
    _assert_spread(mock)
    mock.control.reset()
    assert mock.control.requests() == []


def test_redis_outage_answers_500_then_recovers(
    start_mock: Callable[..., Any], redis_server: Any
) -> None:
    served = start_mock(["--workers", "2", "--state", redis_server.url])
    assert _post(served.url).status_code == 200
    redis_server.stop()
    failed = _post(served.url)
    assert failed.status_code == 500
    assert failed.json()["errors"] == ["Internal server error occurred"]
    assert failed.json()["requestId"]
    health = requests.get(f"{served.url}/__health", timeout=10)
    assert health.status_code == 503
    assert health.json()["status"] == "unavailable"
    assert "Redis at" in health.json()["state"]
    redis_server.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if _post(served.url).status_code == 200:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the mock did not recover when Redis came back")
    assert requests.get(f"{served.url}/__health", timeout=10).status_code == 200
