"""The plan: designed checks first and whole, random examples share what is left, what
does not fit is *not run* (never failed), and the default live budget fits every
designed check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gong_tasks_kit.contract_tests.plan import (
    DESIGNED,
    RANDOM,
    Candidate,
    PlanContext,
    make_plan,
)
from gong_tasks_kit.contract_tests.settings import load_settings
from gong_tasks_kit.contract_tests.target import NOT_RUN, KnownIds
from gong_tasks_kit.mock_server.testing import LiveServer, unthrottled_app

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
KNOWN = KnownIds(("1",), ("10", "11"), "test")


def _context(**env: str) -> PlanContext:
    return PlanContext(load_settings(env), KNOWN, spec_examples=3)


def _designed(name: str, requests: int, **extra: object) -> Candidate:
    return Candidate(nodeid=name, name=name, kind=DESIGNED, requests=requests, **extra)  # type: ignore[arg-type]


def _random(name: str, per_example: int, fixed: int = 0) -> Candidate:
    return Candidate(nodeid=name, name=name, kind=RANDOM, requests=fixed, per_example=per_example)


def test_plan_without_budget_runs_everything_in_full() -> None:
    plan = make_plan(
        [_designed("a", 3), _random("r", 1, fixed=3)], _context(GONG_CONTRACT_MAX_EXAMPLES="9")
    )
    assert plan.decision("a").runs
    assert (plan.decision("r").examples, plan.decision("r").requests) == (9, 12)
    assert (plan.reserve, plan.examples_cut, plan.planned_requests) == (0, 0, 15)


def test_plan_fits_designed_checks_whole_and_skips_what_does_not_fit() -> None:
    context = _context(GONG_CONTRACT_MAX_REQUESTS="10")
    plan = make_plan([_designed("a", 4), _designed("b", 6), _designed("c", 2)], context)
    # 10 minus 1 kept to confirm a broken split: a (4) fits, b (6) does not, c (2) does.
    assert [plan.decision(n).runs for n in "abc"] == [True, False, True]
    reason = plan.decision("b").reason or ""
    assert reason.startswith(NOT_RUN)
    assert "budget of 10 requests cannot fit it" in reason
    assert plan.decision("b").not_run


def test_plan_shares_what_is_left_among_random_tests() -> None:
    context = _context(GONG_CONTRACT_MAX_REQUESTS="30", GONG_CONTRACT_MAX_EXAMPLES="50")
    candidates = [_designed("a", 5), _random("cheap", 1), _random("twice", 2)]
    plan = make_plan(candidates, context)
    # 30 - 1 - 5 designed = 24 left: 12 each, one of which is kept to replay a failure.
    assert plan.decision("cheap").examples == 11
    assert plan.decision("twice").examples == 5
    assert plan.reserve == 3
    assert plan.planned_requests <= 30 - plan.reserve
    assert plan.examples_cut == (50 - 11) + (50 - 5)


def test_plan_gives_unused_share_to_the_others() -> None:
    context = _context(GONG_CONTRACT_MAX_REQUESTS="40", GONG_CONTRACT_MAX_EXAMPLES="5")
    plan = make_plan([_random("small", 1), _random("big", 10)], context)
    assert plan.decision("small").examples == 5
    # 39 left; small takes 5 (+1 kept); big gets (33 - 1) // 10 = 3 examples.
    assert plan.decision("big").examples == 3


def test_plan_without_room_for_random_examples_skips_them_as_not_run() -> None:
    plan = make_plan(
        [_designed("a", 8), _random("r", 1)], _context(GONG_CONTRACT_MAX_REQUESTS="10")
    )
    decision = plan.decision("r")
    assert not decision.runs
    assert decision.not_run
    assert "no budget left for random examples" in (decision.reason or "")


def test_plan_charges_a_shared_request_once() -> None:
    plan = make_plan(
        [
            _designed("a", 0, shared=("full_answer",)),
            _designed("b", 2, shared=("full_answer",)),
        ],
        _context(),
    )
    assert [plan.decision(n).requests for n in "ab"] == [1, 2]


def test_plan_leaves_mock_only_checks_out_against_gong_without_counting_them() -> None:
    live = PlanContext(
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
    plan = make_plan([_designed("m", 1, mock_only="faults on demand")], live)
    decision = plan.decision("m")
    assert (decision.runs, decision.not_run) == (False, False)
    assert decision.reason == "mock only: faults on demand"


def test_default_live_plan_fits_every_designed_check(tmp_path: Path) -> None:
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
        run = subprocess.run(  # noqa: S603 - our own console script
            [GONG_TASKS, "contract", "--base-url", server.url, "--collect-only", "-q"],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=env,
            cwd=tmp_path,
        )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "(budget 40;" in run.stdout
    assert NOT_RUN not in run.stdout, run.stdout
    assert "designed checks first: 7 tests, 11 requests" in run.stdout, run.stdout
