"""``gong-tasks spec ...``: where the spec is, and whether it passes its quality gates."""

from __future__ import annotations

from pathlib import Path

import click

from gong_tasks_kit.spec import SPEC_PATH
from gong_tasks_kit.spec.checks import iter_spec_problems
from gong_tasks_kit.spec.loader import SpecFileError, parse_spec_text, read_spec_file
from gong_tasks_kit.spec.node_linters import LinterNotInstalledError, run_redocly, run_spectral


@click.group("spec")
def spec_group() -> None:
    """The OpenAPI spec of Gong's Tasks API."""


@spec_group.command("path")
def spec_path() -> None:
    """Print the absolute path of the spec file."""
    click.echo(str(SPEC_PATH))


@spec_group.command("lint")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--node/--no-node",
    "with_node_linters",
    default=None,
    help="Require (or skip) Spectral and Redocly CLI. Default: run them when installed, "
    "and say so when they are not.",
)
def spec_lint(file: Path | None, with_node_linters: bool | None) -> None:
    """Check a spec (default: the packaged one): a valid OpenAPI document whose every
    example validates, then Spectral and Redocly CLI.

    FILE may be any spec file, e.g. a patched copy (`contract --spec-patch`): it gets the
    same gates as the packaged spec. Exits 0 when every gate that ran passed, 1 when one
    failed, 2 when the file cannot be read or parsed, or --node was given and a linter is
    missing.
    """
    path = (file or SPEC_PATH).resolve()
    try:
        document = parse_spec_text(read_spec_file(path), path)
    except SpecFileError as error:
        raise click.UsageError(str(error)) from None
    problems = list(iter_spec_problems(document))
    for problem in problems:
        click.echo(f"openapi-core: {problem}", err=True)
    click.echo(f"openapi-spec-validator + examples: {'FAIL' if problems else 'ok'}")
    failed = bool(problems)
    if with_node_linters is not False:
        for run in (run_spectral, run_redocly):
            try:
                result = run(path)
            except LinterNotInstalledError as error:
                if with_node_linters:
                    raise click.UsageError(f"{error}; or pass --no-node") from None
                click.echo(f"{run.__name__.removeprefix('run_')}: skipped, {error}")
                continue
            click.echo(f"{result.linter}: {'ok' if result.ok else 'FAIL'}")
            if not result.ok:
                click.echo(result.output, err=True)
                failed = True
    if failed:
        raise SystemExit(1)
