"""``gong-tasks contract``: run the contract suite against the mock, a URL or Gong."""

from __future__ import annotations

import importlib
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest

from gong_tasks_kit.contract_tests.app_loading import app_factory
from gong_tasks_kit.contract_tests.outcome import (
    EXIT_BREAKS,
    EXIT_CONFORMS,
    EXIT_INCOMPLETE,
    EXIT_USAGE,
    RunOutcome,
)
from gong_tasks_kit.contract_tests.settings import (
    ContractConfigError,
    ContractOptions,
    SettingsPlugin,
    load_settings,
)
from gong_tasks_kit.contract_tests.spec_patch import spec_patch_problem
from gong_tasks_kit.serving.options import settings_options
from gong_tasks_kit.spec.option import spec_option

SUITE = "gong_tasks_kit.contract_tests"
#: pytest's output by default: no header, no per-file progress, no short summary and no
#: closing line of counts (the suite's own summary ends the report).
QUIET = ("-qq", "--no-header", "-rN")
#: pytest's output when its detail is asked for (``-- -v``, ``-- --tb=long``).
DETAILED = ("-rfEs",)
_DETAIL_ARGS = re.compile(r"^(-v+|--verbose|--tb(=.*)?|--full-trace|-l|--showlocals)$")


def _check_reachable(base_url: str) -> None:
    # A TCP connection only: no request reaches the target outside the run's budget.
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=5).close()
    except OSError as error:
        click.echo(f"Error: {base_url} is unreachable ({type(error).__name__})", err=True)
        raise SystemExit(EXIT_USAGE) from None


@click.command("contract", context_settings={"ignore_unknown_options": True})
@settings_options(ContractOptions)
@spec_option
@click.option("--junit-xml", type=click.Path(dir_okay=False), help="Write a JUnit XML report.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract_command(junit_xml: str | None, pytest_args: tuple[str, ...], **options: Any) -> None:
    """Check that a target conforms to the spec and to Gong's behaviour.

    Credentials come from the environment only: GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET,
    or GONG_BEARER_TOKEN; GONG_USER_ID names whose tasks to read on Gong.

    Exit status: 0 the target conforms (checks that could not run are listed, not
    failed), 1 it does not, 2 usage or configuration error, 3 checks could not run and
    --require-complete is set. Extra arguments go to pytest (e.g. -k properties -x;
    -v or --tb=long for pytest's own report of each failure).
    """
    try:
        settings = load_settings(overrides=options).with_seed()
        if settings.kind == "app":
            app_factory(settings.app_factory)
    except ContractConfigError as error:
        raise click.UsageError(str(error)) from None
    problem = spec_patch_problem(settings.spec_patch) if settings.spec_patch else None
    if problem is not None:
        raise click.UsageError(problem)
    if settings.base_url is not None:
        _check_reachable(settings.base_url)
    # The suite's own ini file and root: the caller's pytest configuration stays out.
    suite = Path(importlib.import_module(SUITE).__file__ or "").parent
    detail = any(_DETAIL_ARGS.match(arg) for arg in pytest_args)
    args = [
        *("-c", str(suite / "pytest.ini"), "--rootdir", str(suite)),
        *("--pyargs", SUITE, "-W", "ignore::pytest.PytestAssertRewriteWarning"),
        *(DETAILED if detail else QUIET),
    ]
    if junit_xml:
        args.append(f"--junit-xml={junit_xml}")
    outcome = RunOutcome()
    code = int(pytest.main([*args, *pytest_args], plugins=[SettingsPlugin(settings), outcome]))
    raise SystemExit(_exit_status(code, outcome))


def _exit_status(pytest_code: int, outcome: RunOutcome) -> int:
    if pytest_code == EXIT_INCOMPLETE and outcome.incomplete:
        return EXIT_INCOMPLETE  # pytest's own 3 is an internal error: the outcome tells
    if pytest_code in (EXIT_CONFORMS, EXIT_BREAKS):
        return pytest_code
    return EXIT_USAGE
