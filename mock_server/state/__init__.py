"""Shared mutable state of the mock: fault plans, chaos and latency settings, counters, the
request journal, the changes made to tasks and the data uploaded through the admin API,
behind one small interface (:class:`StateBackend`) with two backends.

``MemoryState`` serves one process; ``RedisState`` lets N server workers or several
mock instances behave as one mock. The rate limiter's counters live in the matching
``limits`` storage (see ``limiter``).
"""

from __future__ import annotations

from gong_tasks_kit.mock_server.state.backend import (
    GLOBAL_SCOPE,
    ChangeFunction,
    DataChange,
    DataChangeKind,
    StateBackend,
    TaskChange,
    step_applies,
)
from gong_tasks_kit.mock_server.state.memory_backend import MemoryState
from gong_tasks_kit.mock_server.state.redis_backend import RedisState
from gong_tasks_kit.mock_server.state.urls import (
    MEMORY_URL,
    describe_redis_error,
    normalize_state_url,
    redact_url,
)

__all__ = [
    "GLOBAL_SCOPE",
    "MEMORY_URL",
    "ChangeFunction",
    "DataChange",
    "DataChangeKind",
    "MemoryState",
    "RedisState",
    "StateBackend",
    "TaskChange",
    "describe_redis_error",
    "normalize_state_url",
    "open_state",
    "redact_url",
    "step_applies",
]


def open_state(url: str) -> StateBackend:
    """The backend for a state URL (see :func:`normalize_state_url`).

    Raises:
        ValueError: for an unknown scheme.
    """
    normalized = normalize_state_url(url)
    return MemoryState() if normalized == MEMORY_URL else RedisState(normalized)
