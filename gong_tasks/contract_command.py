"""``gong-tasks contract``: run the contract suite against the mock, a URL or Gong."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest

import contract_tests
from contract_tests.conftest import estimated_requests
from contract_tests.settings import ContractConfigError, load_settings

_OPTION_ENV = {
    "base_url": "GONG_CONTRACT_BASE_URL",
    "app": "GONG_CONTRACT_APP",
    "max_examples": "GONG_CONTRACT_MAX_EXAMPLES",
    "seed": "GONG_CONTRACT_SEED",
    "max_requests": "GONG_CONTRACT_MAX_REQUESTS",
    "drift_report": "GONG_CONTRACT_DRIFT_REPORT",
}


def _check_reachable(base_url: str) -> None:
    # A TCP connection only: no request reaches the target outside the run's budget.
    parts = urlsplit(base_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=5).close()
    except OSError as error:
        click.echo(f"Error: {base_url} is unreachable ({type(error).__name__})", err=True)
        raise SystemExit(2) from None


@click.command("contract", context_settings={"ignore_unknown_options": True})
@click.option(
    "--base-url",
    help="Target URL (default: the mock in-process). A *.gong.io "
    "URL is the real API: read-only, 3 req/s, budgeted.",
)
@click.option(
    "--app",
    help="In-process app factory, module:function "
    "(default: the mock without rate limits, mock_server.testing:unthrottled_app).",
)
@click.option("--max-examples", type=click.IntRange(1), help="Examples per test.")
@click.option("--seed", type=click.IntRange(0), help="Seed for a reproducible run.")
@click.option("--junit-xml", type=click.Path(dir_okay=False), help="Write a JUnit XML report.")
@click.option("--max-requests", type=click.IntRange(1), help="Request budget (live default 40).")
@click.option(
    "--drift-report",
    type=click.Path(dir_okay=False),
    help="Where a live run writes its drift report (JSON).",
)
@click.option(
    "--no-shrink",
    is_flag=True,
    help="Report failing examples as found, unshrunk (faster; always so against Gong).",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def contract_command(  # noqa: PLR0917 - click passes every option positionally
    base_url: str | None,
    app: str | None,
    max_examples: int | None,
    seed: int | None,
    junit_xml: str | None,
    max_requests: int | None,
    drift_report: str | None,
    no_shrink: bool,
    pytest_args: tuple[str, ...],
) -> None:
    """Check that a target conforms to the spec and to Gong's behaviour.

    Credentials come from the environment only: GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET,
    or GONG_BEARER_TOKEN; GONG_USER_ID names whose tasks to read on Gong.
    Exit status: 0 conforms, 1 does not, 2 usage or configuration error.
    Extra arguments go to pytest (e.g. -k properties -x).
    """
    values = {
        "base_url": base_url,
        "app": app,
        "max_examples": max_examples,
        "seed": seed,
        "max_requests": max_requests,
        "drift_report": drift_report,
    }
    for name, value in values.items():
        if value is not None:
            os.environ[_OPTION_ENV[name]] = str(value)
    if no_shrink:
        os.environ["GONG_CONTRACT_NO_SHRINK"] = "1"
    try:
        settings = load_settings()
    except ContractConfigError as error:
        raise click.UsageError(str(error)) from None
    if settings.base_url is not None:
        _check_reachable(settings.base_url)
    click.echo(f"gong contract: {', '.join(f'{k}={v}' for k, v in settings.redacted().items())}")
    budget = settings.max_requests if settings.max_requests is not None else "unlimited"
    click.echo(
        f"gong contract: estimated requests ~{estimated_requests(settings)} (budget {budget})"
    )
    suite = Path(contract_tests.__file__).parent
    args = [
        "-c",
        str(suite / "pytest.ini"),
        "--rootdir",
        str(suite),
        "--pyargs",
        "contract_tests",
        "-rfE",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
    ]
    if seed is not None:
        args.append(f"--hypothesis-seed={seed}")
    if junit_xml:
        args.append(f"--junit-xml={junit_xml}")
    code = int(pytest.main([*args, *pytest_args]))
    raise SystemExit(0 if code == 0 else 1 if code == 1 else 2)
