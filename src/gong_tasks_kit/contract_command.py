"""``gong-tasks contract``: run the contract suite against the mock, a URL or Gong."""

from __future__ import annotations

import importlib
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest

from gong_tasks_kit.contract_tests.conftest import estimated_requests
from gong_tasks_kit.contract_tests.settings import (
    SETTINGS,
    ContractConfigError,
    Setting,
    SettingsPlugin,
    load_settings,
)

SUITE = "gong_tasks_kit.contract_tests"


def _check_reachable(base_url: str) -> None:
    # A TCP connection only: no request reaches the target outside the run's budget.
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=5).close()
    except OSError as error:
        click.echo(f"Error: {base_url} is unreachable ({type(error).__name__})", err=True)
        raise SystemExit(2) from None


def _option(setting: Setting) -> Callable[[Any], Any]:
    flag = "--" + setting.name.replace("_", "-")
    help_text = f"{setting.help}  [env: {setting.env}]"
    if setting.kind == "flag":
        return click.option(flag, setting.name, is_flag=True, default=None, help=help_text)
    metavar = "N" if setting.kind == "count" else "TEXT"
    return click.option(flag, setting.name, default=None, metavar=metavar, help=help_text)


def _settings_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for setting in reversed(SETTINGS):
        command = _option(setting)(command)
    return command


@click.command("contract", context_settings={"ignore_unknown_options": True})
@_settings_options
@click.option("--junit-xml", type=click.Path(dir_okay=False), help="Write a JUnit XML report.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract_command(junit_xml: str | None, pytest_args: tuple[str, ...], **options: Any) -> None:
    """Check that a target conforms to the spec and to Gong's behaviour.

    Credentials come from the environment only: GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET,
    or GONG_BEARER_TOKEN; GONG_USER_ID names whose tasks to read on Gong.
    Exit status: 0 conforms, 1 does not, 2 usage or configuration error.
    Extra arguments go to pytest (e.g. -k properties -x).
    """
    try:
        settings = load_settings(overrides=options)
    except ContractConfigError as error:
        raise click.UsageError(str(error)) from None
    if settings.base_url is not None:
        _check_reachable(settings.base_url)
    click.echo(f"gong contract: {', '.join(f'{k}={v}' for k, v in settings.redacted().items())}")
    budget = settings.max_requests if settings.max_requests is not None else "unlimited"
    click.echo(
        f"gong contract: estimated requests ~{estimated_requests(settings)} (budget {budget})"
    )
    # The suite's own ini file and root: the caller's pytest configuration stays out.
    suite = Path(importlib.import_module(SUITE).__file__ or "").parent
    args = [
        *("-c", str(suite / "pytest.ini"), "--rootdir", str(suite)),
        *("--pyargs", SUITE, "-rfE", "-W", "ignore::pytest.PytestAssertRewriteWarning"),
    ]
    if settings.seed is not None:
        args.append(f"--hypothesis-seed={settings.seed}")
    if junit_xml:
        args.append(f"--junit-xml={junit_xml}")
    code = int(pytest.main([*args, *pytest_args], plugins=[SettingsPlugin(settings)]))
    raise SystemExit(0 if code == 0 else 1 if code == 1 else 2)
