"""Settings, each declared once (name, type, default, limits, help), and what every server
has: the base that the mock's and the proxy's settings build on.

Layering follows Flask's model: defaults, then the program's prefixed environment
variables (``GONG_MOCK_*``, ``GONG_PROXY_*``), then explicit overrides (the command line's
options, or an app factory's config). pydantic-settings does the layering and the
parsing, so a command's options, its variables and the docs' tables all derive from the
fields (see ``command_line`` and :func:`settings_table`).

A program's settings class declares only what that program reads: :class:`ServerSettings`
holds what every server has (where it listens, its threads and time-outs, Gong's limits,
the shared state, the journal, the admin API, the body limit); ``MockSettings`` and
``ProxySettings`` add their own on top.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

from limits import parse as parse_rate
from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceParseError

from gong_tasks_kit.serving.state_urls import normalize_state_url, redact_url
from gong_tasks_kit.spec.limits import GONG_LIMITS

__all__ = [
    "OFF",
    "Boolean",
    "ServerSettings",
    "SettingsError",
    "declared",
    "env_prefix",
    "parse_boolean",
    "read_settings",
    "setting",
    "setting_fields",
    "settings_table",
]

OFF = "off"

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class SettingsError(ValueError):
    """A setting has a value the program cannot use; the message names it."""


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


def setting(
    default: Any,
    help_text: str,
    *,
    cli: bool = True,
    secret: bool = False,
    server: bool = False,
    flag: bool = False,
    **limits: Any,
) -> Any:
    """Declare one setting.

    Args:
        default: Its value when nothing else sets it.
        help_text: One sentence for ``--help`` and the docs.
        cli: Whether the program has an option for it (credentials do not: a command
            line is visible to every user of the machine).
        secret: Never printed; error messages leave its value out.
        server: A setting of the server process, not of the app.
        flag: A boolean whose option is a lone flag (``--live``), not a pair
            (``--strict/--no-strict``).
        **limits: pydantic constraints such as ``ge=0``, or a ``validation_alias``
            (an environment variable of another name).
    """
    extra: JsonDict = {"cli": cli, "secret": secret, "server": server, "flag": flag}
    return Field(default, description=help_text, json_schema_extra=extra, **limits)


def header_safe(value: str, what: str) -> str:
    """``value`` when it can travel in an HTTP header as it is: printable ASCII without
    outer spaces (a server drops other bytes, or trims the spaces, so a caller could never
    send it back exactly).

    Raises:
        ValueError: naming ``what``, never the value.
    """
    if value and (not value.isascii() or not value.isprintable() or value != value.strip()):
        raise ValueError(
            f"{what} must be printable ASCII without outer spaces (it travels in an HTTP "
            "header, where nothing else arrives intact)"
        )
    return value


class ServerSettings(BaseSettings):
    """What every server of the kit has (the mock and the proxy), checked. Immutable.

    Subclasses set ``model_config``'s ``env_prefix``.
    """

    model_config = SettingsConfigDict(frozen=True, extra="forbid", case_sensitive=False)

    host: str = setting("127.0.0.1", "Interface to listen on.", server=True)
    port: int = setting(
        8080,
        "Port to listen on (0: a free port, named in the banner).",
        server=True,
        ge=0,
        le=65535,
    )
    threads: int = setting(
        8,
        "Threads per process for calls that may block (added latency, Redis, a target): how "
        "many such calls are served at once.",
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
    rate_limit: str = setting(
        GONG_LIMITS.rate, f"Gong's burst limit, e.g. {GONG_LIMITS.rate}, or off."
    )
    daily_limit: int = setting(
        GONG_LIMITS.per_day, "Calls a day (0: no daily limit).", ge=0, le=10**9
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
    max_body_bytes: int = setting(
        64 * 1024, "Largest request body accepted.", cli=False, ge=1024, le=16 * 1024 * 1024
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
            raise ValueError(f"must be a rate such as {GONG_LIMITS.rate}, or off") from None
        return text

    @field_validator("state", mode="before")
    @classmethod
    def _state(cls, value: Any) -> str:
        try:
            return normalize_state_url(str(value))
        except ValueError as error:
            raise ValueError(str(error).removeprefix("state ")) from None

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, value: str) -> str:
        return header_safe(value, "the admin token")

    @property
    def shown_state(self) -> str:
        """The state URL without its password, for banners and status pages."""
        return redact_url(self.state)

    @classmethod
    def documented_settings(cls) -> dict[str, FieldInfo]:
        """The settings this program reads, in the order they are shown: its options, its
        environment variables and its table in the docs."""
        return dict(cls.model_fields)


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def env_prefix(settings_class: type[BaseSettings]) -> str:
    """The prefix of a settings class's environment variables, e.g. ``GONG_MOCK_``."""
    return str(settings_class.model_config.get("env_prefix", ""))


def declared(info: FieldInfo, key: str) -> bool:
    """A flag of a setting's declaration: ``cli``, ``secret``, ``server`` or ``flag``."""
    extra = info.json_schema_extra
    return isinstance(extra, dict) and bool(extra.get(key))


def env_name(name: str, info: FieldInfo | None, prefix: str) -> str:
    """The environment variable of a setting: its own name (``GONG_USER_ID``), else the
    program's prefix and the setting's name."""
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, str):
        return alias
    return f"{prefix}{name.upper()}"


def option_name(name: str) -> str:
    """A setting's command-line option, ``--max-examples``."""
    return "--" + name.replace("_", "-")


def _names(name: str, info: FieldInfo | None, prefix: str) -> str:
    variable = env_name(name, info, prefix)
    if info is not None and declared(info, "cli"):
        return f"{variable} ({option_name(name)})"
    return variable


def _error_message(error: ValidationError, fields: Mapping[str, FieldInfo], prefix: str) -> str:
    by_alias = {
        info.validation_alias.lower(): name
        for name, info in fields.items()
        if isinstance(info.validation_alias, str)
    }
    lines = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not problem["loc"]:  # a rule across settings: its message names them
            lines.append(message)
            continue
        name = str(problem["loc"][0])
        name = by_alias.get(name.lower(), name)
        info = fields.get(name)
        secret = info is not None and declared(info, "secret")
        if problem["type"] == "extra_forbidden":
            lines.append(f"unknown setting {name!r}")
        elif secret or info is None:
            lines.append(f"{_names(name, info, prefix)}: {message}")
        else:
            given = problem.get("input")
            shown = redact_url(given) if isinstance(given, str) and "://" in given else given
            if isinstance(shown, str) and len(shown) > 80:
                shown = shown[:80] + "…"
            lines.append(f"{_names(name, info, prefix)}: {message}, got {shown!r}")
    return "; ".join(lines)


@functools.cache
def _without_environment(settings_class: type[SettingsT]) -> type[SettingsT]:
    """``settings_class`` reading its given values only (not ``os.environ``)."""

    class Given(settings_class):  # type: ignore[valid-type, misc]
        @classmethod
        def settings_customise_sources(
            cls, settings_cls: type[BaseSettings], init_settings: Any, **others: Any
        ) -> tuple[Any, ...]:
            return (init_settings,)

    Given.__name__ = Given.__qualname__ = settings_class.__name__
    return Given


def _from_environment(settings_class: type[BaseSettings], env: Mapping[str, str]) -> dict[str, str]:
    """The values ``env`` (an environment, not ``os.environ``) gives each setting."""
    prefix = env_prefix(settings_class)
    by_variable = {key.upper(): value for key, value in env.items()}
    found = {}
    for name, info in settings_class.model_fields.items():
        variable = env_name(name, info, prefix).upper()
        if variable in by_variable:
            found[name] = by_variable[variable]
    return found


def read_settings(
    settings_class: type[SettingsT],
    overrides: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> SettingsT:
    """A program's settings: defaults, then its environment variables, then ``overrides``.

    Args:
        settings_class: The program's settings (``MockSettings``, ``ProxySettings``, ...).
        overrides: Setting names (``seed`` or ``SEED``) to values; a string is parsed by
            the same rules as an environment variable.
        env: The environment to read instead of the process's own.

    Raises:
        SettingsError: naming every bad setting (and never a secret's value).
    """
    given = {key.lower(): value for key, value in (overrides or {}).items()}
    prefix = env_prefix(settings_class)
    try:
        if env is not None:
            given = {**_from_environment(settings_class, env), **given}
            given_only: SettingsT = _without_environment(settings_class)(**given)
            return given_only
        return settings_class(**given)
    except ValidationError as error:
        raise SettingsError(_error_message(error, settings_class.model_fields, prefix)) from None
    except SourceParseError as error:  # a variable holding JSON that does not parse
        field = re.search(r'field "(\w+)"', str(error))
        name = field.group(1) if field else "?"
        info = settings_class.model_fields.get(name)
        raise SettingsError(f"{_names(name, info, prefix)}: not valid JSON") from None


def documented(settings_class: type[BaseSettings]) -> dict[str, FieldInfo]:
    """The settings a program documents, in order (``documented_settings`` when the class
    has it, else every field)."""
    listed = getattr(settings_class, "documented_settings", None)
    return dict(listed()) if callable(listed) else dict(settings_class.model_fields)


def setting_fields(
    settings_class: type[BaseSettings], *, cli_only: bool = False
) -> dict[str, FieldInfo]:
    """The documented settings, in order (``cli_only``: those with an option)."""
    return {
        name: info
        for name, info in documented(settings_class).items()
        if not cli_only or declared(info, "cli")
    }


def is_setting(settings_class: type[BaseSettings], key: str) -> bool:
    """Whether ``key`` (any case) names a setting of ``settings_class``."""
    return key.lower() in settings_class.model_fields


def shown_default(info: FieldInfo) -> str:
    """A setting's default as ``--help`` and the docs show it."""
    default = info.default
    if isinstance(default, bool):
        return "on" if default else "off"
    if isinstance(default, dict):
        return "see below"
    return str(default) if default not in ("", None) else "none"


def settings_table(settings_class: type[BaseSettings]) -> str:
    """The docs' table of a program's settings, derived from the declarations."""
    prefix = env_prefix(settings_class)
    rows = [
        "| option | environment variable | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, info in setting_fields(settings_class).items():
        flag = name.replace("_", "-")
        option = ""
        if declared(info, "cli"):
            paired = info.annotation is bool and not declared(info, "flag")
            option = f"`--{flag}` / `--no-{flag}`" if paired else f"`--{flag}`"
        rows.append(
            f"| {option} | `{env_name(name, info, prefix)}` | `{shown_default(info)}` "
            f"| {info.description} |"
        )
    return "\n".join(rows)
