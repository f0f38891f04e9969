"""``gong-tasks proxy --target URL``: put the proxy between a client and the real API.

Its options are derived from :class:`~gong_tasks_kit.proxy.settings.ProxySettings`, like
``serve``'s from the mock's settings. It runs in one process (the drift report and the
recording are gathered in it), with as many threads as ``--threads``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from gong_tasks_kit.proxy.app import create_proxy_app
from gong_tasks_kit.proxy.files import check_writable
from gong_tasks_kit.proxy.runtime import ProxyRuntime, proxy_runtime
from gong_tasks_kit.proxy.settings import ProxySettings
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
from gong_tasks_kit.serving.state import redact_url
from gong_tasks_kit.spec.option import spec_banner_note, spec_option


def _banner(runtime: ProxyRuntime, settings: ProxySettings) -> str:
    host = shown_host(settings.host)
    recording = "off"
    if settings.record:
        recording = settings.record
        if settings.anonymize:
            seeded = settings.anonymize_seed is not None
            recording += f" (anonymized, {'seed given' if seeded else 'random seed'})"
    lines = [
        f"Gong tasks proxy listening on http://{host}:{settings.port}  "
        "(POST /v2/tasks, PATCH /v2/tasks/{taskId})",
        f"  target: {redact_url(settings.target)}  (each caller's own credentials are "
        "forwarded; none is stored)",
        f"  every exchange is validated against the spec{spec_banner_note()}: violations "
        "on the journal "
        "(/__admin/requests), drift report at /__admin/drift"
        + (f" and in {settings.drift_report}" if settings.drift_report else ""),
        f"  recording: {recording}",
        f"  local rate limits (all callers together): {runtime.limiter.describe}",
        f"  state: {settings.shown_state}, journal keeps {settings.journal_size}",
        admin_banner_line(settings),
    ]
    return "\n".join(lines)


def _refuse_one_file_for_two(files: Mapping[str, str]) -> None:
    """Each file the proxy writes is its own: two options naming one file would each
    overwrite what the other wrote."""
    named: dict[Path, str] = {}
    for option, path in files.items():
        if not path:  # not asked for
            continue
        same = named.setdefault(Path(path).resolve(), option)
        if same != option:
            raise StartError(f"{same} and {option} name the same file ({path})")


@click.command("proxy")
@settings_options(ProxySettings)
@spec_option
def proxy_command(**options: Any) -> None:
    """Forward Gong's Tasks API to --target, validating every exchange against the spec.

    Callers send their own credentials, which go to the target and nowhere else. QA's
    controls (Prefer, plans, chaos, latency) answer in front of the target. Every option
    also reads a GONG_PROXY_* environment variable.
    """
    settings = bound_port(settings_from_options(options, ProxySettings))
    files = {
        "--record": settings.record,
        "--drift-report": settings.drift_report,
        "--spec-patch": settings.spec_patch,
    }
    for path in files.values():
        problem = check_writable(path) if path else None
        if problem is not None:
            raise StartError(problem)
    _refuse_one_file_for_two(files)
    logging.basicConfig(format="%(message)s", level=logging.WARNING)
    state = ready_state(settings)
    app = create_proxy_app(settings=settings, state=state, summary_at_exit=True)
    runtime = proxy_runtime(app)
    # One process: the drift report and the recording are gathered in it.
    serve_until_stopped(dispatcher_of(app), settings, _banner(runtime, settings), runtime.stop)
