"""A server app's dispatcher served on granian's RSGI interface, so slow clients cost no
thread.

granian's own WSGI interface hands the app a body stream that blocks a Python thread for
as long as the client takes to send it (there is no body time-out), and it copies the
server's whole environment into every request's ``environ``. On RSGI the body is read by
the event loop instead, under a deadline and a size cap, and only a request that has
fully arrived (or failed to) is answered: the dispatcher gets the ``environ`` (built as
PEP 3333 says, as a2wsgi and granian's WSGI build it) and what arrived of the body, and
answers directly (``TasksDispatcher.answer``), as it does for every other host.

Where a call is answered: on the event loop itself when the dispatcher says it will not
block (measured here, handing each call to a thread pool costs as much as the mock's own
work, and Python runs one thread at a time anyway); otherwise on a fixed pool of threads
for the Tasks API's calls, so a call that sleeps (added latency) or waits on the network
(Redis, the proxy's target) holds one thread, not the server, and on a small pool of its
own for the app's pages (admin API, health), which so never wait behind the Tasks API.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gong_tasks_kit.serving.bodies import BodyCapture
from gong_tasks_kit.serving.bounds import parse_whole_number, printable
from gong_tasks_kit.serving.dispatcher import TasksDispatcher
from gong_tasks_kit.serving.errors import Answer, ApiError
from gong_tasks_kit.serving.routes import route

logger = logging.getLogger("gong_tasks_kit.serving")

#: Threads that answer the app's own pages (admin API, health) when they may block.
CONTROL_THREADS = 2


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


def _crash_answer() -> Answer:
    return ApiError(500, ["Internal server error occurred"], source="crash").to_answer()


def _unread(reason: str) -> BodyCapture:
    """A body that could not be read, and why."""
    return BodyCapture(b"", 0, False, f"the body could not be read ({reason})")


def _received(data: bytes, declared: int | None, limit: int) -> BodyCapture:
    """What arrived of a body of ``declared`` bytes (None: chunked), under ``limit``."""
    if declared is not None and len(data) < declared:
        return BodyCapture(data, declared, False, "the body ended before its Content-Length")
    if len(data) > limit:
        return BodyCapture(data[: limit + 1], len(data), True, None)
    return BodyCapture(data, len(data), False, None)


class DispatcherOnRsgi:
    """An RSGI application (for granian) that serves a dispatcher; see the module.

    Args:
        dispatcher: The server app's dispatcher.
        threads: Threads that answer the Tasks API's calls that may block; calls that
            have fully arrived wait for one.
        body_timeout: Seconds a request's body may take to arrive.
    """

    def __init__(self, dispatcher: TasksDispatcher, *, threads: int, body_timeout: float) -> None:
        self.dispatcher = dispatcher
        self._threads = threads
        self._body_timeout = body_timeout
        self._pools: dict[bool, ThreadPoolExecutor] = {}

    def _executor(self, tasks_api: bool) -> ThreadPoolExecutor:
        # Made on first use, in the serving process (after any fork).
        pool = self._pools.get(tasks_api)
        if pool is None:
            threads, name = (
                (self._threads, "gong-calls") if tasks_api else (CONTROL_THREADS, "gong-controls")
            )
            pool = self._pools[tasks_api] = ThreadPoolExecutor(threads, thread_name_prefix=name)
        return pool

    async def _read_all(self, protocol: Any, chunks: list[bytes], limit: int) -> None:
        received = 0
        async for chunk in protocol:
            chunks.append(chunk)
            received += len(chunk)
            if received > limit:
                return  # enough to know it is too large; the rest is never read

    async def _body(self, scope: Any, protocol: Any, limit: int) -> BodyCapture:
        """What arrives of the request body, under ``limit`` bytes and the body time-out
        (at most one byte past the limit is kept)."""
        headers = scope.headers
        chunked = "transfer-encoding" in headers
        declared_text = headers.get("content-length")
        if declared_text is None and not chunked:
            return BodyCapture(b"", 0, False, None)
        declared = parse_whole_number(declared_text or "", high=2**63)
        if declared_text is not None and not chunked and declared is None:
            return BodyCapture(b"", 0, False, "Content-Length is not a whole number")
        if declared is not None and declared > limit:  # too large: answered without waiting
            return BodyCapture(b"", declared, True, None)
        chunks: list[bytes] = []
        try:
            # asyncio.timeout, not wait_for: no task per request
            async with asyncio.timeout(self._body_timeout):
                if chunked:  # no size known in advance: read until past the limit
                    await self._read_all(protocol, chunks, limit)
                else:  # granian reads exactly the declared length, at most the limit
                    chunks.append(await protocol())
        except TimeoutError:
            return _unread(f"it did not arrive within {self._body_timeout:g} s")
        except Exception:  # granian's protocol errors: the client went away mid-body
            return _unread("the connection closed before it ended")
        return _received(b"".join(chunks), None if chunked else declared, limit)

    async def __rsgi__(self, scope: Any, protocol: Any) -> None:
        """Serve one HTTP request: read its body, answer it (on a thread if it may
        block), send the answer."""
        if scope.proto != "http":
            return
        try:
            answer, whole = await self._answer(scope, protocol)
            headers = answer.headers if whole else [*answer.headers, ("Connection", "close")]
            status, payload = answer.status, answer.body
        except Exception as error:  # every request gets an answer, even from a bug here
            logger.error(
                "could not serve a request: %s: %s", type(error).__name__, printable(str(error))
            )
            crash = _crash_answer()
            status, headers, payload = (
                crash.status,
                [*crash.headers, ("Connection", "close")],
                crash.body,
            )
        try:
            protocol.response_bytes(status, headers, payload)
        except Exception as error:  # the client is gone; nobody is left to answer
            logger.debug("could not send the answer: %s", error)

    async def _answer(self, scope: Any, protocol: Any) -> tuple[Answer, bool]:
        """The answer, and whether the body was read to its end (else the connection
        must close: unread bytes would be taken for the next request)."""
        dispatcher = self.dispatcher
        method, path = scope.method, str(scope.path)
        body = await self._body(scope, protocol, dispatcher.body_limit(method, path))
        environ = wsgi_environ(scope, io.BytesIO(body.data))
        if not dispatcher.may_block(method, path):
            answer = dispatcher.answer(environ, body)
        else:
            pool = self._executor(tasks_api=not route(method, path).to_app)
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(pool, dispatcher.answer, environ, body)
        whole = body.problem is None and not body.too_large
        return answer, whole

    def __rsgi_del__(self, loop: Any) -> None:
        """Let the threads finish when the server stops."""
        for pool in self._pools.values():
            pool.shutdown(wait=False)
        self._pools.clear()
