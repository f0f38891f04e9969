"""Shared mutable state of the mock: fault plans, chaos and latency settings, counters, the
request journal, the changes made to tasks and the data uploaded through the admin API,
behind one small interface with two backends.

``MemoryState`` serves one process; ``RedisState`` lets N server workers or several
mock instances behave as one mock (every operation is atomic in Redis: one command, a
script, or a watched transaction). The rate limiter's counters live in the matching
``limits`` storage (see ``limiter``).
"""

from __future__ import annotations

import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Literal, Protocol
from urllib.parse import parse_qs, urlsplit

import orjson
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from gong_tasks_kit.mock_server.journal import JournalEntry, materialized

GLOBAL_SCOPE = "*"
_PREFIX = "gong-mock:"
_TASK_CHANGES = f"{_PREFIX}task-changes:"
_DATA_VERSION = f"{_PREFIX}data:version"
_DATA_CHANGES = f"{_PREFIX}data:changes"

#: A change record of one task: its current ``status``, ``dueDate`` and ``updated``.
TaskChange = dict[str, Any]
#: How the served data changed since start-up: ``replace`` (PUT) or ``add`` (POST).
DataChangeKind = Literal["replace", "add"]
#: One change of the served data: its kind and the task document it brought.
DataChange = tuple[DataChangeKind, bytes]
_KIND_CODES: dict[DataChangeKind, bytes] = {"replace": b"R", "add": b"A"}
_KINDS: dict[bytes, DataChangeKind] = {code: kind for kind, code in _KIND_CODES.items()}

#: Turns a task's current change record (None: unchanged so far) into its next one (None:
#: leave it as it is).
ChangeFunction = Callable[[TaskChange | None], TaskChange | None]


def step_applies(step: dict[str, Any], operation: str | None) -> bool:
    """Whether a plan step is for ``operation`` (a step naming none is for every call,
    and a call naming none takes any step)."""
    wanted = step.get("operation")
    return wanted is None or operation is None or wanted == operation


class StateBackend(Protocol):
    """What the request path and the admin API need of shared state."""

    url: str

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """Queue fault steps for a scope; return the scope's queue length."""

    def pop_step(self, scope: str, operation: str | None = None) -> dict[str, Any] | None:
        """Take the first step of a scope's queue that applies to ``operation`` (see
        :func:`step_applies`), atomically; None when there is none."""

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

    def append_journal(self, entry: JournalEntry, limit: int) -> None:
        """Add a journal entry (or a captured call that makes one when read), keeping only
        the newest ``limit``."""

    def journal(self) -> list[dict[str, Any]]:
        """Every journal entry, oldest first."""

    def clear_journal(self) -> None:
        """Empty the journal."""

    def task_changes(self, user_id: str) -> dict[int, TaskChange]:
        """One user's changed tasks: task id → change record (empty when none changed)."""

    def change_task(self, user_id: str, task_id: int, change: ChangeFunction) -> TaskChange | None:
        """Replace one task's change record by ``change(current)``, atomically.

        ``change`` may run more than once (a retried transaction), so it must be pure.

        Returns:
            The task's change record afterwards (None: it never changed).
        """

    def users_with_task_changes(self) -> list[str]:
        """The users with at least one changed task."""

    def data_version(self) -> str | None:
        """The version of the served data: a fresh token on each upload, None while the
        start-up data is served (cheap: what every call checks)."""

    def data_changes(self) -> tuple[str | None, list[DataChange]]:
        """The data version and every upload since start-up, oldest first, read together."""

    def change_data(
        self, kind: DataChangeKind, document: bytes, expected_version: str | None
    ) -> str | None:
        """Record an upload, if the data is still at ``expected_version``, atomically.

        A ``replace`` drops earlier uploads and every task change with them.

        Returns:
            The new data version, or None when another upload came first (nothing changed).
        """

    def reset(self) -> None:
        """Forget everything: plans, settings, counters, journal, task changes, uploads."""

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
        self._journal: deque[JournalEntry] = deque()
        self._task_changes: dict[str, dict[int, TaskChange]] = {}
        self._data_version: str | None = None
        self._data_changes: list[DataChange] = []

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """See :class:`StateBackend`."""
        with self._lock:
            queue = self._plans.setdefault(scope, deque())
            queue.extend(steps)
            return len(queue)

    def pop_step(self, scope: str, operation: str | None = None) -> dict[str, Any] | None:
        """See :class:`StateBackend`."""
        with self._lock:
            queue = self._plans.get(scope)
            if queue is None:
                return None
            for index, step in enumerate(queue):
                if step_applies(step, operation):
                    del queue[index]
                    return step
            return None

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

    def append_journal(self, entry: JournalEntry, limit: int) -> None:
        """See :class:`StateBackend`: kept as it comes, formatted when read."""
        with self._lock:
            self._journal.append(entry)
            while len(self._journal) > limit:
                self._journal.popleft()

    def journal(self) -> list[dict[str, Any]]:
        """See :class:`StateBackend`."""
        with self._lock:
            kept = list(self._journal)
        return [materialized(entry) for entry in kept]

    def clear_journal(self) -> None:
        """See :class:`StateBackend`."""
        with self._lock:
            self._journal.clear()

    def task_changes(self, user_id: str) -> dict[int, TaskChange]:
        """See :class:`StateBackend`."""
        changes = self._task_changes.get(user_id)
        if not changes:  # the list call's usual case, without taking the lock
            return {}
        with self._lock:  # records are replaced, never changed in place
            return dict(changes)

    def change_task(self, user_id: str, task_id: int, change: ChangeFunction) -> TaskChange | None:
        """See :class:`StateBackend`."""
        with self._lock:
            changes = self._task_changes.setdefault(user_id, {})
            current = changes.get(task_id)
            new = change(current)
            if new is None:
                if not changes:
                    del self._task_changes[user_id]
                return current
            changes[task_id] = dict(new)
            return new

    def users_with_task_changes(self) -> list[str]:
        """See :class:`StateBackend`."""
        with self._lock:
            return [user for user, changes in self._task_changes.items() if changes]

    def data_version(self) -> str | None:
        """See :class:`StateBackend`."""
        return self._data_version

    def data_changes(self) -> tuple[str | None, list[DataChange]]:
        """See :class:`StateBackend`."""
        with self._lock:
            return self._data_version, list(self._data_changes)

    def change_data(
        self, kind: DataChangeKind, document: bytes, expected_version: str | None
    ) -> str | None:
        """See :class:`StateBackend`."""
        with self._lock:
            if self._data_version != expected_version:
                return None
            if kind == "replace":
                self._data_changes.clear()
                self._task_changes.clear()
            self._data_changes.append((kind, document))
            self._data_version = uuid.uuid4().hex
            return self._data_version

    def reset(self) -> None:
        """See :class:`StateBackend`."""
        with self._lock:
            self._plans.clear()
            self._settings.clear()
            self._counters.clear()
            self._journal.clear()
            self._task_changes.clear()
            self._data_changes.clear()
            self._data_version = None

    def problem(self) -> str | None:
        """See :class:`StateBackend`: memory is always there."""
        return None


# Takes the first step of a plan that applies to an operation (ARGV[1], "" for any), in
# one atomic step: the head with LPOP when it applies (the usual case), else by position.
_POP_STEP_SCRIPT = """
local function applies(raw)
  if ARGV[1] == '' then return true end
  local ok, step = pcall(cjson.decode, raw)
  if not ok or type(step) ~= 'table' then return true end
  local wanted = step['operation']
  return wanted == nil or wanted == cjson.null or wanted == ARGV[1]
end
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return false end
if applies(head) then return redis.call('LPOP', KEYS[1]) end
local steps = redis.call('LRANGE', KEYS[1], 1, -1)
for index, raw in ipairs(steps) do
  if applies(raw) then
    redis.call('LSET', KEYS[1], index, '__gong_mock_taken__')
    redis.call('LREM', KEYS[1], 1, '__gong_mock_taken__')
    return raw
  end
end
return false
"""


class RedisState:
    """State in Redis, shared by every worker and instance pointed at the same database."""

    def __init__(self, url: str) -> None:
        """Connect lazily to ``redis://host:port/db``."""
        self.url = url
        self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._pop_step = self._redis.register_script(_POP_STEP_SCRIPT)

    def _plan_key(self, scope: str) -> str:
        return f"{_PREFIX}plan:{scope}"

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """See :class:`StateBackend`."""
        encoded = [orjson.dumps(step) for step in steps]
        if not encoded:
            return int(self._redis.llen(self._plan_key(scope)))
        return int(self._redis.rpush(self._plan_key(scope), *encoded))

    def pop_step(self, scope: str, operation: str | None = None) -> dict[str, Any] | None:
        """See :class:`StateBackend`."""
        raw = self._pop_step(keys=[self._plan_key(scope)], args=[operation or ""])
        if raw is None:
            return None
        step: dict[str, Any] = orjson.loads(raw)
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

    def append_journal(self, entry: JournalEntry, limit: int) -> None:
        """See :class:`StateBackend`: formatted now, for every process to read."""
        key = f"{_PREFIX}journal"
        pipeline = self._redis.pipeline(transaction=True)
        pipeline.rpush(key, orjson.dumps(materialized(entry)))
        pipeline.ltrim(key, -limit, -1)
        pipeline.execute()

    def journal(self) -> list[dict[str, Any]]:
        """See :class:`StateBackend`."""
        return [orjson.loads(raw) for raw in self._redis.lrange(f"{_PREFIX}journal", 0, -1)]

    def clear_journal(self) -> None:
        """See :class:`StateBackend`."""
        self._redis.delete(f"{_PREFIX}journal")

    def task_changes(self, user_id: str) -> dict[int, TaskChange]:
        """See :class:`StateBackend`."""
        raw = self._redis.hgetall(f"{_TASK_CHANGES}{user_id}")
        return {int(task_id): orjson.loads(record) for task_id, record in raw.items()}

    def change_task(self, user_id: str, task_id: int, change: ChangeFunction) -> TaskChange | None:
        """See :class:`StateBackend`."""
        key, field = f"{_TASK_CHANGES}{user_id}", str(task_id)

        outcome: list[TaskChange | None] = [None]

        def apply(pipe: Any) -> None:  # a redis-py Pipeline watching ``key``; may be retried
            raw = pipe.hget(key, field)
            current: TaskChange | None = orjson.loads(raw) if raw is not None else None
            new = change(current)
            outcome[0] = current if new is None else new
            if new is not None:
                pipe.multi()
                pipe.hset(key, field, orjson.dumps(new))

        self._redis.transaction(apply, key)
        return outcome[0]

    def users_with_task_changes(self) -> list[str]:
        """See :class:`StateBackend`."""
        return [
            key.decode().removeprefix(_TASK_CHANGES)
            for key in self._redis.scan_iter(match=f"{_TASK_CHANGES}*")
        ]

    def data_version(self) -> str | None:
        """See :class:`StateBackend`."""
        raw = self._redis.get(_DATA_VERSION)
        return raw.decode() if isinstance(raw, bytes) else raw

    def data_changes(self) -> tuple[str | None, list[DataChange]]:
        """See :class:`StateBackend`."""
        pipeline = self._redis.pipeline(transaction=True)
        pipeline.get(_DATA_VERSION)
        pipeline.lrange(_DATA_CHANGES, 0, -1)
        raw_version, raw_changes = pipeline.execute()
        version = None if raw_version is None else raw_version.decode()
        return version, [(_KINDS[raw[:1]], raw[1:]) for raw in raw_changes]

    def change_data(
        self, kind: DataChangeKind, document: bytes, expected_version: str | None
    ) -> str | None:
        """See :class:`StateBackend`."""
        new_version = uuid.uuid4().hex
        outcome: list[str | None] = [None]

        def apply(pipe: Any) -> None:  # a redis-py Pipeline watching the version; may be retried
            raw = pipe.get(_DATA_VERSION)
            if (None if raw is None else raw.decode()) != expected_version:
                outcome[0] = None
                return
            # A replace forgets every task change with the data they changed.
            forgotten = (
                [_DATA_CHANGES, *pipe.scan_iter(match=f"{_TASK_CHANGES}*")]
                if kind == "replace"
                else []
            )
            pipe.multi()
            if forgotten:
                pipe.delete(*forgotten)
            pipe.rpush(_DATA_CHANGES, _KIND_CODES[kind] + document)
            pipe.set(_DATA_VERSION, new_version)
            outcome[0] = new_version

        self._redis.transaction(apply, _DATA_VERSION)
        return outcome[0]

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
