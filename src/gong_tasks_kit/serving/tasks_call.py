"""One call of the Tasks API as the dispatcher hands it to the admission pipeline and to
what answers it: its operation, its headers (read straight from the WSGI ``environ``),
and what arrived of its body."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from werkzeug.http import parse_options_header

from gong_tasks_kit.serving.bodies import BodyCapture
from gong_tasks_kit.serving.errors import ApiError

__all__ = ["TasksCall"]

_BODY_KEYS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


@functools.cache
def _environ_key(name: str) -> str:
    """The ``environ`` key of a header, ``HTTP_X_GONG_MOCK_SESSION`` (PEP 3333)."""
    upper = name.upper().replace("-", "_")
    return upper if upper in _BODY_KEYS else f"HTTP_{upper}"


def _header_name(key: str) -> str:
    return _BODY_KEYS.get(key) or key.removeprefix("HTTP_").replace("_", "-").title()


@dataclass(frozen=True, slots=True)
class TasksCall:
    """One call of an operation of the Tasks API.

    Attributes:
        operation_id: ``listTasks`` or ``updateTask``.
        task_id: The path's task id as sent (``updateTask`` only).
        method: The request's method.
        path: The request's path, decoded.
        environ: The WSGI ``environ`` (its headers are the call's).
        body: What arrived of the body, read under ``body_limit`` bytes.
        body_limit: The most bytes the body may hold.
    """

    operation_id: str
    task_id: str | None
    method: str
    path: str
    environ: dict[str, Any]
    body: BodyCapture
    body_limit: int

    def header(self, name: str) -> str | None:
        """A request header's value (None when absent)."""
        value = self.environ.get(_environ_key(name))
        return None if value is None else str(value)

    def headers(self) -> Iterator[tuple[str, str]]:
        """Every request header, as ``(name, value)``."""
        for key, value in self.environ.items():
            if key.startswith("HTTP_") or (key in _BODY_KEYS and value):
                yield _header_name(key), str(value)

    @property
    def query(self) -> str:
        """The query string as sent (the Tasks API has none; the proxy forwards it)."""
        return str(self.environ.get("QUERY_STRING", ""))

    @property
    def mimetype(self) -> str:
        """The request's media type, without parameters, lower-case."""
        return parse_options_header(self.environ.get("CONTENT_TYPE", ""))[0].lower()

    def read_body(self) -> bytes:
        """The whole body (read only once the call is admitted, so a body that could not
        be read is refused after authentication).

        Raises:
            ApiError: 400 for a body over the limit, or one that did not fully arrive.
        """
        body = self.body
        if body.problem is not None:
            raise ApiError(400, [f"Request body: {body.problem}"], source="validation")
        if body.too_large:
            raise ApiError(
                400,
                [f"Request body is larger than the {self.body_limit}-byte limit"],
                source="validation",
            )
        return body.data
