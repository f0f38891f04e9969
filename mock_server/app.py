"""The Flask app factory of the mock: the Tasks API's views, the admin API, errors in
Gong's shape, strict mode and the journal.

request ─► (body read under its limit) ─► the Tasks API's request path (``tasks_calls``)
        ─► (strict: validate the answer) ─► journal
``gong-tasks serve`` answers the Tasks API's calls through the same request path without
Flask (``direct_calls``) whenever that changes nothing a client or the journal sees.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from flask import Blueprint, Flask, Request, Response, current_app, g, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from gong_tasks_kit.fixtures.dataset import build_dataset
from gong_tasks_kit.mock_server.admin import admin
from gong_tasks_kit.mock_server.admin_tasks import admin_tasks
from gong_tasks_kit.mock_server.bodies import CAPTURE_KEY, BodyCapture, BoundedBody
from gong_tasks_kit.mock_server.bounds import loggable
from gong_tasks_kit.mock_server.console import console
from gong_tasks_kit.mock_server.errors import ApiError, gong_headers, unexpected_error
from gong_tasks_kit.mock_server.faults import SESSION_HEADER
from gong_tasks_kit.mock_server.journal import (
    JOURNALED_ADMIN_CALL,
    CapturedCall,
    JournalEntry,
    capture_exchange,
)
from gong_tasks_kit.mock_server.limiter import GongLimiter
from gong_tasks_kit.mock_server.replay import replay_source
from gong_tasks_kit.mock_server.runtime import (
    EXTENSION,
    Controls,
    MockState,
    controls,
    mock_state,
)
from gong_tasks_kit.mock_server.served_tasks import ServedTasks
from gong_tasks_kit.mock_server.settings import MockSettings, is_setting, load_settings
from gong_tasks_kit.mock_server.state import open_state
from gong_tasks_kit.mock_server.task_source import TaskSource, file_source, generated_source
from gong_tasks_kit.mock_server.tasks_calls import TasksCall, answer_tasks_call
from gong_tasks_kit.spec import TASK_PATH, TASKS_PATH, load_spec, load_spec_text
from gong_tasks_kit.spec.operations import LIST_TASKS, UPDATE_TASK
from gong_tasks_kit.spec.reference import iter_response_violations

__all__ = ["StrictModeError", "create_app", "mock_state"]

logger = logging.getLogger("gong_tasks_kit.mock_server")
_UNJOURNALED_PREFIXES = ("/__admin", "/__health", "/openapi.")


class StrictModeError(RuntimeError):
    """The mock was about to send a response the spec does not allow."""


tasks_api = Blueprint("tasks_api", __name__)
meta = Blueprint("meta", __name__)


def _served(operation_id: str, task_id: str | None = None) -> Response:
    """Answer the current call of ``operation_id`` (see ``tasks_calls``)."""
    g.operation = operation_id
    this_request: Request = request._get_current_object()  # type: ignore[attr-defined]
    call = TasksCall(
        operation_id=operation_id,
        task_id=task_id,
        header=this_request.headers.get,
        read_body=this_request.get_data,
        mimetype=this_request.mimetype,
    )
    return Response(answer_tasks_call(mock_state(), call), status=200, headers=gong_headers())


@tasks_api.post(TASKS_PATH, provide_automatic_options=False)
def list_tasks() -> Response:
    """Gong's ``POST /v2/tasks``."""
    return _served(LIST_TASKS)


@tasks_api.patch(TASK_PATH.replace("{taskId}", "<task_id>"), provide_automatic_options=False)
def update_task(task_id: str) -> Response:
    """Gong's ``PATCH /v2/tasks/{taskId}``."""
    return _served(UPDATE_TASK, task_id)


@meta.get("/__health")
def health() -> Response:
    """Liveness and what is being served now (the start-up data, or the last uploads)."""
    current = mock_state()
    state_problem = current.state.problem()
    if state_problem is not None:  # what is served lives there too (uploads, versions)
        unavailable = {"status": "unavailable", "state": state_problem}
        return Response(orjson.dumps(unavailable), status=503, headers=gong_headers())
    store = current.store
    body: dict[str, Any] = {
        "status": "ok",
        "state": "ok",
        "tasks": store.task_count,
        "users": len(store.user_ids),
        "userIds": list(store.user_ids),
        "workspaceIds": sorted({w for ids in store.workspaces.values() for w in ids}),
    }
    return Response(orjson.dumps(body), headers=gong_headers())


@meta.get("/openapi.json")
def openapi_json() -> Response:
    """The spec the mock serves, as JSON."""
    return Response(orjson.dumps(load_spec()), headers=gong_headers())


@meta.get("/openapi.yaml")
def openapi_yaml() -> Response:
    """The spec the mock serves, as the YAML file itself."""
    return Response(load_spec_text(), mimetype="application/yaml")


def _api_error(error: ApiError) -> Response:
    g.answered_by = error.source
    return error.to_response()


def _http_error(error: HTTPException) -> Response:
    if isinstance(error, RequestEntityTooLarge):
        limit = controls().body_limit(request.method, request.path)
        return _api_error(
            ApiError(
                400, [f"Request body is larger than the {limit}-byte limit"], source="validation"
            )
        )
    status = error.code or 400
    if status >= 500:
        return _unexpected_error(getattr(error, "original_exception", None) or error)
    if status not in (404, 405):
        status = 400  # only statuses the spec documents (plus 404/405) are ever sent
    message = {
        404: f"No such endpoint: {request.method} {request.path}",
        405: f"Method {request.method} is not allowed on {request.path}",
    }.get(status, error.description or "Malformed request")
    valid_methods = getattr(error, "valid_methods", None) or []
    headers = {"Allow": ", ".join(valid_methods)} if status == 405 else {}
    return _api_error(ApiError(status, [message], headers, source="routing"))


def _unexpected_error(error: Exception) -> Response:
    return _api_error(unexpected_error(error, request.method, request.path))


def start_clock() -> None:
    """Note when the call came (the journal's ``time`` and ``durationMs``)."""
    g.started = time.time()


def register_error_handlers(app: Flask) -> None:
    """Answer every error in Gong's shape: raised :class:`ApiError`, routing errors (404,
    405, an oversized body) and anything unexpected (a logged 500)."""
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def capture_this_call(response: Response, answered_by: str) -> CapturedCall:
    """The current call, captured for the journal: what the request path noted on
    ``flask.g`` (who answered, when it started, the operation), ``answered_by`` when
    nothing else answered."""
    # The objects behind Flask's proxies, each looked up once: every proxied access costs
    # about a microsecond, and the journal is on every call's path.
    this_request: Request = request._get_current_object()  # type: ignore[attr-defined]
    noted = g._get_current_object()
    environ = this_request.environ
    body = environ.get(CAPTURE_KEY)
    if not isinstance(body, BodyCapture):  # wsgi_app replaced without the body reader
        data = this_request.get_data(cache=True)
        body = BodyCapture(data, len(data), False, None)
    return capture_exchange(
        environ,
        body,
        method=this_request.method,
        path=this_request.path,
        status=response.status_code,
        response_headers=tuple(response.headers.items()),
        answer=response.get_data(),
        entry_id=controls().state.next_count("journal"),
        session=this_request.headers.get(SESSION_HEADER),
        answered_by=noted.get("answered_by", answered_by),
        started=noted.get("started", time.time()),
        operation=noted.get("operation"),
    )


def journal_this_call(current: Controls, entry: Callable[[], JournalEntry]) -> None:
    """Add the current call's entry (made by ``entry`` now) to ``current``'s journal (see
    :func:`journal_safely`)."""
    journal_safely(current, entry, request.method, request.path)


def journal_safely(
    current: Controls, entry: Callable[[], JournalEntry], method: str, path: str
) -> None:
    """Add the entry of a call of ``method path`` (made by ``entry`` now) to ``current``'s
    journal; a failure is logged, never raised: the journal must never turn an answer into
    a crash."""
    try:
        current.state.append_journal(entry(), current.settings.journal_size)
    except Exception as error:
        logger.warning("could not journal %s %s: %s", method, loggable(path), error)


def _journal(response: Response) -> Response:
    if request.path.startswith(_UNJOURNALED_PREFIXES) and not g.get(JOURNALED_ADMIN_CALL):
        return response
    journal_this_call(mock_state(), lambda: capture_this_call(response, "mock"))
    return response


def _strict_check(response: Response) -> Response:
    operation_id = g.get("operation")
    if operation_id is None:  # not an operation of the spec (admin, health, 404, 405)
        return response
    violations = list(
        iter_response_violations(
            response.status_code,
            response.get_data(),
            dict(response.headers),
            content_type=response.mimetype or "",
            operation=operation_id,
        )
    )
    if not violations:
        return response
    detail = "; ".join(str(violation) for violation in violations[:5])
    logger.error("STRICT MODE: the mock's response breaks the spec: %s", detail)
    if current_app.testing:
        raise StrictModeError(detail)
    g.answered_by = "strict"
    return ApiError(
        500, [f"Strict mode: the mock's response breaks the spec: {detail}"], source="strict"
    ).to_response()


def startup_source(settings: MockSettings) -> TaskSource:
    """The tasks served at start and after a reset: the ``replay`` recording's (see
    ``replay``), else the ``data`` file's, else generated.

    Raises:
        DataFileError: when the file cannot be read or a task in it is refused.
    """
    recorded = replay_source(settings) if settings.replay else None  # serve --replay FILE
    if recorded is not None:
        return recorded
    if settings.data:
        return file_source(settings.data, settings.crm_type)
    dataset = build_dataset(
        settings.seed, settings.users, settings.tasks_per_user, settings.crm_type
    )
    return generated_source(dataset)


def create_app(
    config: Mapping[str, Any] | None = None, *, settings: MockSettings | None = None
) -> Flask:
    """Build the mock: defaults, then ``GONG_MOCK_*`` variables, then ``config``.

    The start-up data (generated from the seed, or read from the ``data`` file) is
    checked against the spec and serialized here, once.

    Args:
        config: Settings by name (``{"seed": 7}`` or ``{"SEED": 7}``; a string is parsed
            like the environment variable) and any Flask setting (upper-case, e.g.
            ``TESTING``).
        settings: Settings already loaded (what ``gong-tasks serve`` passes); ``config``
            may then hold Flask settings only.

    Raises:
        SettingsError: when a setting is unusable.
        DatasetError: when the generated data breaks the spec, or the ``data`` file cannot
            be served (``DataFileError``, naming the file, the task and the field).
    """
    given = dict(config or {})
    # Upper-case keys that name no setting are Flask's (TESTING, ...); any other key is a
    # setting, so a misspelt one is refused rather than ignored.
    flask_config = {k: v for k, v in given.items() if k.isupper() and not is_setting(k)}
    overrides = {k: v for k, v in given.items() if k not in flask_config}
    if settings is None:
        settings = load_settings(overrides)
    elif overrides:
        raise ValueError("pass settings either as `settings` or in `config`, not both")
    app = Flask(__name__)
    app.config.from_mapping(flask_config)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.url_map.merge_slashes = False  # /v2//tasks is a 404 in Gong's shape, not a redirect
    state = open_state(settings.state)
    app.extensions[EXTENSION] = MockState(
        settings=settings,
        state=state,
        limiter=GongLimiter(
            settings.rate_limit, settings.daily_limit, settings.state, settings.limit_scope
        ),
        tasks=ServedTasks(startup_source(settings), state),
    )
    app.wsgi_app = BoundedBody(app.wsgi_app, controls(app).body_limit)  # type: ignore[method-assign]
    app.register_blueprint(tasks_api)
    app.register_blueprint(meta)
    if settings.admin:
        app.register_blueprint(admin)
        app.register_blueprint(admin_tasks)
        app.register_blueprint(console)
    register_error_handlers(app)
    app.before_request(start_clock)
    if settings.strict:
        app.after_request(_strict_check)
    app.after_request(_journal)  # runs first: after_request hooks run in reverse order
    return app
