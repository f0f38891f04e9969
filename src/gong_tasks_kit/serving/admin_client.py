"""A Python client of QA's controls in a server's admin API (``/__admin/``): what the mock's
``MockControl`` and the proxy's ``ProxyControl`` share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from flask import Flask

from gong_tasks_kit.serving.admin_api import ADMIN_TOKEN_HEADER
from gong_tasks_kit.serving.faults import SESSION_HEADER

__all__ = ["AdminClient", "AdminClientError"]


class AdminClientError(RuntimeError):
    """The admin API refused a control call; the message carries its errors."""


class AdminClient:
    """A Python client of QA's controls in a server's admin API (``/__admin/``), the mock's
    or the proxy's, in-process or over HTTP: plans, chaos, latency, quota, the journal,
    reset.

    Args:
        target: A Flask app of the server, or its base URL.
        admin_token: The admin token, if the mock has one.
        session: Scope plans and journal reads to this session id (the calls must send
            it in the ``X-Gong-Mock-Session`` header; see :meth:`session_headers`).
    """

    def __init__(
        self, target: Flask | str, *, admin_token: str | None = None, session: str | None = None
    ) -> None:
        self.session = session
        self._headers = {ADMIN_TOKEN_HEADER: admin_token} if admin_token else {}
        self._app = target if isinstance(target, Flask) else None
        self._base_url = target.rstrip("/") if isinstance(target, str) else None

    def session_headers(self) -> dict[str, str]:
        """Headers that put a call in this control's session."""
        return {SESSION_HEADER: self.session} if self.session else {}

    def _call(
        self, method: str, path: str, payload: Any = None, params: Mapping[str, str] | None = None
    ) -> Any:
        url = f"/__admin{path}"
        if self._app is not None:
            response = self._app.test_client().open(
                url,
                method=method,
                json=payload,
                query_string=dict(params or {}),
                headers=self._headers,
            )
            status, body = response.status_code, response.get_json(silent=True)
        else:
            answer = requests.request(
                method,
                f"{self._base_url}{url}",
                json=payload,
                params=params,
                headers=self._headers,
                timeout=10,
            )
            status, body = answer.status_code, answer.json()
        if status >= 400:
            errors = body.get("errors") if isinstance(body, dict) else body
            raise AdminClientError(f"{method} {url} → {status}: {errors}")
        return body

    def _with_session(self, payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "session": self.session} if self.session else payload

    def queue(self, *steps: Mapping[str, Any], operation: str | None = None) -> int:
        """Queue plan steps, e.g. ``{"status": 429, "times": 2, "retryAfter": 1}``.

        Args:
            *steps: The steps, in order; a step may name its ``operation``.
            operation: The operation (``listTasks`` or ``updateTask``) of every step that
                names none; default: any call takes them.

        Returns:
            How many steps were queued (each once per ``times``).
        """
        if operation is not None:
            steps = tuple({"operation": operation, **step} for step in steps)
        body = self._call("POST", "/plans", self._with_session({"steps": list(steps)}))
        return int(body["queued"])

    def fail_next(
        self, status: int, *, times: int = 1, retry_after: int = 1, operation: str | None = None
    ) -> int:
        """The next ``times`` calls (of ``operation`` only, when given: ``listTasks`` or
        ``updateTask``) answer ``status`` (429 with ``Retry-After``)."""
        return self.queue(
            {"status": status, "times": times, "retryAfter": retry_after}, operation=operation
        )

    def plans(self) -> dict[str, list[dict[str, Any]]]:
        """Every queued step, by scope."""
        plans: dict[str, list[dict[str, Any]]] = self._call("GET", "/plans")["plans"]
        return plans

    def clear_plans(self) -> None:
        """Drop this session's steps (all steps without a session)."""
        self._call("DELETE", "/plans", params={"session": self.session} if self.session else {})

    def chaos(
        self,
        rate: float,
        statuses: tuple[int, ...] = (500,),
        *,
        seed: int = 0,
        retry_after: int = 1,
    ) -> None:
        """Answer a seeded fraction ``rate`` of calls with one of ``statuses``."""
        self._call(
            "PUT",
            "/chaos",
            self._with_session(
                {"rate": rate, "statuses": list(statuses), "seed": seed, "retryAfter": retry_after}
            ),
        )

    def stop_chaos(self) -> None:
        """No more chaos."""
        self._call("DELETE", "/chaos")

    def latency(
        self, fixed_ms: int | None = None, *, min_ms: int = 0, max_ms: int = 0, seed: int = 0
    ) -> None:
        """Delay answers: a fixed time, or uniformly between ``min_ms`` and ``max_ms``."""
        payload: dict[str, Any] = (
            {"fixedMs": fixed_ms}
            if fixed_ms is not None
            else {"minMs": min_ms, "maxMs": max_ms, "seed": seed}
        )
        self._call("PUT", "/latency", self._with_session(payload))

    def stop_latency(self) -> None:
        """No more added latency."""
        self._call("DELETE", "/latency")

    def exhaust_daily_quota(self, credential: str | None = None) -> int:
        """Use up the daily quota: the company's (the default ``limit_scope``), or with
        ``limit_scope="credential"`` that credential's. Returns the Retry-After calls now
        get."""
        body = self._call(
            "POST", "/quota/exhaust", {"credential": credential} if credential else {}
        )
        return int(body["retryAfter"])

    def requests(
        self,
        *,
        operation: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        answered_by: str | None = None,
    ) -> list[dict[str, Any]]:
        """The journal, oldest first: this session's calls only when the control has a
        session, and only the calls matching every filter given.

        Example:
            >>> updates = control.requests(operation="updateTask", status=200)
            >>> assert [call["path"] for call in updates] == ["/v2/tasks/42"]

        Raises:
            MockControlError: for a filter the mock refuses (an unknown operation or
                ``answered_by``), naming what it allows.
        """
        wanted = {
            "session": self.session,
            "operation": operation,
            "method": method,
            "path": path,
            "status": None if status is None else str(status),
            "answeredBy": answered_by,
        }
        params = {name: value for name, value in wanted.items() if value is not None}
        entries: list[dict[str, Any]] = self._call("GET", "/requests", params=params)["requests"]
        return entries

    def clear_requests(self) -> None:
        """Empty the journal."""
        self._call("DELETE", "/requests")

    def reset(self) -> None:
        """Forget plans, chaos, latency, the journal, the limiter's counters and every
        task change (the seeded tasks are served again)."""
        self._call("POST", "/reset")
