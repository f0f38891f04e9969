"""The mock's settings, each declared once: name, type, default, limits and help.

Layering follows Flask's model: defaults, then ``GONG_MOCK_*`` environment variables,
then explicit overrides (the command line's options, or ``create_app``'s config).
pydantic-settings does the layering and the parsing, so ``gong-tasks serve``,
``create_app()`` under any WSGI server and the README's table all read one
declaration: the command line's options and the table are derived from the fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

from limits import parse as parse_rate
from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceParseError

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
from gong_tasks_kit.mock_server.state import MEMORY_URL, normalize_state_url, redact_url

ENV_PREFIX = "GONG_MOCK_"
OFF = "off"

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class SettingsError(ValueError):
    """A setting has a value the mock cannot use; the message names it."""


def parse_boolean(value: Any) -> Any:
    """One rule for every boolean: true/false/1/0/yes/no/on/off, any case."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("must be one of true/false, 1/0, yes/no, on/off")
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    return value


Boolean = Annotated[bool, BeforeValidator(parse_boolean)]
CrmType = Literal["SALESFORCE", "HUBSPOT", "MICROSOFT_DYNAMICS", "GENERIC"]
LimitScope = Literal["company", "credential"]


def setting(
    default: Any,
    help_text: str,
    *,
    cli: bool = True,
    secret: bool = False,
    server: bool = False,
    **limits: Any,
) -> Any:
    """Declare one setting.

    Args:
        default: Its value when nothing else sets it.
        help_text: One sentence for ``--help`` and the README.
        cli: Whether ``gong-tasks serve`` has an option for it (credentials do not:
            a command line is visible to every user of the machine).
        secret: Never printed; error messages leave its value out.
        server: A setting of the server process, not of the app.
        **limits: pydantic constraints such as ``ge=0``.
    """
    extra: JsonDict = {"cli": cli, "secret": secret, "server": server}
    return Field(default, description=help_text, json_schema_extra=extra, **limits)


class MockSettings(BaseSettings):
    """Everything the mock's behaviour depends on, checked. Immutable."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", case_sensitive=False
    )

    host: str = setting("127.0.0.1", "Interface to listen on.", server=True)
    port: int = setting(8080, "Port to listen on.", server=True, ge=0, le=65535)
    workers: int = setting(
        1,
        "Server processes; more than 1 needs shared state (--state redis://...).",
        server=True,
        ge=1,
        le=64,
    )
    threads: int = setting(
        8,
        "Threads per process for calls that may block (added latency, Redis): how many "
        "delayed calls are served at once.",
        server=True,
        ge=1,
        le=256,
    )
    max_connections: int = setting(
        1024,
        "Connections each process holds open at once; more wait in the listen queue.",
        server=True,
        ge=16,
        le=65_536,
    )
    header_timeout: int = setting(
        10,
        "Seconds a connection may take to send a request's headers (or sit idle) before "
        "it is closed.",
        server=True,
        ge=1,
        le=60,
    )
    body_timeout: int = setting(
        10,
        "Seconds a request may take to send its body before it is answered 400.",
        server=True,
        ge=1,
        le=3600,
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
    rate_limit: str = setting("3/second", "Gong's burst limit, e.g. 3/second, or off.")
    daily_limit: int = setting(10_000, "Calls a day (0: no daily limit).", ge=0, le=10**9)
    limit_scope: LimitScope = setting(
        "company",
        "Who shares the limits: company (every credential draws from one budget, as at "
        "Gong) or credential (a budget each).",
    )
    state: str = setting(
        "memory://", "Where shared state lives: memory:// or redis://host:port/db."
    )
    journal_size: int = setting(1000, "Requests kept in the journal.", ge=1, le=100_000)
    admin: Boolean = setting(True, "Serve the /__admin/ API.")
    admin_token: str = setting(
        "",
        "Token for /__admin/ (header X-Gong-Mock-Admin-Token); without one the admin "
        "API answers loopback callers only.",
        secret=True,
    )
    access_key: str = setting(
        DEFAULT_ACCESS_KEY, "Basic auth user name (access key).", cli=False, min_length=1
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
    max_body_bytes: int = setting(
        64 * 1024, "Largest request body accepted.", cli=False, ge=1024, le=16 * 1024 * 1024
    )
    max_upload_bytes: int = setting(
        32 * 1024 * 1024,
        "Largest task upload accepted by PUT/POST /__admin/tasks.",
        cli=False,
        ge=1024,
        le=1024 * 1024 * 1024,
    )

    @field_validator("rate_limit", mode="before")
    @classmethod
    def _rate(cls, value: Any) -> str:
        text = str(value).strip().lower()
        if text in (OFF, "none", "0", "false", ""):
            return OFF
        try:
            parse_rate(text)
        except ValueError:
            raise ValueError("must be a rate such as 3/second, or off") from None
        return text

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: Any) -> str:
        try:
            return normalize_state_url(str(value))
        except ValueError:
            raise ValueError("must be memory:// or redis://host:port/db") from None

    @field_validator("bearer_tokens")
    @classmethod
    def _tokens(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        if any(not token for token in value):
            raise ValueError("a bearer token must not be empty")
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

    @property
    def shown_state(self) -> str:
        """The state URL without its password, for banners and status pages."""
        return redact_url(self.state)

    @classmethod
    def documented_settings(cls) -> dict[str, FieldInfo]:
        """The settings this program reads, in declaration order: its options, its
        environment variables and its README table (every field, for the mock)."""
        return dict(cls.model_fields)


SettingsT = TypeVar("SettingsT", bound=MockSettings)


def env_prefix(settings_class: type[MockSettings] = MockSettings) -> str:
    """The prefix of a settings class's environment variables, e.g. ``GONG_MOCK_``."""
    return str(settings_class.model_config.get("env_prefix", ENV_PREFIX))


def declared(info: FieldInfo, key: str) -> bool:
    """A flag of a setting's declaration: ``cli``, ``secret`` or ``server``."""
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(key))


def _names(name: str, info: FieldInfo | None, prefix: str) -> str:
    variable = f"{prefix}{name.upper()}"
    if info is not None and declared(info, "cli"):
        return f"{variable} (--{name.replace('_', '-')})"
    return variable


def _error_message(error: ValidationError, fields: Mapping[str, FieldInfo], prefix: str) -> str:
    lines = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not problem["loc"]:  # a rule across settings: its message names them
            lines.append(message)
            continue
        name = str(problem["loc"][0])
        info = fields.get(name)
        secret = info is not None and declared(info, "secret")
        if problem["type"] == "extra_forbidden":
            lines.append(f"unknown setting {name!r}")
        elif secret or info is None:
            lines.append(f"{_names(name, info, prefix)}: {message}")
        else:
            given = problem.get("input")
            shown = redact_url(given) if isinstance(given, str) and "://" in given else given
            lines.append(f"{_names(name, info, prefix)}: {message}, got {shown!r}")
    return "; ".join(lines)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    settings_class: type[SettingsT] = MockSettings,  # type: ignore[assignment]
) -> SettingsT:
    """The settings: defaults, then ``GONG_MOCK_*`` variables, then ``overrides``.

    Args:
        overrides: Setting names (``seed`` or ``SEED``) to values; a string is parsed by
            the same rules as an environment variable.
        settings_class: The program's settings (the mock's, or a class extending them).

    Raises:
        SettingsError: naming every bad setting (and never a secret's value).
    """
    given = {key.lower(): value for key, value in (overrides or {}).items()}
    try:
        return settings_class(**given)
    except ValidationError as error:
        message = _error_message(error, settings_class.model_fields, env_prefix(settings_class))
        raise SettingsError(message) from None
    except SourceParseError as error:  # a variable holding JSON that does not parse
        field = re.search(r'field "(\w+)"', str(error))
        name = field.group(1) if field else "?"
        info = settings_class.model_fields.get(name)
        raise SettingsError(
            f"{_names(name, info, env_prefix(settings_class))}: not valid JSON"
        ) from None


def setting_fields(
    *, cli_only: bool = False, settings_class: type[MockSettings] = MockSettings
) -> dict[str, FieldInfo]:
    """The documented settings, in declaration order (``cli_only``: those with an option)."""
    return {
        name: info
        for name, info in settings_class.documented_settings().items()
        if not cli_only or declared(info, "cli")
    }


def is_setting(key: str) -> bool:
    """Whether ``key`` (any case) names a mock setting."""
    return key.lower() in MockSettings.model_fields


def _shown_default(info: FieldInfo) -> str:
    default = info.default
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, dict):
        return "see below"
    return str(default) if default not in ("", None) else "none"


def settings_table(settings_class: type[MockSettings] = MockSettings) -> str:
    """The README's table of settings, derived from the declarations."""
    prefix = env_prefix(settings_class)
    rows = [
        "| option | environment variable | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, info in setting_fields(settings_class=settings_class).items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        flag = name.replace("_", "-")
        option = (
            ""
            if not extra.get("cli")
            else (f"`--{flag}` / `--no-{flag}`" if info.annotation is bool else f"`--{flag}`")
        )
        rows.append(
            f"| {option} | `{prefix}{name.upper()}` | `{_shown_default(info)}` "
            f"| {info.description} |"
        )
    return "\n".join(rows)
