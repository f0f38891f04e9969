"""The Flask app factory of the mock and its request path.

request ─► authenticate ─► Prefer ─► parse/validate ─► query ─► assemble bytes
        ─► (strict: validate the response)
Authentication comes first, as at Gong's gateway: a caller without credentials learns
nothing about the body it sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from fixtures.dataset import build_dataset
from mock_server.auth import authenticate
from mock_server.errors import ApiError, gong_headers, new_request_id
from mock_server.prefer import preferred_error
from mock_server.requests import parse_task_filter
from mock_server.settings import DEFAULTS, ENV_PREFIX, MockSettings
from mock_server.store import TaskStore
from spec import TASKS_PATH, load_spec, load_spec_text
from spec.reference import iter_response_violations

logger = logging.getLogger("mock_server")
_EXTENSION = "gong_mock"


@dataclass(frozen=True, slots=True)
class MockState:
    """What the request path needs, built once per app."""

    settings: MockSettings
    store: TaskStore


class StrictModeError(RuntimeError):
    """The mock was about to send a response the spec does not allow."""


def mock_state(app: Flask | None = None) -> MockState:
    """The :class:`MockState` of ``app`` (default: the current app)."""
    state: MockState = (app or current_app).extensions[_EXTENSION]
    return state


tasks_api = Blueprint("tasks_api", __name__)
meta = Blueprint("meta", __name__)


@tasks_api.post(TASKS_PATH, provide_automatic_options=False)
def list_tasks() -> Response:
    """Gong's ``POST /v2/tasks``."""
    state = mock_state()
    if state.settings.auth_required:
        authenticate(request.headers.get("Authorization"), state.settings.auth)
    preferred = preferred_error(request.headers.get("Prefer"))
    if preferred is not None:
        raise preferred
    task_filter = parse_task_filter(request.get_data(cache=False), request.mimetype)
    tasks = state.store.query(task_filter)
    body = b"".join(
        (
            b'{"requestId":"',
            new_request_id().encode(),
            b'","tasks":[',
            b",".join(tasks),
            b'],"crmType":"',
            state.store.crm_type.encode(),
            b'"}',
        )
    )
    return Response(body, status=200, headers=gong_headers())


@meta.get("/__health")
def health() -> Response:
    """Liveness and what is being served."""
    store = mock_state().store
    workspaces = sorted({w for ids in store.workspaces.values() for w in ids})
    body = {
        "status": "ok",
        "tasks": store.task_count,
        "users": len(store.user_ids),
        "userIds": list(store.user_ids),
        "workspaceIds": workspaces,
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


def _http_error(error: HTTPException) -> Response:
    if isinstance(error, RequestEntityTooLarge):
        limit = mock_state().settings.max_body_bytes
        return ApiError(
            400, [f"Request body is larger than the {limit}-byte limit"], source="validation"
        ).to_response()
    status = error.code or 400
    if status not in (404, 405):
        status = 400  # only statuses the spec documents (plus 404/405) are ever sent
    message = {
        404: f"No such endpoint: {request.method} {request.path}",
        405: f"Method {request.method} is not allowed on {request.path}",
    }.get(status, error.description or "Malformed request")
    headers = {"Allow": ", ".join(error.valid_methods or [])} if status == 405 else {}  # type: ignore[attr-defined]
    return ApiError(status, [message], headers).to_response()


def _unexpected_error(error: Exception) -> Response:
    logger.exception("unexpected error on %s %s", request.method, request.path)
    return ApiError(500, ["Internal server error occurred"], source="crash").to_response()


def _strict_check(response: Response) -> Response:
    if request.path != TASKS_PATH or request.method != "POST":
        return response
    violations = list(
        iter_response_violations(
            response.status_code,
            response.get_data(),
            dict(response.headers),
            content_type=response.mimetype or "",
        )
    )
    if not violations:
        return response
    detail = "; ".join(str(violation) for violation in violations[:5])
    logger.error("STRICT MODE: the mock's response breaks the spec: %s", detail)
    if current_app.testing:
        raise StrictModeError(detail)
    return ApiError(
        500, [f"Strict mode: the mock's response breaks the spec: {detail}"], source="strict"
    ).to_response()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the mock: defaults, then ``GONG_MOCK_*`` variables, then ``config``.

    The dataset is generated, checked against the spec and serialized here, once.

    Args:
        config: Overrides of the keys in :data:`mock_server.settings.DEFAULTS` (and any
            Flask setting, e.g. ``TESTING``).

    Raises:
        SettingsError: when a setting is unusable.
        DatasetError: when the generated data breaks the spec.
    """
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(ENV_PREFIX)
    if config:
        app.config.from_mapping(config)
    settings = MockSettings.from_config(app.config)
    dataset = build_dataset(
        settings.seed, settings.users, settings.tasks_per_user, settings.crm_type
    )
    app.extensions[_EXTENSION] = MockState(settings, TaskStore(dataset))
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.register_blueprint(tasks_api)
    app.register_blueprint(meta)
    app.register_error_handler(ApiError, ApiError.to_response)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)
    if settings.strict:
        app.after_request(_strict_check)
    return app
