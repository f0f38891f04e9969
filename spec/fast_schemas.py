"""The spec's schemas compiled by jsonschema-rs, never looser than the reference.

openapi-core (``spec/reference.py``) defines what is valid. A schema compiled here
answers "valid" only for documents the reference also accepts, so a fast "yes" can be
trusted and a fast "no" is re-judged by the reference. Three things differ between the
two validators, and each is closed on the safe side:

- ``int32``/``int64``: the reference checks the range of integers; the compiled schema
  gets ``minimum``/``maximum`` bounds instead. orjson parses an integer beyond 64 bits as
  a float that may round onto the lowest int64, so that bound is moved inwards by 4096
  (one rounding step there): a float from such an integer can never pass.
- ``date-time``: the reference is ``rfc3339_validator`` (no leap second, no year 0,
  ASCII digits); jsonschema-rs's own check accepts leap seconds and year 0, so a
  ``pattern`` with the reference's grammar is added, and jsonschema-rs still checks the
  day of the month.
- any other format: the reference's own check is called (jsonschema-rs calls it for
  strings; these spec schemas have none today).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jsonschema_rs
from openapi_core.validation.schemas import oas31_schema_validators_factory

from gong_tasks_kit.spec.loader import load_spec, spec_cached

__all__ = ["DATE_TIME_PATTERN", "compile_schema"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_ROUNDING_STEP = 4096  # float spacing near 2**63 is 2048: one step inside and a margin
_INTEGER_BOUNDS = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (_INT64_MIN + _ROUNDING_STEP, _INT64_MAX),
}
_YEAR = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"  # 0001-9999, as the reference
_HOUR, _MINUTE = "([01][0-9]|2[0-3])", "[0-5][0-9]"

#: RFC 3339 as ``rfc3339_validator`` reads it (after upper-casing), ASCII only; the day
#: of the month is left to jsonschema-rs's own ``date-time`` check.
DATE_TIME_PATTERN = (
    f"^{_YEAR}-(0[1-9]|1[0-2])-[0-9]{{2}}[Tt]{_HOUR}:{_MINUTE}:{_MINUTE}"
    f"(\\.[0-9]+)?([Zz]|[+-]{_HOUR}:{_MINUTE})$"
)
_SCHEMA_KEYWORDS_WITH_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions")


def _reference_format(name: str) -> Callable[[str], bool]:
    """The reference's own check of format ``name``, as jsonschema-rs calls it."""
    checker = oas31_schema_validators_factory.format_checker

    def conforms(value: str) -> bool:
        return bool(checker.conforms(value, name))

    return conforms


def _no_looser(node: Any, formats: dict[str, Callable[[str], bool]]) -> Any:
    """``node`` with each format made no looser than the reference's (see the module)."""
    if isinstance(node, list):
        return [_no_looser(item, formats) for item in node]
    if not isinstance(node, dict):
        return node
    updated = {
        key: (
            {name: _no_looser(sub, formats) for name, sub in value.items()}
            if key in _SCHEMA_KEYWORDS_WITH_SCHEMA_MAPS and isinstance(value, dict)
            else _no_looser(value, formats)
        )
        for key, value in node.items()
    }
    name = node.get("format")
    if not isinstance(name, str):
        return updated
    if name in _INTEGER_BOUNDS:
        low, high = _INTEGER_BOUNDS[name]
        # Both kept: a bound the spec sets itself stays, and ours narrows it further.
        return {"allOf": [updated, {"minimum": low, "maximum": high}]}
    if name == "date-time":
        return {"allOf": [updated, {"pattern": DATE_TIME_PATTERN}]}
    formats.setdefault(name, _reference_format(name))
    return updated


def compile_schema(schema: Mapping[str, Any]) -> Any:
    """A jsonschema-rs validator of ``schema`` (a node of the spec; ``$ref`` values point
    into the spec's ``components``) whose "valid" implies the reference's.

    Args:
        schema: A schema object of the spec, e.g. a media type's ``schema``.

    Returns:
        A compiled jsonschema-rs validator (``is_valid(instance)``).
    """
    formats: dict[str, Callable[[str], bool]] = {}
    schemas = {name: _no_looser(node, formats) for name, node in _schemas().items()}
    root = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": {"schemas": schemas},
        "allOf": [_no_looser(dict(schema), formats)],
    }
    return jsonschema_rs.validator_for(root, validate_formats=True, formats=formats)


@spec_cached  # keyed by the spec in use (a test may switch it: spec_in_use)
def _schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = load_spec()["components"]["schemas"]
    return schemas
