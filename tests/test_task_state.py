"""The state backends' task changes and operation-scoped plan steps: the same contract on
memory and on Redis, atomic under concurrent writers."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from gong_tasks_kit.serving.state import MemoryState, RedisState, SharedState


@pytest.fixture(params=["memory", "redis"])
def state(request: pytest.FixtureRequest) -> Iterator[SharedState]:
    if request.param == "memory":
        yield MemoryState()
        return
    redis_server = request.getfixturevalue("redis_server")
    backend = RedisState(redis_server.url)
    yield backend
    backend.reset()


def test_pop_step_takes_the_first_step_for_the_operation(state: SharedState) -> None:
    state.push_steps(
        "*",
        [
            {"status": 404, "retryAfter": 1, "operation": "updateTask"},
            {"status": 429, "retryAfter": 1},
            {"status": 500, "retryAfter": 1, "operation": "listTasks"},
        ],
    )
    assert state.pop_step("*", "listTasks") == {"status": 429, "retryAfter": 1}
    assert state.pop_step("*", "listTasks") == {
        "status": 500,
        "retryAfter": 1,
        "operation": "listTasks",
    }
    assert state.pop_step("*", "listTasks") is None
    assert state.plans() == {"*": [{"status": 404, "retryAfter": 1, "operation": "updateTask"}]}
    assert state.pop_step("*") == {"status": 404, "retryAfter": 1, "operation": "updateTask"}
    assert state.pop_step("*", "updateTask") is None


def test_concurrent_pops_take_each_step_once(state: SharedState) -> None:
    steps = [{"status": 500, "retryAfter": n, "operation": "updateTask"} for n in range(40)]
    state.push_steps("*", [{"status": 429, "retryAfter": 0}, *steps])
    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(lambda _: state.pop_step("*", "updateTask"), range(60)))
    got = [step for step in taken if step is not None]
    assert len(got) == 41
    assert sorted(step["retryAfter"] for step in got if step["status"] == 500) == list(range(40))


def test_task_changes_are_kept_per_user_and_forgotten_on_reset(state: SharedState) -> None:
    assert state.task_changes("u1") == {}
    record = {"status": "DONE", "dueDate": "2026-01-01T00:00:00Z", "updated": "x"}
    assert state.change_task("u1", 7, lambda current: record) == record
    assert state.change_task("u1", 8, lambda current: None) is None  # nothing to store
    assert state.task_changes("u1") == {7: record}
    assert state.task_changes("u2") == {}
    assert state.users_with_task_changes() == ["u1"]
    seen: list[Any] = []
    state.change_task("u1", 7, seen.append)  # type: ignore[arg-type]
    assert seen == [record]
    assert state.task_changes("u1") == {7: record}
    state.reset()
    assert state.task_changes("u1") == {}
    assert state.users_with_task_changes() == []


def test_task_change_forgotten_alone_leaves_the_others(state: SharedState) -> None:
    record = {"status": "DONE", "dueDate": "2026-01-01T00:00:00Z", "updated": "x"}
    state.change_task("u1", 7, lambda current: record)
    state.change_task("u1", 8, lambda current: record)
    state.change_task("u2", 9, lambda current: record)
    assert state.forget_task_change("u1", 7) is True
    assert state.forget_task_change("u1", 7) is False  # nothing left to forget
    assert state.task_changes("u1") == {8: record}
    assert state.forget_task_change("u1", 8) is True
    assert state.task_changes("u1") == {}
    assert state.users_with_task_changes() == ["u2"]  # no empty record left behind


def test_change_task_is_atomic_under_concurrent_writers(state: SharedState) -> None:
    def increment(current: dict[str, Any] | None) -> dict[str, Any]:
        return {"count": (current or {"count": 0})["count"] + 1}

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: state.change_task("u1", 1, increment), range(80)))
    assert state.task_changes("u1") == {1: {"count": 80}}


def test_data_changes_are_versioned_and_compare_and_set(state: SharedState) -> None:
    assert state.data_version() is None
    assert state.data_changes() == (None, [])
    first = state.change_data("add", b'{"tasks": [1]}', None)
    assert first is not None
    assert state.change_data("add", b'{"tasks": [2]}', None) is None  # lost: data moved on
    second = state.change_data("add", b'{"tasks": [2]}', first)
    assert second not in (None, first)
    added = [("add", b'{"tasks": [1]}'), ("add", b'{"tasks": [2]}')]
    assert state.data_changes() == (second, added)
    state.change_task("u1", 7, lambda current: {"status": "DONE"})
    third = state.change_data("replace", b'{"tasks": [3]}', second)
    assert state.data_changes() == (third, [("replace", b'{"tasks": [3]}')])
    assert state.task_changes("u1") == {}  # a replace forgets every task change
    state.change_task("u1", 7, lambda current: {"status": "DONE"})
    state.change_data("add", b"{}", third)
    assert state.task_changes("u1") == {7: {"status": "DONE"}}  # an add keeps them
    state.reset()
    assert state.data_changes() == (None, [])


def test_concurrent_uploads_each_land_once(state: SharedState) -> None:
    def add(number: int) -> None:
        while state.change_data("add", str(number).encode(), state.data_version()) is None:
            pass

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(add, range(40)))
    version, changes = state.data_changes()
    assert version is not None
    assert sorted(int(document) for _, document in changes) == list(range(40))
