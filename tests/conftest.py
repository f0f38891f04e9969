"""Shared fixtures of the project's own tests: real mock processes and a real Redis."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from contract_runner import ContractRunner
from hypothesis import settings

# Hypothesis: property tests that name no example count take the profile's: hypothesis'
# own "default" (or "ci", which it picks where CI is set): 100 examples, which keeps
# scripts/test.sh within minutes on two cores. `--hypothesis-profile thorough` runs ten
# times as many. Tests whose examples are costly (a server call each) name a smaller
# count of their own.
settings.register_profile("thorough", max_examples=1_000, deadline=None)

BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ServedMock:
    """A mock server process: its URL and what it printed at start."""

    url: str
    banner: list[str]
    process: subprocess.Popen[str] = field(repr=False)


def _wait_for_banner(process: subprocess.Popen[str], deadline: float) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip())
        if "admin API" in line:
            return lines
    raise AssertionError(f"no banner; got {lines!r}")


def _wait_until_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/__health", timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never answered")


@pytest.fixture
def start_mock() -> Iterator[Callable[..., ServedMock]]:
    """Start ``gong-tasks serve`` (or another command) on a free port; stopped after the test.

    Call it with the command's argv builder ``port -> argv`` (or extra ``serve`` options),
    extra environment, and the host part of the URL to reach it at.
    """
    started: list[subprocess.Popen[str]] = []

    def start(
        argv: Callable[[int], list[str]] | list[str] = (),  # type: ignore[assignment]
        env: dict[str, str] | None = None,
        host: str = "127.0.0.1",
    ) -> ServedMock:
        port = free_port()
        command = (
            argv(port)
            if callable(argv)
            else [str(BIN / "gong-tasks"), "serve", "--port", str(port), *argv]
        )
        process = subprocess.Popen(  # noqa: S603 - our own console script
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        started.append(process)
        deadline = time.monotonic() + 30
        banner = _wait_for_banner(process, deadline)
        url = f"http://{host}:{port}"
        _wait_until_up(url, deadline)
        return ServedMock(url, banner, process)

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            code = process.wait(timeout=15)
            rest = process.stdout.read() if process.stdout and not process.stdout.closed else ""
            assert code == 0, f"the mock did not stop cleanly on SIGTERM ({code}): {rest[-2000:]}"
        finally:
            process.kill()


@dataclass
class RedisServer:
    """A throwaway redis-server on loopback (with ``password``, it requires one)."""

    port: int
    process: subprocess.Popen[bytes] | None = None
    password: str | None = None

    @property
    def url(self) -> str:
        """Its URL, database 0 (with the password, when it has one)."""
        credentials = f":{self.password}@" if self.password else ""
        return f"redis://{credentials}127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) it on the same port and wait until it answers."""
        binary = shutil.which("redis-server")
        assert binary, "redis-server is missing: scripts/install-system-deps.sh installs it"
        self.process = subprocess.Popen(  # noqa: S603 - Debian's redis-server, loopback only
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                *(["--requirepass", self.password] if self.password else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    if self.password:
                        sock.sendall(f"AUTH {self.password}\r\n".encode())
                        sock.recv(64)
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        """Kill it (as an outage would)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free port, for this test."""
    server = RedisServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_server_with_password() -> Iterator[RedisServer]:
    """A real redis-server on a free port that requires a password, for this test."""
    server = RedisServer(free_port(), password="Rq7Xv2Lm9Tz4")
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def contract_runner() -> Iterator[ContractRunner]:
    """``gong-tasks contract`` runs in one process of their own, warmed up once per test
    process (see ``contract_runner``)."""
    runner = ContractRunner()
    yield runner
    runner.close()
