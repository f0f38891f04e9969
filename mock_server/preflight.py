"""Checks before the mock starts, so start-up tells the truth in one line.

Shared state that cannot be reached, or a port that is taken, stops ``gong-tasks serve``
before it builds its data or prints a banner claiming it listens. Messages name what is
wrong and never a secret (see ``state.describe_redis_error``).
"""

from __future__ import annotations

import errno
import socket

from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.state import MEMORY_URL, open_state, redact_url


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (None when it can, as far as a test bind
    shows; the server may still lose a race for it, and then says so itself)."""
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as error:
        return f"cannot listen on {host}:{port}: {error.strerror}"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use"
            return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def state_problem(url: str) -> str | None:
    """Why the configured state cannot be used (None for memory, or a Redis that answers)."""
    if url == MEMORY_URL:
        return None
    try:
        state = open_state(url)
    except ValueError:
        return f"Redis URL {redact_url(url)} is not usable (expected redis://host:port/db)"
    return state.problem()


def start_problem(settings: MockSettings) -> str | None:
    """The first reason the mock cannot start with these settings, or None."""
    return state_problem(settings.state) or port_problem(settings.host, settings.port)
