"""Every request body read once, under one size limit, however it is framed.

Werkzeug enforces ``MAX_CONTENT_LENGTH`` on a declared ``Content-Length``, but a chunked
body (no length declared) is silently cut at the limit, so an oversized chunked body could
be answered 200. So the dispatcher reads the body itself (:func:`capture_body`, or the
server's adapter on the event loop), up to one byte past the limit, before anything
answers: what arrived (:class:`BodyCapture`) goes to the Tasks API (whose ``read_body``
refuses a body over the limit, or one that could not be read, with a 400 in Gong's shape,
after authentication) and to the journal, so an oversized call is journaled too, its body
cut and marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import ClientDisconnected

from gong_tasks_kit.serving.bounds import parse_whole_number

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

_READ_SIZE = 64 * 1024
_MAX_DECLARED = 2**63 - 1


@dataclass(frozen=True, slots=True)
class BodyCapture:
    """What arrived of a request body.

    Attributes:
        data: The bytes received, at most one byte past the limit.
        size: The body's size in bytes: as received, or as declared when larger.
        too_large: Whether the body is over the limit.
        problem: Why the body could not be read (None when it could).
    """

    data: bytes
    size: int
    too_large: bool
    problem: str | None


def _read_limited(stream: Any, limit: int) -> bytes:
    """Read until the stream ends or ``limit`` bytes have arrived."""
    chunks: list[bytes] = []
    received = 0
    while received < limit:
        chunk = stream.read(min(_READ_SIZE, limit - received))
        if not chunk:
            break
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


def capture_body(environ: WSGIEnvironment, limit: int) -> BodyCapture:
    """Read the request body of ``environ`` up to ``limit + 1`` bytes.

    A body is read when its length is declared or the server says the stream ends by
    itself (``wsgi.input_terminated``, as for chunked bodies); otherwise there is none.
    """
    declared_text = environ.get("CONTENT_LENGTH") or ""
    declared: int | None = None
    if declared_text:
        declared = parse_whole_number(declared_text.strip(), high=_MAX_DECLARED)
        if declared is None:
            return BodyCapture(b"", 0, False, "Content-Length is not a whole number")
    if declared is None and not environ.get("wsgi.input_terminated"):
        return BodyCapture(b"", 0, False, None)
    wanted = limit + 1 if declared is None else min(declared, limit + 1)
    try:
        data = _read_limited(environ["wsgi.input"], wanted)
    except (OSError, ValueError, ClientDisconnected) as error:
        reason = getattr(error, "description", None) or str(error) or type(error).__name__
        return BodyCapture(b"", 0, False, f"the body could not be read ({reason})")
    size = max(len(data), declared or 0)
    if declared is not None and len(data) < declared and size <= limit:
        return BodyCapture(data, size, False, "the body ended before its Content-Length")
    return BodyCapture(data, size, size > limit, None)
