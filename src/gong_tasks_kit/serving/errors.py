"""Answers in Gong's shape: every answer a server of the kit sends (:class:`Answer`), and
``{requestId, errors}`` for every one that is not a 200 (:class:`ApiError`).

Framework-free: the dispatcher sends an :class:`Answer` as it is, and the Flask part of
an app turns one into a response (``flask_errors``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from gong_tasks_kit.serving.bounds import loggable, printable

logger = logging.getLogger("gong_tasks_kit.mock_server")
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
WWW_AUTHENTICATE = 'Basic realm="Gong.io API"'
#: What ``x-gong-service-version`` says (Gong's header names its own build).
SERVICE_VERSION = "gong-tasks-kit"
_BASE36 = b"0123456789abcdefghijklmnopqrstuvwxyz"
# Random bytes mapped onto base-36 digits in one C call (every request needs an id). The
# 256 byte values spread over 36 digits almost evenly: ample for an id.
_TO_BASE36 = bytes(_BASE36[value % 36] for value in range(256))


def new_request_id() -> str:
    """A fresh request id shaped like Gong's: 19 lowercase base-36 characters."""
    return os.urandom(19).translate(_TO_BASE36).decode("ascii")


def gong_headers() -> dict[str, str]:
    """The headers Gong sends on every answer (its two are undocumented but observed)."""
    return {
        "Content-Type": JSON_CONTENT_TYPE,
        "x-gong-service-version": SERVICE_VERSION,
        "x-traceid": os.urandom(16).hex(),
    }


@dataclass(frozen=True, slots=True)
class Answer:
    """One whole answer to a call.

    Attributes:
        status: The HTTP status code.
        headers: The header pairs, in order.
        body: The body.
        answered_by: What produced it, for the journal (``mock``, ``limiter``, ``plan``,
            ``target``, ...; see ``journal.ANSWERED_BY``).
        notes: More fields for the call's journal entry (the proxy's ``violations``).
    """

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    answered_by: str = "mock"
    notes: Mapping[str, Any] = field(default_factory=dict)


def json_answer(payload: bytes, *, answered_by: str = "mock", status: int = 200) -> Answer:
    """An answer carrying JSON bytes, with the headers Gong sends."""
    headers = [*gong_headers().items(), ("Content-Length", str(len(payload)))]
    return Answer(status, headers, payload, answered_by)


class ApiError(Exception):
    """An answer in Gong's error shape; raise it anywhere on the request path.

    Attributes:
        status: The HTTP status code (one the spec documents for the path, or 404/405).
        errors: The messages for the body's ``errors`` array (at least one).
        headers: Extra headers, e.g. ``Retry-After`` or ``WWW-Authenticate``.
        source: What produced the answer (``validation``, ``auth``, ``prefer``, ...),
            for the request journal.
    """

    def __init__(
        self,
        status: int,
        errors: Sequence[str],
        headers: Mapping[str, str] | None = None,
        source: str = "mock",
    ) -> None:
        if not errors:
            raise ValueError("an error answer needs at least one message")
        # A message may quote the caller's text, lone surrogates included: escaped, so
        # the answer is always valid UTF-8.
        messages = [message.encode("utf-8", "backslashreplace").decode() for message in errors]
        super().__init__(f"{status}: {'; '.join(messages)}")
        self.status = status
        self.errors = messages
        self.headers = dict(headers or {})
        self.source = source

    def to_answer(self) -> Answer:
        """The answer that carries this error, with a fresh ``requestId``."""
        body = orjson.dumps({"requestId": new_request_id(), "errors": self.errors})
        headers = {**gong_headers(), **self.headers, "Content-Length": str(len(body))}
        return Answer(self.status, list(headers.items()), body, self.source)


def unauthorized(message: str) -> ApiError:
    """401 with Gong's challenge header."""
    return ApiError(401, [message], {"WWW-Authenticate": WWW_AUTHENTICATE}, source="auth")


def bad_request(*messages: str) -> ApiError:
    """400 Malformed request."""
    return ApiError(400, messages, source="validation")


def unexpected_error(error: Exception, method: str, path: str) -> ApiError:
    """Gong's 500 for a bug met while serving ``method path``, which is logged (the
    client's text in it escaped)."""
    logger.error(
        "unexpected %s on %s %s: %s",
        type(error).__name__,
        method,
        loggable(path),
        printable(str(error)),
    )
    return ApiError(500, ["Internal server error occurred"], source="crash")
