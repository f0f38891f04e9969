"""What one app holds while it runs: settings, shared state and the limiter (every app with
QA controls: the mock and the proxy), and the served tasks (the mock)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from gong_tasks_kit.mock_server.auth import AuthSettings, authenticate
from gong_tasks_kit.mock_server.errors import ApiError
from gong_tasks_kit.mock_server.limiter import GongLimiter
from gong_tasks_kit.mock_server.served_tasks import ServedTasks
from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.state import StateBackend
from gong_tasks_kit.mock_server.store import TaskStore

EXTENSION = "gong_mock"
ANONYMOUS_KEY = "anonymous:-"


@dataclass(frozen=True, slots=True)
class Controls:
    """What the QA controls (the admin API's plans, chaos, latency, quota, journal and
    reset) need, built once per app."""

    settings: MockSettings
    state: StateBackend
    limiter: GongLimiter

    @property
    def credentials(self) -> AuthSettings:
        """What the mock accepts: the access key pair and the bearer tokens."""
        settings = self.settings
        return AuthSettings(settings.access_key, settings.access_key_secret, settings.bearer_tokens)

    def reset(self) -> None:
        """Forget plans, chaos, latency, the journal, every limiter counter, every task
        change and every upload."""
        self.state.reset()
        self.limiter.reset()

    def limit_key_for(self, credential: str | None, authorization: str | None) -> str:
        """The limiter key of a named credential, else of an ``Authorization`` value, else
        of the configured access key."""
        if credential is not None:
            kind = "bearer" if credential.startswith("token#") else "basic"
            return f"{kind}:{credential}"
        if authorization:
            try:
                proven = authenticate(authorization, self.credentials)
            except ApiError:
                pass
            else:
                return f"{proven.kind}:{proven.name}"
        if not self.settings.auth:
            return ANONYMOUS_KEY
        return f"basic:{self.settings.access_key}"


@dataclass(frozen=True, slots=True)
class MockState(Controls):
    """Everything the mock's request path and admin API need, built once per app."""

    tasks: ServedTasks

    @property
    def store(self) -> TaskStore:
        """The tasks served now (the start-up data, or the last uploads)."""
        return self.tasks.current()


def controls(app: Flask | None = None) -> Controls:
    """The :class:`Controls` of ``app`` (default: the current app)."""
    found: Controls = (app or current_app).extensions[EXTENSION]
    return found


def mock_state(app: Flask | None = None) -> MockState:
    """The :class:`MockState` of ``app`` (default: the current app).

    Raises:
        TypeError: when the app is not the mock (the proxy has controls, not tasks).
    """
    state = controls(app)
    if not isinstance(state, MockState):
        raise TypeError("this app serves no tasks of its own (it is not the mock)")
    return state
