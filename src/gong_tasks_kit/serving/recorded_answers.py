"""The target's answers as a recording keeps them (``gong-tasks proxy --record FILE``
writes them next to the tasks; ``gong-tasks serve --replay FILE`` answers them again):
each operation's answers in the order they came, with status, ``Retry-After``, error body
and time since the previous call. One format, read and checked here, for both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from gong_tasks_kit.serving.bounds import cut, is_json_integer
from gong_tasks_kit.spec.operations import operation_ids

__all__ = ["ANSWERS_KEY", "MAX_ANSWERS", "RecordedAnswer", "parse_answers"]

#: The key of a recording that holds the target's answers per operation.
ANSWERS_KEY = "answers"
#: The most answers kept (and replayed) per operation.
MAX_ANSWERS = 10_000
_ANSWER_FIELDS = frozenset({"call", "status", "retryAfter", "body", "afterSeconds"})
_MAX_ERRORS = 20
_MAX_ERROR_CHARS = 2_000
_MAX_HEADER_CHARS = 40


@dataclass(frozen=True, slots=True)
class RecordedAnswer:
    """One answer of the target, as the replay gives it again.

    Attributes:
        status: Its status code.
        retry_after: Its ``Retry-After`` header as sent, or None.
        errors: The ``errors`` of its body (an error answer), else empty.
    """

    status: int
    retry_after: str | None
    errors: tuple[str, ...]


def _errors(status: int, body: Any) -> tuple[str, ...]:
    """The ``errors`` to answer again: those of a body in Gong's shape, else its text."""
    if status < 400:
        return ()
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        found = body["errors"][:_MAX_ERRORS]
        if all(isinstance(message, str) for message in found):
            return tuple(cut(message, _MAX_ERROR_CHARS) for message in found)
    if isinstance(body, str) and body:
        return (cut(body, _MAX_ERROR_CHARS),)
    if body not in (None, "", {}):
        return (cut(orjson.dumps(body).decode(), _MAX_ERROR_CHARS),)
    return (f"(the recorded {status} answer had no body)",)


def _retry_after(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if is_json_integer(value) and value >= 0:
        return str(value)
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= _MAX_HEADER_CHARS
        or not value.isascii()
        or not value.isprintable()
    ):
        raise ValueError(
            f"{where}.retryAfter: must be the header's text (at most {_MAX_HEADER_CHARS} "
            f"printable ASCII characters), got {cut(repr(value))}"
        )
    return value


def _answer(entry: Any, where: str) -> RecordedAnswer:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: must be an object with a status")
    unknown = sorted(set(entry) - _ANSWER_FIELDS)
    if unknown:
        known = ", ".join(sorted(_ANSWER_FIELDS))
        raise ValueError(f"{where}: unknown field {cut(unknown[0])!r} (known: {known})")
    status: Any = entry.get("status")
    if not is_json_integer(status) or not 100 <= status <= 599:
        shown = cut(repr(status))
        raise ValueError(f"{where}.status: must be an integer from 100 to 599, got {shown}")
    code = int(status)
    return RecordedAnswer(
        code, _retry_after(entry.get("retryAfter"), where), _errors(code, entry.get("body"))
    )


def parse_answers(document: Any) -> dict[str, tuple[RecordedAnswer, ...]]:
    """The answers of a recording, per operation id.

    Raises:
        ValueError: naming the first bad entry (``answers.listTasks[2].status: ...``).
    """
    answers = document.get(ANSWERS_KEY) if isinstance(document, dict) else None
    if not isinstance(answers, dict):
        raise ValueError(
            f"holds no '{ANSWERS_KEY}': record the incident with gong-tasks proxy --record FILE"
        )
    parsed: dict[str, tuple[RecordedAnswer, ...]] = {}
    for operation_id, entries in answers.items():
        where = f"{ANSWERS_KEY}.{cut(str(operation_id))}"
        if operation_id not in operation_ids():
            raise ValueError(f"{where}: not an operation ({', '.join(operation_ids())})")
        if not isinstance(entries, list) or len(entries) > MAX_ANSWERS:
            raise ValueError(f"{where}: must be a list of at most {MAX_ANSWERS} answers")
        parsed[operation_id] = tuple(
            _answer(entry, f"{where}[{index}]") for index, entry in enumerate(entries)
        )
    return parsed
