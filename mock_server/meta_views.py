"""The mock's own pages beside the API: liveness (``/__health``) and the spec it serves
(``/openapi.json``, ``/openapi.yaml``)."""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, Response

from gong_tasks_kit.mock_server.runtime import mock_runtime
from gong_tasks_kit.serving.errors import gong_headers
from gong_tasks_kit.spec import load_spec, load_spec_text

__all__ = ["meta"]

meta = Blueprint("meta", __name__)


@meta.get("/__health")
def health() -> Response:
    """Liveness, the port, and what is being served now (the start-up data, or the last
    uploads)."""
    runtime = mock_runtime()
    state_problem = runtime.state.problem()
    if state_problem is not None:  # what is served lives there too (uploads, versions)
        unavailable = {"status": "unavailable", "state": state_problem}
        return Response(orjson.dumps(unavailable), status=503, headers=gong_headers())
    store = runtime.store
    body: dict[str, Any] = {
        "status": "ok",
        "state": "ok",
        "port": runtime.settings.port,
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
