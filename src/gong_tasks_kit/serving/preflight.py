"""Checks before a server starts, so start-up tells the truth in one line.

Shared state that cannot be reached, or a port that is taken, stops ``gong-tasks serve``
(or ``proxy``) before it builds its data or prints a banner claiming it listens. Messages
name what is wrong and never a secret (see ``state.describe_redis_error``).
"""

from __future__ import annotations

import errno
import ipaddress
import socket

from gong_tasks_kit.serving.settings import ServerSettings
from gong_tasks_kit.serving.state import SharedState


def listen_address(host: str) -> str:
    """The IP address to bind for ``host``: an address as given, ``""`` as every IPv4
    interface, a name (``localhost``) as its first IPv4 address, else its first IPv6 one
    (the server binds addresses only).

    Raises:
        ValueError: when the name does not resolve.
    """
    if not host:
        return "0.0.0.0"  # noqa: S104 - what an empty host has always meant
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            infos = socket.getaddrinfo(host, None, family=family, type=socket.SOCK_STREAM)
        except socket.gaierror:
            continue
        if infos:
            return str(infos[0][4][0])
    raise ValueError(f"cannot listen on {host}: the name does not resolve to an address")


def port_problem(host: str, port: int) -> str | None:
    """Why ``host:port`` cannot be listened on (None when it can, as far as a test bind
    shows; the server may still lose a race for it, and then says so itself)."""
    try:
        address = listen_address(host)
    except ValueError as error:
        return str(error)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use"
            return f"cannot listen on {host}:{port}: {error.strerror}"
    return None


def free_port(host: str) -> int:
    """A port free on ``host`` now (what ``--port 0`` binds).

    The server binds it a moment later; another program could take it meanwhile, and the
    server then says the port is taken.

    Raises:
        ValueError: when the host does not resolve.
    """
    address = listen_address(host)
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def start_problem(settings: ServerSettings, state: SharedState) -> str | None:
    """The first reason a server cannot start with these settings and this shared state
    (one that cannot be reached, a port that is taken), or None."""
    return state.problem() or port_problem(settings.host, settings.port)
