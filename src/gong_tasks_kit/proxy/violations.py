"""How an exchange with the target departs from the spec: the caller's request and the
target's answer, each judged by the reference validator for the operation called.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice

from gong_tasks_kit.proxy.forward import TargetReply
from gong_tasks_kit.serving.bounds import cut
from gong_tasks_kit.serving.errors import ApiError
from gong_tasks_kit.serving.json_input import MAX_JSON_DEPTH, nested_too_deep
from gong_tasks_kit.serving.task_ids import parse_task_id
from gong_tasks_kit.spec.reference import (
    Violation,
    iter_request_violations,
    iter_response_violations,
)

MAX_PER_EXCHANGE = 20  # enough to see the pattern; a journal entry stays small
#: The longest message kept: the validator quotes the value it refuses, and a hostile
#: answer's value may be its whole body (megabytes), bound for the journal, the log and
#: the drift report.
MAX_MESSAGE = 300
_WHOLE = frozenset({"request", "response", "body"})  # locations that name no field
_INDEX = re.compile(r"\[\d+\]")


@dataclass(frozen=True, slots=True)
class ExchangeViolation:
    """One way a request or an answer breaks the spec.

    Attributes:
        side: ``request`` or ``response``.
        location: The field as a dotted path (``tasks[0].created``), ``taskId``, or what
            the validator names for the whole message.
        message: What is wrong, in the reference validator's words.
    """

    side: str
    location: str
    message: str

    def __str__(self) -> str:
        if self.location in _WHOLE:
            return f"{self.side}: {self.message}"
        return f"{self.side} {self.location}: {self.message}"

    @property
    def kind(self) -> str:
        """The field without array indexes (``response tasks[].created``), to count alike
        violations together."""
        return f"{self.side} {_INDEX.sub('[]', self.location)}"


def _too_deep(side: str) -> list[ExchangeViolation]:
    """A body nested deeper than any of Gong's: said so, not handed to a validator that
    would exhaust the stack on it (counted on the text: for requests, which are small)."""
    message = f"the body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep"
    return [ExchangeViolation(side, "body", message)]


def _side(side: str, found: Iterable[Violation]) -> list[ExchangeViolation]:
    kept = islice(found, MAX_PER_EXCHANGE)
    return [
        ExchangeViolation(side, cut(v.location, 100), cut(v.message, MAX_MESSAGE)) for v in kept
    ]


def request_violations(
    operation_id: str, task_id: str | None, body: bytes, content_type: str
) -> list[ExchangeViolation]:
    """What is wrong with a caller's request (path ``taskId`` and body)."""
    found: list[ExchangeViolation] = []
    if task_id is not None:
        try:
            parse_task_id(task_id)
        except ApiError as error:
            location, _, message = error.errors[0].partition(": ")
            found.append(ExchangeViolation("request", location, message))
    if nested_too_deep(body):
        return [*found, *_too_deep("request")]
    violations = iter_request_violations(body, content_type=content_type, operation=operation_id)
    found += _side("request", violations)
    return found[:MAX_PER_EXCHANGE]


def response_violations(operation_id: str, reply: TargetReply) -> list[ExchangeViolation]:
    """What is wrong with the target's answer."""
    violations = iter_response_violations(
        reply.status,
        reply.body,
        dict(reply.headers),
        content_type=reply.content_type,
        operation=operation_id,
    )
    return _side("response", violations)
