"""The mock's settings: defaults, then ``GONG_MOCK_*`` environment variables, then overrides.

Flask's config is the carrier (``Config.from_prefixed_env``); :class:`MockSettings` is
the checked, typed view the rest of the mock reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from limits import parse as parse_rate

from fixtures.dataset import CRM_TYPES, DEFAULT_SEED, DEFAULT_TASKS_PER_USER, DEFAULT_USERS
from mock_server.auth import REQUIRED_SCOPE, AuthSettings
from mock_server.state import normalize_state_url

ENV_PREFIX = "GONG_MOCK"

DEFAULT_ACCESS_KEY = "gong-mock-access-key"
DEFAULT_ACCESS_KEY_SECRET = "gong-mock-access-key-secret"  # noqa: S105 - public mock value
DEFAULT_BEARER_TOKENS: Mapping[str, list[str]] = MappingProxyType(
    {
        "gong-mock-token": [REQUIRED_SCOPE],
        "gong-mock-token-without-tasks-scope": ["api:calls:read:basic"],
    }
)

#: Keys of Flask's config that the mock reads, with their defaults.
DEFAULTS: Mapping[str, Any] = MappingProxyType(
    {
        "SEED": DEFAULT_SEED,
        "USERS": DEFAULT_USERS,
        "TASKS_PER_USER": DEFAULT_TASKS_PER_USER,
        "CRM_TYPE": "SALESFORCE",
        "AUTH": True,
        "ACCESS_KEY": DEFAULT_ACCESS_KEY,
        "ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
        "BEARER_TOKENS": dict(DEFAULT_BEARER_TOKENS),
        "STRICT": False,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "RATE_LIMIT": "3/second",
        "DAILY_LIMIT": 10_000,
        "STATE": "memory://",
        "JOURNAL_SIZE": 1000,
        "ADMIN": True,
        "ADMIN_TOKEN": "",
    }
)


class SettingsError(ValueError):
    """A setting has a value the mock cannot use; the message names it."""


def _int(config: Mapping[str, Any], key: str, minimum: int) -> int:
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SettingsError(f"{ENV_PREFIX}_{key} must be an integer >= {minimum}, got {value!r}")
    return value


def _bool(config: Mapping[str, Any], key: str) -> bool:
    value = config[key]
    if not isinstance(value, bool):
        raise SettingsError(f"{ENV_PREFIX}_{key} must be true or false, got {value!r}")
    return value


def _tokens(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, Mapping) or not all(
        isinstance(token, str) and token and isinstance(scopes, list | tuple)
        for token, scopes in value.items()
    ):
        raise SettingsError(
            f"{ENV_PREFIX}_BEARER_TOKENS must map tokens to scope lists, "
            f'e.g. {{"t": ["{REQUIRED_SCOPE}"]}}'
        )
    return {token: tuple(str(scope) for scope in scopes) for token, scopes in value.items()}


def _rate(value: Any) -> str:
    text = str(value).strip().lower()
    if text in ("off", "none", "0", "false", ""):
        return "off"
    try:
        parse_rate(text)
    except ValueError:
        raise SettingsError(
            f"{ENV_PREFIX}_RATE_LIMIT must be a rate such as 3/second, or off; got {value!r}"
        ) from None
    return text


def _state_url(value: Any) -> str:
    try:
        return normalize_state_url(str(value))
    except ValueError:
        raise SettingsError(
            f"{ENV_PREFIX}_STATE must be memory:// or redis://host:port/db"
        ) from None


def _string(config: Mapping[str, Any], key: str) -> str:
    value = config[key]
    if not isinstance(value, str):
        raise SettingsError(f"{ENV_PREFIX}_{key} must be a string")
    return value


@dataclass(frozen=True, slots=True)
class MockSettings:
    """Everything the mock's behaviour depends on, checked."""

    seed: int
    users: int
    tasks_per_user: int
    crm_type: str
    auth_required: bool
    auth: AuthSettings
    strict: bool
    max_body_bytes: int
    rate_limit: str
    daily_limit: int
    state_url: str
    journal_size: int
    admin: bool
    admin_token: str = field(repr=False)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MockSettings:
        """Read and check the mock's keys of a Flask config.

        Raises:
            SettingsError: naming the first bad setting.
        """
        crm_type = config["CRM_TYPE"]
        if crm_type not in CRM_TYPES:
            raise SettingsError(f"{ENV_PREFIX}_CRM_TYPE must be one of {', '.join(CRM_TYPES)}")
        for key in ("ACCESS_KEY", "ACCESS_KEY_SECRET"):
            if not isinstance(config[key], str) or not config[key]:
                raise SettingsError(f"{ENV_PREFIX}_{key} must be a non-empty string")
        return cls(
            seed=_int(config, "SEED", 0),
            users=_int(config, "USERS", 1),
            tasks_per_user=_int(config, "TASKS_PER_USER", 0),
            crm_type=crm_type,
            auth_required=_bool(config, "AUTH"),
            auth=AuthSettings(
                config["ACCESS_KEY"], config["ACCESS_KEY_SECRET"], _tokens(config["BEARER_TOKENS"])
            ),
            strict=_bool(config, "STRICT"),
            max_body_bytes=_int(config, "MAX_CONTENT_LENGTH", 1024),
            rate_limit=_rate(config["RATE_LIMIT"]),
            daily_limit=_int(config, "DAILY_LIMIT", 0),
            state_url=_state_url(config["STATE"]),
            journal_size=_int(config, "JOURNAL_SIZE", 1),
            admin=_bool(config, "ADMIN"),
            admin_token=_string(config, "ADMIN_TOKEN"),
        )
