"""The contract suite passes on the mock, catches every deliberately broken variant with
the check made for it, raises no false alarm on benign variations, and plans within the
budget."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from contract_runner import ContractRunner

from gong_tasks_kit.contract_tests.app_loading import load_app
from gong_tasks_kit.contract_tests.mutants import BENIGN, MUTANTS, SCHEMA_MUTANTS, Caught
from gong_tasks_kit.contract_tests.settings import (
    CONTRACT_ENV_PREFIX,
    DEFAULT_APP,
    ContractConfigError,
    ContractOptions,
    load_settings,
    settings_table,
)
from gong_tasks_kit.mock_server.app import mock_runtime
from gong_tasks_kit.serving.settings import env_name, option_name, setting_fields

# One worker runs this module's contract runs, with one warm runner (contract_runner):
# a runner costs ~10 s of CPU to warm up, once per worker that uses one.
pytestmark = pytest.mark.xdist_group("contract-runs-a")

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
SETTINGS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "settings.md"
SECRET = "s3cr3t-value-that-must-not-leak"
RUN_ARGS = ("--max-examples", "3", "--seed", "1", "--no-shrink")


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    return {**clean, **(extra or {})}


def _contract(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "contract", *RUN_ARGS, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_clean_env(env),
        cwd=cwd,
    )


def _contract_run(
    runner: ContractRunner, *args: str, cwd: Path
) -> subprocess.CompletedProcess[str]:
    """As :func:`_contract`, in the runner's warm process (the console script's own entry
    point; ``test_contract_runner`` proves it prints and exits the same)."""
    return runner.run([*RUN_ARGS, *args], _clean_env(), cwd)


def _mutant(name: str) -> str:
    return f"gong_tasks_kit.contract_tests.mutants:{name}"


def test_contract_suite_passes_on_the_mock_and_leaves_only_its_report(tmp_path: Path) -> None:
    junit = tmp_path / "contract.xml"
    run = _contract("--junit-xml", str(junit), "--require-complete", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]  # complete: --require-complete keeps 0
    assert "gong contract schedule: estimated requests ~" in run.stdout
    assert "gong contract summary" in run.stdout
    assert "tests failed: 0" in run.stdout
    assert "checks not run: 0" in run.stdout
    assert "reset the in-process mock (POST /__admin/reset)" in run.stdout  # it owns the mock
    assert "<testsuite" in junit.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["contract.xml"]  # no .hypothesis/
    # None of the messages that name a broken mock appears on the faithful one.
    assert "FAILED check:" not in run.stdout
    for caught in MUTANTS.values():
        assert caught.words not in run.stdout, caught


def test_contract_suite_default_app_runs_in_strict_mode() -> None:
    assert mock_runtime(load_app(DEFAULT_APP)).settings.strict is True


def test_contract_suite_runs_with_plain_pytest_pyargs(tmp_path: Path) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "gong_tasks_kit.contract_tests",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_clean_env({"GONG_CONTRACT_MAX_EXAMPLES": "5"}),
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "27 passed" in run.stdout
    assert re.search(r"seed=\d+ \(random\)", run.stdout), run.stdout[:2000]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(("mutant", "caught"), sorted(MUTANTS.items()))
def test_contract_suite_catches_a_broken_mock_with_its_check(
    contract_runner: ContractRunner, tmp_path: Path, mutant: str, caught: Caught
) -> None:
    run = _contract_run(contract_runner, "--app", _mutant(mutant), cwd=tmp_path)
    assert run.returncode == 1, run.stdout[-3000:]
    assert f"FAILED check: {caught.check} (" in run.stdout, run.stdout[-5000:]
    assert f"[check: {caught.check}] " in run.stdout
    assert caught.words in run.stdout, run.stdout[-5000:]


@pytest.mark.parametrize(("mutant", "words"), sorted(SCHEMA_MUTANTS.items()))
def test_schemathesis_alone_catches_a_broken_answer_schema(
    contract_runner: ContractRunner, tmp_path: Path, mutant: str, words: str
) -> None:
    run = _contract_run(
        contract_runner, "--app", _mutant(mutant), "-k", "conformance", cwd=tmp_path
    )
    assert run.returncode == 1, run.stdout[-3000:]
    assert "FAILED check: ST108 Response violates schema" in run.stdout, run.stdout[-5000:]
    assert words in run.stdout


@pytest.mark.parametrize(("variant", "warnings"), sorted(BENIGN.items()))
def test_contract_suite_passes_benign_variations_with_warnings(
    contract_runner: ContractRunner, tmp_path: Path, variant: str, warnings: tuple[str, ...]
) -> None:
    run = _contract_run(contract_runner, "--app", _mutant(variant), cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-5000:]
    assert "tests failed: 0" in run.stdout
    for warning in warnings:
        assert warning in run.stdout, run.stdout[-3000:]


def test_contract_budget_too_small_skips_what_does_not_fit_and_exits_0(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    run = _contract_run(contract_runner, "--max-requests", "12", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-5000:]
    assert "tests failed: 0" in run.stdout
    not_run = re.search(r"checks not run: (\d+)", run.stdout)
    assert not_run is not None
    assert int(not_run.group(1)) > 0
    assert "not run: the budget of 12 requests cannot fit it" in run.stdout
    assert "not run: no budget left for random examples" in run.stdout
    sent = re.search(r"requests sent: \d+ = (\d+) checks \(budget 12\)", run.stdout)
    assert sent is not None, run.stdout[-2000:]
    assert int(sent.group(1)) <= 12


def test_contract_require_complete_exits_3_on_an_incomplete_run(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    run = _contract_run(contract_runner, "--max-requests", "12", "--require-complete", cwd=tmp_path)
    assert run.returncode == 3, run.stdout[-5000:]
    assert "incomplete run: exit status 3" in run.stdout


def test_contract_needs_credentials_and_a_user_for_gong(tmp_path: Path) -> None:
    run = _contract("--base-url", "https://us-12345.api.gong.io", cwd=tmp_path)
    assert run.returncode == 2
    assert "GONG_ACCESS_KEY" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_contract_reports_an_unreachable_url_in_one_line(tmp_path: Path) -> None:
    run = _contract("--base-url", "http://127.0.0.1:9", cwd=tmp_path)
    assert run.returncode == 2
    assert "unreachable" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_contract_never_prints_the_credential(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    # The runner keeps all a run prints, at the file descriptors, as a process's.
    credentials = {"GONG_ACCESS_KEY": "gong-mock-access-key", "GONG_ACCESS_KEY_SECRET": SECRET}
    run = contract_runner.run(
        [*RUN_ARGS, "--app", _mutant("enum_outside_spec")], _clean_env(credentials), tmp_path
    )
    # The mock refuses the secret (401 everywhere): failures are printed, the secret is not.
    assert run.returncode == 1

    encoded = base64.b64encode(f"gong-mock-access-key:{SECRET}".encode()).decode()
    assert SECRET not in run.stdout + run.stderr
    assert encoded not in run.stdout + run.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GONG_CONTRACT_BASE_URL": "ftp://x"}, "is not an http(s) URL"),
        ({"GONG_CONTRACT_BASE_URL": "https://api.gong.io"}, "needs credentials"),
        (
            {"GONG_CONTRACT_BASE_URL": "https://api.gong.io", "GONG_BEARER_TOKEN": "t"},
            "needs GONG_USER_ID",
        ),
        ({"GONG_ACCESS_KEY": "only-the-key"}, "set both"),
        ({"GONG_CONTRACT_MAX_EXAMPLES": "many"}, "MAX_EXAMPLES (--max-examples): must be a whole"),
        ({"GONG_CONTRACT_REQUIRE_COMPLETE": "maybe"}, "(--require-complete): must be one of true"),
        ({"GONG_CONTRACT_ALLOW_WRITES": "task-7"}, "(--allow-writes): must be a task id"),
        ({"GONG_CONTRACT_ALLOW_WRITES": "-7"}, "must be a task id"),
        ({"GONG_CONTRACT_ALLOW_WRITES": str(2**63)}, "within int64"),
    ],
)
def test_contract_settings_refuse_bad_configuration(env: dict[str, str], message: str) -> None:
    with pytest.raises(ContractConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_settings(env)


def test_contract_settings_make_gong_hosts_live_and_budgeted() -> None:
    settings = load_settings(
        {
            "GONG_CONTRACT_BASE_URL": "https://us-1.api.gong.io/",
            "GONG_BEARER_TOKEN": SECRET,
            "GONG_USER_ID": "42",
            "GONG_WORKSPACE_IDS": " 7, 8 ,",
        }
    )
    assert settings.live
    assert settings.max_requests == 40
    assert settings.base_url == "https://us-1.api.gong.io"
    assert settings.workspace_ids == ("7", "8")
    assert not settings.shrink
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.redacted())
    mock_url = load_settings({"GONG_CONTRACT_BASE_URL": "http://127.0.0.1:8080"})
    assert (mock_url.kind, mock_url.max_requests, mock_url.shrink) == ("url", None, True)
    assert not load_settings({"GONG_CONTRACT_MAX_REQUESTS": "30"}).shrink


def test_contract_settings_pick_and_show_a_seed_only_when_none_is_given() -> None:
    given = load_settings({"GONG_CONTRACT_SEED": "7"}).with_seed()
    assert (given.seed, given.seed_was_random, given.redacted()["seed"]) == (7, False, 7)
    picked = load_settings({}).with_seed()
    assert picked.seed is not None
    assert picked.seed_was_random
    assert picked.redacted()["seed"] == f"{picked.seed} (random)"


def test_contract_settings_name_the_one_task_to_write_canonically() -> None:
    live = {"GONG_CONTRACT_LIVE": "1", "GONG_BEARER_TOKEN": SECRET, "GONG_USER_ID": "42"}
    read_only = load_settings({**live, "GONG_CONTRACT_BASE_URL": "https://us-1.api.gong.io"})
    assert read_only.allow_writes is None
    assert read_only.redacted()["allow_writes"] == "none (read-only)"
    named = load_settings(
        {**live, "GONG_CONTRACT_BASE_URL": "https://us-1.api.gong.io"},
        overrides={"allow_writes": " 007 "},
    )
    assert named.allow_writes == "7", "canonical: the one path the suite may write to"
    assert named.redacted()["allow_writes"] == "7"


def test_contract_help_shows_every_setting_with_its_variable() -> None:
    run = subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "contract", "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0
    flat = " ".join(run.stdout.split())
    for name, info in setting_fields(ContractOptions, cli_only=True).items():
        assert option_name(name) in flat, name
        assert env_name(name, info, CONTRACT_ENV_PREFIX) in flat, name
    assert "--allow-writes TEXT" in flat


def test_settings_page_contract_table_is_the_declared_one() -> None:
    text = SETTINGS_PAGE.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- contract-settings-table -->\n(.*?)\n<!-- /contract-settings-table -->", text, re.S
    )
    assert found, "docs/settings.md lacks the contract settings table markers"
    assert found.group(1) == settings_table(), (
        "docs/settings.md's contract options table is stale: paste gong_tasks_kit.contract_tests."
        "settings.settings_table() between the markers"
    )
