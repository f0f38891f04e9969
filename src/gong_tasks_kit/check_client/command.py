"""``gong-tasks check-client [--scenario NAME]... [--junit-xml PATH] -- COMMAND [ARG...]``:
does the user's client of Gong's Tasks API behave on Gong's bad days?

Exit status: 0 when every scenario passes, 1 when one fails, 2 on a usage error (no
command, an unknown scenario, a bad scenario file) or when a scenario cannot run.
"""

from __future__ import annotations

import shutil
import sys
import textwrap
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import click
import yaml

from gong_tasks_kit.check_client.processes import (
    ClientStartError,
    MockStartError,
    stop_everything,
)
from gong_tasks_kit.check_client.report import render, summary_line, write_junit
from gong_tasks_kit.check_client.rules import RULES
from gong_tasks_kit.check_client.runner import ScenarioResult, run_scenario
from gong_tasks_kit.check_client.scenario import (
    BUILT_IN,
    Scenario,
    ScenarioError,
    builtin_scenarios,
    find_scenario,
)
from gong_tasks_kit.proxy.files import check_writable

__all__ = ["check_client_command"]


class CheckClientUsageError(click.ClickException):
    """A usage error in one line (``Error: ...``), exit status 2, no traceback."""

    exit_code = 2


def _summaries() -> Iterator[tuple[str, str]]:
    folder = resources.files("gong_tasks_kit.check_client") / "scenarios"
    for name in BUILT_IN:
        document = yaml.safe_load((folder / f"{name}.yaml").read_text("utf-8"))
        yield name, " ".join(str(document.get("summary", "")).split())


def _epilog() -> str:
    """The built-in scenarios and the rules, for ``--help`` (read from their declarations)."""
    lines = ["\b", "Built-in scenarios (all of them unless --scenario is given):"]
    for name, summary in _summaries():
        lines += textwrap.wrap(
            summary,
            78,
            initial_indent=f"  {name:<15}",
            subsequent_indent=" " * 17,
            break_on_hyphens=False,
        )
    lines += [
        "",
        "\b",
        "Rules a scenario file may use (rules: {name: {param: value}}):",
    ]
    for rule in RULES.values():
        lines += textwrap.wrap(
            rule.summary,
            78,
            initial_indent=f"  {rule.name:<26}",
            subsequent_indent=" " * 28,
            break_on_hyphens=False,
        )
    lines += [
        "",
        "\b",
        "The client gets GONG_BASE_URL, GONG_ACCESS_KEY, GONG_ACCESS_KEY_SECRET,",
        "GONG_BEARER_TOKEN (read and write) and GONG_USER_ID (a user with open tasks).",
        "Exit status: 0 every scenario passed, 1 one failed, 2 usage error or a",
        "scenario could not run.",
    ]
    return "\n".join(lines)


def _scenarios(given: Sequence[str]) -> list[Scenario]:
    try:
        return [find_scenario(name) for name in given] if given else builtin_scenarios()
    except ScenarioError as error:
        raise CheckClientUsageError(str(error)) from None


def _run_all(
    scenarios: Sequence[Scenario], command: Sequence[str], time_limit: float | None, jobs: int
) -> Iterator[ScenarioResult]:
    def run(scenario: Scenario) -> ScenarioResult:
        return run_scenario(scenario, command, time_limit=time_limit)

    if jobs == 1:
        yield from map(run, scenarios)
        return
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="scenario")
    try:
        yield from pool.map(run, scenarios)  # in the given order, as each one ends
    except BaseException:
        stop_everything()  # the running scenarios' clients and mocks: their threads return
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        stop_everything()


@click.command(
    "check-client",
    epilog=_epilog(),
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--scenario",
    "scenario_names",
    multiple=True,
    metavar="NAME|PATH",
    help="A built-in scenario, a scenario file (.yaml) or a proxy recording (.json) to "
    "replay; repeat for several. Default: every built-in scenario.",
)
@click.option(
    "--junit-xml",
    metavar="PATH",
    help="Also write a JUnit XML report there (one test case per scenario).",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(1, 3600),
    help="Seconds the client may take in each scenario (default: the scenario's, 30).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 8),
    default=1,
    show_default=True,
    help="Scenarios run at once, each with its own mock.",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Show the client's output for passing scenarios too."
)
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def check_client_command(
    *,
    scenario_names: tuple[str, ...],
    junit_xml: str | None,
    time_limit: float | None,
    jobs: int,
    verbose: bool,
    command: tuple[str, ...],
) -> None:
    """Run your client of Gong's Tasks API against a fresh mock once per scenario (a 429,
    a 500 burst, a wrong call, Gong's real limits, an exhausted quota...) and grade what
    it did from the mock's journal: its calls, their order and their times.

    Give the client's command after --, e.g.
    gong-tasks check-client -- python sync_tasks.py --once
    """
    if not command:
        raise CheckClientUsageError(
            "give the client's command after --, e.g. gong-tasks check-client -- python "
            "my_client.py"
        )
    if shutil.which(command[0]) is None:  # before any mock starts
        raise CheckClientUsageError(
            f"cannot run {command[0]!r}: no such executable (on PATH, or at that path)"
        )
    scenarios = _scenarios(scenario_names)
    if junit_xml:
        problem = check_writable(junit_xml)
        if problem is not None:
            raise CheckClientUsageError(f"--junit-xml {problem}")
    results: list[ScenarioResult] = []
    try:
        for result in _run_all(scenarios, command, time_limit, jobs):
            results.append(result)
            click.echo(render(result, verbose=verbose))
            sys.stdout.flush()
    except ClientStartError as error:
        raise CheckClientUsageError(str(error)) from None
    except MockStartError as error:
        raise CheckClientUsageError(f"a scenario could not run: {error}") from None
    except KeyboardInterrupt:
        stop_everything()
        raise
    finally:
        stop_everything()
    click.echo(summary_line(results))
    if junit_xml:
        try:
            write_junit(junit_xml, results)
        except OSError as error:
            raise CheckClientUsageError(f"--junit-xml {junit_xml}: {error.strerror}") from None
    if not all(result.passed for result in results):
        sys.exit(1)
