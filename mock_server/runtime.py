"""What one app holds while it runs: settings, shared state and the limiter (every app with
QA controls: the mock and the proxy), and the served tasks (the mock)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from gong_tasks_kit.fixtures.credentials import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BEARER_TOKENS,
    basic_authorization,
)
from gong_tasks_kit.mock_server.auth import AuthSettings, authenticate
from gong_tasks_kit.mock_server.errors import ApiError
from gong_tasks_kit.mock_server.limiter import GongLimiter
from gong_tasks_kit.mock_server.redaction import Redactor, credential_fragments
from gong_tasks_kit.mock_server.served_tasks import ServedTasks
from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.state import MemoryState, StateBackend
from gong_tasks_kit.mock_server.store import TaskStore

EXTENSION = "gong_mock"
#: Where the admin API takes uploads of tasks (``admin_tasks``): bodies up to
#: ``max_upload_bytes`` rather than the API's ``max_body_bytes``.
UPLOAD_PATH = "/__admin/tasks"
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

    def body_limit(self, method: str, path: str) -> int:
        """The most bytes a request's body may hold (read by the server and ``bodies``)."""
        return self.settings.max_body_bytes

    def next_call_may_block(self) -> bool:
        """Whether the next call may wait (on Redis, or on added latency): such calls run
        on the server's threads, the others on its event loop (see ``wsgi_bridge``)."""
        state = self.state
        return not isinstance(state, MemoryState) or state.get_setting("latency") is not None

    def shown(self, value: Any) -> Any:
        """``value`` (a journal entry) as the admin API may show it: the mock's configured
        credentials redacted wherever a caller put them (the public defaults stay)."""
        settings = self.settings
        return _configured_credentials(
            settings.access_key, settings.access_key_secret, tuple(settings.bearer_tokens)
        ).value(value)

    def reset(self) -> None:
        """Forget plans, chaos, latency, the journal, every limiter counter, every task
        change and every upload."""
        self.state.reset()
        self.limiter.reset()

    def credential_names(self) -> list[str]:
        """The names of the accepted credentials: the access key, then ``token#N`` for
        the N-th bearer token (a token's own value is never its name)."""
        tokens = len(self.settings.bearer_tokens)
        return [self.settings.access_key, *(f"token#{n}" for n in range(1, tokens + 1))]

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


@functools.lru_cache(maxsize=8)
def _configured_credentials(key: str, secret: str, tokens: tuple[str, ...]) -> Redactor:
    """A redactor of every credential the operator configured (not the public defaults)."""
    fragments: set[str] = set()
    if secret != DEFAULT_ACCESS_KEY_SECRET or key != DEFAULT_ACCESS_KEY:
        fragments |= credential_fragments(basic_authorization(key, secret))
    for token in tokens:
        if token not in DEFAULT_BEARER_TOKENS:
            fragments |= credential_fragments(f"Bearer {token}")
    public = {DEFAULT_ACCESS_KEY, DEFAULT_ACCESS_KEY_SECRET, *DEFAULT_BEARER_TOKENS}
    return Redactor(fragments - public)


@dataclass(frozen=True, slots=True)
class MockState(Controls):
    """Everything the mock's request path and admin API need, built once per app."""

    tasks: ServedTasks

    def body_limit(self, method: str, path: str) -> int:
        """The API's limit, or the upload limit for an upload of tasks."""
        if path == UPLOAD_PATH and method in ("PUT", "POST") and self.settings.admin:
            return self.settings.max_upload_bytes
        return self.settings.max_body_bytes

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
