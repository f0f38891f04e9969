"""Shared state in Redis: every worker and instance on one database acts as one mock
(every operation is atomic in Redis: one command, a script, or a watched transaction)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

import orjson
import redis
from limits.storage import RedisStorage, Storage
from redis.backoff import NoBackoff
from redis.retry import Retry

from gong_tasks_kit.serving.journal import JournalEntry, materialized
from gong_tasks_kit.serving.state.backend import (
    ChangeFunction,
    DataChange,
    DataChangeKind,
    TaskChange,
)
from gong_tasks_kit.serving.state_urls import describe_redis_error, redact_url

_PREFIX = "gong-mock:"
_TASK_CHANGES = f"{_PREFIX}task-changes:"
_DATA_VERSION = f"{_PREFIX}data:version"
_DATA_CHANGES = f"{_PREFIX}data:changes"
_KIND_CODES: dict[DataChangeKind, bytes] = {"replace": b"R", "add": b"A"}
_KINDS: dict[bytes, DataChangeKind] = {code: kind for kind, code in _KIND_CODES.items()}


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
        """Connect lazily to ``redis://host:port/db``.

        Raises:
            ValueError: for a URL option redis-py refuses (``?socket_timeout=abc``) or does
                not know (``?foo=bar``), found now rather than at the first call.
        """
        self.url = url
        try:
            self._redis = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
            pool = self._redis.connection_pool
            pool.connection_class(**pool.connection_kwargs)  # built, not connected
        except ValueError as error:
            raise ValueError(f"the state {redact_url(url)}: {error}") from None
        except TypeError as error:  # redis-py passes the URL's options on as arguments
            unknown = re.search(r"argument '(\w+)'", str(error))
            option = repr(unknown.group(1)) if unknown else "in it"
            raise ValueError(
                f"the state {redact_url(url)}: redis-py knows no URL option {option}"
            ) from None
        self._pop_step = self._redis.register_script(_POP_STEP_SCRIPT)

    def _plan_key(self, scope: str) -> str:
        return f"{_PREFIX}plan:{scope}"

    def push_steps(self, scope: str, steps: Iterable[dict[str, Any]]) -> int:
        """See :class:`SharedState`."""
        encoded = [orjson.dumps(step) for step in steps]
        if not encoded:
            return int(self._redis.llen(self._plan_key(scope)))
        return int(self._redis.rpush(self._plan_key(scope), *encoded))

    def pop_step(self, scope: str, operation: str | None = None) -> dict[str, Any] | None:
        """See :class:`SharedState`."""
        raw = self._pop_step(keys=[self._plan_key(scope)], args=[operation or ""])
        if raw is None:
            return None
        step: dict[str, Any] = orjson.loads(raw)
        return step

    def plans(self) -> dict[str, list[dict[str, Any]]]:
        """See :class:`SharedState`."""
        found: dict[str, list[dict[str, Any]]] = {}
        for key in self._redis.scan_iter(match=f"{_PREFIX}plan:*"):
            scope = key.decode().removeprefix(f"{_PREFIX}plan:")
            steps = [orjson.loads(raw) for raw in self._redis.lrange(key, 0, -1)]
            if steps:
                found[scope] = steps
        return found

    def clear_plans(self, scope: str | None = None) -> None:
        """See :class:`SharedState`."""
        if scope is not None:
            self._redis.delete(self._plan_key(scope))
            return
        keys = list(self._redis.scan_iter(match=f"{_PREFIX}plan:*"))
        if keys:
            self._redis.delete(*keys)

    def set_setting(self, name: str, value: dict[str, Any] | None) -> None:
        """See :class:`SharedState`."""
        key = f"{_PREFIX}setting:{name}"
        if value is None:
            self._redis.delete(key)
        else:
            self._redis.set(key, orjson.dumps(value))

    def get_setting(self, name: str) -> dict[str, Any] | None:
        """See :class:`SharedState`."""
        raw = self._redis.get(f"{_PREFIX}setting:{name}")
        if raw is None:
            return None
        value: dict[str, Any] = orjson.loads(raw)
        return value

    def next_count(self, name: str) -> int:
        """See :class:`SharedState`."""
        return int(self._redis.incr(f"{_PREFIX}count:{name}"))

    def append_journal(self, entry: JournalEntry, limit: int) -> None:
        """See :class:`SharedState`: formatted now, for every process to read."""
        key = f"{_PREFIX}journal"
        pipeline = self._redis.pipeline(transaction=True)
        pipeline.rpush(key, orjson.dumps(materialized(entry)))
        pipeline.ltrim(key, -limit, -1)
        pipeline.execute()

    def journal(self) -> list[dict[str, Any]]:
        """See :class:`SharedState`."""
        return [orjson.loads(raw) for raw in self._redis.lrange(f"{_PREFIX}journal", 0, -1)]

    def clear_journal(self) -> None:
        """See :class:`SharedState`."""
        self._redis.delete(f"{_PREFIX}journal")

    def task_changes(self, user_id: str) -> dict[int, TaskChange]:
        """See :class:`SharedState`."""
        raw = self._redis.hgetall(f"{_TASK_CHANGES}{user_id}")
        return {int(task_id): orjson.loads(record) for task_id, record in raw.items()}

    def change_task(self, user_id: str, task_id: int, change: ChangeFunction) -> TaskChange | None:
        """See :class:`SharedState`."""
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

    def forget_task_change(self, user_id: str, task_id: int) -> bool:
        """See :class:`SharedState`."""
        # HDEL of the last field deletes the hash: no empty key is left to scan.
        return bool(self._redis.hdel(f"{_TASK_CHANGES}{user_id}", str(task_id)))

    def users_with_task_changes(self) -> list[str]:
        """See :class:`SharedState`."""
        return [
            key.decode().removeprefix(_TASK_CHANGES)
            for key in self._redis.scan_iter(match=f"{_TASK_CHANGES}*")
        ]

    def data_version(self) -> str | None:
        """See :class:`SharedState`."""
        raw = self._redis.get(_DATA_VERSION)
        return raw.decode() if isinstance(raw, bytes) else raw

    def data_changes(self) -> tuple[str | None, list[DataChange]]:
        """See :class:`SharedState`."""
        pipeline = self._redis.pipeline(transaction=True)
        pipeline.get(_DATA_VERSION)
        pipeline.lrange(_DATA_CHANGES, 0, -1)
        raw_version, raw_changes = pipeline.execute()
        version = None if raw_version is None else raw_version.decode()
        return version, [(_KINDS[raw[:1]], raw[1:]) for raw in raw_changes]

    def change_data(
        self, kind: DataChangeKind, document: bytes, expected_version: str | None
    ) -> str | None:
        """See :class:`SharedState`."""
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
        """See :class:`SharedState`."""
        keys = list(self._redis.scan_iter(match=f"{_PREFIX}*"))
        if keys:
            self._redis.delete(*keys)

    def limits_storage(self) -> Storage:
        """See :class:`SharedState`: the same Redis, on the state's own connections."""
        return RedisStorage(self.url, connection_pool=self._redis.connection_pool)

    def problem(self) -> str | None:
        """See :class:`SharedState`: one PING, on its own connection, within 3 s.

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
