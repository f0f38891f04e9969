"""``gong-tasks check-client`` end to end: real mocks, a real client (``habit_client.py``)
with switchable habits. The well-behaved client passes every built-in scenario; each bad
habit fails, and the failure names the scenario that caught it, with the journal's
evidence."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from gong_tasks_kit.check_client.command import check_client_command
from gong_tasks_kit.check_client.scenario import BUILT_IN

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
HABIT_CLIENT = [sys.executable, str(Path(__file__).parent / "habit_client.py")]
#: Each bad habit, the scenario that must catch it, and the evidence it must show.
BAD_HABITS = {
    "--ignore-retry-after": (
        "rate-limited",
        r"rate-limited: FAIL: call 2 at \+0\.\d\d s, Retry-After was 2 s "
        r"\(call 1 at \+0\.00 s answered 429\)",
    ),
    "--retry-4xx": (
        "client-errors",
        r"client-errors: FAIL: call 2 at \+\d\.\d\d s \(PATCH /v2/tasks/\d+\) answered 400, "
        r"and the same call was sent 3 more times \(calls 3-5; at most 1 allowed\)",
    ),
    "--no-retry-5xx": (
        "server-errors",
        r"server-errors: FAIL: call 1 at \+0\.00 s \(POST /v2/tasks\) answered 500 and was "
        r"never sent again",
    ),
    "--no-pace": (
        "pace",
        r"pace: FAIL: more than 3 calls in 1 s \(calls \d+-\d+ within 0\.\d\d s\); call \d+ at "
        r"\+0\.\d\d s, Retry-After was 1 s \(call \d+ at \+0\.\d\d s answered 429\)",
    ),
}


def _check_client(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own console script
        [GONG_TASKS, "check-client", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_check_client_passes_a_well_behaved_client_in_every_builtin_scenario(
    tmp_path: Path,
) -> None:
    report = tmp_path / "check.xml"
    run = _check_client("--jobs", "2", "--junit-xml", str(report), "--", *HABIT_CLIENT)
    output, errors = run.communicate(timeout=120)
    assert run.returncode == 0, output + errors
    lines = output.splitlines()
    for name in BUILT_IN:
        assert any(line.startswith(f"{name}: PASS (") for line in lines), output
    assert "daily-quota: PASS (1 call, exit 3 after" in output  # it stopped at once
    assert lines[-1] == "all 6 scenarios passed"
    suite = ET.parse(report).getroot().find("testsuite")  # noqa: S314 - our own report
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("6", "0")
    assert [case.get("name") for case in suite.iter("testcase")] == list(BUILT_IN)


def test_check_client_fails_each_bad_habit_in_the_scenario_that_catches_it(
    tmp_path: Path,
) -> None:
    runs = {
        habit: _check_client(
            "--junit-xml",
            str(tmp_path / f"{habit.strip('-')}.xml"),
            "--scenario",
            scenario,
            "--",
            *HABIT_CLIENT,
            habit,
        )
        for habit, (scenario, _) in BAD_HABITS.items()
    }
    for habit, run in runs.items():
        scenario, evidence = BAD_HABITS[habit]
        output, errors = run.communicate(timeout=120)
        assert run.returncode == 1, (habit, output, errors)
        assert re.search(evidence, output), (habit, output)
        assert output.splitlines()[-1] == f"1 of 1 scenarios failed: {scenario}", output
        assert "  client: exit " in output  # the client's exit and its output's end
        assert "its output ended with:" in output
        report = tmp_path / f"{habit.strip('-')}.xml"
        suite = ET.parse(report).getroot().find("testsuite")  # noqa: S314 - our own report
        assert suite is not None
        cases = [(case.get("name"), case.find("failure") is not None) for case in suite]
        assert cases == [(scenario, True)]


def test_check_client_ends_a_client_that_hangs_with_everything_it_started(
    tmp_path: Path,
) -> None:
    child = tmp_path / "child.pid"
    hanging = (
        "import subprocess, sys, time; "
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        f"open({str(child)!r}, 'w').write(str(p.pid)); print('waiting', flush=True); "
        "time.sleep(120)"
    )
    started = time.monotonic()
    run = _check_client(
        "--scenario", "happy-path", "--time-limit", "2", "--", sys.executable, "-c", hanging
    )
    output, _ = run.communicate(timeout=60)
    assert run.returncode == 1
    assert (
        "happy-path: FAIL: the client did not finish within 2 s and was ended (a client must "
        "not hang)" in output
    )
    assert "  client: ended after the 2 s time limit, 0 calls" in output
    assert "    | waiting" in output
    assert time.monotonic() - started < 30
    # What the client started was ended too (its process group).
    process = Path(f"/proc/{int(child.read_text())}")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and process.exists():
        time.sleep(0.1)
    assert not process.exists()


def test_check_client_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    no_command = runner.invoke(check_client_command, [])
    unknown = runner.invoke(check_client_command, ["--scenario", "rate-limitd", "--", "true"])
    broken = tmp_path / "mine.yaml"
    broken.write_text("rules:\n  honours-retry-after: {tolerance: -1}\n", encoding="utf-8")
    bad_file = runner.invoke(check_client_command, ["--scenario", str(broken), "--", "true"])
    unwritable = runner.invoke(
        check_client_command, ["--junit-xml", str(tmp_path / "no" / "x.xml"), "--", "true"]
    )
    for result in (no_command, unknown, bad_file, unwritable):
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert result.output.startswith("Error: ")
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "give the client's command after --" in no_command.output
    assert "unknown scenario 'rate-limitd': built-in ones are happy-path, rate-limited" in (
        unknown.output
    )
    assert f"--scenario {broken}: rules.honours-retry-after.tolerance: must be from 0 to 1" in (
        bad_file.output
    )
    assert "the folder" in unwritable.output


def test_check_client_refuses_a_command_that_cannot_run(tmp_path: Path) -> None:
    not_executable = tmp_path / "client.sh"
    not_executable.write_text("#!/bin/sh\n", encoding="utf-8")
    for command in ("/no/such/client", str(not_executable), "no-such-client-anywhere"):
        result = CliRunner().invoke(check_client_command, ["--", command, "--flag"])
        assert result.exit_code == 2
        assert result.output == (
            f"Error: cannot run {command!r}: no such executable (on PATH, or at that path)\n"
        )


def test_check_client_gives_the_client_its_mock_and_credentials(tmp_path: Path) -> None:
    seen = tmp_path / "env.txt"
    client = (
        "import os; names = ['GONG_BASE_URL', 'GONG_ACCESS_KEY', 'GONG_ACCESS_KEY_SECRET', "
        "'GONG_BEARER_TOKEN', 'GONG_USER_ID']; "
        f"open({str(seen)!r}, 'w').write('\\n'.join(os.environ.get(n, '-') for n in names)); "
        "print('Authorization: Basic Z29uZy1tb2NrLWFjY2Vzcy1rZXk6c2VjcmV0', "
        "os.environ['GONG_ACCESS_KEY_SECRET'], os.environ['GONG_BEARER_TOKEN'])"
    )
    run = _check_client("--scenario", "happy-path", "--", sys.executable, "-c", client)
    output, _ = run.communicate(timeout=60)
    base_url, key, secret, token, user = seen.read_text().splitlines()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", base_url)
    assert (key, secret, token) == (
        "gong-mock-access-key",
        "gong-mock-access-key-secret",
        "gong-mock-write-token",
    )
    assert user.isdigit()
    # It made no call: the baseline fails, saying so; its output is shown, credentials not.
    assert run.returncode == 1
    assert "happy-path: FAIL: the client made no call to the Tasks API" in output
    assert "| Authorization: Basic [redacted] [redacted] [redacted]" in output
    assert secret not in output
    assert token not in output
