"""One way to send requests to any target, throttled and budgeted for the real API.

Every answer passes through :meth:`Target.observe`, which feeds the drift recorder;
nothing here logs or returns the ``Authorization`` value.
"""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import dataclass
from typing import Any

import orjson
import requests
from flask import Flask
from gong_tasks_kit.contract_tests.drift import DriftRecorder
from gong_tasks_kit.contract_tests.settings import LIVE_REQUESTS_PER_SECOND, ContractSettings
from gong_tasks_kit.spec import TASKS_PATH
from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

_TIMEOUT_SECONDS = 30
_MAX_RETRY_AFTER_WAIT = 60
_DEFAULT = object()


class BudgetExhaustedError(RuntimeError):
    """The run would send more requests than ``--max-requests`` allows."""


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


def _dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers beyond 64 bits: valid JSON that orjson will not write
        return json.dumps(value).encode()


def load_app(factory: str) -> Flask:
    """Build the in-process app from ``module:function``."""
    module_name, _, function_name = factory.partition(":")
    module = importlib.import_module(module_name)
    app: Flask = getattr(module, function_name or "create_app")()
    return app


class Target:
    """The system under contract: the mock in-process, a URL, or the real Gong API."""

    def __init__(self, settings: ContractSettings) -> None:
        """Connect to the target described by ``settings`` (nothing is sent yet)."""
        self.settings = settings
        self.drift = DriftRecorder()
        self.requests_sent = 0
        self.app: Flask | None = None
        self.session: requests.Session | None = None
        if settings.kind == "app":
            self.app = load_app(settings.app_factory)
        else:
            self.session = requests.Session()
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._rate = RateLimitItemPerSecond(LIVE_REQUESTS_PER_SECOND)

    # -- what the target serves -------------------------------------------------------

    def known_users(self) -> tuple[list[str], list[str]]:
        """``(user ids, workspace ids)`` worth querying on this target."""
        if self.settings.user_id is not None:
            return [self.settings.user_id], []
        health = self._get_json("/__health")
        if not isinstance(health, dict) or not isinstance(health.get("userIds"), list):
            return [], []
        workspace_ids = health.get("workspaceIds") or []
        return [str(u) for u in health["userIds"]], [str(w) for w in workspace_ids]

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

    # -- sending ------------------------------------------------------------------------

    def before_request(self) -> None:
        """Enforce the budget, and 3 requests per second on the real API.

        Raises:
            BudgetExhaustedError: when the budget is spent.
        """
        budget = self.settings.max_requests
        if budget is not None and self.requests_sent >= budget:
            raise BudgetExhaustedError(
                f"the request budget of {budget} is spent; raise --max-requests to send more"
            )
        if self.settings.live:
            while not self._limiter.hit(self._rate, "target"):
                time.sleep(0.05)
        self.requests_sent += 1

    def observe(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Feed one answer to the drift recorder."""
        try:
            parsed = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            parsed = None
        self.drift.record(status, headers, parsed)

    def post(
        self,
        body: Any,
        *,
        authorization: str | object | None = _DEFAULT,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Reply:
        """``POST /v2/tasks``; on the real API a 429 is retried once after Retry-After.

        Args:
            body: A JSON-ready value, or raw bytes sent as they are.
            authorization: The header value; default the run's credential, None for none.
            headers: Extra headers (e.g. ``Prefer``).
            content_type: The request's Content-Type.
        """
        data = body if isinstance(body, bytes) else _dumps(body)
        sent = {"Content-Type": content_type, **(headers or {})}
        credential = self.settings.authorization if authorization is _DEFAULT else authorization
        if isinstance(credential, str):
            sent["Authorization"] = credential
        reply = self._send(data, sent)
        if self.settings.live and reply.status == 429:
            wait = reply.headers.get("Retry-After", "1")
            time.sleep(min(int(wait) if wait.isdecimal() else 1, _MAX_RETRY_AFTER_WAIT))
            reply = self._send(data, sent)
        return reply

    def _send(self, data: bytes, headers: dict[str, str]) -> Reply:
        self.before_request()
        if self.app is not None:
            response = self.app.test_client().post(TASKS_PATH, data=data, headers=headers)
            reply = Reply(response.status_code, dict(response.headers), response.get_data())
        else:
            assert self.session is not None
            url = f"{self.settings.base_url}{TASKS_PATH}"
            try:
                answer = self.session.post(
                    url, data=data, headers=headers, timeout=_TIMEOUT_SECONDS
                )
            except requests.RequestException as error:
                raise TargetUnreachableError(
                    f"{url} did not answer: {type(error).__name__}"
                ) from None
            reply = Reply(answer.status_code, dict(answer.headers), answer.content)
        self.observe(reply.status, reply.headers, reply.body)
        return reply
