"""The ``gong-tasks`` console script: a click group whose subcommands live in modules."""

from __future__ import annotations

import click

from gong_tasks_kit.check_client.command import check_client_command
from gong_tasks_kit.contract_command import contract_command
from gong_tasks_kit.mock_server.cli import serve_command
from gong_tasks_kit.proxy.cli import proxy_command
from gong_tasks_kit.sample_command import sample_command
from gong_tasks_kit.spec_commands import spec_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gong-tasks-kit")
def main() -> None:
    """Spec, mock server, proxy, contract tests and fixtures for Gong's Tasks API."""


main.add_command(spec_group)
main.add_command(serve_command)
main.add_command(proxy_command)
main.add_command(contract_command)
main.add_command(sample_command)
main.add_command(check_client_command)
