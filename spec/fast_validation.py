"""Compiled JSON Schema validators (jsonschema-rs) for the hot path.

openapi-core stays the reference: these only answer "valid or not" quickly, and the
test suite proves, with hypothesis, that they agree with openapi-core. openapi-core
also checks the ``int32``/``int64`` formats, which JSON Schema leaves open, so the
compiled schemas get the equivalent ``minimum``/``maximum`` bounds.
"""

from __future__ import annotations

from typing import Any

import jsonschema_rs

from gong_tasks_kit.spec import schema_for
from gong_tasks_kit.spec.loader import spec_cached

_FORMAT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _with_integer_bounds(node: Any) -> Any:
    if isinstance(node, dict):
        updated = {key: _with_integer_bounds(value) for key, value in node.items()}
        bounds = _FORMAT_BOUNDS.get(str(node.get("format")))
        if node.get("type") == "integer" and bounds:
            updated.setdefault("minimum", bounds[0])
            updated.setdefault("maximum", bounds[1])
        return updated
    if isinstance(node, list):
        return [_with_integer_bounds(item) for item in node]
    return node


@spec_cached
def compiled_validator(component: str) -> Any:
    """A jsonschema-rs validator of ``components.schemas[component]``, formats checked."""
    schema = _with_integer_bounds(schema_for(component))
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def is_valid(component: str, instance: Any) -> bool:
    """Whether ``instance`` is valid for the component, by the compiled validator."""
    return bool(compiled_validator(component).is_valid(instance))
