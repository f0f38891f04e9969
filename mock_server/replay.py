"""``serve --replay FILE``: answer a recorded incident again, call by call.

A recording of ``gong-tasks proxy --record FILE`` holds, next to its tasks, the target's
answers per operation in the order they came (``answers``: each one's status,
``Retry-After``, error body and time since the previous call). The mock replaying it
serves the recording's tasks (unless ``--data`` names others, or it holds none: then the
usual data) and answers the N-th call of each operation with the recording's N-th answer
of that operation: an error exactly as recorded (its status, ``Retry-After`` and
``errors``, with a fresh ``requestId``), a success from the data. Once an operation's
answers are used up, its calls are answered normally.

The position is a counter in the mock's state, so every worker shares it and
``/__admin/reset`` starts the replay again. The step comes after the QA controls (a call
answered by ``Prefer``, a plan step or chaos does not use up a recorded answer) and
before the body is read: the journal shows ``answeredBy: replay``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from gong_tasks_kit.mock_server.bounds import cut, is_json_integer
from gong_tasks_kit.mock_server.errors import WWW_AUTHENTICATE, ApiError
from gong_tasks_kit.mock_server.runtime import Controls
from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.task_data import TaskDataError, parse_task_document
from gong_tasks_kit.mock_server.task_source import DataFileError, TaskSource, document_source
from gong_tasks_kit.spec.operations import operation_ids

__all__ = [
    "ANSWERS_KEY",
    "MAX_ANSWERS",
    "RecordedAnswer",
    "ReplayFileError",
    "load_replay",
    "replay_banner_lines",
    "replay_source",
    "replay_step",
]

#: The key of a recording that holds the target's answers per operation.
ANSWERS_KEY = "answers"
#: The most answers kept (and replayed) per operation.
MAX_ANSWERS = 10_000
#: The largest recording read (tasks included).
MAX_RECORDING_BYTES = 512 * 1024 * 1024
_ANSWER_FIELDS = frozenset({"call", "status", "retryAfter", "body", "afterSeconds"})
_MAX_ERRORS = 20
_MAX_ERROR_CHARS = 2_000
_MAX_HEADER_CHARS = 40
_UTF8_BOM = b"\xef\xbb\xbf"


class ReplayFileError(DataFileError):
    """A ``--replay`` file the mock cannot replay; the one-line message names the file and
    the entry."""


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


#: The replays this process loaded, by path (filled at start-up by :func:`replay_source`).
_LOADED: dict[str, dict[str, tuple[RecordedAnswer, ...]]] = {}


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


def _read(path: str) -> bytes:
    try:
        with Path(path).open("rb") as file:
            raw = file.read(MAX_RECORDING_BYTES + 1)
    except OSError as error:
        raise ReplayFileError(f"--replay {path}: cannot read it: {error.strerror}") from None
    if len(raw) > MAX_RECORDING_BYTES:
        raise ReplayFileError(f"--replay {path}: larger than {MAX_RECORDING_BYTES} bytes")
    return raw.removeprefix(_UTF8_BOM)


def load_replay(path: str) -> dict[str, tuple[RecordedAnswer, ...]]:
    """Read a recording's answers (and keep them for this process's calls).

    Raises:
        ReplayFileError: naming the file and the first bad entry.
    """
    raw = _read(path)
    try:
        answers = parse_answers(orjson.loads(raw))
    except orjson.JSONDecodeError as error:
        raise ReplayFileError(f"--replay {path}: not valid JSON: {error}") from None
    except ValueError as error:
        raise ReplayFileError(f"--replay {path}: {error}") from None
    _LOADED[path] = answers
    return answers


def replay_source(settings: MockSettings) -> TaskSource | None:
    """Load the ``replay`` recording; the source of its tasks when they are to be served
    (no ``data`` file given, and the recording holds tasks), else None.

    Raises:
        ReplayFileError: when the recording cannot be replayed (its answers or its tasks).
    """
    load_replay(settings.replay)
    if settings.data:
        return None
    try:
        document = parse_task_document(_read(settings.replay))
    except TaskDataError as error:
        raise ReplayFileError(f"--replay {settings.replay}: {error}") from None
    if not document.tasks:
        return None
    return document_source(document, f"recording {settings.replay}", settings.crm_type)


def replay_step(current: Controls, operation_id: str) -> None:
    """The replay's step on the request path: answer this call of ``operation_id`` as
    recorded, if the recording holds an error for it (a success passes on to the data).

    Raises:
        ApiError: the recorded error answer (``answeredBy: replay``).
    """
    path = current.settings.replay
    if not path:
        return
    answers = (_LOADED.get(path) or load_replay(path)).get(operation_id)
    if not answers:
        return
    index = current.state.next_count(f"replay:{operation_id}") - 1
    if index >= len(answers) or answers[index].status < 400:
        return
    answer = answers[index]
    headers: dict[str, str] = {}
    if answer.retry_after is not None:
        headers["Retry-After"] = answer.retry_after
    if answer.status == 401:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE  # Gong's challenge; not recorded
    raise ApiError(answer.status, answer.errors, headers, source="replay")


def replay_banner_lines(settings: MockSettings) -> list[str]:
    """The banner's line about the replay (none when there is no replay)."""
    if not settings.replay:
        return []
    answers = _LOADED.get(settings.replay) or load_replay(settings.replay)
    counts = ", ".join(f"{len(found)} {op}" for op, found in answers.items()) or "none"
    return [f"  replay: {settings.replay}: answers {counts}; then normal answers"]
