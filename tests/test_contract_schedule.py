"""The plan: designed checks first and whole, random examples share what is left, what
does not fit is *not run* (never failed), and the default live budget fits every
designed check."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from contract_runner import ContractRunner

from gong_tasks_kit.contract_tests.budget import NOT_RUN
from gong_tasks_kit.contract_tests.known_ids import KnownIds
from gong_tasks_kit.contract_tests.schedule import (
    DESIGNED,
    NOT_A_MOCK,
    RANDOM,
    READ_ONLY,
    Candidate,
    ScheduleContext,
    candidate,
    make_schedule,
)
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.mock_server.testing import LiveServer, unthrottled_app

# One worker runs this module's contract runs, with one warm runner (contract_runner):
# a runner costs ~10 s of CPU to warm up, once per worker that uses one.
pytestmark = pytest.mark.xdist_group("contract-runs-a")

KNOWN = KnownIds(("1",), ("10", "11"), "test", mock=True)


def _context(**env: str) -> ScheduleContext:
    return ScheduleContext(load_settings(env), KNOWN, spec_examples=3)


def _designed(name: str, requests: int, **extra: object) -> Candidate:
    return Candidate(nodeid=name, name=name, kind=DESIGNED, requests=requests, **extra)  # type: ignore[arg-type]


def _random(name: str, per_example: int, fixed: int = 0) -> Candidate:
    return Candidate(nodeid=name, name=name, kind=RANDOM, requests=fixed, per_example=per_example)


def test_plan_without_budget_runs_everything_in_full() -> None:
    plan = make_schedule(
        [_designed("a", 3), _random("r", 1, fixed=3)], _context(GONG_CONTRACT_MAX_EXAMPLES="9")
    )
    assert plan.decision("a").runs
    assert (plan.decision("r").examples, plan.decision("r").requests) == (9, 12)
    assert (plan.reserve, plan.examples_cut, plan.planned_requests) == (0, 0, 15)


def test_plan_fits_designed_checks_whole_and_skips_what_does_not_fit() -> None:
    context = _context(GONG_CONTRACT_MAX_REQUESTS="10")
    plan = make_schedule([_designed("a", 4), _designed("b", 6), _designed("c", 2)], context)
    # 10 minus 1 kept to confirm a broken split: a (4) fits, b (6) does not, c (2) does.
    assert [plan.decision(n).runs for n in "abc"] == [True, False, True]
    reason = plan.decision("b").reason or ""
    assert reason.startswith(NOT_RUN)
    assert "budget of 10 requests cannot fit it" in reason
    assert plan.decision("b").not_run


def test_plan_shares_what_is_left_among_random_tests() -> None:
    context = _context(GONG_CONTRACT_MAX_REQUESTS="30", GONG_CONTRACT_MAX_EXAMPLES="50")
    candidates = [_designed("a", 5), _random("cheap", 1), _random("twice", 2)]
    plan = make_schedule(candidates, context)
    # 30 - 1 - 5 designed = 24 left: 12 each, one of which is kept to replay a failure.
    assert plan.decision("cheap").examples == 11
    assert plan.decision("twice").examples == 5
    assert plan.reserve == 3
    assert plan.planned_requests <= 30 - plan.reserve
    assert plan.examples_cut == (50 - 11) + (50 - 5)


def test_plan_gives_unused_share_to_the_others() -> None:
    context = _context(GONG_CONTRACT_MAX_REQUESTS="40", GONG_CONTRACT_MAX_EXAMPLES="5")
    plan = make_schedule([_random("small", 1), _random("big", 10)], context)
    assert plan.decision("small").examples == 5
    # 39 left; small takes 5 (+1 kept); big gets (33 - 1) // 10 = 3 examples.
    assert plan.decision("big").examples == 3


def test_plan_without_room_for_random_examples_skips_them_as_not_run() -> None:
    plan = make_schedule(
        [_designed("a", 8), _random("r", 1)], _context(GONG_CONTRACT_MAX_REQUESTS="10")
    )
    decision = plan.decision("r")
    assert not decision.runs
    assert decision.not_run
    assert "no budget left for random examples" in (decision.reason or "")


def test_plan_charges_a_shared_request_once() -> None:
    plan = make_schedule(
        [
            _designed("a", 0, shared=("full_answer",)),
            _designed("b", 2, shared=("full_answer",)),
        ],
        _context(),
    )
    assert [plan.decision(n).requests for n in "ab"] == [1, 2]


def test_plan_leaves_mock_only_checks_out_against_gong_without_counting_them() -> None:
    live = ScheduleContext(
        load_settings(
            {
                "GONG_CONTRACT_BASE_URL": "https://api.gong.io",
                "GONG_BEARER_TOKEN": "t",
                "GONG_USER_ID": "1",
            }
        ),
        KNOWN,
        spec_examples=3,
    )
    plan = make_schedule([_designed("m", 1, mock_only="faults on demand")], live)
    decision = plan.decision("m")
    assert (decision.runs, decision.not_run) == (False, False)
    assert decision.reason == "mock only: faults on demand"


def _live_context(**env: str) -> ScheduleContext:
    settings = load_settings(
        {
            "GONG_CONTRACT_BASE_URL": "https://api.gong.io",
            "GONG_BEARER_TOKEN": "t",
            "GONG_USER_ID": "1",
            **env,
        }
    )
    return ScheduleContext(settings, KNOWN, spec_examples=3)


def test_plan_writes_only_to_mocks_unless_a_task_is_named() -> None:
    writer = _designed("w", 3, writes=True, note="writes: task 9")
    read_only = make_schedule([writer], _live_context())
    decision = read_only.decision("w")
    assert (decision.runs, decision.not_run, decision.reason) == (False, False, READ_ONLY)
    assert not any("writes" in line for line in read_only.describe())
    opted_in = make_schedule([writer], _live_context(GONG_CONTRACT_ALLOW_WRITES="9"))
    assert opted_in.decision("w").runs
    assert "  writes: task 9" in opted_in.describe()
    assert make_schedule([writer], _context()).decision("w").runs, "mocks take writes"
    # A URL whose /__health names no users may be a proxy before Gong: no write unasked.
    url = load_settings({"GONG_CONTRACT_BASE_URL": "http://127.0.0.1:8081", "GONG_USER_ID": "1"})
    no_mock = ScheduleContext(url, KnownIds(("1",), (), "GONG_USER_ID"), spec_examples=3)
    assert make_schedule([writer], no_mock).decision("w").reason == NOT_A_MOCK
    named = dataclasses.replace(url, allow_writes="9")
    assert make_schedule([writer], ScheduleContext(named, no_mock.known, 3)).decision("w").runs


def test_plan_charges_the_restore_and_the_task_reads_as_shared_requests() -> None:
    shared = ("written_task", "known_tasks", "full_answer")
    checks = [_designed("a", 3, shared=shared), _designed("b", 2, shared=shared)]
    # Against a mock the tasks of each known user are read (1 user here); never on Gong.
    assert [make_schedule(checks, _context()).decision(n).requests for n in "ab"] == [6, 2]
    live = make_schedule(checks, _live_context(GONG_CONTRACT_ALLOW_WRITES="9"))
    assert [live.decision(n).requests for n in "ab"] == [5, 2]


def test_plan_charges_a_shared_request_to_random_tests_too() -> None:
    reads_tasks = dataclasses.replace(_random("r", 2), shared=("known_tasks",))
    plan = make_schedule(
        [reads_tasks], _context(GONG_CONTRACT_MAX_REQUESTS="12", GONG_CONTRACT_MAX_EXAMPLES="50")
    )
    # 12 - 1 kept to confirm a split - 1 kept to replay = 10: 1 task read, 4 examples of 2.
    assert (plan.decision("r").examples, plan.decision("r").requests) == (4, 9)


def test_candidate_reads_costs_notes_and_writes_from_markers() -> None:
    def per_example(context: ScheduleContext, params: object) -> int:
        return 2

    found = candidate(
        "t",
        name="t",
        markers={"gong_random": {"per_example": per_example, "fixed": 1}},
        params={},
        fixtures=("known_tasks", "other"),
        context=_context(),
    )
    assert (found.per_example, found.requests, found.shared) == (2, 1, ("known_tasks",))
    writer = candidate(
        "w",
        name="w",
        markers={"gong_designed": {"writes": True, "note": lambda c, p: "note"}},
        params={},
        fixtures=(),
        context=_context(),
    )
    assert (writer.writes, writer.note) == (True, "note")


def _collect_live(runner: ContractRunner, tmp_path: Path, *args: str) -> str:
    app = unthrottled_app()
    health = app.test_client().get("/__health").get_json()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    env |= {
        "GONG_CONTRACT_LIVE": "1",
        "GONG_BEARER_TOKEN": "gong-mock-token",
        "GONG_USER_ID": health["userIds"][0],
        "GONG_WORKSPACE_IDS": ",".join(health["workspaceIds"]),
    }
    with LiveServer(app) as server:
        run = runner.run(["--base-url", server.url, "--collect-only", "-q", *args], env, tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    return run.stdout


@pytest.mark.parametrize(
    ("args", "designed"),
    [
        ((), "7 tests, 11 requests"),
        # The update checks: 3 + 2 + 2 requests, the three refusals 1 each, and the
        # restore kept back.
        (("--allow-writes", "42"), "13 tests, 22 requests"),
    ],
)
def test_default_live_plan_fits_every_designed_check(
    contract_runner: ContractRunner, tmp_path: Path, args: tuple[str, ...], designed: str
) -> None:
    stdout = _collect_live(contract_runner, tmp_path, *args)
    assert "(budget 40;" in stdout
    assert NOT_RUN not in stdout, stdout
    assert f"designed checks first: {designed}" in stdout, stdout
