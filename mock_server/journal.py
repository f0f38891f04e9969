"""The request journal: what each call sent and what answered it, secrets redacted.

Entries are stored as plain JSON values that always serialise: header values and the
body are kept as text (cut at a bound, and marked when cut), never as the parsed body, so
no input (a body nested 300 levels deep, say) can make the journal unreadable. The body
is parsed only when the journal is read (:func:`presented`), and only when it is whole,
valid JSON of bounded depth; otherwise the text is shown.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Request, Response
from gong_tasks_kit.mock_server.bodies import CAPTURE_KEY, BodyCapture
from gong_tasks_kit.mock_server.bounds import json_depth_exceeds

REDACTED = "[redacted]"
#: Set on ``flask.g`` by an admin call that changes the served data, so it is journaled
#: (other admin calls are not).
JOURNALED_ADMIN_CALL = "journaled_admin_call"
_SECRET_HEADERS = frozenset(
    {"authorization", "x-gong-mock-admin-token", "cookie", "proxy-authorization"}
)
MAX_BODY_BYTES = 8 * 1024
MAX_TEXT_CHARS = 2048
MAX_BODY_DEPTH = 64


def _text(value: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``value`` cut at ``limit`` characters (marked), and safe for any JSON encoder."""
    if len(value) <= limit and value.isascii():
        return value
    if len(value) > limit:
        value = f"{value[:limit]}… [cut: {len(value)} characters]"
    if not value.isascii():
        value = value.encode("utf-8", "replace").decode("utf-8")  # no lone surrogates
    return value


def redact_headers(headers: Any) -> dict[str, str]:
    """Request headers with every credential replaced by ``[redacted]``, values cut."""
    return {
        _text(name): REDACTED if name.lower() in _SECRET_HEADERS else _text(value)
        for name, value in headers.items()
    }


def _environ_headers(environ: dict[str, Any]) -> dict[str, str]:
    """:func:`redact_headers` of a WSGI ``environ``'s headers, read straight from it
    (werkzeug's header view walks the ``environ`` once per lookup: a tenth of a call)."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if not value:
                continue
            name = key
        else:
            continue
        name = name.replace("_", "-").title()
        secret = name.lower() in _SECRET_HEADERS
        headers[_text(name)] = REDACTED if secret else _text(value)
    return headers


def _body_fields(request: Request) -> dict[str, Any]:
    capture = request.environ.get(CAPTURE_KEY)
    if not isinstance(capture, BodyCapture):  # wsgi_app replaced without the body reader
        data = request.get_data(cache=True)
        capture = BodyCapture(data, len(data), False, None)
    kept = capture.data[:MAX_BODY_BYTES]
    fields: dict[str, Any] = {
        "body": kept.decode("utf-8", "replace") if capture.size else None,
        "bodyBytes": capture.size,
        "bodyTruncated": capture.size > len(kept),
    }
    if capture.problem is not None:
        fields["bodyProblem"] = capture.problem
    return fields


def _response_text(raw: bytes) -> str:
    # Raw text, cut: parsing every 60 KB answer again would cost the hot path.
    if len(raw) <= MAX_BODY_BYTES:
        return raw.decode("utf-8", errors="replace")
    cut = raw[:MAX_BODY_BYTES].decode("utf-8", errors="ignore")
    return f"{cut}… [cut: {len(raw)} bytes in all]"


def journal_entry(
    request: Request,
    response: Response,
    *,
    entry_id: int,
    session: str | None,
    answered_by: str,
    started: float,
    operation: str | None = None,
) -> dict[str, Any]:
    """One journal entry, in the form it is stored (see :func:`presented` for reading).

    ``answeredBy`` says what produced the answer: ``mock`` (a normal answer), ``limiter``,
    ``plan``, ``chaos``, ``prefer``, ``auth``, ``validation``, ``routing``, ``strict``,
    ``crash``, or ``admin`` (an upload of tasks); the proxy adds ``target`` and ``proxy``.
    ``operation`` is the spec's operation id the call reached (``listTasks``,
    ``updateTask``), None for any other path.
    """
    now = time.time()
    return {
        "id": entry_id,
        "time": datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds"),
        "epoch": round(started, 6),
        "durationMs": round((now - started) * 1000, 3),
        "method": _text(request.method),
        "path": _text(request.path),
        "operation": operation,
        "session": None if session is None else _text(session),
        "headers": _environ_headers(request.environ),
        **_body_fields(request),
        "status": response.status_code,
        "retryAfter": response.headers.get("Retry-After"),
        "responseHeaders": dict(response.headers),
        "responseBody": _response_text(response.get_data()),
        "answeredBy": answered_by,
        "worker": os.getpid(),
    }


def presented(entry: dict[str, Any]) -> dict[str, Any]:
    """A stored entry as the admin API shows it: a whole JSON body parsed, else its text."""
    text = entry.get("body")
    if not isinstance(text, str) or entry.get("bodyTruncated") or "bodyProblem" in entry:
        return entry
    try:
        parsed = orjson.loads(text)
    except orjson.JSONDecodeError:
        return entry
    if json_depth_exceeds(parsed, MAX_BODY_DEPTH):
        return entry
    return {**entry, "body": parsed}
