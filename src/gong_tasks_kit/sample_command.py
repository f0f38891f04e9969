"""``gong-tasks sample``: print realistic payloads."""

from __future__ import annotations

from typing import Any

import click

from gong_tasks_kit.fixtures.samples import (
    COMMITTED_COUNT,
    COMMITTED_SEED,
    KINDS,
    dump,
    sample_errors,
    sample_request,
    sample_response,
    sample_update_request,
    sample_update_response,
)
from gong_tasks_kit.spec.operations import UPDATE_TASK


@click.command("sample")
@click.option("--seed", default=COMMITTED_SEED, show_default=True, type=click.IntRange(0))
@click.option(
    "--count",
    default=COMMITTED_COUNT,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="Tasks in the list call's response.",
)
@click.option("--kind", type=click.Choice(KINDS), default="response", show_default=True)
def sample_command(seed: int, count: int, kind: str) -> None:
    """Print a realistic payload: a request, a 200 response, or every error, of the list
    call or (update-*) of the update call."""
    payload: Any
    if kind == "request":
        payload = sample_request(seed)
    elif kind == "response":
        payload = sample_response(seed, count)
    elif kind == "errors":
        payload = sample_errors(seed)
    elif kind == "update-request":
        payload = sample_update_request(seed)
    elif kind == "update-response":
        payload = sample_update_response(seed)
    else:
        payload = sample_errors(seed, UPDATE_TASK)
    click.echo(dump(payload).decode(), nl=False)
