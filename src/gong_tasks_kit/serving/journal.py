"""The request journal: what each call sent and what answered it, secrets redacted.

The request path captures a call (:func:`capture_exchange`: the header pairs with
credentials already replaced, the first bytes of each body) and the entry is formatted
when the journal is read, so calls nobody looks at cost little. Entries are plain JSON
values that always serialise: header values and the
body are kept as text (cut at a bound, and marked when cut), never as the parsed body, so
no input (a body nested 300 levels deep, say) can make the journal unreadable. The body
is parsed only when the journal is read (:func:`presented`), and only when it is whole,
valid JSON of bounded depth; otherwise the text is shown.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from gong_tasks_kit.serving.bodies import BodyCapture
from gong_tasks_kit.serving.bounds import json_depth_exceeds
from gong_tasks_kit.serving.json_input import MAX_JSON_DEPTH

REDACTED = "[redacted]"
_SECRET_HEADERS = frozenset(
    {"authorization", "x-gong-mock-admin-token", "cookie", "proxy-authorization"}
)
#: What can answer a call (an entry's ``answeredBy``; see :func:`capture_exchange`).
ANSWERED_BY = (
    "mock",
    "limiter",
    "plan",
    "chaos",
    "replay",
    "prefer",
    "auth",
    "validation",
    "routing",
    "strict",
    "crash",
    "admin",
    "target",
    "proxy",
)
MAX_BODY_BYTES = 8 * 1024
MAX_TEXT_CHARS = 2048


def _text(value: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``value`` cut at ``limit`` characters (marked), and safe for any JSON encoder."""
    if len(value) <= limit and value.isascii():
        return value
    if len(value) > limit:
        value = f"{value[:limit]}… [cut: {len(value)} characters]"
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates
    return value


_SECRET_ENVIRON_KEYS = frozenset(
    "HTTP_" + name.upper().replace("-", "_") for name in _SECRET_HEADERS
)
_BODY_ENVIRON_KEYS = ("CONTENT_TYPE", "CONTENT_LENGTH")


def _environ_header_pairs(environ: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A WSGI ``environ``'s header pairs as they are, credentials already replaced (read
    straight from it: werkzeug's header view walks the ``environ`` once per lookup)."""
    return tuple(
        (key, REDACTED if key in _SECRET_ENVIRON_KEYS else value)
        for key, value in environ.items()
        if key.startswith("HTTP_") or (key in _BODY_ENVIRON_KEYS and value)
    )


def _named_headers(pairs: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """Header pairs of an ``environ`` under their HTTP names, values cut."""
    return {
        _text(key.removeprefix("HTTP_").replace("_", "-").title()): _text(value)
        for key, value in pairs
    }


def _body_fields(capture: BodyCapture) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "body": capture.data.decode("utf-8", "replace") if capture.size else None,
        "bodyBytes": capture.size,
        "bodyTruncated": capture.size > len(capture.data),
    }
    if capture.problem is not None:
        fields["bodyProblem"] = capture.problem
    return fields


def _response_text(kept: bytes, size: int) -> str:
    if size <= len(kept):
        return kept.decode("utf-8", errors="replace")
    return f"{kept.decode('utf-8', errors='ignore')}… [cut: {size} bytes in all]"


@dataclass(frozen=True, slots=True)
class CapturedCall:
    """One call as the request path captured it: only copies of what it must keep (the
    header pairs, the first bytes of each body), formatted into a journal entry when the
    journal is read, so the hot path does not pay for entries nobody reads. Calling it
    gives the entry."""

    entry_id: int
    started: float
    finished: float
    method: str
    path: str
    operation: str | None
    session: str | None
    header_pairs: tuple[tuple[str, str], ...]
    body: BodyCapture
    status: int
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    response_bytes: int
    answered_by: str
    worker: int

    def __call__(self) -> dict[str, Any]:
        """The journal entry."""
        response_headers = dict(self.response_headers)
        return {
            "id": self.entry_id,
            "time": datetime.fromtimestamp(self.started, UTC).isoformat(timespec="milliseconds"),
            "epoch": round(self.started, 6),
            "durationMs": round((self.finished - self.started) * 1000, 3),
            "method": _text(self.method),
            "path": _text(self.path),
            "operation": self.operation,
            "session": None if self.session is None else _text(self.session),
            "headers": _named_headers(self.header_pairs),
            **_body_fields(self.body),
            "status": self.status,
            "retryAfter": response_headers.get("Retry-After"),
            "responseHeaders": response_headers,
            "responseBody": _response_text(self.response_body, self.response_bytes),
            "answeredBy": self.answered_by,
            "worker": self.worker,
        }


#: What a state backend keeps per call: an entry, or a captured call that makes one.
JournalEntry = dict[str, Any] | Callable[[], dict[str, Any]]


def materialized(entry: JournalEntry) -> dict[str, Any]:
    """The entry itself (a captured call is formatted now)."""
    return entry() if callable(entry) else entry


def capture_exchange(
    environ: dict[str, Any],
    body: BodyCapture,
    *,
    method: str,
    path: str,
    status: int,
    response_headers: tuple[tuple[str, str], ...],
    answer: bytes,
    entry_id: int,
    session: str | None,
    answered_by: str,
    started: float,
    operation: str | None = None,
) -> CapturedCall:
    """Capture a call for the journal from its WSGI ``environ`` (its headers), what arrived
    of its ``body`` and its answer: whatever served it (Flask, or the server's direct
    path), the entry is the same.

    ``answeredBy`` says what produced the answer: ``mock`` (a normal answer), ``limiter``,
    ``plan``, ``chaos``, ``replay``, ``prefer``, ``auth``, ``validation``, ``routing``,
    ``strict``, ``crash``, or ``admin`` (an upload of tasks); the proxy adds ``target``
    and ``proxy``.
    ``operation`` is the spec's operation id the call reached (``listTasks``,
    ``updateTask``), None for any other path.
    """
    if len(body.data) > MAX_BODY_BYTES:
        body = dataclasses.replace(body, data=body.data[:MAX_BODY_BYTES])
    return CapturedCall(
        entry_id=entry_id,
        started=started,
        finished=time.time(),
        method=method,
        path=path,
        operation=operation,
        session=session,
        header_pairs=_environ_header_pairs(environ),
        body=body,
        status=status,
        response_headers=response_headers,
        response_body=answer[:MAX_BODY_BYTES],
        response_bytes=len(answer),
        answered_by=answered_by,
        worker=os.getpid(),  # at the call: workers fork after this module is imported
    )


def presented(entry: dict[str, Any]) -> dict[str, Any]:
    """A stored entry as the admin API shows it: a whole JSON body parsed, else its text."""
    text = entry.get("body")
    if not isinstance(text, str) or entry.get("bodyTruncated") or "bodyProblem" in entry:
        return entry
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return entry
    if json_depth_exceeds(parsed, MAX_JSON_DEPTH):
        return entry
    return {**entry, "body": parsed}
