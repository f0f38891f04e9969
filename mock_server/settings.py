"""The mock's settings: what every server has (``serving.settings.ServerSettings``) and the
mock's own (its data, its credentials, strict mode, processes), each declared once.

``gong-tasks serve``, ``create_app()`` under any WSGI server and the docs' table all read
these declarations: defaults, then ``GONG_MOCK_*`` variables, then explicit overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import SettingsConfigDict

from gong_tasks_kit.fixtures.credentials import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BEARER_TOKENS,
)
from gong_tasks_kit.fixtures.dataset import (
    DEFAULT_SEED,
    DEFAULT_TASKS_PER_USER,
    DEFAULT_USERS,
)
from gong_tasks_kit.serving import settings as base
from gong_tasks_kit.serving.settings import (
    OFF,
    Boolean,
    ServerSettings,
    SettingsError,
    header_safe,
    parse_boolean,
    read_settings,
    setting,
)
from gong_tasks_kit.serving.state_urls import MEMORY_URL

__all__ = [
    "ENV_PREFIX",
    "OFF",
    "Boolean",
    "MockSettings",
    "SettingsError",
    "env_prefix",
    "is_setting",
    "load_settings",
    "parse_boolean",
    "setting",
    "setting_fields",
    "settings_table",
]

ENV_PREFIX = "GONG_MOCK_"

CrmType = Literal["SALESFORCE", "HUBSPOT", "MICROSOFT_DYNAMICS", "GENERIC"]
LimitScope = Literal["company", "credential"]


class MockSettings(ServerSettings):
    """Everything the mock's behaviour depends on, checked. Immutable."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX)

    workers: int = setting(
        1,
        "Server processes; more than 1 needs shared state (--state redis://...).",
        server=True,
        ge=1,
        le=64,
    )
    seed: int = setting(DEFAULT_SEED, "Seed of the generated data.", ge=0, le=2**63 - 1)
    users: int = setting(DEFAULT_USERS, "Gong users with tasks.", ge=1, le=100_000)
    tasks_per_user: int = setting(DEFAULT_TASKS_PER_USER, "Tasks per user.", ge=0, le=1_000_000)
    crm_type: CrmType = setting(
        "SALESFORCE", "The crmType served (with --data: when the file names none)."
    )
    data: str = setting(
        "",
        "Serve the tasks of this JSON file instead of generated ones (a Gong answer or a "
        "list of tasks).",
    )
    replay: str = setting(
        "",
        "Answer the calls of each operation as this proxy recording (--record FILE) "
        "answered them, in order, then normally; serves its tasks unless --data is given.",
    )
    strict: Boolean = setting(False, "Validate every response against the spec (slower).")
    auth: Boolean = setting(True, "Require Gong credentials (off: accept any caller).")
    limit_scope: LimitScope = setting(
        "company",
        "Who shares the limits: company (every credential draws from one budget, as at "
        "Gong) or credential (a budget each).",
    )
    access_key: str = setting(
        DEFAULT_ACCESS_KEY,
        "Basic auth user name (access key).",
        cli=False,
        secret=True,
        min_length=1,
    )
    access_key_secret: str = setting(
        DEFAULT_ACCESS_KEY_SECRET,
        "Basic auth password (access key secret).",
        cli=False,
        secret=True,
        min_length=1,
    )
    bearer_tokens: dict[str, tuple[str, ...]] = setting(
        dict(DEFAULT_BEARER_TOKENS),
        'Bearer tokens and their scopes, as JSON: {"token": ["api:tasks:read"]}.',
        cli=False,
        secret=True,
    )
    max_upload_bytes: int = setting(
        32 * 1024 * 1024,
        "Largest task upload accepted by PUT/POST /__admin/tasks.",
        cli=False,
        ge=1024,
        le=1024 * 1024 * 1024,
    )

    @field_validator("access_key")
    @classmethod
    def _access_key(cls, value: str) -> str:
        if ":" in value:
            raise ValueError(
                "must not contain ':' (HTTP Basic separates the user name from the "
                "password with it, so no caller could send this key)"
            )
        return value

    @field_validator("bearer_tokens")
    @classmethod
    def _tokens(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if any(not token for token in value):
            raise ValueError("a bearer token must not be empty")
        for token in value:
            header_safe(token, "a bearer token")
        return value

    @model_validator(mode="after")
    def _one_mock(self) -> MockSettings:
        if self.workers > 1 and self.state == MEMORY_URL:
            raise ValueError(
                f"{ENV_PREFIX}WORKERS (--workers): {self.workers} processes would be "
                f"{self.workers} separate mocks with memory:// state; use --workers 1, or "
                "shared state (--state redis://host:port/db)"
            )
        return self


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    settings_class: type[MockSettings] = MockSettings,
) -> MockSettings:
    """The mock's settings: defaults, then ``GONG_MOCK_*`` variables, then ``overrides``.

    Args:
        overrides: Setting names (``seed`` or ``SEED``) to values; a string is parsed by
            the same rules as an environment variable.
        settings_class: The settings class (the mock's, or a class extending it).

    Raises:
        SettingsError: naming every bad setting (and never a secret's value).
    """
    return read_settings(settings_class, overrides)


def env_prefix(settings_class: type[ServerSettings] = MockSettings) -> str:
    """The prefix of a settings class's environment variables, e.g. ``GONG_MOCK_``."""
    return base.env_prefix(settings_class)


def setting_fields(
    *, cli_only: bool = False, settings_class: type[ServerSettings] = MockSettings
) -> dict[str, FieldInfo]:
    """The documented settings, in declaration order (``cli_only``: those with an option)."""
    return base.setting_fields(settings_class, cli_only=cli_only)


def is_setting(key: str) -> bool:
    """Whether ``key`` (any case) names a mock setting."""
    return base.is_setting(MockSettings, key)


def settings_table(settings_class: type[ServerSettings] = MockSettings) -> str:
    """The docs' table of a program's settings (default: the mock's)."""
    return base.settings_table(settings_class)
