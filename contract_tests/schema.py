"""The spec as schemathesis sees it: the target's real ids, and nothing but the read-only
call against the real API.

Schemathesis builds requests from the spec's examples and schemas. With Gong's example
ids no user matches and every answer is ``tasks: []``, so its response checks would
never see a task. Here the spec given to schemathesis (never the one answers are judged
by) names the target's own users and workspaces as its examples, and a hook draws the
ids of every randomly generated body from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import schemathesis
from gong_tasks_kit.contract_tests.operations import LIVE_OPERATIONS, spec_with_only
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.contract_tests.target import KnownIds
from gong_tasks_kit.spec import load_spec
from hypothesis import strategies as st

_ID_FIELDS = ("userId", "workspaceId")


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


def generation_spec(settings: ContractSettings, known: KnownIds) -> dict[str, Any]:
    """The spec schemathesis generates requests from: the target's ids as examples, and
    against the real API only the read-only operations.

    The live restriction is made in the document, not with ``schema.include(...)``: a
    schema from ``schemathesis.pytest.from_fixture`` is cloned with the lazy schema's own
    filters when the test runs, which drops filters the fixture applied.
    """
    document = load_spec()  # a fresh copy: changing it changes nothing else
    if settings.live:
        document = spec_with_only(document, LIVE_OPERATIONS)
    _real_examples(document, _first(known))
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


def runs_coverage_phase(settings: ContractSettings) -> bool:
    """Whether schemathesis' coverage phase runs: not against Gong, not with a budget (its
    cases are many and not known ahead; the designed checks cover the same ground)."""
    return not settings.live and settings.max_requests is None


def build_schema(
    settings: ContractSettings, known: KnownIds, *, max_examples: int, app: Any = None
) -> Any:
    """The schemathesis schema of one run, bound to the target.

    Args:
        settings: The run's settings (mode, seed, base URL, credential).
        known: The target's ids.
        max_examples: Random examples (schemathesis' fuzzing phase) granted by the plan.
        app: The in-process WSGI app, if any.
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
    schema = schemathesis.openapi.from_dict(
        generation_spec(settings, known), config=schemathesis.Config.from_dict(config)
    )
    schema.hook(_real_ids_hook(known))
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
