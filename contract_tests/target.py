"""One way to send requests to any target: budgeted, paced, and patient with limits.

Every call of the suite, its own and schemathesis's, goes through :meth:`Target.deliver`:

* the **budget** counts distinct checks (first attempts) only; when it is spent the
  check is skipped as *not run*, never failed;
* a **429** with an integer ``Retry-After`` and Gong's error shape is conforming: the
  call waits that long and is sent again (bounded), and from then on the suite paces
  itself to 3 requests a second (from the start against the real API). Retries are
  counted apart from the budget. A 429 of the wrong shape is handed to the check, which
  fails on it;
* every answer feeds the drift recorder of its operation;
* against the real API only read-only operations are ever sent.

Nothing here logs or returns the ``Authorization`` value.
"""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson
import requests

# pytest's own skip exception: hypothesis and schemathesis let it through as a skip.
from _pytest.outcomes import Skipped
from flask import Flask
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from gong_tasks_kit.contract_tests.drift import DriftRecorder
from gong_tasks_kit.contract_tests.invariants import answer_problems
from gong_tasks_kit.contract_tests.operations import (
    LIST_TASKS,
    UPDATE_TASK,
    Operation,
    may_send_to_gong,
    task_path,
)
from gong_tasks_kit.contract_tests.settings import (
    LIVE_REQUESTS_PER_SECOND,
    ContractConfigError,
    ContractSettings,
    is_gong_url,
)
from gong_tasks_kit.contract_tests.workspaces import WorkspaceLookup, look_up_workspaces

_TIMEOUT_SECONDS = 30
_DEFAULT = object()
_Answer = TypeVar("_Answer")

#: The longest ``Retry-After`` the suite waits out; a longer one ends the run's sending.
MAX_RETRY_AFTER_SECONDS = 60
#: How often one call is sent again after a 429.
MAX_RETRIES_PER_CALL = 3
#: The most time one run spends waiting on 429s, all calls together.
MAX_TOTAL_WAIT_SECONDS = 300
#: Every skip reason of a check that could not run starts with this.
NOT_RUN = "not run: "


class NotRunError(Skipped):
    """A check that could not run (budget spent, or the target's limits): a skip, never a
    failure. Hypothesis and schemathesis pass it through as pytest's own skip."""

    def __init__(self, reason: str) -> None:
        """Skip with ``reason`` (prefixed with :data:`NOT_RUN`)."""
        super().__init__(NOT_RUN + reason)


class BudgetExhaustedError(NotRunError):
    """The run would send more distinct requests than ``--max-requests`` allows."""


class TargetLimitedError(NotRunError):
    """The target's limits outlasted what the suite waits (``Retry-After`` too long, or
    retries spent)."""


class TargetUnreachableError(RuntimeError):
    """The target did not answer; the message names it."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer: status, headers, raw body and the parsed JSON (None if not JSON)."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None

    def problems(self, operation: Operation = LIST_TASKS) -> list[str]:
        """What is wrong with this answer whatever was asked (see ``invariants``)."""
        return answer_problems(self.status, self.headers, self.body, self.json, operation)


@dataclass(frozen=True, slots=True)
class KnownIds:
    """Ids worth querying on a target: its users and workspaces.

    Attributes:
        users: User ids, the first one the user of the designed checks.
        workspaces: Workspace ids of the company (the user's among them).
        source: Where they came from, for messages.
        mock: Whether the target is a mock: its ``/__health`` names the users it serves
            (never asked against Gong). Only a mock's tasks are written unasked.
    """

    users: tuple[str, ...]
    workspaces: tuple[str, ...]
    source: str
    mock: bool = False


@dataclass(frozen=True, slots=True)
class KnownTasks:
    """Tasks worth updating on a target, read through its list call (never from a mock's
    insides): each with the user who owns it.

    Attributes:
        owned: ``(owner's user id, task as answered)`` pairs, by task id (so a seed draws
            the same tasks whatever earlier updates did to the answers' order).
    """

    owned: tuple[tuple[str, dict[str, Any]], ...] = ()

    @property
    def ids(self) -> frozenset[int]:
        """The ids of every known task."""
        return frozenset(task["id"] for _, task in self.owned)

    def of(self, user: str) -> list[dict[str, Any]]:
        """The known tasks of ``user``."""
        return [task for owner, task in self.owned if owner == user]

    def find(self, task_id: int) -> tuple[str, dict[str, Any]] | None:
        """``(owner, task)`` for ``task_id``, or None."""
        return next(((o, t) for o, t in self.owned if t["id"] == task_id), None)


@dataclass(slots=True)
class Counters:
    """What a run sent: distinct checks (the budget), and retries after 429 (apart)."""

    checks: int = 0
    retries: int = 0
    limited: int = 0
    waited_seconds: float = 0.0


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers beyond 64 bits: valid JSON that orjson will not write
        return json.dumps(value).encode()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((value for key, value in headers.items() if key.lower() == lowered), None)


def app_factory(factory: str) -> Callable[[], Flask]:
    """The function ``module:function`` names (default function: create_app).

    Raises:
        ContractConfigError: when the module or the function cannot be found.
    """
    module_name, _, function_name = factory.partition(":")
    function_name = function_name or "create_app"
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ContractConfigError(
            f"--app {factory}: cannot import {module_name!r} ({error})"
        ) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ContractConfigError(f"--app {factory}: {module_name} has no {function_name}()")
    return function  # type: ignore[no-any-return]


def load_app(factory: str) -> Flask:
    """Build the in-process app from ``module:function``."""
    return app_factory(factory)()


class Target:
    """The system under contract: the mock in-process, a URL, or the real Gong API."""

    def __init__(self, settings: ContractSettings) -> None:
        """Connect to the target described by ``settings`` (nothing is sent yet)."""
        self.settings = settings
        self.drift = DriftRecorder()
        self.counters = Counters()
        self.warnings: list[str] = []
        self.notes: list[str] = []
        self.app: Flask | None = None
        self.session: requests.Session | None = None
        if settings.kind == "app":
            self.app = load_app(settings.app_factory)
        else:
            self.session = requests.Session()
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._rate = RateLimitItemPerSecond(LIVE_REQUESTS_PER_SECOND)
        self._paced = settings.live
        self._stopped: str | None = None
        self._known: KnownIds | None = None
        self._held = 0
        #: Gong's list of workspaces, when it was asked for (see ``workspaces``).
        self.workspace_lookup: WorkspaceLookup | None = None

    @property
    def requests_sent(self) -> int:
        """Every request sent: distinct checks plus retries."""
        return self.counters.checks + self.counters.retries

    @property
    def paced(self) -> bool:
        """Whether calls are paced to 3 a second (live, or since the first 429)."""
        return self._paced

    # -- what the target serves -------------------------------------------------------

    def known_ids(self) -> KnownIds:
        """The users and workspaces to query: ``GONG_USER_ID`` (and ``GONG_WORKSPACE_IDS``)
        when set, else a mock's ``/__health``, and (except against Gong, which is never
        asked) whether ``/__health`` says the target is a mock. Read once; never counted
        as a check."""
        if self._known is None:
            self._known = self._find_known_ids()
        return self._known

    def _find_known_ids(self) -> KnownIds:
        settings = self.settings
        given = settings.workspace_ids
        if settings.live:
            known = KnownIds((settings.user_id or "",), given, "GONG_USER_ID, GONG_WORKSPACE_IDS")
            self.workspace_lookup = look_up_workspaces(self, known)
            return self.workspace_lookup.known
        health = self._get_json("/__health")
        behind = health.get("target") if isinstance(health, dict) else None
        if isinstance(behind, str) and is_gong_url(behind):
            raise ContractConfigError(
                f"{settings.base_url} is a gong-tasks proxy in front of the real Gong API "
                f"({behind}): set GONG_CONTRACT_LIVE=1 and GONG_USER_ID to run the "
                "read-only, paced, budgeted live mode through it"
            )
        mock = isinstance(health, dict) and isinstance(health.get("userIds"), list)
        if settings.user_id is not None:
            return KnownIds(
                (settings.user_id,), given, "GONG_USER_ID, GONG_WORKSPACE_IDS", mock=mock
            )
        if not mock:  # a proxy, say: its /__health names no users
            return KnownIds((), given, "nowhere (no /__health, no GONG_USER_ID)")
        served = tuple(str(w) for w in health.get("workspaceIds") or [])
        source = "/__health, GONG_WORKSPACE_IDS" if given else "/__health"
        return KnownIds(
            tuple(str(u) for u in health["userIds"]), given or served, source, mock=True
        )

    def _get_json(self, path: str) -> Any:
        if self.app is not None:
            return self.app.test_client().get(path).get_json(silent=True)
        assert self.session is not None
        try:
            response = self.session.get(f"{self.settings.base_url}{path}", timeout=5)
        except requests.RequestException:
            return None
        try:
            return response.json()
        except ValueError:
            return None

    def admin(self, method: str, path: str) -> Reply | None:
        """Call a mock's admin API (``/__admin/...``), e.g. ``POST /__admin/reset``.

        Like ``/__health``, outside the spec and never counted as a check; never sent to
        the real Gong API.

        Returns:
            The answer, or None when the target did not answer.
        """
        if self.settings.live:
            raise RuntimeError(f"refusing to send {method} {path} to the real Gong API")
        try:
            return self._transport(method.upper(), path, b"", {})
        except TargetUnreachableError:
            return None

    # -- sending ------------------------------------------------------------------------

    def hold_back(self) -> None:
        """Keep one request of the budget for a call that must be sent later whatever
        happens (restoring a written task); :meth:`send` with ``held=True`` spends it.

        Raises:
            BudgetExhaustedError: the budget has no request left to keep.
        """
        budget = self.settings.max_requests
        if budget is not None and self.counters.checks + self._held >= budget:
            raise BudgetExhaustedError(
                f"the request budget of {budget} has no request left to restore a written "
                "task; raise --max-requests to run it"
            )
        self._held += 1

    def _admit(self, operation: Operation | None, path: str | None, held: bool) -> None:
        settings = self.settings
        if settings.live and not may_send_to_gong(operation, path, settings.allow_writes):
            label = operation.label if operation else "a call outside the spec"
            allowed = (
                f"only the list call and updates of task {settings.allow_writes} (--allow-writes)"
                if settings.allow_writes
                else "read-only"
            )
            raise RuntimeError(
                f"refusing to send {label} ({path or 'path unknown'}) to the real Gong API "
                f"({allowed})"
            )
        if held and self._held:
            # Kept back by hold_back: sent even once the budget or the target's limits
            # stopped other calls (a restore is worth a try).
            self._held -= 1
            self.counters.checks += 1
            return
        if self._stopped is not None:
            raise TargetLimitedError(self._stopped)
        budget = settings.max_requests
        if budget is not None and self.counters.checks + self._held >= budget:
            raise BudgetExhaustedError(
                f"the request budget of {budget} is spent; raise --max-requests to run it"
            )
        self.counters.checks += 1

    def _pace(self) -> None:
        if self._paced:
            while not self._limiter.hit(self._rate, "target"):
                time.sleep(0.05)

    def _observe(self, operation: Operation | None, reply: Reply) -> None:
        self.drift.record(operation, reply.status, reply.headers, reply.json)

    def deliver(
        self,
        operation: Operation | None,
        send: Callable[[], _Answer],
        reply_of: Callable[[_Answer], Reply],
        *,
        path: str | None = None,
        limit_is_the_answer: bool = False,
        held: bool = False,
    ) -> _Answer:
        """Send one check through ``send``, waiting out and retrying conforming 429s.

        Args:
            operation: The spec's operation called (None: a call the spec lacks).
            send: Sends the request once and returns the answer in its own type.
            reply_of: Turns that answer into a :class:`Reply`.
            path: The concrete path sent (the real API takes an update only on the path
                of the task named by ``--allow-writes``).
            limit_is_the_answer: The check asks for a 429 (``Prefer: code=429``): no retry.
            held: Spend the request kept back by :meth:`hold_back`.

        Raises:
            BudgetExhaustedError: the budget is spent (the check is skipped, not run).
            TargetLimitedError: the target's limits outlast the suite's patience.
        """
        self._admit(operation, path, held)
        attempts = 0
        while True:
            self._pace()
            answer = send()
            reply = reply_of(answer)
            self._observe(operation, reply)
            if reply.status != 429 or limit_is_the_answer:
                return answer
            self.counters.limited += 1
            if reply.problems(operation or LIST_TASKS):
                return answer  # a 429 of the wrong shape: the check judges (and fails) it
            self._paced = True
            wait = int((_header(reply.headers, "Retry-After") or "1").strip())
            if wait > MAX_RETRY_AFTER_SECONDS:
                self._stopped = (
                    f"the target asked to wait {wait} s (Retry-After) before any further "
                    f"call; the suite waits at most {MAX_RETRY_AFTER_SECONDS} s"
                )
                raise TargetLimitedError(self._stopped)
            if attempts >= MAX_RETRIES_PER_CALL:
                raise TargetLimitedError(f"the target answered 429 {attempts + 1} times in a row")
            if self.counters.waited_seconds + wait > MAX_TOTAL_WAIT_SECONDS:
                self._stopped = (
                    f"the run has waited {self.counters.waited_seconds:.0f} s on 429s, "
                    f"the most it waits is {MAX_TOTAL_WAIT_SECONDS} s"
                )
                raise TargetLimitedError(self._stopped)
            time.sleep(wait)
            self.counters.waited_seconds += wait
            self.counters.retries += 1
            attempts += 1

    def send(
        self,
        operation: Operation,
        body: Any,
        *,
        path: str | None = None,
        authorization: str | object | None = _DEFAULT,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        limit_is_the_answer: bool = False,
        held: bool = False,
    ) -> Reply:
        """Call ``operation`` with ``body``.

        Args:
            operation: The spec's operation.
            body: A JSON-ready value, or raw bytes sent as they are.
            path: The concrete path, when the operation's template has parameters.
            authorization: The header value; default the run's credential, None for none.
            headers: Extra headers (e.g. ``Prefer``).
            content_type: The request's Content-Type.
            limit_is_the_answer: The check asks for a 429: it is not retried.
            held: Spend the request kept back by :meth:`hold_back`.
        """
        data = body if isinstance(body, bytes) else _dumps(body)
        sent = {"Content-Type": content_type, **(headers or {})}
        credential = self.settings.authorization if authorization is _DEFAULT else authorization
        if isinstance(credential, str):
            sent["Authorization"] = credential
        target_path = path or operation.path
        return self.deliver(
            operation,
            lambda: self._transport(operation.method.upper(), target_path, data, sent),
            lambda reply: reply,
            path=target_path,
            limit_is_the_answer=limit_is_the_answer,
            held=held,
        )

    def read_outside_spec(self, path: str) -> Reply:
        """``GET path`` with the run's credential: a read-only call outside the spec
        (against Gong only ``/v2/workspaces``), counted as a check of the budget."""
        headers = {"Authorization": self.settings.authorization}
        return self.deliver(
            None, lambda: self._transport("GET", path, b"", headers), lambda r: r, path=path
        )

    def list_tasks(self, body: Any, **options: Any) -> Reply:
        """``POST /v2/tasks`` with ``body`` (options as for :meth:`send`)."""
        return self.send(LIST_TASKS, body, **options)

    def update_task(self, task_id: str | int, body: Any, **options: Any) -> Reply:
        """``PATCH /v2/tasks/{taskId}`` with ``body`` (options as for :meth:`send`)."""
        return self.send(UPDATE_TASK, body, path=task_path(task_id), **options)

    def _transport(self, method: str, path: str, data: bytes, headers: dict[str, str]) -> Reply:
        if self.app is not None:
            response = self.app.test_client().open(path, method=method, data=data, headers=headers)
            return Reply(response.status_code, dict(response.headers), response.get_data())
        assert self.session is not None
        url = f"{self.settings.base_url}{path}"
        try:
            answer = self.session.request(
                method, url, data=data, headers=headers, timeout=_TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            raise TargetUnreachableError(f"{url} did not answer: {type(error).__name__}") from None
        return Reply(answer.status_code, dict(answer.headers), answer.content)
