"""The mock's WSGI app served on granian's RSGI interface, so slow clients cost no thread.

granian's own WSGI interface hands the app a body stream that blocks a Python thread for
as long as the client takes to send it (there is no body time-out), and it copies the
server's whole environment into every request's ``environ``. On RSGI the body is read by
the event loop instead, under a deadline and a size cap, and only a request that has
fully arrived (or failed to) runs the app. The ``environ`` is built as PEP 3333 says (as
a2wsgi and granian's WSGI build it). The app stays a plain WSGI app: this adapter is only
how ``gong-tasks serve`` runs it.

Some calls need no app at all: ``direct`` (the mock's ``direct_calls``) may answer a
call whose body arrived whole before the WSGI app is asked.

Where the app runs: on the event loop itself while ``run_inline()`` says the app will not
block (measured here, handing each call to a thread pool costs as much as the mock's own
work, and Python runs one thread at a time anyway); otherwise on a fixed pool of threads,
so a call that sleeps (added latency) or waits on the network (Redis) holds one thread,
not the server.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from gong_tasks_kit.mock_server.bounds import parse_whole_number, printable
from gong_tasks_kit.mock_server.errors import ApiError

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

logger = logging.getLogger("gong_tasks_kit.mock_server")

Answer = tuple[int, list[tuple[str, str]], bytes]
#: Answers a call from its ``environ`` and whole body, or None to leave it to the app.
DirectAnswer = Callable[[dict[str, Any], bytes], Answer | None]


class _FailingBody(io.RawIOBase):
    """The body of a request that did not fully arrive: reading it raises ``OSError``."""

    def __init__(self, reason: str) -> None:
        self._reason = reason

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise OSError(self._reason)


def _wsgi_text(text: str) -> str:
    """A native WSGI string: the UTF-8 bytes as Latin-1 code points (PEP 3333)."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _host_and_port(address: str) -> tuple[str, str]:
    """``"127.0.0.1:80"`` or ``"[::1]:80"`` as ``(host, port)``, brackets removed."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), port


def wsgi_environ(scope: Any, body: io.RawIOBase | io.BytesIO) -> dict[str, Any]:
    """The WSGI ``environ`` of an RSGI HTTP ``scope`` whose body is ``body``.

    Headers whose names hold an underscore are dropped, as gunicorn and nginx do: in the
    ``environ``, ``X_Session`` and ``X-Session`` would be the same key. Repeated headers
    are joined with a comma.
    """
    server_host, server_port = _host_and_port(scope.server)
    client_host, client_port = _host_and_port(scope.client)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": _wsgi_text(scope.path),
        "QUERY_STRING": _wsgi_text(scope.query_string),
        "SERVER_NAME": server_host,
        "SERVER_PORT": server_port,
        "SERVER_PROTOCOL": f"HTTP/{scope.http_version}",
        "REMOTE_ADDR": client_host,
        "REMOTE_PORT": client_port,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.scheme,
        "wsgi.input": body,
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in scope.headers.items():
        if "_" in name:
            continue
        if name == "content-type":
            key = "CONTENT_TYPE"
        elif name == "content-length":
            key = "CONTENT_LENGTH"
        else:
            key = "HTTP_" + name.upper().replace("-", "_")
        text = _wsgi_text(value)
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    return environ


def error_answer(error: ApiError) -> Answer:
    """The answer that carries ``error``, in Gong's shape."""
    response = error.to_response()
    return response.status_code, response.headers.to_wsgi_list(), response.get_data()


def _crash_answer() -> Answer:
    return error_answer(ApiError(500, ["Internal server error occurred"], source="crash"))


def run_wsgi(app: WSGIApplication, environ: WSGIEnvironment) -> Answer:
    """Call a WSGI app and collect its whole answer (a crash becomes Gong's 500)."""
    started: list[Any] = []
    written: list[bytes] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [status, headers]
        return written.append

    try:
        result: Iterable[bytes] = app(environ, start_response)
        try:
            body = b"".join([*written, *result])
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    except Exception as error:  # an answer is always sent, in Gong's shape
        logger.error("the app raised %s: %s", type(error).__name__, printable(str(error)))
        return _crash_answer()
    if not started:
        logger.error("the app returned without starting a response")
        return _crash_answer()
    return int(started[0][:3]), list(started[1]), body


class WsgiOnRsgi:
    """An RSGI application (for granian) that serves a WSGI app; see the module.

    Args:
        app: The WSGI app.
        threads: Threads that run the app when it may block; requests that have fully
            arrived wait for one.
        body_timeout: Seconds a request's body may take to arrive.
        body_limit: The app's body limit by method and path; at most one byte more is
            read.
        run_inline: Asked before each request: whether the app will answer it without
            blocking, so it may run on the event loop (default: never).
        direct: Answers some calls without the app, from the ``environ`` and the whole
            body (None: the app must answer); asked only for a call whose body arrived
            whole, where the app would run.
    """

    def __init__(
        self,
        app: WSGIApplication,
        *,
        threads: int,
        body_timeout: float,
        body_limit: Callable[[str, str], int],
        run_inline: Callable[[], bool] = lambda: False,
        direct: DirectAnswer | None = None,
    ) -> None:
        self.app = app
        self._threads = threads
        self._body_timeout = body_timeout
        self._body_limit = body_limit
        self._run_inline = run_inline
        self._direct = direct
        self._pool: ThreadPoolExecutor | None = None

    def _executor(self) -> ThreadPoolExecutor:
        # Made on first use, in the serving process (after any fork).
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._threads, thread_name_prefix="gong-mock")
        return self._pool

    async def _read_all(self, protocol: Any, chunks: list[bytes], limit: int) -> None:
        received = 0
        async for chunk in protocol:
            chunks.append(chunk)
            received += len(chunk)
            if received > limit:
                return  # enough to know it is too large; the rest is never read

    async def _body(self, scope: Any, protocol: Any) -> tuple[io.RawIOBase | io.BytesIO, bool]:
        """The request body as a stream, and whether it was read to its end."""
        headers = scope.headers
        chunked = "transfer-encoding" in headers
        if "content-length" not in headers and not chunked:
            return io.BytesIO(b""), True
        chunks: list[bytes] = []
        limit = self._body_limit(scope.method, scope.path)
        declared = parse_whole_number(headers.get("content-length") or "", high=2**63)
        if declared is not None and declared > limit:  # too large: answered without waiting
            return io.BytesIO(b""), False
        try:
            # asyncio.timeout, not wait_for: no task per request
            async with asyncio.timeout(self._body_timeout):
                if chunked:  # no size known in advance: read until past the limit
                    await self._read_all(protocol, chunks, limit)
                else:  # granian reads exactly the declared length, at most the limit
                    chunks.append(await protocol())
        except TimeoutError:
            reason = f"it did not arrive within {self._body_timeout:g} s"
            return _FailingBody(reason), False
        except Exception:  # granian's protocol errors: the client went away mid-body
            return _FailingBody("the connection closed before it ended"), False
        data = b"".join(chunks)
        return io.BytesIO(data), len(data) <= limit

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        """Serve one HTTP request: read its body, run the app on a thread, answer."""
        if scope.proto != "http":
            return
        try:
            status, headers, payload = await self._answer(scope, protocol)
        except Exception as error:  # every request gets an answer, even from a bug here
            logger.error(
                "could not serve a request: %s: %s", type(error).__name__, printable(str(error))
            )
            status, headers, payload = _crash_answer()
            headers = [*headers, ("Connection", "close")]
        try:
            protocol.response_bytes(status, headers, payload)
        except Exception as error:  # the client is gone; nobody is left to answer
            logger.debug("could not send the answer: %s", error)

    async def _answer(self, scope: Any, protocol: Any) -> Answer:
        body, whole = await self._body(scope, protocol)
        environ = wsgi_environ(scope, body)
        whole_body = body.getvalue() if whole and isinstance(body, io.BytesIO) else None
        if self._run_inline():
            status, headers, payload = self._serve(environ, whole_body)
        else:
            loop = asyncio.get_running_loop()
            status, headers, payload = await loop.run_in_executor(
                self._executor(), self._serve, environ, whole_body
            )
        if not whole:  # unread body bytes would be taken for the next request
            headers = [*headers, ("Connection", "close")]
        return status, headers, payload

    def _serve(self, environ: dict[str, Any], whole_body: bytes | None) -> Answer:
        """The direct answer, if any, else the app's."""
        if self._direct is not None and whole_body is not None:
            answer = self._direct(environ, whole_body)
            if answer is not None:
                return answer
        return run_wsgi(self.app, environ)

    def __rsgi_del__(self, loop: Any) -> None:
        """Let the app's threads finish when the server stops."""
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None
