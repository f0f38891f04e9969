"""The spec's own examples, read from the document (never copied by hand)."""

from __future__ import annotations

import functools
from typing import Any

from gong_tasks_kit.spec.loader import TASKS_PATH, load_spec, resolve


def response_example(status: int) -> dict[str, Any]:
    """The first example body the spec gives for a status of ``POST /v2/tasks``.

    Raises:
        KeyError: if the spec documents no such status.
    """
    document = load_spec()
    response = resolve(document, document["paths"][TASKS_PATH]["post"]["responses"][str(status)])
    examples = response["content"]["application/json"]["examples"]
    value: dict[str, Any] = next(iter(examples.values()))["value"]
    return value


@functools.cache
def documented_statuses() -> tuple[int, ...]:
    """The status codes the spec documents for ``POST /v2/tasks``, ascending."""
    responses = load_spec()["paths"][TASKS_PATH]["post"]["responses"]
    return tuple(sorted(int(status) for status in responses))
