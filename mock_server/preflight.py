"""Checks before the mock starts, so start-up tells the truth in one line.

Shared state that cannot be reached, or a port that is taken, stops ``gong-tasks serve``
before it builds its data or prints a banner claiming it listens. Messages name what is
wrong and never a secret (see ``state.describe_redis_error``).
"""

from __future__ import annotations

import errno
import ipaddress
import socket

from gong_tasks_kit.mock_server.settings import MockSettings
from gong_tasks_kit.mock_server.state import MEMORY_URL, open_state, redact_url


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
