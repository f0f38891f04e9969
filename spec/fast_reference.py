"""The reference's verdict on a response, at the cost of a compiled validator.

:func:`iter_response_violations` has the shape and the answers of
``spec/reference.py``'s: nothing for a response the spec allows, openapi-core's own
violations for one it does not. It first asks :func:`fast_accepts`, which checks what
openapi-core checks (the status, the content type, the declared headers, the body) with
jsonschema-rs and never says "yes" to a response the reference refuses (see
``spec/fast_schemas.py``). Only a "no" or an "I cannot tell fast" calls openapi-core,
which then decides and words the violations, so the verdict is always the reference's.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from jsonschema_path import SchemaPath
from openapi_core.deserializing.media_types import media_type_deserializers
from openapi_core.deserializing.media_types.util import json_loads
from openapi_core.templating.media_types.finders import MediaTypeFinder

from gong_tasks_kit.spec import reference
from gong_tasks_kit.spec.fast_schemas import compile_schema
from gong_tasks_kit.spec.loader import load_spec, resolve, spec_cached
from gong_tasks_kit.spec.operations import LIST_TASKS, operation_node
from gong_tasks_kit.spec.reference import Violation

__all__ = ["Violation", "fast_accepts", "iter_response_violations"]

# openapi-core casts a header's text by the schema's type before validating it.
_HEADER_CASTS: dict[str, Callable[[str], Any]] = {"integer": int, "string": str}


@dataclass(frozen=True, slots=True)
class _Header:
    """A header the spec declares for a response, and how to check it fast."""

    name: str
    required: bool
    cast: Callable[[str], Any] | None  # None: a kind this module leaves to the reference
    validator: Any


@dataclass(frozen=True, slots=True)
class _Answer:
    """What the spec declares for one response key of an operation."""

    content: dict[str, Any] | None  # media type -> compiled body schema; None: no content
    headers: tuple[_Header, ...]


@spec_cached  # keyed by the spec in use, like every cache of what the spec says
def _document() -> dict[str, Any]:
    return load_spec()


def _header(name: str, declared: dict[str, Any]) -> _Header:
    header = resolve(_document(), declared)
    schema = resolve(_document(), header.get("schema", {}))
    kind = schema.get("type")
    cast = _HEADER_CASTS.get(kind) if "content" not in header and isinstance(kind, str) else None
    return _Header(
        name=name.lower(),
        required=bool(header.get("required", False)),
        cast=cast,
        validator=compile_schema(schema),
    )


def _answer(declared: dict[str, Any]) -> _Answer:
    response = resolve(_document(), declared)
    content = response.get("content")
    return _Answer(
        content=None
        if content is None
        else {key: compile_schema(media.get("schema", {})) for key, media in content.items()},
        headers=tuple(
            _header(name, header)
            for name, header in response.get("headers", {}).items()
            if name.lower() != "content-type"  # openapi-core ignores it, as HTTP does
        ),
    )


@spec_cached
def _answers(operation_id: str) -> dict[str, _Answer]:
    responses = operation_node(_document(), operation_id)["responses"]
    return {str(key): _answer(declared) for key, declared in responses.items()}


def _declared(answers: Mapping[str, _Answer], status: int) -> _Answer | None:
    """The response openapi-core picks for ``status``: exact, then ``5XX``, then
    ``default``."""
    key = str(status)
    return answers.get(key) or answers.get(f"{key[0]}XX") or answers.get("default")


@functools.lru_cache(maxsize=256)  # content types come from outside: a bounded cache
def _json_media_type(keys: tuple[str, ...], content_type: str) -> str | None:
    """The key of ``keys`` whose schema openapi-core applies to a body of
    ``content_type`` when it parses that body as JSON; None otherwise (no key matches,
    the header cannot be parsed, or the body would not be read as JSON)."""
    try:
        found = MediaTypeFinder(SchemaPath.from_dict({key: {} for key in keys})).find(content_type)
    except Exception:  # openapi-core's finder raises its own errors and ValueError alike
        return None
    if media_type_deserializers.get(found.mime_type) is not json_loads:
        return None
    key: str = found.media_type.parts[-1]
    return key


def _header_value(headers: Mapping[str, str], name: str) -> str | None:
    """``name``'s value as openapi-core reads it: the first header of that name, in any
    case."""
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _headers_pass(answer: _Answer, headers: Mapping[str, str]) -> bool:
    for header in answer.headers:
        value = _header_value(headers, header.name)
        if value is None:
            if header.required:
                return False
            continue
        if header.cast is None:
            return False
        try:
            if not header.validator.is_valid(header.cast(value)):
                return False
        except (ValueError, TypeError, OverflowError):  # e.g. int("1.5"): the reference's no
            return False
    return True


def _body_passes(answer: _Answer, body: bytes, content_type: str) -> bool:
    if answer.content is None:  # nothing declared: openapi-core does not read the body
        return True
    key = _json_media_type(tuple(answer.content), content_type)
    if key is None or not body:
        return False
    try:
        return bool(answer.content[key].is_valid(_parsed(body)))
    except (ValueError, OverflowError):  # a body orjson cannot read: see _parsed
        return False


def _parsed(body: bytes) -> Any:
    """The JSON document in ``body``, read by orjson: it reads a subset of what the
    reference's ``json.loads`` reads (not NaN, lone surrogates or numbers beyond a
    double: those raise), and an integer beyond 64 bits becomes a float, which the
    compiled int bounds refuse.

    Raises:
        ValueError: when orjson cannot read it.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        # json.loads also reads UTF-16 and UTF-32, and UTF-8 after a byte order mark.
        return orjson.loads(body.decode(json.detect_encoding(body)))


def fast_accepts(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    content_type: str = "application/json",
    operation: str = LIST_TASKS,
) -> bool:
    """Whether this response to ``operation`` is valid, answered fast.

    True only when openapi-core, the reference, accepts it too; False when it breaks
    the spec, or in the rare cases this check leaves to the reference (see
    ``spec/fast_schemas.py``). Arguments as for :func:`iter_response_violations`.

    Raises:
        KeyError: for an operation the spec does not have.
    """
    answer = _declared(_answers(operation), status)
    if answer is None:  # a status the spec does not document
        return False
    headers = dict(headers)  # what the reference looks at: the first value of a name
    if any("\n" in value or "\r" in value for value in headers.values()):
        return False  # werkzeug's Headers, under the reference, refuse such a value
    return _headers_pass(answer, headers) and _body_passes(answer, body, content_type)


def iter_response_violations(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    content_type: str = "application/json",
    operation: str = LIST_TASKS,
) -> Iterator[Violation]:
    """Yield each way a response to an operation breaks the spec (nothing when valid):
    the same answers as ``spec.reference.iter_response_violations``, openapi-core called
    only when the fast check does not accept the response.

    Args:
        status: The HTTP status code.
        body: The raw body.
        headers: The response headers.
        content_type: The media type, e.g. ``application/json``.
        operation: The operation id that answered (default: the list call).

    Raises:
        KeyError: for an operation the spec does not have.
    """
    if fast_accepts(status, body, headers, content_type=content_type, operation=operation):
        return
    yield from reference.iter_response_violations(
        status, body, headers, content_type=content_type, operation=operation
    )
