"""The target's answers per operation, in the order they came: what ``--record`` keeps next
to the tasks so that ``gong-tasks serve --replay FILE`` can answer a recorded incident
again (a 429 storm, a burst of 500s), call by call.

Each answer is kept as ``{"call", "status", "retryAfter", "body", "afterSeconds"}``:
``call`` counts the exchanges with the target from 1 (the operations interleaved),
``afterSeconds`` is the time since the previous exchange began, ``body`` only for an
error (its first :data:`MAX_ERROR_BODY_BYTES`, parsed when it is whole JSON). Each
operation keeps at most :data:`~gong_tasks_kit.mock_server.replay.MAX_ANSWERS`; later ones
are counted, not kept. Credentials a target might echo are removed.
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from gong_tasks_kit.proxy.credentials import CredentialFilter
from gong_tasks_kit.proxy.forward import TargetReply
from gong_tasks_kit.serving.bounds import json_depth_exceeds
from gong_tasks_kit.serving.json_input import MAX_JSON_DEPTH
from gong_tasks_kit.serving.recorded_answers import MAX_ANSWERS

__all__ = ["MAX_ERROR_BODY_BYTES", "AnswerLog"]

#: The most bytes of an error answer's body kept.
MAX_ERROR_BODY_BYTES = 4 * 1024
_MAX_RETRY_AFTER_CHARS = 40


def _kept_body(body: bytes) -> Any:
    """An error body as kept: parsed when it is whole, bounded JSON; else its first bytes
    as text."""
    if len(body) <= MAX_ERROR_BODY_BYTES:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        else:
            if not json_depth_exceeds(parsed, MAX_JSON_DEPTH):
                return parsed
    text = body[:MAX_ERROR_BODY_BYTES].decode("utf-8", "replace")
    return text if len(body) <= MAX_ERROR_BODY_BYTES else f"{text}… [cut: {len(body)} bytes]"


def _retry_after(reply: TargetReply) -> str | None:
    value = reply.header("Retry-After")
    if value is None:
        return None
    value = value.strip()
    if not value.isascii() or not value.isprintable() or not value:
        return None
    return value[:_MAX_RETRY_AFTER_CHARS]


class AnswerLog:
    """The target's answers per operation, thread-safe and bounded."""

    def __init__(self, credentials: CredentialFilter, limit: int = MAX_ANSWERS) -> None:
        """Start empty.

        Args:
            credentials: Removes the credentials seen from the kept bodies.
            limit: The most answers kept per operation.
        """
        self._credentials = credentials
        self._limit = limit
        self._lock = threading.Lock()
        self._answers: dict[str, list[dict[str, Any]]] = {}
        self._calls = 0
        self._last_start: float | None = None
        self.left_out = 0

    def observe(self, operation_id: str, reply: TargetReply, started: float) -> None:
        """Keep one answer of the target.

        Args:
            operation_id: The operation called (``listTasks``, ``updateTask``).
            reply: The target's answer.
            started: When the exchange began (``time.time()``).
        """
        entry: dict[str, Any] = {"status": reply.status}
        retry_after = _retry_after(reply)
        if retry_after is not None:
            entry["retryAfter"] = retry_after
        if reply.status >= 400:
            entry["body"] = self._credentials.scrub(_kept_body(reply.body))
        with self._lock:
            self._calls += 1
            last = self._last_start
            since = 0.0 if last is None else max(0.0, started - last)
            self._last_start = started if last is None else max(last, started)
            kept = self._answers.setdefault(operation_id, [])
            if len(kept) >= self._limit:
                self.left_out += 1
                return
            kept.append({"call": self._calls, **entry, "afterSeconds": round(since, 3)})

    def to_json_value(self) -> dict[str, list[dict[str, Any]]]:
        """The answers kept so far, per operation (a copy)."""
        with self._lock:
            return {operation: list(answers) for operation, answers in self._answers.items()}
