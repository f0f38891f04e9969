"""What one mock app holds while it runs: settings, tasks, shared state and the limiter."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from gong_tasks_kit.mock_server.auth import AuthSettings, authenticate
from gong_tasks_kit.mock_server.errors import ApiError
from gong_tasks_kit.mock_server.limiter import GongLimiter
from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.state import StateBackend
from gong_tasks_kit.mock_server.store import TaskStore

EXTENSION = "gong_mock"
ANONYMOUS_KEY = "anonymous:-"


@dataclass(frozen=True, slots=True)
class MockState:
    """Everything the request path and the admin API need, built once per app."""

    settings: MockSettings
    store: TaskStore
    state: StateBackend
    limiter: GongLimiter

    @property
    def credentials(self) -> AuthSettings:
        """What the mock accepts: the access key pair and the bearer tokens."""
        settings = self.settings
        return AuthSettings(settings.access_key, settings.access_key_secret, settings.bearer_tokens)

    def reset(self) -> None:
        """Forget plans, chaos, latency, the journal, every limiter counter and every task
        change."""
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


def mock_state(app: Flask | None = None) -> MockState:
    """The :class:`MockState` of ``app`` (default: the current app)."""
    state: MockState = (app or current_app).extensions[EXTENSION]
    return state
