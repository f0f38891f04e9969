"""Run the mock on granian (a Rust HTTP server), the app built once before serving.

One process by default: granian's embedded server runs in this process's event loop, so
the mock's memory state is exactly one mock. With ``workers > 1`` (allowed only on
shared state, see ``settings``) granian forks that many processes from this one after
the app is built. Either way HTTP/1.1 only, so the header time-out runs from the moment
a connection opens (granian's HTTP/2 sniffing waits for bytes without one), and at most
``max_connections`` connections are held per process.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import MPServer
from granian.server.embed import Server as EmbeddedServer

from gong_tasks_kit.mock_server.direct_calls import DirectCalls
from gong_tasks_kit.mock_server.preflight import listen_address
from gong_tasks_kit.mock_server.runtime import MockState, controls
from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.wsgi_bridge import WsgiOnRsgi


class ServeError(RuntimeError):
    """The server could not start (the message is one line, fit for the user)."""


def _options(settings: MockSettings) -> dict[str, Any]:
    return {
        "address": listen_address(settings.host),
        "port": settings.port,
        "interface": Interfaces.RSGI,
        "http": HTTPModes.http1,
        "websockets": False,
        "backlog": max(1024, settings.max_connections),
        "backpressure": settings.max_connections,
        "http1_settings": HTTP1Settings(
            header_read_timeout=settings.header_timeout * 1000, keep_alive=True
        ),
        "log_level": LogLevels.error,  # granian's start-up notes would bury the banner
        "log_access": False,
    }


def direct_calls(app: Flask) -> DirectCalls | None:
    """What answers the Tasks API's plain calls without Flask (see ``direct_calls``): only
    for the mock (the proxy has no tasks of its own), and not in strict mode, whose check
    of every answer lives in the Flask app."""
    current = controls(app)
    if not isinstance(current, MockState) or current.settings.strict:
        return None
    return DirectCalls(current)


def never_blocks(app: Flask) -> Callable[[], bool]:
    """Whether the app's next call cannot block (see ``Controls.next_call_may_block``).

    Such calls run on the event loop; Redis round trips, latency sleeps and the proxy's
    calls to its target run on the app's threads (see ``wsgi_bridge``).
    """
    current = controls(app)
    return lambda: not current.next_call_may_block()


def _event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (not on Windows), else asyncio's own.

    Measured here: granian hands every request to the loop from its Rust threads, and
    asyncio's own loop spends a fifth of the mock's time in that hand-over.
    """
    try:
        import uvloop  # noqa: PLC0415 - optional: absent on Windows
    except ImportError:
        return None
    return uvloop.new_event_loop


def _connectable_host(host: str) -> str:
    address = listen_address(host)
    return {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(address, address)  # noqa: S104


def _when_accepting(host: str, port: int, then: Callable[[], Any]) -> Callable[[], None]:
    """A start-up hook that calls ``then`` once a connection to the port succeeds.

    granian binds in its start-up but the worker starts accepting a moment later; the
    banner must not claim the mock listens before a client can connect.
    """

    def wait() -> None:
        deadline = time.monotonic() + 30
        while port and time.monotonic() < deadline:
            try:
                socket.create_connection((_connectable_host(host), port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.01)
        then()

    return lambda: threading.Thread(target=wait, name="gong-mock-ready", daemon=True).start()


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


async def _serve_here(
    bridge: WsgiOnRsgi, options: dict[str, Any], on_ready: Callable[[], Any]
) -> None:
    server = EmbeddedServer(bridge, **options)
    server.on_startup(on_ready)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.stop)
    await server.serve()


def serve(app: Flask, settings: MockSettings, on_ready: Callable[[], Any]) -> None:
    """Serve ``app`` until SIGINT or SIGTERM.

    Args:
        app: The mock's app (``create_app``), built once; forked processes share it.
        settings: Where to listen, how many processes and threads, the time-outs.
        on_ready: Called (on another thread) once a connection to the port succeeds.

    Raises:
        ServeError: when the host does not resolve or the socket cannot be bound.
    """
    # The app's data is built and lives as long as the process: move it out of the
    # garbage collector's reach, so a full collection does not walk it during calls.
    gc.collect()
    gc.freeze()
    bridge = WsgiOnRsgi(
        app,
        threads=settings.threads,
        body_timeout=settings.body_timeout,
        body_limit=controls(app).body_limit,
        run_inline=never_blocks(app),
        direct=direct_calls(app),
    )
    try:
        options = _options(settings)
    except ValueError as error:
        raise ServeError(str(error)) from None
    listening: list[bool] = []

    def bound() -> None:
        listening.append(True)
        _when_accepting(settings.host, settings.port, on_ready)()

    try:
        if settings.workers == 1:
            with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
                runner.run(_serve_here(bridge, options, bound))
        else:
            server = MPServer("gong_tasks_kit.mock_server", workers=settings.workers, **options)
            server.on_startup(bound)
            # Forked workers inherit the built app; granian's loader only hands it over.
            loader: Any = lambda *_: bridge  # noqa: E731 - granian types it as returning a callable
            server.serve(target_loader=loader, wrap_loader=False)
    except RuntimeError as error:
        if listening:
            raise
        # granian reports a failed bind as a RuntimeError (with a Rust backtrace after it)
        where = f"{settings.host}:{settings.port}"
        raise ServeError(f"cannot listen on {where}: {_first_line(error)}") from None
