"""The tests' contract runner (``contract_runner``) is the console script, warmed up: a
run through it exits and prints what ``gong-tasks contract`` itself does, a broken mock's
run as a usage error's, and each run gets its own environment and working folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from contract_runner import ContractRunner

# One worker runs this module's contract runs, with one warm runner (contract_runner):
# a runner costs ~10 s of CPU to warm up, once per worker that uses one.
pytestmark = pytest.mark.xdist_group("contract-runs-a")

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
ARGS = ["--max-examples", "2", "--seed", "3", "--no-shrink"]
# What differs between two runs in any two processes: durations and object addresses.
# (pytest centres its closing line: its rule's length follows the duration's.)
_PER_PROCESS = re.compile(r"\d+\.\d+s( \(\d+:\d+:\d+\))?| at 0x[0-9a-f]+|=+")


def _env(**extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    return {**clean, **extra}


def _same_text(text: str) -> str:
    return _PER_PROCESS.sub("<varies>", text)


def _console_script(
    args: list[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "contract", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
        cwd=cwd,
    )


def test_contract_runner_prints_and_exits_as_the_console_script(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    args = [*ARGS, "--app", "gong_tasks_kit.contract_tests.mutants:update_not_visible"]
    (tmp_path / "script").mkdir()
    (tmp_path / "runner").mkdir()
    script = _console_script(args, _env(), tmp_path / "script")
    warm = contract_runner.run(args, _env(), tmp_path / "runner")
    assert script.returncode == warm.returncode == 1
    assert "FAILED check: update-visible (" in warm.stdout
    assert _same_text(warm.stdout) == _same_text(script.stdout)
    assert warm.stderr == script.stderr


def test_contract_runner_gives_each_run_its_environment_and_folder(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    bad = _env(GONG_CONTRACT_REQUIRE_COMPLETE="maybe")
    refused = contract_runner.run(ARGS, bad, tmp_path)
    script = _console_script(ARGS, bad, tmp_path)
    assert refused.returncode == script.returncode == 2
    assert "(--require-complete): must be one of true" in refused.stderr
    assert refused.stderr == script.stderr
    report = tmp_path / "report.xml"
    passed = contract_runner.run(
        [*ARGS, "-k", "designed", "--junit-xml", report.name], _env(), tmp_path
    )
    assert passed.returncode == 0, passed.stdout[-3000:]  # the variable above is gone again
    assert report.is_file()  # written where the run was asked to work


def test_contract_runner_refuses_a_run_with_a_spec_of_its_own(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    # The spec is chosen when a process starts: such a run needs a process of its own.
    for args, env in (
        (["--spec", "other.yaml"], _env()),
        (["--spec=other.yaml"], _env()),
        ([], _env(GONG_TASKS_SPEC="other.yaml")),
    ):
        with pytest.raises(ValueError, match="needs a process of its own"):
            contract_runner.run(args, env, tmp_path)
