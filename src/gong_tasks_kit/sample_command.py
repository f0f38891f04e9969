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
)


@click.command("sample")
@click.option("--seed", default=COMMITTED_SEED, show_default=True, type=click.IntRange(0))
@click.option(
    "--count",
    default=COMMITTED_COUNT,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="Tasks in the response.",
)
@click.option("--kind", type=click.Choice(KINDS), default="response", show_default=True)
def sample_command(seed: int, count: int, kind: str) -> None:
    """Print a realistic payload: a request, a 200 response, or every error."""
    payload: Any
    if kind == "request":
        payload = sample_request(seed)
    elif kind == "response":
        payload = sample_response(seed, count)
    else:
        payload = sample_errors(seed)
    click.echo(dump(payload).decode(), nl=False)
