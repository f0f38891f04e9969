"""``gong-tasks serve`` / ``python -m gong_tasks_kit.mock_server``: start the mock.

Its options are derived from the settings' declarations (``settings.MockSettings``):
an option given on the command line overrides the ``GONG_MOCK_*`` variable, which
overrides the default, and both are parsed by the same rules.
"""

from __future__ import annotations

from typing import Any

import click

from gong_tasks_kit.fixtures.credentials import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_ACCESS_KEY_SECRET,
    DEFAULT_BEARER_TOKENS,
)
from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.replay import replay_banner_lines
from gong_tasks_kit.mock_server.runtime import MockRuntime, mock_runtime
from gong_tasks_kit.mock_server.settings import ENV_PREFIX, MockSettings
from gong_tasks_kit.mock_server.store_sources import DataFileError, DatasetError
from gong_tasks_kit.serving.command_line import (
    StartError,
    admin_banner_line,
    bound_port,
    ready_state,
    serve_until_stopped,
    shown_host,
)
from gong_tasks_kit.serving.flask_app import dispatcher_of
from gong_tasks_kit.serving.options import settings_from_options, settings_options
from gong_tasks_kit.spec.option import spec_banner_note, spec_option

__all__ = ["serve_command"]


EMPTY_DATASET_WARNING = (
    "  WARNING: the dataset has no tasks: every list call answers an empty tasks array"
)


def _banner(runtime: MockRuntime) -> str:
    settings, store = runtime.settings, runtime.store
    host = shown_host(settings.host)
    processes = f"{settings.workers} processes" if settings.workers > 1 else "1 process"
    lines = [
        f"Gong tasks mock listening on http://{host}:{settings.port}  "
        "(POST /v2/tasks, PATCH /v2/tasks/{taskId})",
        f"  {store.origin}, {store.task_count} tasks, crmType {store.crm_type}",
        # Legal, and rarely meant (a recording of calls that all failed, say): said at once.
        *([EMPTY_DATASET_WARNING] if store.task_count == 0 else []),
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
        f"  rate limits: {runtime.limiter.describe}",
        *replay_banner_lines(settings),
        f"  state: {settings.shown_state}, journal keeps {settings.journal_size}",
        f"  server: {processes} x {settings.threads} threads; time-outs: headers "
        f"{settings.header_timeout} s, body {settings.body_timeout} s",
        admin_banner_line(settings),
    ]
    return "\n".join(lines)


@click.command("serve")
@settings_options(MockSettings)
@spec_option
def serve_command(**options: Any) -> None:
    """Serve Gong's Tasks API from seeded data, or from the tasks of a --data file.

    Every option also reads a GONG_MOCK_* environment variable; credentials are set by
    GONG_MOCK_ACCESS_KEY, GONG_MOCK_ACCESS_KEY_SECRET and GONG_MOCK_BEARER_TOKENS (JSON:
    token -> scopes), never on the command line.
    """
    settings = bound_port(settings_from_options(options, MockSettings))
    state = ready_state(settings)
    try:
        app = create_app(settings=settings, state=state)
    except DataFileError as error:
        raise StartError(str(error)) from None
    except DatasetError as error:
        raise click.UsageError(str(error)) from None
    banner = _banner(mock_runtime(app))
    serve_until_stopped(dispatcher_of(app), settings, banner, workers=settings.workers)
