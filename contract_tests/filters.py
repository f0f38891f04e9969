"""The list call's filter as the designed checks see it: its fields and their values.

Values come from the spec's enums, so the checks follow the spec when it changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gong_tasks_kit.spec import load_spec, resolve
from gong_tasks_kit.spec.loader import spec_cached

#: Filter field → the task field it selects on. Each task has exactly one value there,
#: so the answers for each value alone split the answer for all of them.
PARTITIONS: Mapping[str, str] = {"types": "type", "status": "status"}


@spec_cached
def _filter_schema() -> dict[str, Any]:
    document = load_spec()
    return resolve(document, document["components"]["schemas"]["TaskFilter"])


@spec_cached
def values_of(field: str) -> tuple[str, ...]:
    """Every value the spec allows in the array field ``field`` (``types``, ...)."""
    document = load_spec()
    items = resolve(document, _filter_schema()["properties"][field]["items"])
    return tuple(items["enum"])


def every_value() -> dict[str, list[str]]:
    """Each array field of the filter with all of its values."""
    return {
        field: list(values_of(field))
        for field, schema in _filter_schema()["properties"].items()
        if schema.get("type") == "array"
    }


def full_filter(user_id: str, **narrowed: Any) -> dict[str, Any]:
    """A filter for all of ``user_id``'s call tasks, with the fields in ``narrowed``
    replaced (``status=["OPEN"]``, ``workspaceId="..."``)."""
    return {"userId": user_id, **every_value(), **narrowed}
