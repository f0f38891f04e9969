"""The contract suite passes on the mock, catches every deliberately broken variant with
the check made for it, raises no false alarm on benign variations, and plans within the
budget; each failure is one block a person reads in ten seconds (the check, the call,
what is required, what came back, a curl that sends the call again), in the terminal and
in the JUnit XML, with pytest's own detail only when asked for."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

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
from gong_tasks_kit.fixtures.credentials import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_AUTHORIZATION,
)
from gong_tasks_kit.mock_server.app import mock_runtime
from gong_tasks_kit.mock_server.testing import LiveServer
from gong_tasks_kit.serving.settings import env_name, option_name, setting_fields

# One worker runs this module's contract runs, with one warm runner (contract_runner):
# a runner costs ~10 s of CPU to warm up, once per worker that uses one.
pytestmark = pytest.mark.xdist_group("contract-runs-a")

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
TESTS = Path(__file__).resolve().parent
BASH = shutil.which("bash") or "/bin/bash"
SETTINGS_PAGE = TESTS.parent / "docs" / "settings.md"
SECRET = "s3cr3t-value-that-must-not-leak"
#: The run's credential, as every curl command of a report leaves it to the environment.
BASIC_FROM_ENV = '-u "$GONG_ACCESS_KEY:$GONG_ACCESS_KEY_SECRET"'
#: One defect, one report a person reads in ten seconds.
MAX_LINES = 80

#: Mutant -> (the failing check's block: its call, and what came back, as patterns).
BLOCKS: dict[str, tuple[str, str, str]] = {
    "enum_outside_spec": (
        "response-schema",
        r"POST /v2/tasks \(listTasks\), answered 200; body \{\"filter\": \{\"userId\": \"\d+\"",
        r"^tasks\[0\]\.status: 'PENDING' is not one of OPEN, DONE, DISMISSED"
        r" \(and \d+ more like it\)$",
    ),
    "wrong_field_type": (
        "response-schema",
        r"POST /v2/tasks \(listTasks\), answered 200; body \{\"filter\"",
        r"^tasks\[0\]\.id: '\d+' is not of type 'integer' \(and \d+ more like it\)$",
    ),
    "no_retry_after": (
        "retry-after",
        r"POST /v2/tasks \(listTasks\), answered 429; body \{\"filter\"",
        r"^429 without an integer Retry-After \(got None\)$",
    ),
    "server_error_on_valid_input": (
        "valid-request-ok",
        r"POST /v2/tasks \(listTasks\), answered 500; body \{\"filter\"",
        r"^a valid request got 500: b'\{\"requestId\"",
    ),
    "update_answers_other_status": (
        "update-answer",
        r"PATCH /v2/tasks/\d+ \(updateTask\), answered 200; body \{\"userId\": \"\d+\", \"status\"",
        r"^an update of task \d+ of user \d+ asked for status '\w+', its answer has '\w+'$",
    ),
}
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


def _blocks(stdout: str) -> dict[str, dict[str, str]]:
    """Each failing check's block in a run's report: its lines by label (``call``,
    ``got``, ...; ``curl`` for the command), by check."""
    blocks: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in stdout.splitlines():
        head = re.match(r"FAILED (\S+) \(in (.+)\)$", line)
        if head is not None:
            current = blocks.setdefault(head.group(1), {"in": head.group(2)})
        elif current is not None and line.startswith("  curl "):
            current["curl"] = line.strip()
        elif current is not None and line.startswith(" " * 12):  # another kind of "got"
            current["got"] += "\n" + line.strip()
        elif current is not None and (field := re.match(r"  (\w+): +(.*)$", line)):
            current.setdefault(field.group(1), field.group(2))
        else:
            current = None
    return blocks


def _failure_messages(junit: Path) -> list[str]:
    tree = ElementTree.parse(junit)  # noqa: S314 - the suite's own report
    return [
        found.get("message") or ""
        for case in tree.iter("testcase")
        for found in case
        if found.tag in ("failure", "error")
    ]


def _assert_reads_in_ten_seconds(stdout: str) -> list[str]:
    """The report of a broken target: short, no pytest machinery, credentials never
    shown, and last what a person in a hurry needs. Returns its lines."""
    lines = stdout.splitlines()
    assert len(lines) <= MAX_LINES, f"{len(lines)} lines:\n{stdout}"
    # pytest's "E   ..." and ">   ..." lines (not the progress line of a teardown error).
    assert not [line for line in lines if re.match(r"(E +(?!\[ *\d+%\])|>)\S", line)], stdout
    for machinery in ("def test_", "Traceback", "test session starts", "short test summary"):
        assert machinery not in stdout, machinery
    assert "SKIPPED" not in stdout, "skips are said once, in the summary"
    summary = stdout.split("gong contract summary", 1)[1].splitlines()[1:]
    assert len(summary) == len(set(summary)), "each summary line once"
    verdict = next(i for i, line in enumerate(lines) if line.startswith("verdict: "))
    assert lines[verdict].startswith("verdict: FAILED, the target breaks ")
    assert all(line.startswith("  FAILED check: ") for line in lines[verdict + 1 : -2])
    assert lines[-2].startswith("tests: "), lines[-2]
    assert " failed" in lines[-2], lines[-2]
    assert lines[-1] == "repeat this run: --seed 1"
    blocks = _blocks(stdout)
    assert blocks, stdout
    for check, block in blocks.items():
        assert f"  FAILED check: {check} (" in stdout, check
        assert {"requires", "call", "got", "curl"} <= block.keys(), block
    # The run's credential from the environment (a call sent without one has none).
    assert any(BASIC_FROM_ENV in block["curl"] for block in blocks.values()), blocks
    assert DEFAULT_ACCESS_KEY_SECRET not in stdout
    assert DEFAULT_AUTHORIZATION.split()[1] not in stdout
    return lines


def test_contract_suite_passes_on_the_mock_and_leaves_only_its_report(tmp_path: Path) -> None:
    junit = tmp_path / "contract.xml"
    run = _contract("--junit-xml", str(junit), "--require-complete", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-3000:]  # complete: --require-complete keeps 0
    assert "gong contract schedule: estimated requests ~" in run.stdout
    assert "gong contract summary" in run.stdout
    assert "verdict: PASSED, the target conforms" in run.stdout
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
    junit = tmp_path / "contract.xml"
    run = _contract_run(
        contract_runner, "--app", _mutant(mutant), "--junit-xml", str(junit), cwd=tmp_path
    )
    assert run.returncode == 1, run.stdout[-3000:]
    _assert_reads_in_ten_seconds(run.stdout)
    assert f"  FAILED check: {caught.check} (" in run.stdout, run.stdout[-5000:]
    block = _blocks(run.stdout)[caught.check]
    assert caught.words in block["got"], block
    # CI shows the same block: the check, the call, what came back, the curl.
    messages = _failure_messages(junit)
    carried = [m for m in messages if f"FAILED {caught.check} (in " in m]
    assert carried, messages
    assert any(caught.words in m and BASIC_FROM_ENV in m for m in carried), carried
    assert not [m for m in messages if "def test_" in m or "\nE " in m], messages
    assert DEFAULT_AUTHORIZATION.split()[1] not in junit.read_text(encoding="utf-8")
    if mutant in BLOCKS:
        check, call, got = BLOCKS[mutant]
        assert check == caught.check
        assert re.match(call, block["call"]), block
        assert re.match(got, block["got"]), block
        method = block["call"].split()[0]
        assert block["curl"].startswith(f"curl -i -X {method} http://127.0.0.1:8080/v2/tasks")
        # The in-process target: the report says how to serve it, so the curl has a URL.
        assert f"  flask --app {_mutant(mutant)} run --port 8080" in run.stdout
        _assert_curl_sends_the_call_again(mutant, block)


def _assert_curl_sends_the_call_again(mutant: str, block: dict[str, str]) -> None:
    """The block's curl, run by a shell against the same app served, gets the answer the
    block says the call got: the status, and what was wrong in it."""
    answered = re.search(r"answered (\d{3})", block["call"])
    assert answered is not None, block
    env = {
        "PATH": os.environ["PATH"],
        "GONG_ACCESS_KEY": DEFAULT_ACCESS_KEY,
        "GONG_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
    }
    with LiveServer(load_app(_mutant(mutant))) as server:
        replayed = subprocess.run(  # noqa: S603 - the report's own command, in bash
            [BASH, "-c", block["curl"].replace("http://127.0.0.1:8080", server.url)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=env,
        )
    head, _, body = replayed.stdout.partition("\n\n")  # text mode: \r\n read as \n
    assert head.startswith(f"HTTP/1.1 {answered.group(1)} "), replayed.stdout[:500]
    shown = {
        "enum_outside_spec": '"status":"PENDING"',
        "wrong_field_type": '"id":"',
        "server_error_on_valid_input": "Internal server error occurred",
        "update_answers_other_status": '"tasks":[{',
    }
    if mutant == "no_retry_after":
        assert "retry-after" not in head.lower(), head
    else:
        assert shown[mutant] in body, body[:500]


def test_contract_report_brings_pytest_detail_back_when_asked(tmp_path: Path) -> None:
    run = _contract(
        "--app", _mutant("no_retry_after"), "-k", "prefer", "--", "--tb=long", cwd=tmp_path
    )
    assert run.returncode == 1, run.stdout[-3000:]
    assert "def test_prefer_returns_each_documented_error" in run.stdout
    assert any(line.startswith("E ") for line in run.stdout.splitlines()), run.stdout
    assert "[check: retry-after] 429 without an integer Retry-After" in run.stdout
    assert "retry-after" in _blocks(run.stdout), "the blocks are still there"


def test_contract_report_keeps_the_traceback_of_a_crash_of_the_suite(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(TESTS)}
    run = _contract("-k", "no_credentials", "--", "-p", "crashing_plugin", env=env, cwd=tmp_path)
    assert run.returncode == 1, run.stdout[-3000:]
    assert "ERROR in test_no_credentials_get_401 (call): the suite itself failed" in run.stdout
    assert "Traceback" in run.stdout or "crashing_plugin.py" in run.stdout, run.stdout
    assert "RuntimeError: the contract suite itself broke" in run.stdout
    assert "verdict: ERROR, the suite itself failed in 1 test (tracebacks above)" in run.stdout


@pytest.mark.parametrize(("mutant", "words"), sorted(SCHEMA_MUTANTS.items()))
def test_schemathesis_alone_catches_a_broken_answer_schema(
    contract_runner: ContractRunner, tmp_path: Path, mutant: str, words: str
) -> None:
    run = _contract_run(
        contract_runner, "--app", _mutant(mutant), "-k", "conformance", cwd=tmp_path
    )
    assert run.returncode == 1, run.stdout[-3000:]
    block = _blocks(run.stdout)["response-schema"]
    # Found by schemathesis too, and said once: folded into the suite's block.
    assert block["also"] == "schemathesis ST108 Response violates schema", block
    assert "ST108" not in run.stdout.split("gong contract summary")[1]
    assert words in block["got"]


@pytest.mark.parametrize(("variant", "warnings"), sorted(BENIGN.items()))
def test_contract_suite_passes_benign_variations_with_warnings(
    contract_runner: ContractRunner, tmp_path: Path, variant: str, warnings: tuple[str, ...]
) -> None:
    run = _contract_run(contract_runner, "--app", _mutant(variant), cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-5000:]
    assert "verdict: PASSED" in run.stdout
    for warning in warnings:
        assert warning in run.stdout, run.stdout[-3000:]


def test_contract_budget_too_small_skips_what_does_not_fit_and_exits_0(
    contract_runner: ContractRunner, tmp_path: Path
) -> None:
    run = _contract_run(contract_runner, "--max-requests", "12", cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-5000:]
    assert "verdict: PASSED" in run.stdout
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
