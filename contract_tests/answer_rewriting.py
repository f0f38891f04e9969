"""How the mutants wrap the mock from outside, as a broken server would be: WSGI middleware
around the whole app (the dispatcher included) that sees only requests and answers."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import orjson
from flask import Flask
from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["API_PREFIX", "AnswerChange", "around_answers", "read_json_body"]

#: Paths of the API (not the mock's own /__health, /openapi.json, /__admin).
API_PREFIX = "/v2/"

#: Changes one answer of the API in place, given the request's ``environ`` and its JSON
#: body (None when it is not JSON).
AnswerChange = Callable[["WSGIEnvironment", Any, Response], None]


def read_json_body(environ: WSGIEnvironment) -> Any:
    """The request's JSON body (None if it is not JSON); the app can still read it."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def around_answers(app: Flask, change: AnswerChange) -> Flask:
    """``app`` with ``change`` applied to every answer of the API, after the mock made it."""
    inner = app.wsgi_app

    def middleware(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if not str(environ.get("PATH_INFO", "")).startswith(API_PREFIX):
            return inner(environ, start_response)
        body = read_json_body(environ)
        response = Response.from_app(inner, environ, buffered=True)
        change(environ, body, response)
        return response(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    return app
