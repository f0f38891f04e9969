"""The spec's own examples and statuses, read from the document (never copied by hand)."""

from __future__ import annotations

from typing import Any

from gong_tasks_kit.spec.loader import load_spec, resolve, spec_cached
from gong_tasks_kit.spec.operations import LIST_TASKS, operation_ids, operation_node


def response_example(status: int, operation: str = LIST_TASKS) -> dict[str, Any]:
    """The first example body the spec gives for a status of an operation.

    Args:
        status: An HTTP status the operation documents.
        operation: An operation id (default: the list call).

    Raises:
        KeyError: if the spec documents no such operation or status.
    """
    document = load_spec()
    responses = operation_node(document, operation)["responses"]
    response = resolve(document, responses[str(status)])
    examples = response["content"]["application/json"]["examples"]
    value: dict[str, Any] = next(iter(examples.values()))["value"]
    return value


@spec_cached
def documented_statuses(operation: str = LIST_TASKS) -> tuple[int, ...]:
    """The status codes the spec documents for an operation (default: the list call),
    ascending."""
    responses = operation_node(load_spec(), operation)["responses"]
    return tuple(sorted(int(status) for status in responses))


@spec_cached
def common_statuses() -> tuple[int, ...]:
    """The status codes every operation of the spec documents, ascending."""
    shared = set.intersection(*(set(documented_statuses(op)) for op in operation_ids()))
    return tuple(sorted(shared))
