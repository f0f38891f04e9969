"""``gong-tasks serve`` / ``python -m gong_tasks_kit.mock_server``: start the mock.

Its options are derived from the settings' declarations (``settings.MockSettings``):
an option given on the command line overrides the ``GONG_MOCK_*`` variable, which
overrides the default, and both are parsed by the same rules.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click
from flask import Flask
from pydantic.fields import FieldInfo

from gong_tasks_kit.fixtures.credentials import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BEARER_TOKENS,
)
from gong_tasks_kit.mock_server.app import create_app, mock_state
from gong_tasks_kit.mock_server.preflight import start_problem
from gong_tasks_kit.mock_server.runtime import MockState
from gong_tasks_kit.mock_server.server import ServeError, serve
from gong_tasks_kit.mock_server.settings import (
    ENV_PREFIX,
    MockSettings,
    SettingsError,
    SettingsT,
    declared,
    env_prefix,
    load_settings,
    setting_fields,
)
from gong_tasks_kit.mock_server.task_source import DataFileError, DatasetError
from gong_tasks_kit.spec.option import spec_banner_note, spec_option


class StartError(click.ClickException):
    """A start refused in one line (``Error: ...``), exit status 2, no traceback."""

    exit_code = 2


def admin_banner_line(settings: MockSettings) -> str:
    """The banner's line about the admin API (its last line: tests wait for it)."""
    if not settings.admin:
        return "  admin API: off"
    if settings.admin_token:
        return "  admin API: /__admin/ with header X-Gong-Mock-Admin-Token (configured)"
    return "  admin API: /__admin/ (loopback callers only; --admin-token to open it)"


def shown_host(host: str) -> str:
    """The host part of the URL to print: loopback for "every interface", IPv6 bracketed."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - compared, not bound
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _banner(state: MockState) -> str:
    settings, store = state.settings, state.store
    host = shown_host(settings.host)
    processes = f"{settings.workers} processes" if settings.workers > 1 else "1 process"
    lines = [
        f"Gong tasks mock listening on http://{host}:{settings.port}  "
        "(POST /v2/tasks, PATCH /v2/tasks/{taskId})",
        f"  {store.origin}, {store.task_count} tasks, crmType {store.crm_type}",
        "  users (userId: workspaceIds):",
        *(
            f"    {user}: {', '.join(spaces) or '(no workspace)'}"
            for user, spaces in store.workspaces.items()
        ),
    ]
    if not settings.auth:
        lines.append("  auth: OFF (any or no Authorization header is accepted)")
    else:
        # Mock defaults are public and printed so a developer can copy them; no part of a
        # credential the operator configured is ever printed.
        secret = (
            repr(settings.access_key_secret)
            if settings.access_key_secret == DEFAULT_ACCESS_KEY_SECRET
            else f"(configured by {ENV_PREFIX}ACCESS_KEY_SECRET)"
        )
        key = (
            repr(settings.access_key)
            if settings.access_key == DEFAULT_ACCESS_KEY
            else f"(configured by {ENV_PREFIX}ACCESS_KEY)"
        )
        lines.append(f"  basic auth: access key {key}, secret {secret}")
        for token, scopes in settings.bearer_tokens.items():
            shown = repr(token) if token in DEFAULT_BEARER_TOKENS else "(configured)"
            lines.append(f"  bearer token {shown}: scopes {', '.join(scopes) or '(none)'}")
    lines += [
        f"  spec: http://{host}:{settings.port}/openapi.json{spec_banner_note()}   "
        "health: /__health",
        *([f"  QA console: http://{host}:{settings.port}/__admin/ui"] if settings.admin else []),
        f"  rate limits: {state.limiter.describe}",
        f"  state: {settings.shown_state}, journal keeps {settings.journal_size}",
        f"  server: {processes} x {settings.threads} threads; time-outs: headers "
        f"{settings.header_timeout} s, body {settings.body_timeout} s",
        admin_banner_line(settings),
    ]
    return "\n".join(lines)


def _range(info: FieldInfo) -> str:
    """The declared bounds of a number setting, as ``; 0 to 65535``, or nothing."""
    low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
    if low is None or high is None:
        return ""
    return f"; {low:,} to {high:,}".replace(",", "_")


def _option(name: str, info: FieldInfo, prefix: str) -> Callable[[Any], Any]:
    flag = name.replace("_", "-")
    default = info.default
    shown = ("on" if default else "off") if isinstance(default, bool) else default
    if declared(info, "secret"):
        shown = "none"
    if shown in ("", None):
        shown = "none"
    bounds = _range(info)
    help_text = f"{info.description}  [default: {shown}{bounds}; env: {prefix}{name.upper()}]"
    if info.annotation is bool:
        return click.option(f"--{flag}/--no-{flag}", name, default=None, help=help_text)
    # Values stay text here: the settings parse them exactly as they parse a variable.
    metavar = "INTEGER" if info.annotation in (int, int | None) else "TEXT"
    return click.option(f"--{flag}", name, default=None, metavar=metavar, help=help_text)


def settings_options(
    settings_class: type[MockSettings] = MockSettings,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding an option for every setting of ``settings_class`` that has one
    (see ``settings.setting``)."""
    prefix = env_prefix(settings_class)

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        fields = setting_fields(cli_only=True, settings_class=settings_class)
        for name, info in reversed(fields.items()):
            command = _option(name, info, prefix)(command)
        return command

    return decorate


def settings_from_options(
    options: dict[str, Any],
    settings_class: type[SettingsT] = MockSettings,  # type: ignore[assignment]
) -> SettingsT:
    """The settings, with the options actually given on the command line on top.

    Raises:
        click.UsageError: naming each bad setting.
    """
    given = {name: value for name, value in options.items() if value is not None}
    try:
        return load_settings(given, settings_class)
    except SettingsError as error:
        raise click.UsageError(str(error)) from None


@click.command("serve")
@settings_options()
@spec_option
def serve_command(**options: Any) -> None:
    """Serve Gong's Tasks API from seeded data, or from the tasks of a --data file.

    Every option also reads a GONG_MOCK_* environment variable; credentials are set by
    GONG_MOCK_ACCESS_KEY, GONG_MOCK_ACCESS_KEY_SECRET and GONG_MOCK_BEARER_TOKENS (JSON:
    token -> scopes), never on the command line.
    """
    settings: MockSettings = settings_from_options(options)
    problem = start_problem(settings)
    if problem is not None:
        raise click.ClickException(problem)
    try:
        app = create_app(settings=settings)
    except DataFileError as error:
        raise StartError(str(error)) from None
    except DatasetError as error:
        raise click.UsageError(str(error)) from None
    serve_until_stopped(app, settings, _banner(mock_state(app)))


def serve_until_stopped(
    app: Flask,
    settings: MockSettings,
    banner: str,
    on_stop: Callable[[], None] | None = None,
) -> NoReturn:
    """Serve ``app``, print ``banner`` once the port accepts connections, and end the
    process when SIGINT or SIGTERM stops the server (after ``on_stop``).

    Raises:
        click.ClickException: when the server cannot start (one line).
    """

    def announce() -> None:
        click.echo(banner)
        sys.stdout.flush()

    try:
        serve(app, settings, on_ready=announce)
    except ServeError as error:
        raise click.ClickException(str(error)) from None
    if on_stop is not None:
        on_stop()
    # Stopped cleanly. Leave without finalizing the interpreter: granian's Rust threads
    # may still drop Python objects, which aborts the process during finalization (so
    # atexit handlers do not run either: on_stop is the place for last writes).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
