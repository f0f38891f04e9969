"""QA controls against real server processes: memory state, and Redis shared by 4 workers."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from gong_tasks_kit.mock_server.testing import MockControl, basic_authorization

AUTH = {"Authorization": basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")}


def _body(marker: int = 1) -> dict[str, Any]:
    return {
        "filter": {
            "userId": str(marker),
            "types": ["FLOW"],
            "taskAction": ["CALL"],
            "status": ["OPEN"],
        }
    }


def _post(url: str, marker: int = 1) -> requests.Response:
    # A fresh connection per call, so calls spread over the workers.
    return requests.post(f"{url}/v2/tasks", json=_body(marker), headers=AUTH, timeout=10)


def _burst(url: str, count: int) -> list[requests.Response]:
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda marker: _post(url, marker), range(count)))


def test_memory_state_server_plan_and_limiter(start_mock: Callable[..., Any]) -> None:
    served = start_mock(["--workers", "1", "--rate-limit", "3/second"])
    control = MockControl(served.url)
    control.fail_next(500)
    statuses = [response.status_code for response in _burst(served.url, 6)]
    # The limiter admits 3 of the 6; the plan turns one admitted call into a 500.
    assert Counter(statuses) == Counter({429: 3, 500: 1, 200: 2})
    assert any("rate limits: 3/second, 10000/day" in line for line in served.banner)


def test_redis_state_makes_four_workers_one_mock(
    start_mock: Callable[..., Any], redis_server: Any
) -> None:
    served = start_mock(
        ["--workers", "4", "--threads", "2", "--rate-limit", "off", "--state", redis_server.url]
    )
    control = MockControl(served.url)
    control.fail_next(429, times=2, retry_after=1)
    responses: list[requests.Response] = []
    # Bursts of parallel calls until at least two workers have answered: a single worker
    # may accept a whole burst, and the point is that workers share one state.
    for burst in range(6):
        with ThreadPoolExecutor(max_workers=16) as pool:
            responses += pool.map(
                lambda n: _post(served.url, n), range(16 * burst, 16 * burst + 16)
            )
        if len({entry["worker"] for entry in control.requests()}) > 1:
            break
    statuses = Counter(response.status_code for response in responses)
    assert statuses == Counter({200: len(responses) - 2, 429: 2})
    assert all(r.headers["Retry-After"] == "1" for r in responses if r.status_code == 429)

    journal = control.requests()
    markers = sorted(int(entry["body"]["filter"]["userId"]) for entry in journal)
    assert markers == list(range(len(responses)))  # every request journaled, each once
    assert len({entry["id"] for entry in journal}) == len(responses)
    assert len({entry["worker"] for entry in journal}) > 1, "one worker took every call"


def test_redis_limiter_admits_exactly_three_a_second_across_workers(
    start_mock: Callable[..., Any], redis_server: Any
) -> None:
    served = start_mock(
        [
            "--workers",
            "4",
            "--threads",
            "2",
            "--rate-limit",
            "3/second",
            "--state",
            redis_server.url,
        ]
    )
    responses = _burst(served.url, 12)
    statuses = Counter(response.status_code for response in responses)
    assert set(statuses) == {200, 429}
    assert {r.headers["Retry-After"] for r in responses if r.status_code == 429} == {"1"}
    admitted = sorted(
        entry["epoch"] for entry in MockControl(served.url).requests() if entry["status"] == 200
    )
    assert len(admitted) >= 3
    for index in range(3, len(admitted)):  # never a fourth call within one second
        assert admitted[index] - admitted[index - 3] >= 0.99, admitted
    if admitted[-1] - admitted[0] < 0.99:  # the usual case: the burst fit in one second
        assert statuses == Counter({200: 3, 429: 9})
    time.sleep(1.1)
    assert _post(served.url).status_code == 200


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
    redis_server.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if _post(served.url).status_code == 200:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the mock did not recover when Redis came back")
    assert _post(served.url).status_code in (200, 429)
