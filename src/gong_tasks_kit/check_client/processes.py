"""The two processes of a scenario: a fresh mock (``gong-tasks serve`` on a free loopback
port) and the user's client, run once under a time limit with its output kept (bounded).

Every process started here is registered until it is stopped, so an interrupted run
(Ctrl-C) ends them all: :func:`stop_everything`.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import orjson
import requests

from gong_tasks_kit.serving.bounds import printable
from gong_tasks_kit.serving.journal import REDACTED

__all__ = [
    "ClientOutcome",
    "ClientStartError",
    "MockProcess",
    "MockStartError",
    "run_client",
    "stop_everything",
]

#: The most bytes of the client's output kept (its end), and the lines shown of it.
MAX_OUTPUT_BYTES = 64 * 1024
TAIL_LINES = 15
MAX_LINE_CHARS = 300
#: Calls the journal keeps: far more than a scenario needs, and a bound on what a client
#: that hammers the mock makes it hold (each entry keeps up to 8 KiB of each body).
JOURNAL_SIZE = 10_000
#: The largest admin answer read (the journal's, at its fullest, is well below it).
MAX_ADMIN_BYTES = 512 * 1024 * 1024
_START_SECONDS = 60.0
_STOP_SECONDS = 5.0
_CREDENTIAL_IN_TEXT = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]{6,}")

_active: set[subprocess.Popen[bytes]] = set()
_active_lock = threading.Lock()


class MockStartError(RuntimeError):
    """The mock did not start or refused the scenario's controls (one line: why)."""


class ClientStartError(RuntimeError):
    """The client's command cannot be run (not found, not executable)."""


def _register(process: subprocess.Popen[bytes]) -> None:
    with _active_lock:
        _active.add(process)


def _end_group(process: subprocess.Popen[bytes], grace: float) -> None:
    """End ``process`` and every process of its group: SIGTERM, then SIGKILL."""
    for sent in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sent)
        try:
            process.wait(timeout=grace)
            if sent == signal.SIGTERM:
                # The leader is gone; its children may not be: they go too.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
            break
        except subprocess.TimeoutExpired:
            continue
    with _active_lock:
        _active.discard(process)


def stop_everything() -> None:
    """End every process this module started and has not stopped (after an interrupt)."""
    with _active_lock:
        running = list(_active)
    for process in running:
        _end_group(process, 1.0)


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _own_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without any ``GONG_MOCK_*``/``GONG_PROXY_*`` variable
    (a scenario's mock is made of the scenario's settings alone), plus ``extra``."""
    kept = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("GONG_MOCK_", "GONG_PROXY_"))
    }
    return {**kept, **extra}


def _tail_of(file: IO[bytes]) -> str:
    file.seek(0, os.SEEK_END)
    size = file.tell()
    file.seek(max(0, size - 4096))
    lines = file.read().decode("utf-8", "replace").strip().splitlines()
    return printable(lines[-1][:MAX_LINE_CHARS]) if lines else "(no output)"


class MockProcess:
    """A fresh mock: ``python -m gong_tasks_kit.mock_server`` (``gong-tasks serve``) on a
    free loopback port, its settings given as ``GONG_MOCK_*`` variables. A context
    manager: started on entry (once ``/__health`` answers), stopped on exit."""

    def __init__(self, settings: Mapping[str, str]) -> None:
        """Prepare (nothing runs yet).

        Args:
            settings: ``GONG_MOCK_*`` variables of the scenario's settings.
        """
        self._settings = dict(settings)
        self._process: subprocess.Popen[bytes] | None = None
        self._session = requests.Session()
        self._session.trust_env = False  # loopback: no proxy, no .netrc
        self.url = ""

    def _launch(self, port: int, errors: IO[bytes]) -> subprocess.Popen[bytes]:
        environment = _own_environment(
            {
                "GONG_MOCK_HOST": "127.0.0.1",
                "GONG_MOCK_PORT": str(port),
                "GONG_MOCK_WORKERS": "1",
                "GONG_MOCK_JOURNAL_SIZE": str(JOURNAL_SIZE),
                "GONG_MOCK_ADMIN": "on",
                **self._settings,
            }
        )
        process = subprocess.Popen(
            [sys.executable, "-m", "gong_tasks_kit.mock_server"],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,  # its own group: ended with everything it started
        )
        _register(process)
        return process

    def _wait_until_up(self, process: subprocess.Popen[bytes]) -> bool:
        deadline = time.monotonic() + _START_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if self._session.get(f"{self.url}/__health", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.05)
        return False

    def start(self) -> MockProcess:
        """Start the mock and wait until it answers.

        Raises:
            MockStartError: when it does not (its last line of output says why).
        """
        for _ in range(3):  # another program may take the free port first
            port = free_port()
            self.url = f"http://127.0.0.1:{port}"
            with tempfile.TemporaryFile() as errors:
                process = self._launch(port, errors)
                if self._wait_until_up(process):
                    self._process = process
                    return self
                _end_group(process, _STOP_SECONDS)
                reason = _tail_of(errors)
            if "in use" not in reason.lower():
                break
        raise MockStartError(f"the mock did not start: {reason}")

    def admin(self, method: str, path: str, payload: Any = None) -> Any:
        """Call the mock's admin API (``/__admin{path}``) and return its JSON answer.

        Raises:
            MockStartError: when it refuses the call (its message).
        """
        try:
            answer = self._session.request(
                method, f"{self.url}/__admin{path}", json=payload, timeout=30, stream=True
            )
            with answer:
                data = answer.raw.read(MAX_ADMIN_BYTES + 1, decode_content=True)
            if len(data) > MAX_ADMIN_BYTES:
                raise MockStartError(f"{method} /__admin{path}: over {MAX_ADMIN_BYTES} bytes")
            body = orjson.loads(data)
        except (requests.RequestException, orjson.JSONDecodeError) as error:
            raise MockStartError(f"{method} /__admin{path}: {type(error).__name__}") from None
        if answer.status_code >= 400:
            errors = body.get("errors") if isinstance(body, dict) else body
            raise MockStartError(f"{method} /__admin{path} → {answer.status_code}: {errors}")
        return body

    def stop(self) -> None:
        """Stop the mock (SIGTERM, then SIGKILL)."""
        if self._process is not None:
            _end_group(self._process, _STOP_SECONDS)
            self._process = None
        self._session.close()

    def __enter__(self) -> MockProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass(frozen=True, slots=True)
class ClientOutcome:
    """How the client's run ended.

    Attributes:
        exit_code: Its exit status (None when it was ended by the time limit; negative:
            the signal that ended it).
        timed_out: Whether the time limit ended it.
        seconds: How long it ran.
        output_tail: The last lines of its output (stdout and stderr together), each
            cut and escaped, credentials redacted.
    """

    exit_code: int | None
    timed_out: bool
    seconds: float
    output_tail: tuple[str, ...]

    def describe(self) -> str:
        """``exit 0 after 1.2 s`` or ``ended after the 30 s time limit``."""
        if self.timed_out:
            return f"ended after the {self.seconds:.0f} s time limit"
        return f"exit {self.exit_code} after {self.seconds:.1f} s"


class _OutputTail:
    """Reads a pipe to its end in a thread, keeping only its last bytes."""

    def __init__(self, pipe: IO[bytes]) -> None:
        self._pipe = pipe
        self._kept = bytearray()
        self._thread = threading.Thread(target=self._read, name="client output", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := self._pipe.read1(65536):  # type: ignore[attr-defined]
                self._kept += chunk
                if len(self._kept) > MAX_OUTPUT_BYTES:
                    del self._kept[: len(self._kept) - MAX_OUTPUT_BYTES]

    def lines(self, secrets: Sequence[str]) -> tuple[str, ...]:
        self._thread.join(timeout=2)
        text = self._kept.decode("utf-8", "replace")
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        text = _CREDENTIAL_IN_TEXT.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
        lines = text.splitlines()[-TAIL_LINES:]
        return tuple(
            printable(line if len(line) <= MAX_LINE_CHARS else f"{line[:MAX_LINE_CHARS]}…")
            for line in lines
        )


def run_client(
    command: Sequence[str],
    environment: Mapping[str, str],
    time_limit: float,
    secrets: Sequence[str] = (),
) -> ClientOutcome:
    """Run the client once, in its own process group, ended (with everything it started)
    when it exits or when ``time_limit`` seconds have passed.

    Args:
        command: The command and its arguments.
        environment: Variables added to this process's environment.
        time_limit: Seconds it may run.
        secrets: Values never shown in its output's tail.

    Raises:
        ClientStartError: when the command cannot be run.
    """
    started = time.monotonic()
    try:
        process = subprocess.Popen(  # noqa: S603 - the user's own client, by design
            list(command),
            env={**os.environ, **environment},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except OSError as error:
        raise ClientStartError(f"cannot run {command[0]!r}: {error.strerror}") from None
    _register(process)
    assert process.stdout is not None  # noqa: S101 - stdout=PIPE
    tail = _OutputTail(process.stdout)
    timed_out = False
    try:
        process.wait(timeout=time_limit)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        _end_group(process, 2.0)
    seconds = time.monotonic() - started
    return ClientOutcome(
        exit_code=None if timed_out else process.returncode,
        timed_out=timed_out,
        seconds=min(seconds, time_limit) if timed_out else seconds,
        output_tail=tail.lines([secret for secret in secrets if len(secret) >= 6]),
    )
