"""``gong-tasks spec ...``: where the spec is, and whether it passes its quality gates."""

from __future__ import annotations

import click

from spec import SPEC_PATH
from spec.checks import iter_spec_problems
from spec.node_linters import LinterNotInstalledError, run_redocly, run_spectral


@click.group("spec")
def spec_group() -> None:
    """The OpenAPI spec of POST /v2/tasks."""


@spec_group.command("path")
def spec_path() -> None:
    """Print the absolute path of the spec file."""
    click.echo(str(SPEC_PATH))


@spec_group.command("lint")
@click.option(
    "--node/--no-node",
    "with_node_linters",
    default=True,
    show_default=True,
    help="Also run Spectral (spectral:oas) and Redocly CLI (recommended).",
)
def spec_lint(with_node_linters: bool) -> None:
    """Check the spec: a valid OpenAPI document whose every example validates.

    Exits 0 when every gate passes, 1 when one fails, 2 when a linter is missing.
    """
    problems = list(iter_spec_problems())
    for problem in problems:
        click.echo(f"openapi-core: {problem}", err=True)
    click.echo(f"openapi-spec-validator + examples: {'FAIL' if problems else 'ok'}")
    failed = bool(problems)
    if with_node_linters:
        for run in (run_spectral, run_redocly):
            try:
                result = run()
            except LinterNotInstalledError as error:
                raise click.UsageError(f"{error} (or pass --no-node)") from None
            click.echo(f"{result.linter}: {'ok' if result.ok else 'FAIL'}")
            if not result.ok:
                click.echo(result.output, err=True)
                failed = True
    if failed:
        raise SystemExit(1)
