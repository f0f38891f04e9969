"""The RSGI adapter's pure parts: the WSGI ``environ`` it builds and how it runs an app."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from rsgi_fakes import Headers as _Headers
from rsgi_fakes import Scope as _Scope
from werkzeug.wrappers import Request

from gong_tasks_kit.serving.dispatcher import run_wsgi
from gong_tasks_kit.serving.rsgi_bridge import wsgi_environ


def test_environ_follows_pep_3333() -> None:
    scope = _Scope(
        path="/café/tasks",
        query_string="session=a%20b",
        client="[::1]:50123",
        server="[::]:8080",
        headers=_Headers(
            [
                ("host", "mock"),
                ("content-type", "application/json"),
                ("content-length", "2"),
                ("x-a", "1"),
                ("x-a", "2"),
                ("x_gong_mock_session", "spoofed"),
                ("x-gong-mock-session", "real"),
                ("x-name", "é"),
            ]
        ),
    )
    environ = wsgi_environ(scope, io.BytesIO(b"{}"))
    assert environ["PATH_INFO"] == "/café/tasks".encode().decode("latin-1")
    assert (environ["REMOTE_ADDR"], environ["REMOTE_PORT"]) == ("::1", "50123")
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("::", "8080")
    assert (environ["CONTENT_TYPE"], environ["CONTENT_LENGTH"]) == ("application/json", "2")
    assert environ["HTTP_X_A"] == "1,2"
    assert environ["HTTP_X_GONG_MOCK_SESSION"] == "real"  # the underscore spelling dropped
    assert environ["SERVER_PROTOCOL"] == "HTTP/1.1"
    request = Request(environ)
    assert request.path == "/café/tasks"
    assert request.args["session"] == "a b"
    assert request.headers["X-Name"].encode("latin-1").decode() == "é"
    assert request.get_data() == b"{}"


def test_environ_carries_nothing_of_the_server_process() -> None:
    environ = wsgi_environ(_Scope(), io.BytesIO(b""))
    assert "PATH" not in environ
    assert not [key for key in environ if key.startswith("GONG_MOCK_")]


def _app(
    status: str = "200 OK", body: Iterator[bytes] | list[bytes] = (), **behaviour: Any
) -> Callable[..., Any]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if behaviour.get("raise"):
            raise RuntimeError("boom")
        if behaviour.get("no_start"):
            return [b"x"]
        write = start_response(status, [("Content-Type", "text/plain")])
        write(b"written,")
        return body

    return app


def test_run_wsgi_collects_written_and_returned_bytes() -> None:
    closed: list[bool] = []

    class Body:
        def __iter__(self) -> Iterator[bytes]:
            yield b"returned"

        def close(self) -> None:
            closed.append(True)

    app = _app("201 Created", Body())  # type: ignore[arg-type]
    answer = run_wsgi(app, {})
    assert (answer.status, answer.body, closed) == (201, b"written,returned", [True])
    assert answer.headers == [("Content-Type", "text/plain")]


def test_run_wsgi_answers_a_crash_in_gongs_shape() -> None:
    for broken in (_app(**{"raise": True}), _app(no_start=True)):
        crash = run_wsgi(broken, {})
        assert crash.status == 500
        assert dict(crash.headers)["Content-Type"] == "application/json; charset=utf-8"
        answer = json.loads(crash.body)
        assert answer["errors"] == ["Internal server error occurred"]
        assert len(answer["requestId"]) == 19
