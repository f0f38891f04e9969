"""The Flask app factory of the proxy and its request path.

request ─► latency ─► Prefer ─► fault plan / chaos ─► local limiter ─► forward to the target
        ─► validate request and answer (spec) ─► drift report, recording ─► journal
The QA controls answer in front of the target, so an injected answer never reaches it
and never counts against its limits; every call that does reach it first passes the
local limiter (Gong's limits, for all callers together), and is sent exactly once.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import orjson
from flask import Blueprint, Flask, Response, g, request

from gong_tasks_kit.mock_server.admin import ADMIN_PREFIX, admin, guard_admin_call
from gong_tasks_kit.mock_server.app import (
    capture_this_call,
    journal_this_call,
    register_error_handlers,
    start_clock,
)
from gong_tasks_kit.mock_server.bodies import BoundedBody
from gong_tasks_kit.mock_server.bounds import loggable, printable
from gong_tasks_kit.mock_server.errors import ApiError, gong_headers
from gong_tasks_kit.mock_server.faults import SESSION_HEADER, latency_seconds, next_fault
from gong_tasks_kit.mock_server.journal import JournalEntry
from gong_tasks_kit.mock_server.limiter import GongLimiter
from gong_tasks_kit.mock_server.prefer import documented_error, preferred_error
from gong_tasks_kit.mock_server.runtime import EXTENSION, controls
from gong_tasks_kit.mock_server.settings import load_settings
from gong_tasks_kit.mock_server.state import open_state
from gong_tasks_kit.mock_server.updates import naming_the_task
from gong_tasks_kit.proxy.anonymize import Anonymizer
from gong_tasks_kit.proxy.credentials import CredentialFilter
from gong_tasks_kit.proxy.drift import DriftLog
from gong_tasks_kit.proxy.files import FileKeeper
from gong_tasks_kit.proxy.forward import (
    Forwarder,
    TargetReply,
    TargetUnreachableError,
    forwarded_headers,
)
from gong_tasks_kit.proxy.recording import Recording
from gong_tasks_kit.proxy.runtime import (
    TARGET_LIMIT_KEY,
    ProxyState,
    proxy_state,
    render_drift_report,
)
from gong_tasks_kit.proxy.settings import ProxySettings
from gong_tasks_kit.proxy.spec_patch import FLUSH_SECONDS as SPEC_PATCH_FLUSH_SECONDS
from gong_tasks_kit.proxy.spec_patch import proxy_spec_patch, render_spec_patch
from gong_tasks_kit.proxy.violations import request_violations, response_violations
from gong_tasks_kit.spec import TASK_PATH, TASKS_PATH
from gong_tasks_kit.spec.operations import LIST_TASKS, UPDATE_TASK

__all__ = ["create_proxy_app", "proxy_state"]

logger = logging.getLogger("gong_tasks_kit.proxy")
_UNJOURNALED_PREFIXES = (ADMIN_PREFIX, "/__health")

proxy_api = Blueprint("proxy_api", __name__)
proxy_meta = Blueprint("proxy_meta", __name__)
proxy_admin = Blueprint("proxy_admin", __name__, url_prefix=ADMIN_PREFIX)
proxy_admin.before_request(guard_admin_call)


def _target_path(task_id: str | None) -> str:
    """The path the proxy checked, encoded again (a decoded ``%3F`` or ``%2F`` in the task
    id must not become a query or a path at the target, nor ``..`` a step up: dots are
    encoded too), and the query as sent."""
    if task_id is None:
        path = TASKS_PATH
    else:
        path = f"{TASKS_PATH}/{quote(task_id, safe='').replace('.', '%2E')}"
    query = request.query_string.decode("latin-1")
    return path + (f"?{query}" if query else "")


def _answer(reply: TargetReply) -> Response:
    response = Response(reply.body, status=reply.status)
    response.headers.clear()  # the target's headers, not Flask's defaults
    for name, value in reply.headers:
        response.headers.add(name, value)
    return response


def _exchange(operation_id: str, task_id: str | None) -> Response:
    g.operation = operation_id
    current = proxy_state()
    session = request.headers.get(SESSION_HEADER)
    delay = latency_seconds(current.state, session)
    if delay:
        time.sleep(delay)
    injected = preferred_error(request.headers.get("Prefer"), operation_id) or next_fault(
        current.state, session, operation_id
    )
    if injected is not None:
        raise injected if task_id is None else naming_the_task(injected, task_id)
    retry_after = current.limiter.admit(TARGET_LIMIT_KEY)
    if retry_after is not None:
        raise documented_error(
            429, retry_after=retry_after, source="limiter", operation_id=operation_id
        )
    body = request.get_data()
    current.credential_filter.remember(request.headers.get("Authorization"))
    current.report_at_exit()  # in the process that serves, not a server's parent
    reply = current.forwarder.send(
        request.method, _target_path(task_id), forwarded_headers(request.headers.items()), body
    )
    g.answered_by = "target"
    violations = [
        *request_violations(operation_id, task_id, body, request.mimetype),
        *response_violations(operation_id, reply),
    ]
    shown = [current.credential_filter.scrub_text(str(violation)) for violation in violations]
    g.violations = shown
    current.drift.observe(operation_id, reply, violations)
    for keeper in (current.drift_file, current.spec_patch_file):
        if keeper is not None:
            keeper.changed()
    if operation_id == LIST_TASKS and current.recording is not None:
        current.recording.observe(body, reply)
    if shown:
        logger.warning(
            "%s %s -> %d breaks the spec: %s",
            request.method,
            loggable(request.path),
            reply.status,
            printable("; ".join(shown)),
        )
    return _answer(reply)


@proxy_api.post(TASKS_PATH, provide_automatic_options=False)
def list_tasks() -> Response:
    """Gong's ``POST /v2/tasks``, forwarded."""
    return _exchange(LIST_TASKS, None)


@proxy_api.patch(TASK_PATH.replace("{taskId}", "<task_id>"), provide_automatic_options=False)
def update_task(task_id: str) -> Response:
    """Gong's ``PATCH /v2/tasks/{taskId}``, forwarded."""
    return _exchange(UPDATE_TASK, task_id)


def _json(payload: Any) -> Response:
    return Response(orjson.dumps(payload), headers=gong_headers())


@proxy_meta.get("/__health")
def health() -> Response:
    """Liveness, the target, and how many calls were forwarded."""
    current = proxy_state()
    exchanges = current.drift.report()["exchanges"]
    return _json({"status": "ok", "target": current.forwarder.target, "exchanges": exchanges})


@proxy_admin.get("/drift")
def drift() -> Response:
    """The drift report so far: the contract suite's format, plus ``target``,
    ``exchanges`` and a summary of ``violations``."""
    return _json(proxy_state().drift_report())


def _journal(response: Response) -> Response:
    if request.path.startswith(_UNJOURNALED_PREFIXES):
        return response
    current = proxy_state()

    def made() -> JournalEntry:
        current.credential_filter.remember(request.headers.get("Authorization"))
        captured = capture_this_call(response, "proxy")
        violations = g.get("violations", [])

        def entry() -> dict[str, Any]:
            # Scrubbed when made (a Redis journal keeps no credential at rest), and again
            # when shown (ProxyState.shown), against credentials seen since.
            scrubbed: dict[str, Any] = current.credential_filter.scrub(
                {**captured(), "violations": violations}
            )
            return scrubbed

        return entry

    journal_this_call(current, made)
    return response


def _unreachable(error: Exception) -> Response:
    g.answered_by = "proxy"
    return ApiError(502, [f"proxy: {error}"], source="proxy").to_response()


def _state(settings: ProxySettings, summary_at_exit: bool) -> ProxyState:
    credentials = CredentialFilter()
    recording = None
    if settings.record:
        seed = settings.anonymize_seed
        anonymizer = None
        if settings.anonymize:
            anonymizer = Anonymizer(secrets.randbits(63) if seed is None else seed)
        recording = Recording(settings.record, credentials, anonymizer)
    drift = DriftLog(settings.target)
    drift_file = None
    if settings.drift_report:
        drift_file = FileKeeper(
            settings.drift_report, lambda: render_drift_report(drift, credentials)
        )
    patch_file = None
    if settings.spec_patch:
        patch_file = FileKeeper(
            settings.spec_patch,
            lambda: render_spec_patch(drift, credentials),
            interval=SPEC_PATCH_FLUSH_SECONDS,
        )
    return ProxyState(
        settings=settings,
        state=open_state(settings.state),
        limiter=GongLimiter(settings.rate_limit, settings.daily_limit, settings.state),
        forwarder=Forwarder(settings.target, settings.target_timeout, settings.threads),
        credential_filter=credentials,
        drift=drift,
        drift_file=drift_file,
        recording=recording,
        summary_at_exit=summary_at_exit,
        spec_patch_file=patch_file,
    )


def create_proxy_app(
    config: Mapping[str, Any] | None = None,
    *,
    settings: ProxySettings | None = None,
    summary_at_exit: bool = False,
) -> Flask:
    """Build the proxy: defaults, then ``GONG_PROXY_*`` variables, then ``config``.

    Args:
        config: Settings by name (``{"target": "https://us-1.api.gong.io"}``) and any
            Flask setting (upper-case, e.g. ``TESTING``).
        settings: Settings already loaded (what ``gong-tasks proxy`` passes).
        summary_at_exit: Print a summary of the run (exchanges, violations, drift,
            recording) when the serving process ends.

    Raises:
        SettingsError: when a setting is unusable (e.g. no target).
    """
    given = dict(config or {})
    flask_config = {
        k: v
        for k, v in given.items()
        if k.isupper() and k.lower() not in ProxySettings.model_fields
    }
    overrides = {k: v for k, v in given.items() if k not in flask_config}
    if settings is None:
        settings = load_settings(overrides, ProxySettings)
    elif overrides:
        raise ValueError("pass settings either as `settings` or in `config`, not both")
    app = Flask(__name__)
    app.config.from_mapping(flask_config)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.extensions[EXTENSION] = _state(settings, summary_at_exit)
    # Every body read once under the limit, chunked ones too (see mock_server.bodies).
    app.wsgi_app = BoundedBody(app.wsgi_app, controls(app).body_limit)  # type: ignore[method-assign]
    app.register_blueprint(proxy_api)
    app.register_blueprint(proxy_meta)
    if settings.admin:
        app.register_blueprint(admin)
        app.register_blueprint(proxy_admin)
        app.register_blueprint(proxy_spec_patch)
    register_error_handlers(app)
    app.register_error_handler(TargetUnreachableError, _unreachable)
    app.before_request(start_clock)
    app.after_request(_journal)
    return app
