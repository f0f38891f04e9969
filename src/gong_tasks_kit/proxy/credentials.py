"""Keeping callers' credentials out of everything the proxy writes.

The proxy forwards each caller's ``Authorization`` and never stores it; headers are
redacted in the journal like the mock's. What a target sends back is written too
(violations, the journal's body, the recording, the drift report), and a target could
echo a credential; so every text the proxy writes first has each fragment of the
credentials it has seen replaced by ``[redacted]``: the header's value, its token, and
for Basic the decoded pair, key and secret. The fragments live in memory only.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
from collections import OrderedDict
from typing import Any

from gong_tasks_kit.mock_server.journal import REDACTED

MIN_FRAGMENT = 6  # shorter pieces would blank ordinary words; no real credential is this short
_REMEMBERED = 256  # credentials remembered for reports that gather many calls


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


class CredentialFilter:
    """The credentials seen so far (in memory only), and the scrubbing of texts and JSON
    values: every fragment of every credential seen is replaced, whoever's call the text
    came from (one caller's request may quote another caller's credential)."""

    def __init__(self) -> None:
        """Start knowing none."""
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._pattern: re.Pattern[str] | None = None

    def remember(self, authorization: str | None) -> None:
        """Remember a caller's credential."""
        fragments = credential_fragments(authorization)
        with self._lock:
            if all(fragment in self._seen for fragment in fragments):
                return
            for fragment in fragments:
                self._seen[fragment] = None
            while len(self._seen) > _REMEMBERED:
                self._seen.popitem(last=False)
            self._pattern = None

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._seen:
                longest_first = sorted(self._seen, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, longest_first)))
            return self._pattern

    def scrub_text(self, text: str) -> str:
        """``text`` without any credential fragment seen."""
        pattern = self._compiled()
        return text if pattern is None else pattern.sub(REDACTED, text)

    def scrub(self, value: Any) -> Any:
        """A JSON value with every credential fragment seen replaced in every string,
        keys included."""
        pattern = self._compiled()
        return value if pattern is None else _scrub_value(value, pattern)


def _scrub_value(value: Any, pattern: re.Pattern[str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(REDACTED, value)
    if isinstance(value, dict):
        return {
            pattern.sub(REDACTED, str(key)): _scrub_value(item, pattern)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub_value(item, pattern) for item in value]
    return value
