"""Every request body read once, under one size limit, however it is framed.

Werkzeug enforces ``MAX_CONTENT_LENGTH`` on a declared ``Content-Length``, but a chunked
body (no length declared) is silently cut at the limit, so an oversized chunked body could
be answered 200. This WSGI middleware reads the body itself, up to one byte past the
limit, before Flask sees the request: a body within the limit is handed on as it came; a
larger one, or one that could not be read, is handed on as a stream that raises when the
app reads it (a 400 in Gong's shape, after authentication as before). The first bytes are
kept in the environ for the request journal, with the size received, so an oversized call
is journaled too, its body cut and marked.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge

from gong_tasks_kit.mock_server.bounds import parse_whole_number

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CAPTURE_KEY = "gong_mock.body"
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


class _RefusingStream(io.RawIOBase):
    """A request body the app must not read: reading raises the HTTP error that says why."""

    def __init__(self, error: Exception) -> None:
        self._error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise self._error


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


#: The most bytes a request may send, by method and path.
BodyLimit = Callable[[str, str], int]


class BoundedBody:
    """WSGI middleware: read each body under the limit before the app runs (see module)."""

    def __init__(self, app: WSGIApplication, limit: BodyLimit) -> None:
        """Wrap ``app``, allowing bodies of at most ``limit(method, path)`` bytes."""
        self._app = app
        self._limit = limit

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Read the body, hand it on (or a stream that refuses it), call the app."""
        limit = self._limit(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        capture = capture_body(environ, limit)
        environ[CAPTURE_KEY] = capture
        if capture.problem is not None:
            stream: Any = _RefusingStream(BadRequest(f"Request body: {capture.problem}"))
        elif capture.too_large:
            stream = _RefusingStream(RequestEntityTooLarge())
        else:
            stream = io.BytesIO(capture.data)
            # Read whole: the app may read to the end whatever the framing was.
            environ["wsgi.input_terminated"] = True
        environ["wsgi.input"] = stream
        return self._app(environ, start_response)
