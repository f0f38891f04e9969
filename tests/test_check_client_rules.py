"""check-client's grading and scenario files, without processes: each rule on journal
entries made up for it (the evidence text included), and scenario files checked with one
clear line per problem."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gong_tasks_kit.check_client import (
    BUILT_IN,
    RULES,
    ScenarioError,
    assert_scenario,
    builtin_scenario,
    find_scenario,
    grade,
    load_scenario,
)
from gong_tasks_kit.check_client.scenario import RECORDING_RULES, parse_scenario

START = 1_800_000_000.0


def entry(
    at: float,
    status: int = 200,
    *,
    path: str = "/v2/tasks",
    body: Any = None,
    retry_after: int | None = None,
    took: float = 0.005,
    answered_by: str = "mock",
) -> dict[str, Any]:
    """A journal entry as ``GET /__admin/requests`` shows it (the fields grading reads)."""
    method = "POST" if path == "/v2/tasks" else "PATCH"
    errors = {"requestId": "r" * 19, "errors": [f"error {status}"]}
    return {
        "id": int(at * 1000),
        "epoch": START + at,
        "durationMs": took * 1000,
        "method": method,
        "path": path,
        "operation": "listTasks" if method == "POST" else "updateTask",
        "body": body if body is not None else {"filter": {"userId": "1"}},
        "status": status,
        "retryAfter": None if retry_after is None else str(retry_after),
        "responseBody": json.dumps(errors if status >= 400 else {"tasks": []}),
        "answeredBy": answered_by,
    }


def scenario_of(rules: dict[str, Any], **fields: Any) -> Any:
    return parse_scenario({"rules": rules, **fields}, name="t", source="test", folder=Path())


def test_rules_honours_retry_after_names_the_call_that_came_too_soon() -> None:
    early = [entry(0.0, 429, retry_after=2), entry(0.06)]
    verdict = grade(builtin_scenario("rate-limited"), early)
    assert verdict.headline == (
        "rate-limited: FAIL: call 2 at +0.06 s, Retry-After was 2 s "
        "(call 1 at +0.00 s answered 429)"
    )
    waited = [entry(0.0, 429, retry_after=2), entry(2.006)]  # answered at +0.005, then 2 s
    assert grade(builtin_scenario("rate-limited"), waited).passed
    # A call already on its way when the 429 was answered is not blamed.
    in_flight = [entry(0.0, 429, retry_after=2, took=0.05), entry(0.01), entry(2.06)]
    assert grade(builtin_scenario("rate-limited"), in_flight).passed


def test_rules_retries_server_errors_wants_each_wait_longer() -> None:
    scenario = scenario_of({"retries-server-errors": {}})
    growing = [entry(0.0, 500), entry(0.205, 500), entry(0.71)]
    assert grade(scenario, growing).passed
    steady = [entry(0.0, 500), entry(0.205, 500), entry(0.41)]
    assert grade(scenario, steady).evidence == (
        "call 3 at +0.41 s retried POST /v2/tasks 0.20 s after call 2 at +0.20 s answered 500; "
        "the wait before was 0.20 s (waits must grow: at least 1.25x and 0.05 s longer)",
    )
    given_up = [entry(0.0, 500), entry(0.3, path="/v2/tasks/7", body={"userId": "1"})]
    assert grade(scenario, given_up).evidence == (
        "call 1 at +0.00 s (POST /v2/tasks) answered 500 and was never sent again",
    )


def test_rules_no_repeated_client_errors_counts_the_same_call_sent_again_at_once() -> None:
    scenario = builtin_scenario("client-errors")
    once = [entry(0.0, 400), entry(0.1, 401), entry(0.2, path="/v2/tasks/7", body={"a": 1})]
    assert grade(scenario, once).passed
    # Key order does not make another call; another body does.
    body, reordered = {"filter": {"a": 1, "b": 2}}, {"filter": {"b": 2, "a": 1}}
    again = [entry(0.0, 400, body=body), entry(0.1, 401, body=reordered), entry(0.2, body=body)]
    assert grade(scenario, again).evidence == (
        "call 1 at +0.00 s (POST /v2/tasks) answered 400, and the same call was sent 2 more "
        "times (calls 2-3; at most 1 allowed)",
    )
    other = [entry(0.0, 400, body=body), entry(0.1, 400, body={"x": 1}), entry(0.2, body=body)]
    assert grade(scenario, other).passed
    assert grade(scenario, [entry(0.0, 429), entry(0.1, 429), entry(2.0)]).passed  # not a 4xx


def test_rules_paced_allows_a_burst_only_when_every_429_is_waited_for() -> None:
    scenario = builtin_scenario("pace")
    paced = [entry(at) for at in (0.0, 0.1, 0.2, 1.06, 1.1, 1.2)]
    assert grade(scenario, paced).passed
    told = [*(entry(at) for at in (0.0, 0.01, 0.02)), entry(0.03, 429, retry_after=1)]
    assert grade(scenario, [*told, entry(1.04)]).passed  # over, and it waited as told
    assert grade(scenario, [*told, entry(0.5)]).headline == (
        "pace: FAIL: more than 3 calls in 1 s (calls 1-4 within 0.03 s); call 5 at +0.50 s, "
        "Retry-After was 1 s (call 4 at +0.03 s answered 429)"
    )
    unlimited = [entry(at) for at in (0.0, 0.1, 0.2, 0.3)]
    assert grade(scenario, unlimited).evidence == (
        "more than 3 calls in 1 s (calls 1-4 within 0.30 s)",
    )


def test_rules_stops_on_quota_allows_one_more_call() -> None:
    scenario = builtin_scenario("daily-quota")
    quota = entry(0.0, 429, retry_after=86_000)
    assert grade(scenario, [quota, entry(0.5, 429, retry_after=86_000)]).passed
    hammering = [quota, *(entry(0.1 * n, 429, retry_after=86_000) for n in range(1, 6))]
    assert grade(scenario, hammering).headline == (
        "daily-quota: FAIL: 5 calls after call 1 at +0.00 s answered 429 with Retry-After "
        "86000 s (23.9 h): calls 2-6 (at most 1 allowed)"
    )


def test_rules_happy_path_judges_exit_status_errors_and_calls() -> None:
    scenario = builtin_scenario("happy-path")
    assert grade(scenario, [entry(0.0)], exit_code=0).passed
    assert grade(scenario, [], exit_code=0).evidence == (
        "the client made no call to the Tasks API (does it call GONG_BASE_URL?)",
    )
    wrong = [entry(0.0), entry(0.1, 400, path="/v2/tasks/7", body={})]
    assert grade(scenario, wrong, exit_code=2).evidence == (
        "call 2 at +0.10 s (PATCH /v2/tasks/7) answered 400: error 400",
        "the client exited with status 2",
    )
    hung = grade(scenario, [entry(0.0)], timed_out=True)
    assert hung.evidence == (
        "the client did not finish within 30 s and was ended (a client must not hang)",
    )


def test_rules_evidence_is_bounded_per_rule() -> None:
    scenario = builtin_scenario("happy-path")
    many = [entry(0.1 * n, 400) for n in range(10)]
    evidence = grade(scenario, many, exit_code=0).evidence
    assert len(evidence) == 4
    assert evidence[-1] == "no-error-answers: 7 more like these"


def test_rules_assert_scenario_raises_with_the_evidence() -> None:
    with pytest.raises(AssertionError) as caught:
        assert_scenario("rate-limited", [entry(0.0, 429, retry_after=2), entry(0.5)])
    assert str(caught.value).startswith("rate-limited: FAIL: call 2 at +0.50 s")
    assert assert_scenario("rate-limited", [entry(0.0)]).passed
    with pytest.raises(ValueError, match="not a journal entry"):
        assert_scenario("rate-limited", [{"status": 200}])


def test_scenarios_builtin_files_are_the_declared_ones_and_load() -> None:
    folder = Path(__import__("gong_tasks_kit.check_client").check_client.__file__).parent
    assert sorted(path.stem for path in (folder / "scenarios").glob("*.yaml")) == sorted(BUILT_IN)
    for name in BUILT_IN:
        scenario = builtin_scenario(name)
        assert (scenario.name, scenario.source) == (name, "built-in")
        assert scenario.summary
        assert set(scenario.rules) <= set(RULES)
    assert builtin_scenario("pace").mock == {"rate_limit": "3/second", "daily_limit": 10000}
    assert builtin_scenario("daily-quota").exhaust_quota


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules: [", "not valid YAML: expected the node content, but found '<stream end>'"),
        ("- 1", "must be a YAML mapping"),
        ("rulez: {}", "unknown field 'rulez' (known: chaos, exhaust_quota, latency, mock"),
        ("name: x", "rules: must map at least one rule to its parameters"),
        ("rules: {retry: {}}", "rules: unknown rule 'retry' (known: calls-api, exit-zero"),
        ("rules: {paced: {calls: 2, window: 1}}", "rules.paced: unknown parameter 'window'"),
        ("rules: {paced: {calls: true}}", "rules.paced.calls: must be an integer, got True"),
        ("rules: {paced: {seconds: 0}}", "rules.paced.seconds: must be from 0.1 to 86400"),
        (
            "rules: {no-repeated-client-errors: {statuses: [500]}}",
            "rules.no-repeated-client-errors.statuses: must be a list of integers from 400",
        ),
        (
            "plan: [{status: 418}]\nrules: {calls-api: {}}",
            "plan: status must be one the spec documents for every operation",
        ),
        (
            "plan: [{status: 429, retryafter: 2}]\nrules: {calls-api: {}}",
            "plan: steps[0]: unknown field 'retryafter'",
        ),
        ("chaos: {rate: 2}\nrules: {calls-api: {}}", "chaos: rate must be a number from 0 to 1"),
        (
            "mock: {port: 8080}\nrules: {calls-api: {}}",
            "mock: 'port' is not a setting a scenario may set",
        ),
        (
            "mock: {rate_limit: fast}\nrules: {calls-api: {}}",
            "mock: GONG_MOCK_RATE_LIMIT (--rate-limit): must be a rate such as 3/second, or "
            "off, got 'fast'",
        ),
        ("time_limit: 0\nrules: {calls-api: {}}", "time_limit: must be from 1 to 3600 seconds"),
        ("exhaust_quota: maybe\nrules: {calls-api: {}}", "exhaust_quota: must be true or false"),
        ("name: 'a b'\nrules: {calls-api: {}}", "name: must be 1 to 80 letters, digits"),
        ("replay: gone.json\nrules: {calls-api: {}}", "replay: "),
        (
            "a: &a [1, 1]\nb: &b [*a, *a]\nrules: {calls-api: {}}",
            "not valid YAML: aliases (*name) are not allowed (line 2, column 8)",
        ),
        ("rules: " + "[" * 5000 + "]" * 5000, "not valid YAML: nested too deeply"),
    ],
)
def test_scenarios_files_are_checked_with_one_line_per_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    shown = str(caught.value)
    assert shown.startswith(f"--scenario {path}: {message}"), shown
    assert "\n" not in shown


def test_scenarios_a_user_file_reads_its_paths_beside_it(tmp_path: Path) -> None:
    (tmp_path / "tasks.json").write_text("[]", encoding="utf-8")
    path = tmp_path / "mine.yml"
    path.write_text(
        "summary: Two 503s\nmock: {data: tasks.json, rate_limit: off}\n"
        "plan: [{status: 500, times: 2}]\nrules: {retries-server-errors: {growth: 2}}\n",
        encoding="utf-8",
    )
    scenario = find_scenario(str(path))
    assert (scenario.name, scenario.source) == ("mine", str(path))
    assert scenario.mock == {"data": str(tmp_path / "tasks.json"), "rate_limit": False}
    assert scenario.mock_environment() == {
        "GONG_MOCK_DATA": str(tmp_path / "tasks.json"),
        "GONG_MOCK_RATE_LIMIT": "off",
    }
    assert scenario.rules == {"retries-server-errors": {"growth": 2, "min_step": 0.05}}
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (1024 * 1024 + 1))
    with pytest.raises(ScenarioError, match=r"big\.yaml: larger than 1048576 bytes$"):
        load_scenario(big)


def test_scenarios_a_proxy_recording_is_a_replay_scenario(tmp_path: Path) -> None:
    recording = tmp_path / "incident-0412.json"
    recording.write_text(
        json.dumps({"tasks": [], "answers": {"listTasks": [{"status": 429, "retryAfter": "3"}]}}),
        encoding="utf-8",
    )
    scenario = find_scenario(str(recording))
    assert scenario.name == "incident-0412"
    assert scenario.replay == str(recording)
    assert scenario.mock_environment()["GONG_MOCK_REPLAY"] == str(recording)
    assert list(scenario.rules) == list(RECORDING_RULES)
    plain = tmp_path / "tasks.json"
    plain.write_text('{"tasks": []}', encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        find_scenario(str(plain))
    assert str(caught.value) == (
        f"--scenario {plain}: holds no 'answers': record the incident with gong-tasks proxy "
        "--record FILE"
    )
