"""The request journal: what each call sent and what answered it, secrets redacted."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Request, Response

REDACTED = "[redacted]"
#: Set on ``flask.g`` by an admin call that changes the served data, so it is journaled
#: (other admin calls are not).
JOURNALED_ADMIN_CALL = "journaled_admin_call"
_SECRET_HEADERS = frozenset(
    {"authorization", "x-gong-mock-admin-token", "cookie", "proxy-authorization"}
)
_MAX_BODY_BYTES = 8 * 1024


def redact_headers(headers: Any) -> dict[str, str]:
    """Request headers with every credential replaced by ``[redacted]``."""
    return {
        name: REDACTED if name.lower() in _SECRET_HEADERS else value
        for name, value in headers.items()
    }


def _body(raw: bytes) -> Any:
    if len(raw) > _MAX_BODY_BYTES:
        return {"truncated": True, "bytes": len(raw)}
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError:
        return raw.decode("utf-8", errors="replace")


def _response_text(raw: bytes) -> str:
    # Raw text, cut: parsing every 60 KB answer again would cost the hot path.
    if len(raw) <= _MAX_BODY_BYTES:
        return raw.decode("utf-8", errors="replace")
    cut = raw[:_MAX_BODY_BYTES].decode("utf-8", errors="ignore")
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
    """One journal entry, JSON-ready.

    ``answeredBy`` says what produced the answer: ``mock`` (a normal answer), ``limiter``,
    ``plan``, ``chaos``, ``prefer``, ``auth``, ``validation``, ``strict``, ``crash``, or
    ``admin`` (an upload of tasks); the proxy adds ``target`` and ``proxy``.
    ``operation`` is the spec's operation id the call reached (``listTasks``,
    ``updateTask``), None for any other path.
    """
    now = time.time()
    return {
        "id": entry_id,
        "time": datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds"),
        "epoch": round(started, 6),
        "durationMs": round((now - started) * 1000, 3),
        "method": request.method,
        "path": request.path,
        "operation": operation,
        "session": session,
        "headers": redact_headers(request.headers),
        "body": _body(request.get_data(cache=True)),
        "status": response.status_code,
        "retryAfter": response.headers.get("Retry-After"),
        "responseHeaders": dict(response.headers),
        "responseBody": _response_text(response.get_data()),
        "answeredBy": answered_by,
        "worker": os.getpid(),
    }
