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

import orjson

from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.store_sources import DataFileError, StoreSource, document_source
from gong_tasks_kit.serving.errors import WWW_AUTHENTICATE, ApiError
from gong_tasks_kit.serving.recorded_answers import (
    ANSWERS_KEY,
    MAX_ANSWERS,
    RecordedAnswer,
    parse_answers,
)
from gong_tasks_kit.serving.state import SharedState
from gong_tasks_kit.serving.task_documents import TaskDocumentError, parse_task_document
from gong_tasks_kit.spec.file_reading import FileReadError, read_at_most

#: The largest recording read (tasks included).
MAX_RECORDING_BYTES = 512 * 1024 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"


class ReplayFileError(DataFileError):
    """A ``--replay`` file the mock cannot replay; the one-line message names the file and
    the entry."""


#: The replays this process loaded, by path (filled at start-up by :func:`replay_source`).
_LOADED: dict[str, dict[str, tuple[RecordedAnswer, ...]]] = {}

__all__ = [
    "ANSWERS_KEY",
    "MAX_ANSWERS",
    "RecordedAnswer",
    "ReplayFileError",
    "load_replay",
    "replay_banner_lines",
    "replay_source",
    "replayed_answer",
]


def _read(path: str) -> bytes:
    try:
        raw = read_at_most(path, MAX_RECORDING_BYTES)
    except FileReadError as error:
        raise ReplayFileError(f"--replay {path}: {error}") from None
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


def replay_source(settings: MockSettings) -> StoreSource | None:
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
    except TaskDocumentError as error:
        raise ReplayFileError(f"--replay {settings.replay}: {error}") from None
    if not document.tasks:
        return None
    return document_source(document, f"recording {settings.replay}", settings.crm_type)


def replayed_answer(path: str, state: SharedState, operation_id: str) -> ApiError | None:
    """The replay's step on the request path: this call of ``operation_id`` answered as
    the recording at ``path`` answered it, if with an error (None: a success, answered
    from the data, or the recording's answers are used up).

    The position lives in ``state``, so every worker shares it and a reset starts again.
    """
    answers = (_LOADED.get(path) or load_replay(path)).get(operation_id)
    if not answers:
        return None
    index = state.next_count(f"replay:{operation_id}") - 1
    if index >= len(answers) or answers[index].status < 400:
        return None
    answer = answers[index]
    headers: dict[str, str] = {}
    if answer.retry_after is not None:
        headers["Retry-After"] = answer.retry_after
    if answer.status == 401:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE  # Gong's challenge; not recorded
    return ApiError(answer.status, answer.errors, headers, source="replay")


def replay_banner_lines(settings: MockSettings) -> list[str]:
    """The banner's line about the replay (none when there is no replay)."""
    if not settings.replay:
        return []
    answers = _LOADED.get(settings.replay) or load_replay(settings.replay)
    counts = ", ".join(f"{len(found)} {op}" for op, found in answers.items()) or "none"
    return [f"  replay: {settings.replay}: answers {counts}; then normal answers"]
