"""The ``gong-tasks`` console script: a click group whose subcommands live in modules,
each imported only when it is called (so ``gong-tasks serve`` loads neither the contract
suite nor the proxy)."""

from __future__ import annotations

import importlib
import os
import sys

import click

from gong_tasks_kit.spec.loader import SPEC_ENV, SpecFileError, check_spec_file

#: Each subcommand's name, and where it lives (module, attribute).
COMMANDS: dict[str, tuple[str, str]] = {
    "spec": ("gong_tasks_kit.spec_commands", "spec_group"),
    "serve": ("gong_tasks_kit.mock_server.cli", "serve_command"),
    "proxy": ("gong_tasks_kit.proxy.cli", "proxy_command"),
    "contract": ("gong_tasks_kit.contract_command", "contract_command"),
    "check-client": ("gong_tasks_kit.check_client.command", "check_client_command"),
    "sample": ("gong_tasks_kit.sample_command", "sample_command"),
}


def _refuse_an_unusable_spec_variable() -> None:
    """``GONG_TASKS_SPEC`` naming a file that cannot stand in for the packaged spec ends
    the command in one line (exit 2), before a command's modules read the spec."""
    named = os.environ.get(SPEC_ENV, "").strip()
    if not named:
        return
    try:
        check_spec_file(named)
    except SpecFileError as error:
        sys.stderr.write(f"Error: {SPEC_ENV}: {error}\n")
        raise SystemExit(2) from None


class _Commands(click.Group):
    """A group that imports a subcommand's module only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        _refuse_an_unusable_spec_variable()
        command: click.Command = getattr(importlib.import_module(where[0]), where[1])
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="gong-tasks-kit")
def main() -> None:
    """Spec, mock server, proxy, contract tests, client checks and fixtures for Gong's
    Tasks API."""
