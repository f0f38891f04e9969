"""Keeping callers' credentials out of everything the proxy writes.

The proxy forwards each caller's ``Authorization`` and never stores it; headers are
redacted in the journal like the mock's. What a target sends back is written too
(violations, the journal's body, the recording, the drift report), and a target could
echo a credential; so every text the proxy writes first has each fragment of every
credential it has seen, and of the proxy's own secrets, replaced by ``[redacted]`` (see
:mod:`gong_tasks_kit.serving.redaction`). The fragments live in memory only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from gong_tasks_kit.serving.redaction import (
    MIN_FRAGMENT,
    NO_REDACTION,
    Redactor,
    credential_fragments,
)

_REMEMBERED = 256  # credentials remembered for reports that gather many calls


class CredentialFilter:
    """The credentials seen so far (in memory only), and the scrubbing of texts and JSON
    values: every fragment of every credential seen is replaced, whoever's call the text
    came from (one caller's request may quote another caller's credential)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        """Start knowing only ``secrets``: the proxy's own (its admin token, the shared
        state's password), scrubbed from the start and never forgotten."""
        self._lock = threading.Lock()
        self._secrets = [secret for secret in secrets if len(secret) >= MIN_FRAGMENT]
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._redactor = Redactor(self._secrets) if self._secrets else NO_REDACTION

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
            self._redactor = Redactor([*self._secrets, *self._seen])

    def scrub_text(self, text: str) -> str:
        """``text`` without any credential fragment seen."""
        return self._redactor.text(text)

    def scrub(self, value: Any) -> Any:
        """A JSON value with every credential fragment seen replaced in every string,
        keys included."""
        return self._redactor.value(value)
