"""``gong-tasks serve`` / ``python -m mock_server``: start the mock on gunicorn."""

from __future__ import annotations

import sys
from typing import Any

import click

from fixtures.dataset import CRM_TYPES, DEFAULT_SEED, DEFAULT_TASKS_PER_USER, DEFAULT_USERS
from mock_server.app import create_app, mock_state
from mock_server.runtime import MockState
from mock_server.server import serve
from mock_server.settings import (
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BEARER_TOKENS,
    ENV_PREFIX,
    MockSettings,
    SettingsError,
)
from mock_server.store import DatasetError


def _env(name: str) -> str:
    return f"{ENV_PREFIX}_{name}"


def _banner(
    settings: MockSettings, host: str, port: int, users: dict[str, tuple[str, ...]], task_count: int
) -> str:
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - display only
    lines = [
        f"Gong tasks mock listening on http://{shown_host}:{port}  (POST /v2/tasks)",
        f"  seed {settings.seed}, {task_count} tasks, crmType {settings.crm_type}",
        "  users (userId: workspaceIds):",
        *(f"    {user}: {', '.join(workspaces)}" for user, workspaces in users.items()),
    ]
    if not settings.auth_required:
        lines.append("  auth: OFF (any or no Authorization header is accepted)")
    else:
        auth = settings.auth
        # Mock defaults are public and printed so a developer can copy them; a secret the
        # operator configured is never printed.
        secret = (
            auth.access_key_secret
            if auth.access_key_secret == DEFAULT_ACCESS_KEY_SECRET
            else f"(set by {_env('ACCESS_KEY_SECRET')})"
        )
        lines.append(f"  basic auth: access key {auth.access_key!r}, secret {secret!r}")
        for token, scopes in auth.bearer_tokens.items():
            shown = token if token in DEFAULT_BEARER_TOKENS else f"{token[:4]}…"
            lines.append(f"  bearer token {shown!r}: scopes {', '.join(scopes) or '(none)'}")
    lines.append(f"  spec: http://{shown_host}:{port}/openapi.json   health: /__health")
    return "\n".join(lines)


def _controls_banner(state: MockState) -> str:
    settings = state.settings
    lines = [
        f"  rate limits per credential: {state.limiter.describe}",
        f"  state: {settings.state_url.split('@')[-1]}, journal keeps {settings.journal_size}",
    ]
    if not settings.admin:
        lines.append("  admin API: off")
    elif settings.admin_token:
        lines.append(
            f"  admin API: /__admin/ with header X-Gong-Mock-Admin-Token "
            f"(set by {_env('ADMIN_TOKEN')})"
        )
    else:
        lines.append("  admin API: /__admin/ (loopback callers only; --admin-token to open it)")
    return "\n".join(lines)


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    envvar=_env("HOST"),
    help="Interface to listen on.",
)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    envvar=_env("PORT"),
    help="Port to listen on.",
)
@click.option(
    "--seed",
    default=DEFAULT_SEED,
    show_default=True,
    type=click.IntRange(0),
    envvar=_env("SEED"),
    help="Seed of the generated data.",
)
@click.option(
    "--users",
    default=DEFAULT_USERS,
    show_default=True,
    type=click.IntRange(1),
    envvar=_env("USERS"),
    help="How many Gong users have tasks.",
)
@click.option(
    "--tasks-per-user",
    default=DEFAULT_TASKS_PER_USER,
    show_default=True,
    type=click.IntRange(0),
    envvar=_env("TASKS_PER_USER"),
    help="Tasks per user.",
)
@click.option(
    "--crm-type",
    default="SALESFORCE",
    show_default=True,
    type=click.Choice(CRM_TYPES),
    envvar=_env("CRM_TYPE"),
    help="The crmType served.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1),
    envvar=_env("WORKERS"),
    help="gunicorn worker processes.",
)
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1),
    envvar=_env("THREADS"),
    help="Threads per worker.",
)
@click.option(
    "--strict/--no-strict",
    default=False,
    show_default=True,
    envvar=_env("STRICT"),
    help="Validate every response against the spec (slower).",
)
@click.option(
    "--auth/--no-auth",
    default=True,
    show_default=True,
    envvar=_env("AUTH"),
    help="Require Gong credentials.",
)
@click.option(
    "--rate-limit",
    default="3/second",
    show_default=True,
    envvar=_env("RATE_LIMIT"),
    help="Gong's per-credential burst limit, e.g. 3/second, or off.",
)
@click.option(
    "--daily-limit",
    default=10_000,
    show_default=True,
    type=click.IntRange(0),
    envvar=_env("DAILY_LIMIT"),
    help="Calls per credential per day (0: off).",
)
@click.option(
    "--state",
    "state_url",
    default="memory://",
    show_default=True,
    envvar=_env("STATE"),
    help="Where limiter counters, plans and the journal live: memory:// or "
    "redis://host:port/db (shared by every worker and instance).",
)
@click.option(
    "--journal-size",
    default=1000,
    show_default=True,
    type=click.IntRange(1),
    envvar=_env("JOURNAL_SIZE"),
    help="Requests kept in the journal.",
)
@click.option(
    "--admin-token",
    default="",
    envvar=_env("ADMIN_TOKEN"),
    help="Token for /__admin/ (header X-Gong-Mock-Admin-Token); without one the "
    "admin API answers loopback callers only.",
)
@click.option(
    "--admin/--no-admin",
    default=True,
    show_default=True,
    envvar=_env("ADMIN"),
    help="Serve the /__admin/ API.",
)
def serve_command(  # noqa: PLR0917 - click passes every option positionally
    host: str,
    port: int,
    seed: int,
    users: int,
    tasks_per_user: int,
    crm_type: str,
    workers: int,
    threads: int,
    strict: bool,
    auth: bool,
    rate_limit: str,
    daily_limit: int,
    state_url: str,
    journal_size: int,
    admin_token: str,
    admin: bool,
) -> None:
    """Serve Gong's POST /v2/tasks from seeded data, on gunicorn.

    Every option also reads a GONG_MOCK_* environment variable (GONG_MOCK_PORT, ...);
    credentials are set by GONG_MOCK_ACCESS_KEY, GONG_MOCK_ACCESS_KEY_SECRET and
    GONG_MOCK_BEARER_TOKENS (JSON: token -> scopes).
    """
    overrides: dict[str, Any] = {
        "SEED": seed,
        "USERS": users,
        "TASKS_PER_USER": tasks_per_user,
        "CRM_TYPE": crm_type,
        "STRICT": strict,
        "AUTH": auth,
        "RATE_LIMIT": rate_limit,
        "DAILY_LIMIT": daily_limit,
        "STATE": state_url,
        "JOURNAL_SIZE": journal_size,
        "ADMIN_TOKEN": admin_token,
        "ADMIN": admin,
    }
    try:
        app = create_app(overrides)
    except (SettingsError, DatasetError) as error:
        raise click.UsageError(str(error)) from None
    state = mock_state(app)
    click.echo(_banner(state.settings, host, port, state.store.workspaces, state.store.task_count))
    click.echo(_controls_banner(state))
    sys.stdout.flush()
    serve(app, host, port, workers, threads)
