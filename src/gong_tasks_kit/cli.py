"""The ``gong-tasks`` console script: a click group whose subcommands live in modules."""

from __future__ import annotations

import os
import sys

import click

from gong_tasks_kit.spec.loader import SPEC_ENV, SpecFileError, check_spec_file


def _refuse_an_unusable_spec_variable() -> None:
    """``GONG_TASKS_SPEC`` naming a file that cannot stand in for the packaged spec ends
    the command in one line (exit 2): the commands' modules read the spec on import."""
    named = os.environ.get(SPEC_ENV, "").strip()
    if not named:
        return
    try:
        check_spec_file(named)
    except SpecFileError as error:
        sys.stderr.write(f"Error: {SPEC_ENV}: {error}\n")
        raise SystemExit(2) from None


_refuse_an_unusable_spec_variable()

# After the check above, on purpose.
from gong_tasks_kit.contract_command import contract_command  # noqa: E402
from gong_tasks_kit.mock_server.cli import serve_command  # noqa: E402
from gong_tasks_kit.proxy.cli import proxy_command  # noqa: E402
from gong_tasks_kit.sample_command import sample_command  # noqa: E402
from gong_tasks_kit.spec_commands import spec_group  # noqa: E402


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gong-tasks-kit")
def main() -> None:
    """Spec, mock server, proxy, contract tests and fixtures for Gong's Tasks API."""


main.add_command(spec_group)
main.add_command(serve_command)
main.add_command(proxy_command)
main.add_command(contract_command)
main.add_command(sample_command)
