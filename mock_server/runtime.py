"""What the mock holds while it runs (its runtime): what every server has, the tasks it
serves and the credentials it accepts."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from flask import Flask

from gong_tasks_kit.fixtures.credentials import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BEARER_TOKENS,
    basic_authorization,
)
from gong_tasks_kit.mock_server.auth import BASIC_LABEL, AuthSettings, authenticate
from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.store_versions import StoreVersions
from gong_tasks_kit.mock_server.task_store import TaskStore
from gong_tasks_kit.serving.errors import ApiError
from gong_tasks_kit.serving.flask_app import runtime_as
from gong_tasks_kit.serving.redaction import credential_fragments
from gong_tasks_kit.serving.renamed import renamed_names
from gong_tasks_kit.serving.runtime import ServerRuntime
from gong_tasks_kit.serving.state import MemoryState

__all__ = ["ANONYMOUS_KEY", "UPLOAD_PATH", "MockRuntime", "mock_runtime"]

#: Where the admin API takes uploads of tasks (``admin_tasks``): bodies up to
#: ``max_upload_bytes`` rather than the API's ``max_body_bytes``.
UPLOAD_PATH = "/__admin/tasks"
#: The limiter key of every caller when authentication is off.
ANONYMOUS_KEY = "anonymous:-"


@functools.lru_cache(maxsize=8)
def _configured_credentials(key: str, secret: str, tokens: tuple[str, ...]) -> frozenset[str]:
    """Every fragment of the credentials the operator configured (not the public
    defaults, which the banner prints)."""
    fragments: set[str] = set()
    if secret != DEFAULT_ACCESS_KEY_SECRET or key != DEFAULT_ACCESS_KEY:
        fragments |= credential_fragments(basic_authorization(key, secret))
    for token in tokens:
        if token not in DEFAULT_BEARER_TOKENS:
            fragments |= credential_fragments(f"Bearer {token}")
    public = {DEFAULT_ACCESS_KEY, DEFAULT_ACCESS_KEY_SECRET, *DEFAULT_BEARER_TOKENS}
    return frozenset(fragments - public)


@dataclass(frozen=True, slots=True)
class MockRuntime(ServerRuntime):
    """Everything the mock's request path and admin API need, built once per app.

    Attributes:
        settings: The mock's settings.
        tasks: The tasks served: the start-up data and the uploads on top.
    """

    settings: MockSettings
    tasks: StoreVersions

    @property
    def store(self) -> TaskStore:
        """The tasks served now (the start-up data, or the last uploads)."""
        return self.tasks.current()

    @property
    def credentials(self) -> AuthSettings:
        """What the mock accepts: the access key pair and the bearer tokens."""
        settings = self.settings
        return AuthSettings(settings.access_key, settings.access_key_secret, settings.bearer_tokens)

    def body_limit(self, method: str, path: str) -> int:
        """The API's limit, or the upload limit for an upload of tasks."""
        if path == UPLOAD_PATH and method in ("PUT", "POST") and self.settings.admin:
            return self.settings.max_upload_bytes
        return self.settings.max_body_bytes

    def may_block(self, method: str, path: str) -> bool:
        """Only on Redis, or with added latency."""
        state = self.state
        return not isinstance(state, MemoryState) or state.get_setting("latency") is not None

    def secrets(self) -> frozenset[str]:
        """The server's secrets, and the credentials the operator configured (the public
        defaults stay: the banner prints them)."""
        settings = self.settings
        configured = _configured_credentials(
            settings.access_key, settings.access_key_secret, tuple(settings.bearer_tokens)
        )
        return ServerRuntime.secrets(self) | configured

    def credential_names(self) -> list[str]:
        """The public labels of the accepted credentials: ``basic#1`` for the access key
        pair, ``token#N`` for the N-th bearer token (no part of a credential is a label)."""
        tokens = len(self.settings.bearer_tokens)
        return [BASIC_LABEL, *(f"token#{n}" for n in range(1, tokens + 1))]

    def quota_key(self, credential: Any, authorization: str | None) -> str:
        """See ``ServerRuntime.quota_key``; the access key itself still names ``basic#1``
        (the last release's way), though no answer ever lists it."""
        if credential is not None and credential == self.settings.access_key:
            credential = BASIC_LABEL
        return ServerRuntime.quota_key(self, credential, authorization)

    def limit_key_for(self, credential: str | None, authorization: str | None) -> str:
        """The limiter key of a named credential, else of an ``Authorization`` value, else
        of the access key pair."""
        if credential is not None:
            kind = "bearer" if credential.startswith("token#") else "basic"
            return f"{kind}:{credential}"
        if authorization:
            try:
                return authenticate(authorization, self.credentials).limit_key
            except ApiError:
                pass
        if not self.settings.auth:
            return ANONYMOUS_KEY
        return f"basic:{BASIC_LABEL}"


def mock_runtime(app: Flask | None = None) -> MockRuntime:
    """The :class:`MockRuntime` of ``app`` (default: the current app).

    Raises:
        TypeError: when the app is not the mock (the proxy has no tasks of its own).
    """
    return runtime_as(MockRuntime, app)


__getattr__ = renamed_names(
    __name__, {"MockState": "MockRuntime", "mock_state": "mock_runtime"}, globals().__getitem__
)
