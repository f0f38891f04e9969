"""JSON as clients send it, read exactly: orjson first (fast), Python's parser for what
orjson will not read exactly (integers beyond 64 bits), and in both cases only JSON's own
values (no ``NaN``), bounded integers and Unicode text.

Python's parser takes a lone surrogate escape (``"\\ud800"``) that orjson refuses, and
its ``int()`` refuses more than 4,300 digits in words of its own: both are checked here,
so a client hears about its JSON, never about Python. A request body's nesting is bounded
before either parser runs: Python's recurses once per level on the stack the call already
uses, so without a bound the same body could parse on one request path and fail on
another.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

#: Twenty digits in a row: a number that may not fit 64 bits (or text in a string: harmless).
# Every digit becomes "0" and every other byte a space, so a run of 20 digits is one
# substring search: C speed (0.2 s for a 139 MB data file, where a regex took 3 s).
_DIGITS_ONLY = bytes(48 if chr(byte).isdigit() and byte < 128 else 32 for byte in range(256))
_TWENTY_DIGITS = b"0" * 20


def _has_long_number(raw: bytes) -> bool:
    """Whether ``raw`` holds a run of 20 digits (an integer orjson would not keep exact)."""
    return _TWENTY_DIGITS in raw.translate(_DIGITS_ONLY)


_MAX_JSON_INTEGER_DIGITS = 40  # far beyond int64, and far below Python's own limit (4,300)

#: The deepest nesting of arrays and objects a request body may have: far beyond any body
#: the API takes (3 levels), far below any parser's recursion limit.
MAX_JSON_DEPTH = 64
# A string (its end optional: the text may be cut), or a bracket outside strings.
_STRING_OR_BRACKET = re.compile(rb'"(?:[^"\\]|\\.)*"?|[\[\]{}]', re.DOTALL)


class NestingTooDeepError(ValueError):
    """JSON text nests arrays and objects more than :data:`MAX_JSON_DEPTH` levels deep."""

    def __init__(self) -> None:
        super().__init__(f"nests arrays and objects more than {MAX_JSON_DEPTH} levels deep")


def nested_too_deep(raw: bytes) -> bool:
    """Whether JSON text nests arrays and objects more than :data:`MAX_JSON_DEPTH` deep
    (counted on the text, without parsing it: for request bodies, which are small)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_JSON_DEPTH:  # the usual case, in C
        return False
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif token in (b"]", b"}"):
            depth = max(0, depth - 1)
    return False


def json_integer(text: str) -> int:
    """A JSON integer for Python's parser (``parse_int``), refusing absurd lengths with a
    message of our own.

    Raises:
        ValueError: for more than 40 digits.
    """
    digits = len(text.lstrip("-"))
    if digits > _MAX_JSON_INTEGER_DIGITS:
        raise ValueError(f"a number of {digits} digits is beyond any field's range")
    return int(text)


def lone_surrogate(value: Any) -> str | None:
    """The first string (key or value) of a parsed JSON value that holds a lone surrogate,
    escaped (``\\ud800``) so it can be quoted; None when all of its text is Unicode."""
    pending: list[Any] = [value]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.keys())
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, str) and not node.isascii():
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                return node.encode("utf-8", "backslashreplace").decode()[:40]
    return None


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON value")


def parse_json(raw: bytes, *, long_numbers_exact: bool = False, bounded: bool = False) -> Any:
    """The JSON value of ``raw``.

    Args:
        raw: The bytes as received.
        long_numbers_exact: Read a document with 20-digit runs by Python's parser at once,
            so integers beyond 64 bits stay integers (and a message can name them).
        bounded: Refuse text nested deeper than :data:`MAX_JSON_DEPTH` before parsing (a
            request body's answer then never depends on the stack in use).

    Raises:
        NestingTooDeepError: when ``bounded`` and it nests deeper than
            :data:`MAX_JSON_DEPTH`.
        ValueError: naming any other problem (orjson's own words when it had some).
    """
    if bounded and nested_too_deep(raw):
        raise NestingTooDeepError
    first_error: Exception | None = None
    if not (long_numbers_exact and _has_long_number(raw)):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            first_error = error
    try:
        document = json.loads(raw, parse_constant=_reject_constant, parse_int=json_integer)
    except (ValueError, RecursionError) as error:
        raise ValueError(str(first_error or error)) from None
    surrogate = lone_surrogate(document)
    if surrogate is not None:
        raise ValueError(str(first_error or f"the text '{surrogate}' holds a lone surrogate"))
    return document
