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


def _scrub(text: str, fragments: set[str]) -> str:
    for fragment in sorted(fragments, key=len, reverse=True):  # longest first
        text = text.replace(fragment, REDACTED)
    return text


class CredentialFilter:
    """The credentials seen so far (in memory only), and the scrubbing of texts and JSON
    values."""

    def __init__(self) -> None:
        """Start knowing none."""
        self._lock = threading.Lock()
        self._seen: OrderedDict[str, None] = OrderedDict()

    def remember(self, authorization: str | None) -> set[str]:
        """Remember a caller's credential; return its fragments."""
        fragments = credential_fragments(authorization)
        with self._lock:
            for fragment in fragments:
                self._seen[fragment] = None
                self._seen.move_to_end(fragment)
            while len(self._seen) > _REMEMBERED:
                self._seen.popitem(last=False)
        return fragments

    def _all(self) -> set[str]:
        with self._lock:
            return set(self._seen)

    def scrub_text(self, text: str, fragments: set[str] | None = None) -> str:
        """``text`` without the given credential fragments (default: all seen)."""
        return _scrub(text, self._all() if fragments is None else fragments)

    def scrub(self, value: Any, fragments: set[str] | None = None) -> Any:
        """A JSON value with the given credential fragments (default: all seen) replaced
        in every string, keys included."""
        chosen = self._all() if fragments is None else fragments
        return _scrub_value(value, chosen) if chosen else value


def _scrub_value(value: Any, fragments: set[str]) -> Any:
    if isinstance(value, str):
        return _scrub(value, fragments)
    if isinstance(value, dict):
        return {
            _scrub(str(key), fragments): _scrub_value(item, fragments)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub_value(item, fragments) for item in value]
    return value
