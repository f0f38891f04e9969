"""The admin API under ``/__admin/``: QA's controls, JSON in and JSON out.

Guarded by the admin token (header ``X-Gong-Mock-Admin-Token``) when one is set, else
open to loopback callers only. It never returns credentials, and bad input is refused
with a 400 before anything changes.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

import orjson
from flask import Blueprint, Response, request

from gong_tasks_kit.serving.errors import ApiError, gong_headers
from gong_tasks_kit.serving.faults import (
    AdminInputError,
    parse_chaos,
    parse_latency,
    parse_plan,
    scope_of,
)
from gong_tasks_kit.serving.flask_app import runtime_of
from gong_tasks_kit.serving.journal import presented
from gong_tasks_kit.serving.journal_filters import journal_query
from gong_tasks_kit.spec.examples import common_statuses, documented_statuses
from gong_tasks_kit.spec.operations import operation_ids

ADMIN_TOKEN_HEADER = "X-Gong-Mock-Admin-Token"  # noqa: S105 - a header name

ADMIN_PREFIX = "/__admin"

#: QA's controls, shared by the mock and the proxy (the mock's task views and uploads are
#: in ``admin_tasks``, guarded the same way).
admin = Blueprint("admin", __name__, url_prefix=ADMIN_PREFIX)


def _json(payload: Any, status: int = 200, *, scrubbed: bool = False) -> Response:
    """An admin answer, without a secret of the server's: an admin caller may have put
    one in a plan's or chaos' session, say (unless ``scrubbed`` already)."""
    shown = payload if scrubbed else runtime_of().shown(payload)
    return Response(orjson.dumps(shown), status=status, headers=gong_headers())


def _bad(message: str) -> ApiError:
    return ApiError(400, [message], source="admin")


def _body() -> Any:
    raw = request.get_data()
    if not raw.strip():
        return {}
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise _bad(f"admin request body is not valid JSON: {error}") from None


def _is_loopback(address: str | None) -> bool:
    """127.0.0.0/8 and ::1, also as an IPv4-mapped address (``::ffff:127.0.0.1``), which
    is how an IPv4 caller appears on a dual-stack (``--host ::``) listener."""
    try:
        parsed = ipaddress.ip_address((address or "").strip("[]"))
    except ValueError:
        return False
    mapped = getattr(parsed, "ipv4_mapped", None)
    return bool(parsed.is_loopback or (mapped is not None and mapped.is_loopback))


def guard_admin_call() -> None:
    """Refuse an admin call without the admin token (when one is set), or from elsewhere
    than loopback (when none is): every admin blueprint runs it first.

    Raises:
        ApiError: 401 for a missing or wrong token; 403 for a caller not on loopback.
    """
    token = runtime_of().settings.admin_token
    if token:
        given = request.headers.get(ADMIN_TOKEN_HEADER, "").encode()
        if not hmac.compare_digest(given, token.encode()):
            raise ApiError(
                401, [f"admin API: missing or wrong {ADMIN_TOKEN_HEADER}"], source="admin"
            )
    elif not _is_loopback(request.remote_addr):
        raise ApiError(
            403,
            [
                "admin API answers loopback callers only; set an admin token "
                "(--admin-token) to reach it from elsewhere"
            ],
            source="admin",
        )


admin.before_request(guard_admin_call)


def _parsed(parser: Any) -> Any:
    try:
        return parser(_body())
    except AdminInputError as error:
        raise _bad(str(error)) from None


@admin.get("/plans")
def list_plans() -> Response:
    """Every queued step, by scope (``*`` for all callers, ``session:<id>``)."""
    return _json({"plans": runtime_of().state.plans()})


@admin.post("/plans")
def queue_plan() -> Response:
    """Queue steps: ``{"steps": [{"status": 429, "times": 2, "retryAfter": 1}], "session"?}``."""
    scope, steps = _parsed(parse_plan)
    length = runtime_of().state.push_steps(scope, steps)
    return _json({"scope": scope, "queued": len(steps), "pending": length}, 201)


@admin.delete("/plans")
def clear_plans() -> Response:
    """Drop queued steps: one session's (``?session=ID``) or all."""
    session = request.args.get("session")
    runtime_of().state.clear_plans(scope_of(session) if session else None)
    return _json({"cleared": session or "all"})


def _setting_endpoints(name: str, parse: Callable[[Any], dict[str, Any]], summary: str) -> None:
    """``PUT /__admin/<name>`` stores a checked setting; ``DELETE`` removes it."""

    def put() -> Response:
        value = _parsed(parse)
        runtime_of().state.set_setting(name, value)
        return _json({name: value})

    def delete() -> Response:
        runtime_of().state.set_setting(name, None)
        return _json({name: None})

    put.__doc__ = summary
    admin.add_url_rule(f"/{name}", f"set_{name}", put, methods=["PUT"])
    admin.add_url_rule(f"/{name}", f"clear_{name}", delete, methods=["DELETE"])


_setting_endpoints(
    "chaos",
    parse_chaos,
    'Answer a seeded fraction of calls with faults: {"rate", "statuses", "seed"}.',
)
_setting_endpoints(
    "latency", parse_latency, 'Delay answers: {"fixedMs": 200} or {"minMs", "maxMs", "seed"}.'
)


@admin.post("/quota/exhaust")
def exhaust_quota() -> Response:
    """Use up a daily quota: the company's (the default scope), or with ``limit_scope``
    ``credential`` one credential's, named by its public label: ``{"credential":
    "token#1"}`` (default: the caller's own ``Authorization``, else ``basic#1``)."""
    body = _body()
    if not isinstance(body, dict):
        raise _bad("body must be a JSON object")
    if set(body) - {"credential"}:
        raise _bad("quota: the only field is 'credential'")
    current = runtime_of()
    key = current.quota_key(body.get("credential"), request.headers.get("Authorization"))
    seconds = current.limiter.exhaust_daily(key)
    bucket = current.limiter.bucket(key)
    return _json({"exhausted": bucket.split(":", 1)[-1], "retryAfter": seconds})


@admin.get("/requests")
def list_requests() -> Response:
    """The journal, oldest first, filtered (see ``journal_filters``): ``?session=ID``,
    ``operation``, ``method``, ``path``, ``status``, ``answeredBy``; ``?since=ID`` keeps
    entries newer than an id (what a live view polls with), ``?limit=N`` the newest N.
    ``lastId`` is the newest entry's id (0 when empty): lower than a poller's own means a
    reset."""
    query = journal_query(request.args, request.args.getlist)
    current = runtime_of()
    entries = current.state.journal()
    last_id = int(entries[-1]["id"]) if entries else 0
    shown = [presented(current.shown(entry)) for entry in query.select(entries)]
    return _json({"requests": shown, "lastId": last_id}, scrubbed=True)


@admin.delete("/requests")
def clear_requests() -> Response:
    """Empty the journal."""
    runtime_of().state.clear_journal()
    return _json({"cleared": "journal"})


@admin.post("/reset")
def reset_everything() -> Response:
    """Forget plans, chaos, latency, the journal, every limiter counter, every task change
    and every upload (the start-up data is served again, exactly)."""
    runtime_of().reset()
    return _json({"reset": True})


@admin.get("/status")
def status() -> Response:
    """The controls in force (never the credentials)."""
    current = runtime_of()
    return _json(
        {
            "state": current.settings.shown_state,
            "rateLimit": current.limiter.describe,
            "journalSize": current.settings.journal_size,
            "limits": current.limiter.snapshot(current.limit_key_for(None, None)),
            "documentedStatuses": {
                "any": list(common_statuses()),
                **{op: list(documented_statuses(op)) for op in operation_ids()},
            },
            "chaos": current.state.get_setting("chaos"),
            "latency": current.state.get_setting("latency"),
            "plans": {scope: len(steps) for scope, steps in current.state.plans().items()},
        }
    )
