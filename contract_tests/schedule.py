"""The run's schedule, made before anything is sent: the designed checks first, random
examples with what the budget leaves.

Each test of the suite says what it costs with a marker:

* ``@pytest.mark.gong_designed(requests=..., needs=..., mock_only=..., writes=...,
  note=...)``: a check of the designed covering set, sent in full or not at all;
* ``@pytest.mark.gong_random(per_example=..., fixed=..., needs=..., mock_only=...)``: a
  randomized test that gets as many examples as the budget allows (up to
  ``--max-examples``);
* ``@pytest.mark.gong_last``: runs after everything else and sends nothing.

``requests``, ``fixed``, ``per_example``, ``needs`` and ``note`` may be callables of
``(context, params)``, so a check's cost can depend on the target's ids (one request per
workspace) or on its parameters. A session fixture named in :data:`SHARED_COSTS` (a
request several checks reuse) is charged to the first check that runs with it. A check
that ``writes`` runs against Gong only when ``--allow-writes`` names a task; a ``note``
is printed with the schedule when the check runs (what it will change, say).

Running out of budget is never a failure: what does not fit is skipped as *not run*
with the reason, and the summary counts it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gong_tasks_kit.contract_tests.budget import NOT_RUN
from gong_tasks_kit.contract_tests.known_ids import KnownIds
from gong_tasks_kit.contract_tests.settings import ContractSettings


def _known_tasks_cost(context: ScheduleContext) -> int:
    # One list call per known user, against mocks only (no other target's tasks are
    # written unasked, so schemathesis needs no real task ids there).
    return len(context.known.users) if context.known.mock and not context.settings.live else 0


#: Requests of session fixtures that several checks share, by fixture name: a count, or
#: a callable of the schedule's context. ``written_task`` is the restore of the task the
#: update checks write to, kept back until the end.
SHARED_COSTS: Mapping[str, int | Callable[[ScheduleContext], int]] = {
    "full_answer": 1,
    "known_tasks": _known_tasks_cost,
    "written_task": 1,
}

#: Why a check that writes does not run against Gong without ``--allow-writes``.
READ_ONLY = (
    "read-only: against Gong the update call is checked only on a task named with "
    "--allow-writes TASK_ID"
)
#: Why the workspace checks do not run (the ids unknown), and the fix.
NO_WORKSPACES = "no workspace ids known: set GONG_WORKSPACE_IDS to the company's workspaces"
#: Why it does not run against a URL that is no mock (a proxy before Gong, say).
NOT_A_MOCK = (
    "read-only: the target's /__health names no users, so it may be no mock (a proxy "
    "before Gong, say); the update call is checked only on a task named with "
    "--allow-writes TASK_ID"
)


def writes_refused(context: ScheduleContext) -> str | None:
    """Why checks that write may not run on this target (None: they may): only a mock's
    tasks are written unasked; anything else only with ``--allow-writes``."""
    settings = context.settings
    if settings.allow_writes is not None:
        return None
    if settings.live:
        return READ_ONLY
    return None if context.known.mock else NOT_A_MOCK


DESIGNED, RANDOM, LAST = "designed", "random", "last"
_ORDER = {DESIGNED: 0, RANDOM: 1, LAST: 2}


@dataclass(frozen=True, slots=True)
class ScheduleContext:
    """What the schedule knows before sending anything.

    Attributes:
        settings: The run's settings.
        known: The target's users and workspaces.
        spec_examples: Requests schemathesis builds from the spec's examples.
        coverage_phase: Whether schemathesis' coverage phase runs (its cases are not
            counted ahead, so it runs only without a budget).
        spent: Requests of the budget already sent before the schedule, one line each
            (Gong's list of workspaces, say).
    """

    settings: ContractSettings
    known: KnownIds
    spec_examples: int
    coverage_phase: bool = False
    spent: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Candidate:
    """A selected test, as the schedule sees it.

    Attributes:
        nodeid: pytest's id of the test.
        name: A short name for the schedule's report.
        kind: ``designed``, ``random`` or ``last``.
        requests: Requests a designed check sends (a random test: its fixed part).
        per_example: Requests per random example.
        needs: Why the test cannot run on this target (None: it can).
        mock_only: Why the test is for mocks only (None: it runs against Gong too).
        shared: Fixtures of :data:`SHARED_COSTS` the test uses.
        writes: Whether the test sends updates (against Gong only with
            ``--allow-writes``).
        note: A line for the schedule's report when the test runs (None: none).
    """

    nodeid: str
    name: str
    kind: str
    requests: int = 0
    per_example: int = 0
    needs: str | None = None
    mock_only: str | None = None
    shared: tuple[str, ...] = ()
    writes: bool = False
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """What the schedule decided for one test.

    Attributes:
        runs: Whether the test runs.
        reason: Why it does not (a skip reason).
        not_run: Whether that counts as a check not run (mock-only checks against Gong
            do not: they are left out by design).
        examples: Examples granted to a random test.
        wanted: Examples it asked for (``--max-examples``).
        requests: Requests planned for it.
    """

    runs: bool
    reason: str | None = None
    not_run: bool = False
    examples: int | None = None
    wanted: int | None = None
    requests: int = 0


@dataclass(frozen=True, slots=True)
class Schedule:
    """The decisions for every selected test, in run order.

    Attributes:
        budget: The budget of distinct requests (None: none).
        reserve: Requests kept back to replay a failure (hypothesis replays a failing
            example once; a broken partition is fetched again before it is reported).
        decisions: By node id.
        names: Short names, by node id.
        kinds: ``designed``, ``random`` or ``last``, by node id.
        notes: Lines the schedule's report adds.
        spent: Requests sent before the schedule.
    """

    budget: int | None
    reserve: int
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    spent: int = 0

    def decision(self, nodeid: str) -> Decision:
        """The decision for ``nodeid`` (a test the schedule never saw simply runs)."""
        return self.decisions.get(nodeid, Decision(runs=True))

    @property
    def planned_requests(self) -> int:
        """Requests the schedule expects the run to send (without retries), those sent before
        it included."""
        return self.spent + sum(d.requests for d in self.decisions.values() if d.runs)

    @property
    def examples_cut(self) -> int:
        """Random examples asked for that the budget could not fit."""
        return sum(
            (d.wanted or 0) - (d.examples or 0)
            for d in self.decisions.values()
            if d.runs and d.wanted is not None
        )

    def describe(self, *, reasons: bool = False) -> list[str]:
        """The schedule in a few lines, printed before the run starts.

        Args:
            reasons: Say why each check that will not run will not (a run's summary
                says it at the end; a collection alone has no summary).
        """
        budget = "no budget" if self.budget is None else f"budget {self.budget}"
        lines = [
            f"gong contract schedule: estimated requests ~{self.planned_requests} ({budget}; "
            f"retries after 429 not counted; {self.reserve} kept to replay a failure)"
        ]
        designed = [n for n, d in self.decisions.items() if d.runs and self.kinds[n] == DESIGNED]
        designed_requests = sum(self.decisions[n].requests for n in designed)
        lines.append(
            f"  designed checks first: {len(designed)} tests, {designed_requests} requests"
        )
        randoms = [
            f"{self.names[n]} {d.examples}"
            + (f" of {d.wanted}" if d.wanted is not None and d.examples != d.wanted else "")
            for n, d in self.decisions.items()
            if d.runs and d.examples is not None
        ]
        if randoms:
            lines.append(f"  then random examples: {', '.join(randoms)}")
        lines += [f"  {note}" for note in self.notes]
        left_out = [n for n, d in self.decisions.items() if not d.runs and d.not_run]
        if left_out and not reasons:
            tests = "1 test" if len(left_out) == 1 else f"{len(left_out)} tests"
            lines.append(f"  {tests} will not run: the summary says why")
        for nodeid in left_out if reasons else ():
            lines.append(f"  {self.decisions[nodeid].reason} [{self.names[nodeid]}]")
        return lines


def _value(spec: Any, context: ScheduleContext, params: Mapping[str, Any]) -> Any:
    return spec(context, params) if callable(spec) else spec


def candidate(
    nodeid: str,
    *,
    name: str,
    markers: Mapping[str, Mapping[str, Any]],
    params: Mapping[str, Any],
    fixtures: Sequence[str],
    context: ScheduleContext,
) -> Candidate:
    """The schedule's view of one test from its markers (``gong_designed`` etc.) and params."""
    shared = tuple(f for f in fixtures if f in SHARED_COSTS)
    for kind in (DESIGNED, RANDOM, LAST):
        marker = markers.get(f"gong_{kind}")
        if marker is None:
            continue
        fixed = marker.get("requests", marker.get("fixed", 0))
        return Candidate(
            nodeid=nodeid,
            name=name,
            kind=kind,
            requests=int(_value(fixed, context, params)),
            per_example=int(_value(marker.get("per_example", 0), context, params)),
            needs=_value(marker.get("needs"), context, params),
            mock_only=marker.get("mock_only"),
            shared=shared,
            writes=bool(marker.get("writes", False)),
            note=_value(marker.get("note"), context, params),
        )
    return Candidate(nodeid=nodeid, name=name, kind=LAST, shared=shared)


def run_order(kind: str) -> int:
    """Where tests of ``kind`` run: designed checks, then random ones, then the last."""
    return _ORDER[kind]


def _not_run(reason: str) -> Decision:
    return Decision(runs=False, reason=NOT_RUN + reason, not_run=True)


def make_schedule(candidates: Sequence[Candidate], context: ScheduleContext) -> Schedule:
    """Decide, in run order, which tests run and how many examples each random test gets.

    Designed checks are planned first, each in full or not at all; random tests then
    share what is left evenly (a test that needs less leaves the rest to the others).
    """
    settings = context.settings
    budget = settings.max_requests
    shared_costs = {
        name: cost(context) if callable(cost) else cost for name, cost in SHARED_COSTS.items()
    }
    decisions: dict[str, Decision] = {}
    runnable: list[Candidate] = []
    refused = writes_refused(context)
    for item in candidates:
        if item.mock_only is not None and settings.live:
            decisions[item.nodeid] = Decision(runs=False, reason=f"mock only: {item.mock_only}")
        elif item.writes and refused is not None:
            decisions[item.nodeid] = Decision(runs=False, reason=refused)
        elif item.needs is not None:
            decisions[item.nodeid] = _not_run(item.needs)
        else:
            runnable.append(item)
    randoms = [item for item in runnable if item.kind == RANDOM]
    # One request to confirm a broken split, and one per random test that runs (below).
    reserve = 0 if budget is None else 1
    left = None if budget is None else max(0, budget - reserve - len(context.spent))
    charged: set[str] = set()
    for item in runnable:
        if item.kind == RANDOM:
            continue
        cost = item.requests + sum(shared_costs[f] for f in item.shared if f not in charged)
        if left is not None and cost > left:
            decisions[item.nodeid] = _not_run(
                f"the budget of {budget} requests cannot fit it after the checks before it "
                f"({cost} needed); raise --max-requests"
            )
            continue
        charged.update(item.shared)
        left = None if left is None else left - cost
        decisions[item.nodeid] = Decision(runs=True, requests=cost)
    wanted = settings.max_examples
    # A shared request the designed checks did not pay for is part of a random test's
    # fixed cost (charged, at most, to each test that may be the first to run with it).
    fixed = {
        item.nodeid: item.requests + sum(shared_costs[f] for f in item.shared if f not in charged)
        for item in randoms
    }
    need = {item.nodeid: fixed[item.nodeid] + item.per_example * wanted for item in randoms}
    ordered = sorted(randoms, key=lambda item: need[item.nodeid])
    for index, item in enumerate(ordered):
        if left is None:
            decisions[item.nodeid] = Decision(
                runs=True, examples=wanted, wanted=wanted, requests=need[item.nodeid]
            )
            continue
        # A random test's share keeps one request back to replay a failure.
        share = min(need[item.nodeid] + 1, left // (len(ordered) - index)) - 1
        examples = min(wanted, (share - fixed[item.nodeid]) // max(1, item.per_example))
        if examples < 1:
            decisions[item.nodeid] = _not_run(
                f"no budget left for random examples (budget {budget}, designed checks "
                f"first); raise --max-requests"
            )
            continue
        cost = fixed[item.nodeid] + item.per_example * examples
        left -= cost + 1
        reserve += 1
        decisions[item.nodeid] = Decision(
            runs=True, examples=examples, wanted=wanted, requests=cost
        )
    order = {item.nodeid: index for index, item in enumerate(candidates)}
    notes = list(
        dict.fromkeys(
            [*context.spent]
            + [item.note for item in candidates if item.note and decisions[item.nodeid].runs]
        )
    )
    if context.coverage_phase:
        notes.append("schemathesis' coverage phase adds its own cases (not counted ahead)")
    return Schedule(
        budget=budget,
        reserve=reserve,
        decisions=dict(sorted(decisions.items(), key=lambda pair: order[pair[0]])),
        names={item.nodeid: item.name for item in candidates},
        kinds={item.nodeid: item.kind for item in candidates},
        notes=tuple(notes),
        spent=len(context.spent),
    )


#: A check's requirement: ``(context, params) -> reason it cannot run, or None``.
Needs = Callable[[ScheduleContext, Mapping[str, Any]], str | None]


def needs_a_user(context: ScheduleContext, _: Mapping[str, Any]) -> str | None:
    """The check reads one user's tasks: it needs a known user."""
    if context.known.users:
        return None
    return "no user to query: set GONG_USER_ID (the target has no /__health that names users)"


def needs_a_mock(context: ScheduleContext, params: Mapping[str, Any]) -> str | None:
    """The check needs a mock's admin API: a target whose ``/__health`` names its users."""
    if context.known.mock:
        return needs_a_user(context, params)
    return "needs a mock's admin API (the target's /__health names no users)"


def needs_workspaces(context: ScheduleContext, params: Mapping[str, Any]) -> str | None:
    """The workspace checks need the company's workspace ids."""
    if not context.known.users:
        return needs_a_user(context, params)
    if context.known.workspaces:
        return None
    return NO_WORKSPACES
