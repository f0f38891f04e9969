"""Helpers for tests that talk to the mock: credentials and a live server in a thread."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any

import requests
from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

from gong_tasks_kit.fixtures.credentials import basic_authorization
from gong_tasks_kit.mock_server.admin import ADMIN_TOKEN_HEADER
from gong_tasks_kit.mock_server.app import create_app, mock_state
from gong_tasks_kit.mock_server.faults import SESSION_HEADER

__all__ = [
    "LIMITS_OFF",
    "LiveServer",
    "MockControl",
    "MockControlError",
    "basic_authorization",
    "default_authorization",
    "strict_unthrottled_app",
    "unthrottled_app",
]


#: The settings that turn Gong's rate limits off.
LIMITS_OFF: Mapping[str, Any] = MappingProxyType({"rate_limit": "off", "daily_limit": 0})


def unthrottled_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The mock with Gong's rate limits off (what fast test suites want)."""
    return create_app({**LIMITS_OFF, **(config or {})})


def strict_unthrottled_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The mock with Gong's rate limits off and strict mode on: every answer it is about to
    send is validated against the spec, and one that breaks it becomes a loud 500 in the
    error shape. The contract suite's default in-process target."""
    return unthrottled_app({"strict": True, **(config or {})})


def default_authorization(app: Flask) -> str:
    """An ``Authorization`` value that ``app`` accepts (its configured Basic credentials)."""
    settings = mock_state(app).settings
    return basic_authorization(settings.access_key, settings.access_key_secret)


class LiveServer:
    """``app`` served over real HTTP on 127.0.0.1 and a free port, in a daemon thread.

    Use as a context manager, or call :meth:`start` and :meth:`stop`. An exception the
    app raises while serving (a strict-mode violation, say) is kept, so the test thread
    can re-raise it with :meth:`raise_server_errors` instead of seeing only a 500.
    """

    def __init__(self, app: Flask, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._errors: list[Exception] = []
        self._server: BaseWSGIServer = make_server(host, port, self._recording, threaded=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="gong-mock-live-server", daemon=True
        )

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def _recording(self, environ: WSGIEnvironment, start_response: StartResponse) -> Any:
        try:
            return self.app(environ, start_response)
        except Exception as error:
            self._errors.append(error)
            raise

    def take_server_errors(self) -> list[Exception]:
        """The exceptions the app raised since the last call (and forget them)."""
        errors, self._errors = self._errors, []
        return errors

    def raise_server_errors(self) -> None:
        """Re-raise the first exception the app raised since the last take or raise."""
        errors = self.take_server_errors()
        if errors:
            raise errors[0]

    def start(self) -> LiveServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class MockControl:
    """A Python client of the mock's admin API (``/__admin/``), in-process or over HTTP.

    Example:
        >>> control = MockControl(app)                       # or MockControl("http://...")
        >>> control.fail_next(429, times=2, retry_after=1)   # then normal answers
        >>> control.fail_next(500, operation="updateTask")   # the list keeps working
        >>> control.requests()                               # the journal
        >>> control.task(task_id)["task"]["status"]          # a task as it is now
        >>> control.replace_tasks([task, ...])               # serve exactly these tasks

    Args:
        target: A Flask app of the mock, or its base URL.
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
            raise MockControlError(f"{method} {url} → {status}: {errors}")
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

    def task(self, task_id: int | str) -> dict[str, Any]:
        """A task as it is now: ``{"task", "userId", "workspaceId", "changed"}``.

        Raises:
            MockControlError: for an unknown task id (404).
        """
        found: dict[str, Any] = self._call("GET", f"/tasks/{task_id}")
        return found

    def tasks(self, user_id: int | str) -> list[dict[str, Any]]:
        """A user's tasks as they are now, in serving order (empty for an unknown user)."""
        found: list[dict[str, Any]] = self._call("GET", "/tasks", params={"userId": str(user_id)})[
            "tasks"
        ]
        return found

    def dataset(self) -> dict[str, Any]:
        """The served data: where it comes from, users with workspaces and task counts per
        status, and totals."""
        summary: dict[str, Any] = self._call("GET", "/dataset")
        return summary

    def replace_tasks(
        self, tasks: Sequence[Mapping[str, Any]] | Mapping[str, Any]
    ) -> dict[str, Any]:
        """Serve these tasks instead of the current ones; every task change is forgotten
        (:meth:`reset` returns to the start-up data).

        Args:
            tasks: A list of tasks, or a Gong answer ``{"tasks": [...], "crmType": ...}``;
                a task may carry ``workspaceId`` (the mock's workspace of the task).

        Returns:
            ``{"replaced", "tasks", "users", "crmType"}``: how many tasks were sent, and
            what is served now.

        Raises:
            MockControlError: naming the task's index, its id and the field; nothing
                changed.
        """
        summary: dict[str, Any] = self._call("PUT", "/tasks", _task_payload(tasks))
        return summary

    def add_tasks(self, tasks: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> dict[str, Any]:
        """Serve these tasks as well as the current ones (task changes stay).

        Returns:
            ``{"added", "tasks", "users", "crmType"}``.

        Raises:
            MockControlError: for a task the spec refuses or an id already served;
                nothing changed.
        """
        summary: dict[str, Any] = self._call("POST", "/tasks", _task_payload(tasks))
        return summary


def _task_payload(tasks: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Any:
    return dict(tasks) if isinstance(tasks, Mapping) else [dict(task) for task in tasks]


class MockControlError(RuntimeError):
    """The admin API refused a control call; the message carries its errors."""
