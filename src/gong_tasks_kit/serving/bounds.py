"""Bounds on what clients and admins send: whole numbers in text, strict JSON types, depth.

Python's ``int()`` takes any Unicode digit and refuses (with a ValueError) strings of more
than 4,300 digits; ``isdecimal()`` says yes to Arabic-Indic digits. Numbers that arrive as
text (``Prefer: code=429``, ``?limit=10``, ``Content-Length``) are therefore read here and
only here: ASCII digits, a bounded length, a range. JSON numbers from the admin API must be
integers of JSON's own integer type (``429``, never ``429.0`` or ``true``).
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


def _escaped(character: str) -> str:
    code = ord(character)
    return (
        f"\\x{code:02x}"
        if code < 0x100
        else f"\\u{code:04x}"
        if code < 0x10000
        else f"\\U{code:08x}"
    )


def printable(text: str) -> str:
    """``text`` with every character Python does not call printable escaped (C0 and C1
    controls, line and paragraph separators, format characters such as a right-to-left
    override), for a log line: a client's text must not start a forged line of its own,
    colour the terminal or reorder what is shown."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == " " else _escaped(ch) for ch in text)


def loggable(text: str, limit: int = 200) -> str:
    """``text`` fit for one log line: control characters escaped, cut at ``limit``
    characters (marked), so a client's path can neither forge a line nor flood the log."""
    if len(text) > limit:
        text = f"{text[:limit]}… [cut: {len(text)} characters]"
    return printable(text)


def cut(text: str, limit: int = 40) -> str:
    """A client's text as an error message quotes it: cut at ``limit`` characters and
    marked with its length, so an answer stays small."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
