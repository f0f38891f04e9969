"""The spec as schemathesis sees it: the target's real ids, and nothing but the read-only
call against the real API.

Schemathesis builds requests from the spec's examples and schemas. With Gong's example
ids no user matches and every answer is ``tasks: []`` (or, for the update call, 404), so
its response checks would never see a task. Here the spec given to schemathesis (never
the one answers are judged by) names the target's own users, workspaces and tasks as its
examples, and hooks draw the ids of every randomly generated request from them: a body's
``userId`` and ``workspaceId`` from the real ones, and most update calls' path ``taskId``
from the real tasks, with the task's owner as the body's ``userId`` (so most see a real
200; the rest an unknown task or another user's, a 404).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.core.parameters import ParameterLocation

from gong_tasks_kit.contract_tests.known_ids import KnownIds, KnownTasks
from gong_tasks_kit.contract_tests.operations import (
    LIVE_OPERATIONS,
    UPDATE_TASK,
    Operation,
    operations,
    spec_with_only,
)
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.spec import load_spec

_ID_FIELDS = ("userId", "workspaceId")
#: Of ten generated update calls, how many name a real task, and of those how many send
#: its owner's id: most get a real 200, the rest still probe the 404s.
_REAL_TASK_IN_TEN = 8
_OWNER_IN_TEN = 8


def _first(known: KnownIds) -> dict[str, str | None]:
    return {
        "userId": known.users[0] if known.users else None,
        "workspaceId": known.workspaces[0] if known.workspaces else None,
    }


def _with_ids(value: Any, ids: Mapping[str, str | None]) -> Any:
    """``value`` with every string ``userId``/``workspaceId`` set to ``ids`` (an id of
    None drops the field: no made-up workspace is ever sent)."""
    if isinstance(value, list):
        return [_with_ids(item, ids) for item in value]
    if not isinstance(value, dict):
        return value
    changed: dict[str, Any] = {}
    for key, item in value.items():
        if key in ids and isinstance(item, str):
            if ids[key] is not None:
                changed[key] = ids[key]
        else:
            changed[key] = _with_ids(item, ids)
    return changed


def _real_id_properties(properties: dict[str, Any], ids: Mapping[str, str | None]) -> None:
    for name in _ID_FIELDS:
        field = properties.get(name)
        if isinstance(field, dict) and field.get("type") == "string":
            if ids[name] is None:
                del properties[name]  # never invent one (Gong may refuse it)
            else:
                field["examples"] = [ids[name]]


def _real_examples(node: Any, ids: Mapping[str, str | None]) -> None:
    """Give string id properties the real ids as examples; rewrite request examples."""
    if isinstance(node, list):
        for item in node:
            _real_examples(item, ids)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("properties"), dict):
        _real_id_properties(node["properties"], ids)
    for key, item in node.items():
        if key == "examples" and isinstance(item, dict):
            for example in item.values():
                if isinstance(example, dict) and "value" in example:
                    example["value"] = _with_ids(example["value"], ids)
        elif key == "example":
            node[key] = _with_ids(item, ids)
        else:
            _real_examples(item, ids)


def generated_operations(settings: ContractSettings) -> tuple[Operation, ...]:
    """The operations schemathesis sends: against the real API only the read-only ones
    (even with ``--allow-writes``: the writes there are the designed update checks', each
    known ahead), else every operation of the spec."""
    if settings.live:
        return tuple(op for op in operations() if op in LIVE_OPERATIONS)
    return operations()


def _example_task(known: KnownIds, tasks: KnownTasks) -> int | None:
    """A task of the first user: the update call's example path id (its body examples
    name that user)."""
    owned = tasks.of(known.users[0]) if known.users else []
    return owned[0]["id"] if owned else None


def _real_path_example(document: dict[str, Any], task_id: int | None) -> None:
    if task_id is None or UPDATE_TASK.path not in document["paths"]:
        return
    node = document["paths"][UPDATE_TASK.path][UPDATE_TASK.method]
    for parameter in node.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("name") == "taskId":
            parameter["example"] = task_id


def generation_spec(
    settings: ContractSettings, known: KnownIds, tasks: KnownTasks | None = None
) -> dict[str, Any]:
    """The spec schemathesis generates requests from: the target's ids as examples, and
    against the real API only the read-only operations.

    The live restriction is made in the document, not with ``schema.include(...)``: a
    schema from ``schemathesis.pytest.from_fixture`` is cloned with the lazy schema's own
    filters when the test runs, which drops filters the fixture applied.
    """
    document = load_spec()  # a fresh copy: changing it changes nothing else
    if settings.live:
        document = spec_with_only(document, generated_operations(settings))
    _real_examples(document, _first(known))
    _real_path_example(document, _example_task(known, tasks or KnownTasks()))
    return document


def _real_ids_hook(known: KnownIds) -> Any:
    users = st.sampled_from(known.users) if known.users else st.none()
    workspaces = st.sampled_from(known.workspaces) if known.workspaces else st.none()

    def flatmap_body(_: Any, body: Any) -> st.SearchStrategy[Any]:
        """Draw each generated body's ``userId``/``workspaceId`` from the real ones."""
        if not known.users:
            return st.just(body)
        return st.tuples(users, workspaces).map(
            lambda pair: _with_ids(body, {"userId": pair[0], "workspaceId": pair[1]})
        )

    return flatmap_body


def _with_task(case: Any, draw: tuple[int, tuple[str, dict[str, Any]], int]) -> Any:
    real_task, (owner, task), by_owner = draw
    if real_task < _REAL_TASK_IN_TEN:
        case.path_parameters = {**(case.path_parameters or {}), "taskId": task["id"]}
        meta = case.meta
        body_is_valid = meta is None or not meta.is_negative_at(ParameterLocation.BODY)
        if by_owner < _OWNER_IN_TEN and body_is_valid and isinstance(case.body, dict):
            case.body = {**case.body, "userId": owner}
    return case


def _real_tasks_hook(tasks: KnownTasks) -> Any:
    owned = tasks.owned

    def flatmap_case(context: Any, case: Any) -> st.SearchStrategy[Any]:
        """Most update calls name a real task, most of those with its owner's id."""
        operation = context.operation
        is_update = operation is not None and (operation.method.lower(), operation.path) == (
            UPDATE_TASK.method,
            UPDATE_TASK.path,
        )
        meta = case.meta
        if not owned or not is_update or (meta and meta.is_negative_at(ParameterLocation.PATH)):
            return st.just(case)  # a deliberately invalid path id stays invalid
        draws = st.tuples(st.integers(0, 9), st.sampled_from(owned), st.integers(0, 9))
        return draws.map(lambda draw: _with_task(case, draw))

    return flatmap_case


def runs_coverage_phase(settings: ContractSettings) -> bool:
    """Whether schemathesis' coverage phase runs: not against Gong, not with a budget (its
    cases are many and not known ahead; the designed checks cover the same ground)."""
    return not settings.live and settings.max_requests is None


def build_schema(
    settings: ContractSettings,
    known: KnownIds,
    *,
    max_examples: int,
    app: Any = None,
    tasks: KnownTasks | None = None,
) -> Any:
    """The schemathesis schema of one run, bound to the target.

    Args:
        settings: The run's settings (mode, seed, base URL, credential).
        known: The target's ids.
        max_examples: Random examples (schemathesis' fuzzing phase) granted by the schedule.
        app: The in-process WSGI app, if any.
        tasks: The target's tasks with their owners (none: update calls name made-up
            tasks).
    """
    config: dict[str, Any] = {
        "headers": {"Authorization": settings.authorization},
        "generation": {
            "mode": "positive" if settings.live else "all",
            "max-examples": max(1, max_examples),
            "no-shrink": not settings.shrink,
            "database": "none",
        },
    }
    if settings.seed is not None:
        config["seed"] = settings.seed
    if not runs_coverage_phase(settings):
        config["phases"] = {"coverage": {"enabled": False}, "stateful": {"enabled": False}}
        # ignored_auth sends calls of its own, outside the budget (and the throttle).
        config["checks"] = {"ignored_auth": {"enabled": False}}
    if settings.base_url is not None:
        config["base-url"] = settings.base_url
    tasks = tasks or KnownTasks()
    schema = schemathesis.openapi.from_dict(
        generation_spec(settings, known, tasks), config=schemathesis.Config.from_dict(config)
    )
    schema.hook(_real_ids_hook(known))
    schema.hook(_real_tasks_hook(tasks))
    if app is not None:
        schema.app = app
    return schema


def spec_example_cases(schema: Any) -> int:
    """How many requests schemathesis' examples phase sends for this schema."""
    total = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        total += len(list(operation.get_strategies_from_examples()))
    return total
