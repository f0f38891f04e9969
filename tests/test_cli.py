"""The ``gong-tasks`` command line: its subcommands answer and exit as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gong_tasks_kit.spec import SPEC_PATH

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_cli_lists_its_subcommands() -> None:
    run = _run("--help")
    assert run.returncode == 0
    for command in ("spec", "serve", "contract", "sample"):
        assert command in run.stdout


def test_cli_spec_path_prints_the_spec_file() -> None:
    run = _run("spec", "path")
    assert run.returncode == 0
    assert run.stdout.strip() == str(SPEC_PATH)


def test_cli_spec_lint_passes_every_gate() -> None:
    run = _run("spec", "lint")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "openapi-spec-validator + examples: ok" in run.stdout
    assert "spectral: ok" in run.stdout
    assert "redocly: ok" in run.stdout


def test_cli_rejects_unknown_options_with_exit_2() -> None:
    run = _run("serve", "--no-such-option")
    assert run.returncode == 2
    assert "No such option" in run.stderr


def test_contract_names_an_app_it_cannot_find_in_one_line_with_exit_2() -> None:
    for factory, message in (
        ("no_such_module:create_app", "cannot import 'no_such_module'"),
        ("gong_tasks_kit:no_such_factory", "gong_tasks_kit has no no_such_factory()"),
    ):
        run = _run("contract", "--app", factory)
        assert run.returncode == 2, run.stdout + run.stderr
        assert f"Error: --app {factory}: {message}" in run.stderr
        assert "Traceback" not in run.stdout + run.stderr
