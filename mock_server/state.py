"""Shared mutable state of the mock: fault plans, chaos and latency settings, counters, and
the request journal, behind one small interface with two backends.

``MemoryState`` serves one process; ``RedisState`` lets N server workers or several
mock instances behave as one mock (every operation is a single atomic Redis command).
The rate limiter's counters live in the matching ``limits`` storage (see ``limiter``).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import orjson
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

GLOBAL_SCOPE = "*"
_PREFIX = "gong-mock:"


class StateBackend(Protocol):
    """What the request path and the admin API need of shared state."""

    url: str

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """Queue fault steps for a scope; return the scope's queue length."""

    def pop_step(self, scope: str) -> dict[str, Any] | None:
        """Take the next step of a scope's queue, atomically (None when empty)."""

    def plans(self) -> dict[str, list[dict[str, Any]]]:
        """Every scope's queued steps."""

    def clear_plans(self, scope: str | None = None) -> None:
        """Drop one scope's steps, or all."""

    def set_setting(self, name: str, value: dict[str, Any] | None) -> None:
        """Store (or delete, with None) a named JSON setting such as chaos or latency."""

    def get_setting(self, name: str) -> dict[str, Any] | None:
        """Read a named JSON setting."""

    def next_count(self, name: str) -> int:
        """Increment and return a named counter (1 on first call)."""

    def append_journal(self, entry: dict[str, Any], limit: int) -> None:
        """Add a journal entry, keeping only the newest ``limit``."""

    def journal(self) -> list[dict[str, Any]]:
        """Every journal entry, oldest first."""

    def clear_journal(self) -> None:
        """Empty the journal."""

    def reset(self) -> None:
        """Forget everything: plans, settings, counters, journal."""

    def problem(self) -> str | None:
        """Why the state cannot be used right now (None when it can), without secrets."""


class MemoryState:
    """In-process state for one mock process (the default)."""

    url = "memory://"

    def __init__(self) -> None:
        """Start empty."""
        self._lock = threading.Lock()
        self._plans: dict[str, deque[dict[str, Any]]] = {}
        self._settings: dict[str, dict[str, Any]] = {}
        self._counters: dict[str, int] = {}
        self._journal: deque[dict[str, Any]] = deque()

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """See :class:`StateBackend`."""
        with self._lock:
            queue = self._plans.setdefault(scope, deque())
            queue.extend(steps)
            return len(queue)

    def pop_step(self, scope: str) -> dict[str, Any] | None:
        """See :class:`StateBackend`."""
        with self._lock:
            queue = self._plans.get(scope)
            return queue.popleft() if queue else None

    def plans(self) -> dict[str, list[dict[str, Any]]]:
        """See :class:`StateBackend`."""
        with self._lock:
            return {scope: list(queue) for scope, queue in self._plans.items() if queue}

    def clear_plans(self, scope: str | None = None) -> None:
        """See :class:`StateBackend`."""
        with self._lock:
            if scope is None:
                self._plans.clear()
            else:
                self._plans.pop(scope, None)

    def set_setting(self, name: str, value: dict[str, Any] | None) -> None:
        """See :class:`StateBackend`."""
        with self._lock:
            if value is None:
                self._settings.pop(name, None)
            else:
                self._settings[name] = value

    def get_setting(self, name: str) -> dict[str, Any] | None:
        """See :class:`StateBackend`."""
        return self._settings.get(name)

    def next_count(self, name: str) -> int:
        """See :class:`StateBackend`."""
        with self._lock:
            self._counters[name] = self._counters.get(name, 0) + 1
            return self._counters[name]

    def append_journal(self, entry: dict[str, Any], limit: int) -> None:
        """See :class:`StateBackend`."""
        with self._lock:
            self._journal.append(entry)
            while len(self._journal) > limit:
                self._journal.popleft()

    def journal(self) -> list[dict[str, Any]]:
        """See :class:`StateBackend`."""
        with self._lock:
            return list(self._journal)

    def clear_journal(self) -> None:
        """See :class:`StateBackend`."""
        with self._lock:
            self._journal.clear()

    def reset(self) -> None:
        """See :class:`StateBackend`."""
        with self._lock:
            self._plans.clear()
            self._settings.clear()
            self._counters.clear()
            self._journal.clear()

    def problem(self) -> str | None:
        """See :class:`StateBackend`: memory is always there."""
        return None


class RedisState:
    """State in Redis, shared by every worker and instance pointed at the same database."""

    def __init__(self, url: str) -> None:
        """Connect lazily to ``redis://host:port/db``."""
        self.url = url
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def _plan_key(self, scope: str) -> str:
        return f"{_PREFIX}plan:{scope}"

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """See :class:`StateBackend`."""
        encoded = [orjson.dumps(step) for step in steps]
        if not encoded:
            return int(self._redis.llen(self._plan_key(scope)))
        return int(self._redis.rpush(self._plan_key(scope), *encoded))

    def pop_step(self, scope: str) -> dict[str, Any] | None:
        """See :class:`StateBackend`."""
        raw = self._redis.lpop(self._plan_key(scope))
        if raw is None:
            return None
        step: dict[str, Any] = orjson.loads(raw)  # type: ignore[arg-type]
        return step

    def plans(self) -> dict[str, list[dict[str, Any]]]:
        """See :class:`StateBackend`."""
        found: dict[str, list[dict[str, Any]]] = {}
        for key in self._redis.scan_iter(match=f"{_PREFIX}plan:*"):
            scope = key.decode().removeprefix(f"{_PREFIX}plan:")
            steps = [orjson.loads(raw) for raw in self._redis.lrange(key, 0, -1)]
            if steps:
                found[scope] = steps
        return found

    def clear_plans(self, scope: str | None = None) -> None:
        """See :class:`StateBackend`."""
        if scope is not None:
            self._redis.delete(self._plan_key(scope))
            return
        keys = list(self._redis.scan_iter(match=f"{_PREFIX}plan:*"))
        if keys:
            self._redis.delete(*keys)

    def set_setting(self, name: str, value: dict[str, Any] | None) -> None:
        """See :class:`StateBackend`."""
        key = f"{_PREFIX}setting:{name}"
        if value is None:
            self._redis.delete(key)
        else:
            self._redis.set(key, orjson.dumps(value))

    def get_setting(self, name: str) -> dict[str, Any] | None:
        """See :class:`StateBackend`."""
        raw = self._redis.get(f"{_PREFIX}setting:{name}")
        if raw is None:
            return None
        value: dict[str, Any] = orjson.loads(raw)
        return value

    def next_count(self, name: str) -> int:
        """See :class:`StateBackend`."""
        return int(self._redis.incr(f"{_PREFIX}count:{name}"))

    def append_journal(self, entry: dict[str, Any], limit: int) -> None:
        """See :class:`StateBackend`."""
        key = f"{_PREFIX}journal"
        pipeline = self._redis.pipeline(transaction=True)
        pipeline.rpush(key, orjson.dumps(entry))
        pipeline.ltrim(key, -limit, -1)
        pipeline.execute()

    def journal(self) -> list[dict[str, Any]]:
        """See :class:`StateBackend`."""
        return [orjson.loads(raw) for raw in self._redis.lrange(f"{_PREFIX}journal", 0, -1)]

    def clear_journal(self) -> None:
        """See :class:`StateBackend`."""
        self._redis.delete(f"{_PREFIX}journal")

    def reset(self) -> None:
        """See :class:`StateBackend`."""
        keys = list(self._redis.scan_iter(match=f"{_PREFIX}*"))
        if keys:
            self._redis.delete(*keys)

    def problem(self) -> str | None:
        """See :class:`StateBackend`: one PING, on its own connection, within 3 s.

        Not through the state's client: redis-py retries a failed connection ten times,
        which for an address that drops packets takes half a minute.
        """
        probe = redis.Redis.from_url(
            self.url, socket_timeout=3, socket_connect_timeout=3, retry=Retry(NoBackoff(), 0)
        )
        try:
            probe.ping()
        except redis.RedisError as error:
            return describe_redis_error(self.url, error)
        finally:
            probe.close()
        return None


def describe_redis_error(url: str, error: Exception) -> str:
    """One line naming Redis and what went wrong, never its password."""
    detail = " ".join((str(error) or type(error).__name__).split())
    parts = urlsplit(url)
    secrets = [parts.username, parts.password, *parse_qs(parts.query).get("password", [])]
    for secret in filter(None, secrets):
        detail = detail.replace(secret, "***")
    return f"Redis at {redact_url(url)} is unreachable: {detail}"


MEMORY_URL = "memory://"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def redact_url(url: str) -> str:
    """A state URL fit to print: its user name, password and query left out."""
    parts = urlsplit(url)
    if not (parts.username or parts.password or parts.query):
        return url
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    credentials = "***@" if parts.username or parts.password else ""
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{credentials}{netloc}{parts.path}{query}"


def normalize_state_url(url: str) -> str:
    """``memory://`` for the in-process backend (also for ``""`` and ``memory``), else a
    Redis URL unchanged: the one place that knows which state URLs exist.

    Raises:
        ValueError: for any other scheme.
    """
    text = url.strip()
    if text in ("", "memory", MEMORY_URL):
        return MEMORY_URL
    if text.startswith(_REDIS_SCHEMES):
        return text
    raise ValueError(f"state must be memory:// or redis://host:port/db, got {redact_url(url)!r}")


def open_state(url: str) -> StateBackend:
    """The backend for a state URL (see :func:`normalize_state_url`).

    Raises:
        ValueError: for an unknown scheme.
    """
    normalized = normalize_state_url(url)
    return MemoryState() if normalized == MEMORY_URL else RedisState(normalized)
