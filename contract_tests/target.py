"""One way to send requests to any target: the mock in-process, a URL, or the real Gong API.

Every call of the suite, its own and schemathesis's, goes through :meth:`Target.deliver`:

* the **budget** (``budget``) counts distinct checks (first attempts) only; when it is
  spent the check is skipped as *not run*, never failed;
* a **429** with an integer ``Retry-After`` and Gong's error shape is conforming: the
  call waits that long and is sent again (bounded), and from then on the suite paces
  itself to Gong's per-second limit (from the start against the real API; see
  ``pacing``). A 429 of the wrong shape is handed to the check, which fails on it;
* every answer feeds the drift recorder of its operation;
* against the real API only read-only operations are ever sent (and updates of the one
  task ``--allow-writes`` names).

Nothing here logs or returns the ``Authorization`` value.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
import requests
from flask import Flask

from gong_tasks_kit.contract_tests.app_loading import load_app
from gong_tasks_kit.contract_tests.budget import Budget, Counters
from gong_tasks_kit.contract_tests.calls import Call
from gong_tasks_kit.contract_tests.drift import DriftRecorder
from gong_tasks_kit.contract_tests.known_ids import KnownIds, discover_known_ids
from gong_tasks_kit.contract_tests.operations import (
    LIST_TASKS,
    UPDATE_TASK,
    Operation,
    may_send_to_gong,
    task_path,
)
from gong_tasks_kit.contract_tests.pacing import Pacer
from gong_tasks_kit.contract_tests.replies import Reply
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.contract_tests.workspaces import WorkspaceLookup, look_up_workspaces

__all__ = ["Target", "TargetUnreachableError"]

_TIMEOUT_SECONDS = 30
_DEFAULT = object()
_Answer = TypeVar("_Answer")


class TargetUnreachableError(RuntimeError):
    """The target did not answer; the message names it."""


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers beyond 64 bits: valid JSON that orjson will not write
        return json.dumps(value).encode()


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
        #: The connections to a target over HTTP (None in-process).
        self.http: requests.Session | None = None
        if settings.kind == "app":
            self.app = load_app(settings.app_factory)
        else:
            self.http = requests.Session()
        self.budget = Budget(settings.max_requests, self.counters)
        self._pacer = Pacer(paced=settings.live, counters=self.counters, budget=self.budget)
        self._known: KnownIds | None = None
        #: Gong's list of workspaces, when it was asked for (see ``workspaces``).
        self.workspace_lookup: WorkspaceLookup | None = None
        #: The last call answered: a failure that names no call of its own shows this
        #: one (the failing test's last).
        self.last_call: Call | None = None

    @property
    def requests_sent(self) -> int:
        """Every request sent: distinct checks plus retries."""
        return self.counters.checks + self.counters.retries

    @property
    def paced(self) -> bool:
        """Whether calls are paced to Gong's per-second limit (live, or since a 429)."""
        return self._pacer.paced

    # -- what the target serves -------------------------------------------------------

    def known_ids(self) -> KnownIds:
        """The users and workspaces to query (see ``known_ids``); read once, never
        counted as a check."""
        if self._known is None:
            known = discover_known_ids(self.settings, self._get_json)
            if self.settings.live:  # Gong's own list of workspaces, when none were given
                self.workspace_lookup = look_up_workspaces(self, known)
                known = self.workspace_lookup.known
            self._known = known
        return self._known

    def _get_json(self, path: str) -> Any:
        if self.app is not None:
            return self.app.test_client().get(path).get_json(silent=True)
        assert self.http is not None
        try:
            response = self.http.get(f"{self.settings.base_url}{path}", timeout=5)
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
        self.budget.hold_back()

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
        self.budget.spend(held=held)

    def _observe(self, operation: Operation | None, reply: Reply) -> None:
        self.last_call = reply.call or self.last_call
        self.drift.record(operation, reply.status, reply.headers, reply.json, origin=reply.call)

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
            self._pacer.pace()
            answer = send()
            reply = reply_of(answer)
            self._observe(operation, reply)
            if reply.status != 429 or limit_is_the_answer:
                return answer
            self.counters.limited += 1
            if reply.problems(operation or LIST_TASKS):
                return answer  # a 429 of the wrong shape: the check judges (and fails) it
            self._pacer.wait_out(reply, attempts)
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

    def _call(
        self, method: str, path: str, data: bytes, headers: dict[str, str], status: int
    ) -> Call:
        return Call.sent(
            method, path, headers, data, run_credential=self.settings.authorization, status=status
        )

    def _transport(self, method: str, path: str, data: bytes, headers: dict[str, str]) -> Reply:
        if self.app is not None:
            response = self.app.test_client().open(path, method=method, data=data, headers=headers)
            status = response.status_code
            call = self._call(method, path, data, headers, status)
            return Reply(status, dict(response.headers), response.get_data(), call)
        assert self.http is not None
        url = f"{self.settings.base_url}{path}"
        try:
            answer = self.http.request(
                method, url, data=data, headers=headers, timeout=_TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            raise TargetUnreachableError(f"{url} did not answer: {type(error).__name__}") from None
        call = self._call(method, path, data, headers, answer.status_code)
        return Reply(answer.status_code, dict(answer.headers), answer.content, call)
