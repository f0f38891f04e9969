"""Run a server app on granian (a Rust HTTP server), the app built once before serving.

One process by default: granian's embedded server runs in this process's event loop, so
the memory state is exactly one mock. With ``workers > 1`` (the mock allows it only on
shared state) granian forks that many processes from this one after the app is built.
Either way HTTP/1.1 only, so the header time-out runs from the moment a connection opens
(granian's HTTP/2 sniffing waits for bytes without one), and at most ``max_connections``
connections are held per process.
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

from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from granian.server import MPServer
from granian.server.embed import Server as EmbeddedServer

from gong_tasks_kit.serving.dispatcher import TasksDispatcher
from gong_tasks_kit.serving.preflight import listen_address
from gong_tasks_kit.serving.rsgi_bridge import DispatcherOnRsgi
from gong_tasks_kit.serving.settings import ServerSettings


class ServeError(RuntimeError):
    """The server could not start (the message is one line, fit for the user)."""


def _options(settings: ServerSettings) -> dict[str, Any]:
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
    bridge: DispatcherOnRsgi, options: dict[str, Any], on_ready: Callable[[], Any]
) -> None:
    server = EmbeddedServer(bridge, **options)
    server.on_startup(on_ready)
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, server.stop)
    await server.serve()


def serve(
    dispatcher: TasksDispatcher,
    settings: ServerSettings,
    on_ready: Callable[[], Any],
    *,
    workers: int = 1,
) -> None:
    """Serve an app's dispatcher until SIGINT or SIGTERM.

    Args:
        dispatcher: The app's dispatcher (``flask_app.dispatcher_of``), built once;
            forked processes share it.
        settings: Where to listen, the threads, the time-outs.
        on_ready: Called (on another thread) once a connection to the port succeeds.
        workers: Server processes.

    Raises:
        ServeError: when the host does not resolve or the socket cannot be bound.
    """
    # The app's data is built and lives as long as the process: move it out of the
    # garbage collector's reach, so a full collection does not walk it during calls.
    gc.collect()
    gc.freeze()
    bridge = DispatcherOnRsgi(
        dispatcher, threads=settings.threads, body_timeout=settings.body_timeout
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
        if workers == 1:
            with asyncio.Runner(loop_factory=_event_loop_factory()) as runner:
                runner.run(_serve_here(bridge, options, bound))
        else:
            server = MPServer("gong_tasks_kit.serving", workers=workers, **options)
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
