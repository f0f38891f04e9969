"""The contract suite passes on the mock and catches every deliberately broken variant."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gong_tasks_kit.contract_tests.mutants import MUTANTS
from gong_tasks_kit.contract_tests.settings import ContractConfigError, load_settings

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
SECRET = "s3cr3t-value-that-must-not-leak"


def _contract(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    return subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "contract", "--max-examples", "15", "--seed", "1", "--no-shrink", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**clean, **(env or {})},
        cwd=cwd,
    )


def test_contract_suite_passes_on_the_mock_and_writes_junit(tmp_path: Path) -> None:
    junit = tmp_path / "contract.xml"
    run = _contract("--junit-xml", str(junit), cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "gong contract: estimated requests" in run.stdout
    assert "gong contract summary" in run.stdout
    assert "tests failed: 0" in run.stdout
    assert "<testsuite" in junit.read_text(encoding="utf-8")


def test_contract_suite_runs_with_plain_pytest_pyargs(tmp_path: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
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
        env={**clean, "GONG_CONTRACT_MAX_EXAMPLES": "5"},
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "15 passed" in run.stdout


@pytest.mark.parametrize(("mutant", "expected"), sorted(MUTANTS.items()))
def test_contract_suite_catches_a_broken_mock(tmp_path: Path, mutant: str, expected: str) -> None:
    run = _contract("--app", f"gong_tasks_kit.contract_tests.mutants:{mutant}", cwd=tmp_path)
    assert run.returncode == 1, run.stdout[-3000:]
    assert expected in run.stdout, run.stdout[-5000:]
    assert "FAILED check:" in run.stdout


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


def test_contract_never_prints_the_credential(tmp_path: Path) -> None:
    run = _contract(
        "--app",
        "gong_tasks_kit.contract_tests.mutants:enum_outside_spec",
        cwd=tmp_path,
        env={"GONG_ACCESS_KEY": "gong-mock-access-key", "GONG_ACCESS_KEY_SECRET": SECRET},
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
        ({"GONG_CONTRACT_MAX_EXAMPLES": "many"}, "must be a whole number"),
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
        }
    )
    assert settings.live
    assert settings.max_requests == 40
    assert settings.base_url == "https://us-1.api.gong.io"
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.redacted())
    mock_url = load_settings({"GONG_CONTRACT_BASE_URL": "http://127.0.0.1:8080"})
    assert (mock_url.kind, mock_url.max_requests) == ("url", None)
