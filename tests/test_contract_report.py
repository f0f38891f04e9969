"""The contract report's parts, from the findings the checks record: a curl command a shell
runs as the call was sent (any body, the credential left to the environment), one block
per failing check with its call and what came back, schemathesis' failures folded into
the suite's checks, skips grouped by why, and the validator's words made plain."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from schemathesis.core.failures import ServerError

from gong_tasks_kit.contract_tests.blocks import Entry, body_excerpt, check_blocks, operation_of
from gong_tasks_kit.contract_tests.calls import NO_CREDENTIAL, RUN_CREDENTIAL, Call
from gong_tasks_kit.contract_tests.curl import CurlTarget, curl_command
from gong_tasks_kit.contract_tests.findings import ChecksFailedError, Finding, findings_of
from gong_tasks_kit.contract_tests.invariants import problem, readable, reply_problems
from gong_tasks_kit.contract_tests.schedule import NO_WORKSPACES, READ_ONLY, Decision, Schedule
from gong_tasks_kit.contract_tests.schemathesis_failures import folded_findings
from gong_tasks_kit.contract_tests.skips import group_skips
from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION

LOCAL = CurlTarget("http://127.0.0.1:8080")
BODY = b'{"filter": {"userId": "7", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}'


def _sent(body: bytes, **headers: str) -> Call:
    return Call.sent(
        "POST",
        "/v2/tasks",
        {"Authorization": DEFAULT_AUTHORIZATION, "Content-Type": "application/json", **headers},
        body,
        run_credential=DEFAULT_AUTHORIZATION,
        status=200,
    )


def _shell_run(command: str, tmp_path: Path) -> tuple[list[str], bytes]:
    """Run ``command`` in bash with a stand-in ``curl`` that keeps its arguments and the
    body it reads from ``@-``: what the real curl would get."""
    stand_in = (
        'curl() { printf "%s\\0" "$@" > args; if [ "${@: -1}" = "@-" ]; then cat > body; fi; }; '
    )
    bash = shutil.which("bash") or "bash"
    subprocess.run(  # noqa: S603 - a fixed stand-in and the command under test
        [bash, "-c", stand_in + command],
        cwd=tmp_path,
        check=True,
        env={"GONG_ACCESS_KEY": "key", "GONG_ACCESS_KEY_SECRET": "secret", "PATH": "/usr/bin:/bin"},
    )
    args = (tmp_path / "args").read_text(encoding="utf-8").split("\0")[:-1]
    body = tmp_path / "body"
    return args, body.read_bytes() if body.exists() else b""


@pytest.mark.parametrize(
    "body",
    [
        BODY,
        b'{"filter": "it\'s \\u00e9t\\u00e9"}',
        "naïve\nline two\t'quoted'".encode(),
        b"\xff\x00\\x",
    ],
    ids=["json", "quotes", "newline-and-utf8", "nul-and-invalid-utf8"],
)
def test_curl_command_sends_the_body_byte_for_byte(body: bytes, tmp_path: Path) -> None:
    command = curl_command(_sent(body, Prefer="code=429"), LOCAL)
    assert "\n" not in command, "one line"
    args, piped = _shell_run(command, tmp_path)
    assert args[:5] == ["-i", "-X", "POST", "http://127.0.0.1:8080/v2/tasks", "-u"]
    assert args[5] == "key:secret", "the credential comes from the environment"
    assert args[6:10] == ["-H", "Content-Type: application/json", "-H", "Prefer: code=429"]
    sent = piped if args[-1] == "@-" else args[-1].encode()
    assert sent == body


def test_curl_command_never_writes_the_run_credential() -> None:
    call = _sent(BODY)
    assert call.credential == RUN_CREDENTIAL
    command = curl_command(call, LOCAL)
    assert DEFAULT_AUTHORIZATION.split()[1] not in command
    assert '-u "$GONG_ACCESS_KEY:$GONG_ACCESS_KEY_SECRET"' in command
    bearer = curl_command(call, CurlTarget("https://us-1.api.gong.io", bearer=True))
    assert '-H "Authorization: Bearer $GONG_BEARER_TOKEN"' in bearer
    assert bearer.split()[4] == "https://us-1.api.gong.io/v2/tasks"


def test_curl_command_sends_a_made_up_credential_or_none_as_the_check_did() -> None:
    wrong = Call.sent(
        "POST",
        "/v2/tasks",
        {"Authorization": "Basic bm90OnZhbGlk"},
        BODY,
        run_credential=DEFAULT_AUTHORIZATION,
    )
    assert "-H 'Authorization: Basic bm90OnZhbGlk'" in curl_command(wrong, LOCAL)
    none = Call.sent("POST", "/v2/tasks", {"User-Agent": "x"}, b"", run_credential="x")
    assert none.credential == NO_CREDENTIAL
    assert curl_command(none, LOCAL) == "curl -i -X POST http://127.0.0.1:8080/v2/tasks"


def test_operation_and_body_excerpt_say_what_matters() -> None:
    assert operation_of(Call("PATCH", "/v2/tasks/42")) == "updateTask"
    assert operation_of(Call("POST", "/v2/tasks")) == "listTasks"
    assert operation_of(Call("GET", "/v2/tasks")) is None
    long = b'{"filter": {"types": ["A", "B", "C", "D", "E", "F"], "x": "' + b"y" * 90 + b'"}}'
    shown = body_excerpt(long)
    assert '"types": ["A", "B", "C", "D", "\u2026 2 more"]' in shown
    assert "(90 characters)" in shown
    assert body_excerpt(b"\xff{") == "b'\\xff{'"
    assert body_excerpt(b"") == "no body"


def test_a_validators_list_of_values_reads_as_words() -> None:
    assert readable("'X' is not one of ['OPEN', 'DONE']") == "'X' is not one of OPEN, DONE"
    assert (
        readable("tasks[].status: 'X' is not in ['OPEN']") == "tasks[].status: 'X' is not in OPEN"
    )
    assert readable("'X' is not of type 'integer'") == "'X' is not of type 'integer'"
    (found,) = reply_problems(
        200, {"Content-Type": "application/json"}, b'{"requestId": "r", "tasks": [{"status": "X"}]}'
    )[:1]
    assert found.check == "response-schema"
    assert found.field is not None
    assert found.field.startswith("tasks[0]")


def test_one_block_per_check_with_the_call_and_what_came_back() -> None:
    call = _sent(BODY)
    enum = [
        problem(
            "response-schema",
            f"breaks: {i}",
            call=call,
            field=f"tasks[{i}].status",
            observed=f"tasks[{i}].status: 'X' is not one of OPEN",
        )
        for i in range(3)
    ]
    other = problem(
        "response-schema", "breaks", call=call, observed="tasks[0].id: 'a' is not of type 'integer'"
    )
    late = problem("request-id", "missing or empty requestId (got None)", call=call)
    entries = [Entry("test_a", f) for f in [*enum, other]] + [
        Entry("test_b", enum[0]),
        Entry("test_b", late),
    ]
    first, second = check_blocks(entries, LOCAL)
    assert first[0] == "FAILED response-schema (in 2 tests: test_a and 1 more)"
    assert first[1] == "  requires: the answer validates against the spec (openapi-core)"
    assert first[2].startswith("  call:     POST /v2/tasks (listTasks), answered 200; body {")
    assert first[3] == "  got:      tasks[0].status: 'X' is not one of OPEN (and 2 more like it)"
    assert first[4] == "            tasks[0].id: 'a' is not of type 'integer'"
    assert first[5].startswith("  curl -i -X POST http://127.0.0.1:8080/v2/tasks -u ")
    assert second[0] == "FAILED request-id (in test_b)"
    assert second[3] == "  got:      missing or empty requestId (got None)"


def test_a_failure_carries_its_findings_through_hypothesis_groups() -> None:
    found = problem("drift", "tasks[].status: 'X' is not in ['OPEN']")
    failure = ChecksFailedError([found])
    assert str(failure) == "[check: drift] tasks[].status: 'X' is not in ['OPEN']"
    group = ExceptionGroup("flaky", [ValueError("other"), failure])
    assert findings_of(group) == (found,)
    assert findings_of(RuntimeError("a crash")) == ()


def test_schemathesis_failures_fold_into_the_suites_checks() -> None:
    call = _sent(BODY)
    own = [problem("response-schema", "breaks", call=call)]

    class SchemaFailureError(AssertionError):
        code, title, message = "ST108", "Response violates schema", "long text"
        instance_path = ("tasks", 0, "status")
        validation_message = '"X" is not one of "OPEN"'

    class CustomCheckError(AssertionError):
        code, title, message = "ST901", "Custom check failed", "[check: response-schema] ..."

    server = ServerError(operation="POST /v2/tasks", status_code=500)
    folded = folded_findings([SchemaFailureError(), CustomCheckError(), server], call, own)
    assert [f.check for f in folded] == ["response-schema", "ST101"]
    assert folded[0].also == ("schemathesis ST108 Response violates schema",)
    assert folded[1].got == "500: Server error"
    assert folded[1].requires == "no server error (schemathesis' not_a_server_error check)"
    alone = folded_findings([SchemaFailureError()], call, [])
    assert alone[0].check == "response-schema"
    assert alone[0].got == 'tasks[0].status: "X" is not one of "OPEN"'


def test_skips_are_grouped_by_why_each_said_once() -> None:
    schedule = Schedule(
        budget=12,
        reserve=1,
        decisions={
            "m1": Decision(runs=False, reason="mock only: faults on demand"),
            "m2": Decision(runs=False, reason="mock only: no floods"),
            "w1": Decision(runs=False, reason=READ_ONLY),
            "w2": Decision(runs=False, reason=READ_ONLY),
            "b1": Decision(
                runs=False, reason="not run: the budget of 12 (3 needed); raise it", not_run=True
            ),
            "b2": Decision(
                runs=False, reason="not run: the budget of 12 (5 needed); raise it", not_run=True
            ),
            "ws": Decision(runs=False, reason=f"not run: {NO_WORKSPACES}", not_run=True),
        },
    )
    reasons = dict.fromkeys(schedule.decisions, "")
    reasons.update(
        {"r1": "the widest filter's answer is broken", "r2": "the widest filter's answer is broken"}
    )
    groups = group_skips(reasons, schedule)
    assert groups.lines() == [
        "  2 tests not run: the budget of 12; raise it",
        f"  1 test not run: {NO_WORKSPACES}",
        "2 mock-only checks not run against Gong, by design (a mock's controls, floods of "
        "invalid bodies, writes to other tasks)",
        f"2 update checks not run, {READ_ONLY}",
        "2 tests skipped: the widest filter's answer is broken",
    ]
    assert f"  1 test not run: {NO_WORKSPACES}" not in groups.lines(workspaces_said=True)


def test_findings_compare_and_print_like_the_lines_they_were() -> None:
    found = Finding("request-id", "missing", field="requestId")
    assert str(found) == "[check: request-id] missing"
    assert "missing" in found
    assert found.got == "missing"
