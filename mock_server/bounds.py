"""Bounds on what clients and admins send: whole numbers in text, strict JSON types, depth.

Python's ``int()`` takes any Unicode digit and refuses (with a ValueError) strings of more
than 4,300 digits; ``isdecimal()`` says yes to Arabic-Indic digits. Numbers that arrive as
text (``Prefer: code=429``, ``?limit=10``, ``Content-Length``) are therefore read here and
only here: ASCII digits, a bounded length, a range. JSON numbers from the admin API must be
integers of JSON's own integer type (``429``, never ``429.0`` or ``true``). Text must be
Unicode: Python's own JSON parser takes a lone surrogate escape (``"\\ud800"``) that
orjson refuses, so what it parsed is checked for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_DIGITS = re.compile(r"[0-9]{1,20}")


def parse_whole_number(text: str, *, low: int = 0, high: int) -> int | None:
    """The number ``text`` spells in ASCII digits, if it lies in ``[low, high]``.

    Args:
        text: The text as received (surrounding whitespace is not allowed).
        low: The smallest number accepted.
        high: The largest number accepted (at most 20 digits are ever read).

    Returns:
        The number, or None for anything else: signs, spaces, other digits, no digits,
        more than 20 digits, or a number out of range.
    """
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def is_json_integer(value: Any) -> bool:
    """Whether a parsed JSON value is an integer as written (not a float, not a boolean)."""
    return type(value) is int


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests arrays and objects more than ``limit`` deep.

    Iterative, so a deeply nested value cannot exhaust the stack; it stops at the first
    container found beyond the limit.
    """
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        node, depth = pending.pop()
        if isinstance(node, dict):
            children: Iterable[Any] = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


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


_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(32), 127)}


def printable(text: str) -> str:
    """``text`` with control characters escaped, for a log line: a client's text must not
    start a forged line of its own or colour the terminal."""
    return text.translate(_CONTROLS)


_MAX_JSON_INTEGER_DIGITS = 40  # far beyond int64, and far below Python's own limit (4,300)


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
