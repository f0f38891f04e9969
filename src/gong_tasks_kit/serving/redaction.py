"""Keeping credentials out of what the admin API shows: each fragment of a credential (the
``Authorization`` value, its token, and for Basic the decoded pair, key and secret) is
replaced by ``[redacted]`` in every string of a JSON value, keys included.

The mock redacts the credentials it was configured with (the public defaults are printed
anyway); the proxy every credential it has seen (a caller's request may quote another
caller's credential, and a target may echo one back).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Any

from gong_tasks_kit.serving.journal import REDACTED

MIN_FRAGMENT = 6  # shorter pieces would blank ordinary words; no real credential is this short


def credential_fragments(authorization: str | None) -> set[str]:
    """The pieces of an ``Authorization`` value that must never be written."""
    if not authorization:
        return set()
    value = authorization.strip()
    scheme, _, token = value.partition(" ")
    token = token.strip()
    found = {value, token}
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(token, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            decoded = ""
        key, _, secret = decoded.partition(":")
        found |= {decoded, key, secret}
    return {fragment for fragment in found if len(fragment) >= MIN_FRAGMENT}


class Redactor:
    """Replaces a fixed set of fragments, longest first, in one compiled pattern."""

    def __init__(self, fragments: Iterable[str]) -> None:
        """Redact ``fragments`` (none: every value passes unchanged)."""
        longest_first = sorted(set(fragments), key=len, reverse=True)
        self._pattern = (
            re.compile("|".join(map(re.escape, longest_first))) if longest_first else None
        )

    def text(self, text: str) -> str:
        """``text`` without any of the fragments."""
        return text if self._pattern is None else self._pattern.sub(REDACTED, text)

    def value(self, value: Any) -> Any:
        """A JSON value with the fragments replaced in every string, keys included."""
        return value if self._pattern is None else _redacted(value, self._pattern)


NO_REDACTION = Redactor(())


def _redacted(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, dict):
        return {
            pattern.sub(REDACTED, str(key)): _redacted(item, pattern) for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redacted(item, pattern) for item in value]
    return value
