"""The proxy in front of a hostile target: answers that decompress to many megabytes,
huge invalid bodies, a target that trickles its answer, and more callers than the proxy
can hold waiting. Memory, disk and time stay bounded, and the caller is answered in
Gong's shape."""

from __future__ import annotations

import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest
import requests
from hostile_target import HostileTarget
from proxy_process import peak_rss_mb, start_proxy

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.proxy import create_proxy_app
from gong_tasks_kit.proxy.drift import DriftLog
from gong_tasks_kit.proxy.forward import TargetReply
from gong_tasks_kit.proxy.violations import response_violations
from gong_tasks_kit.spec.operations import LIST_TASKS

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
LIST = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}
HEADERS = {"Authorization": DEFAULT_AUTHORIZATION}


def _call(url: str) -> tuple[float, requests.Response]:
    started = time.monotonic()
    answer = requests.post(f"{url}/v2/tasks", json=LIST, headers=HEADERS, timeout=60)
    return time.monotonic() - started, answer


def test_proxy_hostile_answers_leave_memory_log_and_report_bounded(tmp_path: Path) -> None:
    with HostileTarget("bomb") as target:
        process, url = start_proxy(
            target.url, tmp_path, "--drift-report", str(tmp_path / "drift.json")
        )
        try:
            took, bombed = _call(url)
            assert took < 10
            assert bombed.status_code in (200, 502)
            target.mode = "big"
            for _ in range(5):
                took, answer = _call(url)
                assert took < 10
                assert answer.status_code in (200, 502)
            journal = requests.get(f"{url}/__admin/requests", timeout=10).json()["requests"]
            peak = peak_rss_mb(process.pid)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    assert peak < 300, f"peak RSS {peak:.0f} MB"
    assert (tmp_path / "proxy.log").stat().st_size < 1_000_000
    assert (tmp_path / "drift.json").stat().st_size < 1_000_000
    assert len(orjson.dumps(journal)) < 1_000_000
    violations = [v for entry in journal for v in entry["violations"]]
    assert violations  # a non-JSON answer breaks the spec, and says so
    assert all(len(violation) <= 400 for violation in violations)


def test_proxy_answer_over_the_size_limit_is_a_502_in_gongs_shape() -> None:
    with HostileTarget("bomb", size=100 * 1024 * 1024) as target:
        proxy = create_proxy_app({"target": target.url, "rate_limit": "off", "daily_limit": 0})
        started = time.monotonic()
        answer = proxy.test_client().post("/v2/tasks", json=LIST, headers=HEADERS)
        took = time.monotonic() - started
        entry = proxy.test_client().get("/__admin/requests").get_json()["requests"][-1]
    assert took < 10
    assert answer.status_code == 502
    body = answer.get_json()
    assert set(body) == {"requestId", "errors"}
    assert body["errors"] == ["proxy: the target's answer is larger than 33554432 bytes"]
    assert entry["answeredBy"] == "proxy"


def test_proxy_max_target_bytes_counts_the_body_as_sent_too() -> None:
    with HostileTarget("big", size=300_000) as target:
        config = {"target": target.url, "rate_limit": "off", "daily_limit": 0}
        small = create_proxy_app({**config, "max_target_bytes": 200_000})
        large = create_proxy_app({**config, "max_target_bytes": 400_000})
        refused = small.test_client().post("/v2/tasks", json=LIST, headers=HEADERS)
        passed = large.test_client().post("/v2/tasks", json=LIST, headers=HEADERS)
    assert refused.status_code == 502
    assert refused.get_json()["errors"] == [
        "proxy: the target's answer is larger than 200000 bytes"
    ]
    assert (passed.status_code, len(passed.data)) == (200, 300_000)


@pytest.mark.parametrize("mode", ["trickle", "trickle-head"])
def test_proxy_target_timeout_bounds_the_whole_answer(mode: str) -> None:
    with HostileTarget(mode, pause=0.3) as target:
        proxy = create_proxy_app(
            {"target": target.url, "target_timeout": 2, "rate_limit": "off", "daily_limit": 0}
        )
        started = time.monotonic()
        answer = proxy.test_client().post("/v2/tasks", json=LIST, headers=HEADERS)
        took = time.monotonic() - started
    assert answer.status_code == 502
    assert answer.get_json()["errors"] == [
        "proxy: the target did not answer within 2 s (the whole answer)"
    ]
    assert 1.9 < took < 4


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("cut-head", "the target's answer has a malformed head"),
        ("cut-head-at-line", "the target closed the connection before its answer ended"),
        ("stalled-head", "the target did not answer within 2 s (the whole answer)"),
    ],
)
def test_proxy_answer_with_a_head_cut_short_is_a_502_never_a_200(
    mode: str, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    # http.client reads a head cut short as a whole one: passed on, it was a 200 with an
    # empty body (and urllib3 logged a traceback).
    with HostileTarget(mode) as target:
        proxy = create_proxy_app(
            {"target": target.url, "target_timeout": 2, "rate_limit": "off", "daily_limit": 0}
        )
        answer = proxy.test_client().post("/v2/tasks", json=LIST, headers=HEADERS)
    assert answer.status_code == 502
    assert answer.get_json()["errors"] == [f"proxy: {reason}"]
    assert not [r for r in caplog.records if r.exc_info], caplog.text


def test_proxy_calls_beyond_the_in_flight_cap_are_refused_at_once() -> None:
    with HostileTarget("slow", pause=2.0) as target:
        proxy = create_proxy_app(
            {"target": target.url, "threads": 3, "rate_limit": "off", "daily_limit": 0}
        )

        def call(_: int) -> tuple[float, Any]:
            started = time.monotonic()
            answer = proxy.test_client().post("/v2/tasks", json=LIST, headers=HEADERS)
            return time.monotonic() - started, answer

        with ThreadPoolExecutor(5) as pool:
            results = list(pool.map(call, range(5)))
    statuses = sorted(answer.status_code for _, answer in results)
    assert statuses == [200, 200, 503, 503, 503]
    for took, answer in results:
        if answer.status_code == 503:
            assert took < 1
            assert answer.get_json()["errors"] == [
                "proxy: 2 calls are already waiting on the target"
            ]
            assert set(answer.get_json()) == {"requestId", "errors"}
    assert target.calls == 2


def test_proxy_drift_report_stays_small_for_a_hostile_json_answer() -> None:
    task = {"id": 1, "status": "X" * 1_000_000, **{f"field{i}": i for i in range(5000)}}
    body = orjson.dumps({"requestId": "4al018gzaztcr8nbukw", "tasks": [task]})
    reply = TargetReply(200, (("Content-Type", "application/json"),), body, "application/json")
    drift = DriftLog("http://127.0.0.1:1")
    drift.observe(LIST_TASKS, reply, response_violations(LIST_TASKS, reply))
    report = drift.report()
    assert len(orjson.dumps(report)) < 100_000
    assert len(report["new_fields"]) == 200  # the first ones, then no more
    assert any("is not in" in mismatch for mismatch in report["enum_mismatches"])
