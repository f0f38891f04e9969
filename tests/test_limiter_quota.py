"""A call refused by the per-second limit does not use the day's quota, in one process
and across workers sharing Redis."""

from __future__ import annotations

from conftest import RedisServer

from gong_tasks_kit.serving.limiter import GongLimiter
from gong_tasks_kit.serving.state import open_state


def _daily_remaining(limiter: GongLimiter) -> object:
    daily = limiter.snapshot("any")["daily"]
    assert isinstance(daily, dict)
    return daily["remaining"]


def test_limiter_refused_burst_calls_keep_the_daily_quota() -> None:
    limiter = GongLimiter("3/second", 10_000, open_state("memory://").limits_storage())
    answers = [limiter.admit("caller") for _ in range(20)]
    assert answers.count(None) == 3
    assert all(wait == 1 for wait in answers if wait is not None)
    assert _daily_remaining(limiter) == 9_997


def test_limiter_workers_on_redis_share_both_limits(redis_server: RedisServer) -> None:
    workers = [
        GongLimiter("3/second", 10_000, open_state(redis_server.url).limits_storage())
        for _ in range(2)
    ]
    workers[0].reset()
    answers = [workers[index % 2].admit("caller") for index in range(20)]
    assert answers.count(None) == 3
    assert _daily_remaining(workers[1]) == 9_997


def test_limiter_daily_limit_still_refuses_once_used() -> None:
    limiter = GongLimiter("off", 5, open_state("memory://").limits_storage())
    answers = [limiter.admit("caller") for _ in range(8)]
    assert answers[:5] == [None] * 5
    assert all(wait is not None and wait >= 1 for wait in answers[5:])
