"""``gong-tasks sample``: print realistic payloads, or refresh the committed set."""

from __future__ import annotations

from typing import Any

import click

from fixtures.samples import (
    COMMITTED_COUNT,
    COMMITTED_SEED,
    KINDS,
    dump,
    sample_errors,
    sample_request,
    sample_response,
    write_samples,
)


@click.command("sample")
@click.option("--seed", default=COMMITTED_SEED, show_default=True, type=click.IntRange(0))
@click.option(
    "--count",
    default=COMMITTED_COUNT,
    show_default=True,
    type=click.IntRange(0),
    help="Tasks in the response.",
)
@click.option("--kind", type=click.Choice(KINDS), default="response", show_default=True)
@click.option(
    "--update-committed",
    is_flag=True,
    help="Rewrite the sample files committed under fixtures/samples/.",
)
def sample_command(seed: int, count: int, kind: str, update_committed: bool) -> None:
    """Print a realistic payload: a request, a 200 response, or every error."""
    if update_committed:
        for path in write_samples():
            click.echo(f"wrote {path}")
        return
    payload: Any
    if kind == "request":
        payload = sample_request(seed)
    elif kind == "response":
        payload = sample_response(seed, count)
    else:
        payload = sample_errors(seed)
    click.echo(dump(payload).decode(), nl=False)
