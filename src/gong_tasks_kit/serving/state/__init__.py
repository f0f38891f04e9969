"""Shared mutable state of a server (the mock or the proxy): fault plans, chaos and latency
settings, counters, the request journal, the changes made to tasks and the data uploaded
through the admin API, behind one small interface (:class:`SharedState`) with two backends.

``MemoryState`` serves one process; ``RedisState`` lets N server workers or several
mock instances behave as one mock. The rate limiter's counters live in the matching
``limits`` storage (see ``limiter``).
"""

from __future__ import annotations

from gong_tasks_kit.serving.state.backend import (
    GLOBAL_SCOPE,
    ChangeFunction,
    DataChange,
    DataChangeKind,
    SharedState,
    TaskChange,
    step_applies,
)
from gong_tasks_kit.serving.state.memory_backend import MemoryState
from gong_tasks_kit.serving.state.redis_backend import RedisState
from gong_tasks_kit.serving.state_urls import (
    MEMORY_URL,
    describe_redis_error,
    normalize_state_url,
    redact_url,
    url_secrets,
)

__all__ = [
    "GLOBAL_SCOPE",
    "MEMORY_URL",
    "ChangeFunction",
    "DataChange",
    "DataChangeKind",
    "MemoryState",
    "RedisState",
    "SharedState",
    "TaskChange",
    "describe_redis_error",
    "normalize_state_url",
    "open_state",
    "redact_url",
    "step_applies",
    "url_secrets",
]


def open_state(url: str) -> SharedState:
    """The shared state a normalized state URL names (the settings normalize it, once:
    see :func:`normalize_state_url`). Nothing is connected yet.

    Raises:
        ValueError: for a URL that is not normalized.
    """
    if url == MEMORY_URL:
        return MemoryState()
    if normalize_state_url(url) != url:
        raise ValueError(f"not a normalized state URL: {redact_url(url)}")
    return RedisState(url)
