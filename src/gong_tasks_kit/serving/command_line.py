"""What the servers' commands (``gong-tasks serve``, ``gong-tasks proxy``) share: one-line
start errors, the banner's common lines, port 0, and serving until stopped. (Their options
come from their settings: see ``options``.)
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NoReturn, TypeVar

import click

from gong_tasks_kit.serving.dispatcher import TasksDispatcher
from gong_tasks_kit.serving.options import StartError
from gong_tasks_kit.serving.preflight import free_port, start_problem
from gong_tasks_kit.serving.server import ServeError, serve
from gong_tasks_kit.serving.settings import ServerSettings
from gong_tasks_kit.serving.state import SharedState, open_state

__all__ = [
    "StartError",
    "admin_banner_line",
    "bound_port",
    "ready_state",
    "serve_until_stopped",
    "shown_host",
]

ServerSettingsT = TypeVar("ServerSettingsT", bound=ServerSettings)


def ready_state(settings: ServerSettings) -> SharedState:
    """The shared state the settings name, opened, once the server can start with it
    (Redis answers; the port is free).

    Raises:
        StartError: for a state URL redis-py refuses (exit 2).
        click.ClickException: for a state that cannot be reached or a port that is taken.
    """
    try:
        state = open_state(settings.state)
    except ValueError as error:
        raise StartError(str(error)) from None
    problem = start_problem(settings, state)
    if problem is not None:
        raise click.ClickException(problem)
    return state


def admin_banner_line(settings: ServerSettings) -> str:
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


def bound_port(settings: ServerSettingsT) -> ServerSettingsT:
    """``settings`` with a free port in place of port 0, so the app, the banner and
    ``/__health`` all name the port it listens on.

    Raises:
        StartError: when the host does not resolve.
    """
    if settings.port != 0:
        return settings
    try:
        port = free_port(settings.host)
    except (OSError, ValueError) as error:
        raise StartError(f"cannot listen on {settings.host}: {error}") from None
    return settings.model_copy(update={"port": port})


def serve_until_stopped(
    dispatcher: TasksDispatcher,
    settings: ServerSettings,
    banner: str,
    on_stop: Callable[[], int | None] | None = None,
    *,
    workers: int = 1,
) -> NoReturn:
    """Serve ``dispatcher``, print ``banner`` once the port accepts connections, and end
    the process when SIGINT or SIGTERM stops the server (after ``on_stop``, whose answer
    is the exit status: None for 0).

    Raises:
        click.ClickException: when the server cannot start (one line).
    """

    def announce() -> None:
        click.echo(banner)
        sys.stdout.flush()

    try:
        serve(dispatcher, settings, on_ready=announce, workers=workers)
    except ServeError as error:
        raise click.ClickException(str(error)) from None
    status = on_stop() if on_stop is not None else None
    # Stopped cleanly. Leave without finalizing the interpreter: granian's Rust threads
    # may still drop Python objects, which aborts the process during finalization (so
    # atexit handlers do not run either: on_stop is the place for last writes).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status or 0)
