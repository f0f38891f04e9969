"""``gong-tasks serve`` as a real process: one process, slow clients, time-outs, framing,
start-up that tells the truth, IPv6, and secrets that are never printed."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from gong_tasks_kit.mock_server.testing import basic_authorization
from gong_tasks_kit.serving import server

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
AUTH = basic_authorization("gong-mock-access-key", "gong-mock-access-key-secret")
BODY = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}
JSON_BODY = json.dumps(BODY).encode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _request_head(length: int | None = None, chunked: bool = False) -> bytes:
    framing = "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {length}\r\n"
    return (
        f"POST /v2/tasks HTTP/1.1\r\nHost: mock\r\nAuthorization: {AUTH}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n"
    ).encode()


def _read_answer(sock: socket.socket, timeout: float) -> tuple[int, dict[str, str], bytes]:
    """One HTTP answer (status, lower-case headers, body), framed by its Content-Length."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed without an answer after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk, "the connection closed mid-answer"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def _normal_call_seconds(url: str) -> float:
    started = time.monotonic()
    response = requests.post(
        f"{url}/v2/tasks", json=BODY, headers={"Authorization": AUTH}, timeout=30
    )
    assert response.status_code == 200
    return time.monotonic() - started


@contextmanager
def _connections(port: int, count: int, first_bytes: bytes) -> Iterator[list[socket.socket]]:
    opened: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(first_bytes)
            opened.append(sock)
        yield opened
    finally:
        for sock in opened:
            sock.close()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_serve_is_one_process_by_default(start_mock: Callable[..., Any]) -> None:
    served = start_mock(["--rate-limit", "off"])
    assert any("server: 1 process x 8 threads" in line for line in served.banner)
    assert _children(served.process.pid) == []
    for _ in range(5):
        _normal_call_seconds(served.url)
    journal = requests.get(f"{served.url}/__admin/requests", timeout=10).json()["requests"]
    assert {entry["worker"] for entry in journal} == {served.process.pid}


def test_slow_clients_do_not_delay_a_normal_call(start_mock: Callable[..., Any]) -> None:
    served = start_mock(["--rate-limit", "off", "--threads", "2"])
    port = _port(served.url)
    baseline = _normal_call_seconds(served.url)
    stalled_head = _request_head(length=len(JSON_BODY)) + JSON_BODY[:5]
    with (
        _connections(port, 200, b"P") as trickling,
        _connections(port, 20, stalled_head) as stalled,  # more bodies than app threads
    ):
        time.sleep(0.5)
        seconds = min(_normal_call_seconds(served.url) for _ in range(3))
        assert len(trickling) + len(stalled) == 220
    # Generous: the machine is shared. Starved, the call would wait the 10 s time-outs.
    assert seconds < max(2.0, 20 * baseline), (seconds, baseline)


def test_a_stalled_body_is_answered_400_after_the_body_timeout(
    start_mock: Callable[..., Any],
) -> None:
    served = start_mock(["--rate-limit", "off", "--body-timeout", "1"])
    with closing(socket.create_connection(("127.0.0.1", _port(served.url)))) as sock:
        sock.sendall(_request_head(length=len(JSON_BODY)) + JSON_BODY[:5])
        started = time.monotonic()
        status, headers, body = _read_answer(sock, timeout=15)
        waited = time.monotonic() - started
        assert status == 400
        assert 0.8 < waited < 10
        assert headers["connection"] == "close"
        errors = json.loads(body)["errors"]
        assert errors == ["Request body: the body could not be read (it did not arrive within 1 s)"]
        assert sock.recv(100) == b""  # closed after the answer, the slot freed
    (entry,) = requests.get(f"{served.url}/__admin/requests", timeout=10).json()["requests"]
    assert entry["status"] == 400
    assert "did not arrive" in entry["bodyProblem"]


def test_a_body_that_arrives_in_pieces_within_the_timeout_is_read_whole(
    start_mock: Callable[..., Any],
) -> None:
    served = start_mock(["--rate-limit", "off", "--body-timeout", "5"])
    with closing(socket.create_connection(("127.0.0.1", _port(served.url)))) as sock:
        sock.sendall(_request_head(length=len(JSON_BODY)) + JSON_BODY[:5])
        for start in range(5, len(JSON_BODY), 20):
            time.sleep(0.05)
            sock.sendall(JSON_BODY[start : start + 20])
        status, headers, body = _read_answer(sock, timeout=15)
        assert status == 200, body
        assert headers.get("connection") != "close"  # whole: the connection stays usable
        sock.sendall(_request_head(length=len(JSON_BODY)) + JSON_BODY)
        assert _read_answer(sock, timeout=15)[0] == 200
    journal = requests.get(f"{served.url}/__admin/requests", timeout=10).json()["requests"]
    assert [entry["body"] for entry in journal] == [BODY, BODY]


def test_a_client_gone_mid_body_is_journaled_and_the_server_stays_well(
    start_mock: Callable[..., Any],
) -> None:
    served = start_mock(["--rate-limit", "off"])
    with closing(socket.create_connection(("127.0.0.1", _port(served.url)))) as sock:
        sock.sendall(_request_head(length=len(JSON_BODY)) + JSON_BODY[:5])
        time.sleep(0.2)
    deadline = time.monotonic() + 10
    journal: list[dict[str, Any]] = []
    while not journal and time.monotonic() < deadline:
        journal = requests.get(f"{served.url}/__admin/requests", timeout=10).json()["requests"]
        time.sleep(0.1)
    (entry,) = journal
    assert entry["status"] == 400
    assert "closed before it ended" in entry["bodyProblem"]
    assert _normal_call_seconds(served.url) < 5


def test_content_length_with_transfer_encoding_is_read_as_chunked(
    start_mock: Callable[..., Any],
) -> None:
    served = start_mock(["--rate-limit", "off"])
    head = _request_head(chunked=True).replace(b"\r\n\r\n", b"\r\nContent-Length: 4\r\n\r\n")
    framed = b"%x\r\n%s\r\n0\r\n\r\n" % (len(JSON_BODY), JSON_BODY)
    with closing(socket.create_connection(("127.0.0.1", _port(served.url)))) as sock:
        sock.sendall(head + framed)
        status, _, body = _read_answer(sock, timeout=10)
    assert status == 200, body  # the whole chunked body, not the first 4 bytes
    (entry,) = requests.get(f"{served.url}/__admin/requests", timeout=10).json()["requests"]
    assert entry["body"] == BODY


def test_a_declared_length_over_the_limit_is_answered_at_once_and_closed(
    start_mock: Callable[..., Any],
) -> None:
    served = start_mock(["--rate-limit", "off"])  # the default body time-out: 10 s
    with closing(socket.create_connection(("127.0.0.1", _port(served.url)))) as sock:
        sock.sendall(_request_head(length=10**9) + JSON_BODY[:5])
        started = time.monotonic()
        status, headers, body = _read_answer(sock, timeout=15)
        assert status == 400
        assert time.monotonic() - started < 3  # no wait for a body that will not fit
        assert headers["connection"] == "close"
        assert json.loads(body)["errors"] == ["Request body is larger than the 65536-byte limit"]
        assert sock.recv(100) == b""  # and the connection is closed


def test_a_connection_that_sends_no_whole_head_is_closed_after_the_header_timeout(
    start_mock: Callable[..., Any],
) -> None:
    served = start_mock(["--header-timeout", "1"])
    for first_bytes in (b"", b"P", b"POST /v2/tasks HTTP/1.1\r\nHost: mock\r\n"):
        with closing(socket.create_connection(("127.0.0.1", _port(served.url)))) as sock:
            sock.sendall(first_bytes)
            sock.settimeout(10)
            started = time.monotonic()
            assert sock.recv(100) == b""  # closed, without an answer: no request arrived
            assert time.monotonic() - started < 8


def test_chunked_bodies_share_the_content_length_limit(start_mock: Callable[..., Any]) -> None:
    served = start_mock(["--rate-limit", "off"])

    def chunked(payload: bytes) -> tuple[int, bytes]:
        pieces = [payload[i : i + 8000] for i in range(0, len(payload), 8000)]
        framed = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)
        with closing(socket.create_connection(("127.0.0.1", _port(served.url)))) as sock:
            sock.sendall(_request_head(chunked=True) + framed + b"0\r\n\r\n")
            status, _, body = _read_answer(sock, timeout=10)
            return status, body

    padded = JSON_BODY + b" " * (65_536 - len(JSON_BODY) + 1)  # valid JSON if cut
    status, body = chunked(padded)
    assert status == 400
    assert json.loads(body)["errors"] == ["Request body is larger than the 65536-byte limit"]
    assert chunked(JSON_BODY)[0] == 200
    assert chunked(b"zz")[0] == 400  # not JSON: a 400 in Gong's shape, no 500


def test_malformed_http_gets_a_bare_400_never_an_html_page(start_mock: Callable[..., Any]) -> None:
    served = start_mock()
    for garbage in (b"HELLO\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET /\xff HTTP/1.1\r\n\r\n"):
        with closing(socket.create_connection(("127.0.0.1", _port(served.url)))) as sock:
            sock.sendall(garbage)
            status, _, body = _read_answer(sock, timeout=10)
            assert status == 400
            assert b"<" not in body


def _serve_and_fail(
    *options: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "serve", *options],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        env={**os.environ, **(env or {})},
    )


def test_unreachable_redis_stops_the_start_in_one_line_without_its_password() -> None:
    secret = "Hw8Kp3Nq6Yd1"
    url = f"redis://:{secret}@127.0.0.1:{free_port()}/0?password={secret}"
    started = time.monotonic()
    run = _serve_and_fail("--port", str(free_port()), "--workers", "2", "--state", url)
    assert time.monotonic() - started < 10
    assert run.returncode != 0
    assert run.stdout == ""  # no banner claiming it listens
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert "Redis at redis://***@127.0.0.1" in lines[0]
    assert "unreachable" in lines[0]
    assert secret not in run.stderr


def test_a_redis_that_never_answers_stops_the_start_within_10_s() -> None:
    with socket.socket() as silent:  # accepts connections, never answers a PING
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        started = time.monotonic()
        run = _serve_and_fail("--port", str(free_port()), "--workers", "2", "--state", url)
        assert time.monotonic() - started < 10
    assert run.returncode != 0
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith(f"Error: Redis at {url} is unreachable: ")


def test_a_taken_port_stops_the_start_in_one_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = _serve_and_fail("--port", str(port))
    assert run.returncode != 0
    assert run.stdout == ""
    assert run.stderr.strip().splitlines() == [f"Error: port {port} on 127.0.0.1 is already in use"]


def test_ipv6_and_named_hosts_serve_and_count_loopback_callers_as_loopback(
    start_mock: Callable[..., Any],
) -> None:
    only_v6 = start_mock(["--host", "::1"], host="[::1]")
    assert f"listening on {only_v6.url}" in only_v6.banner[0]
    assert requests.get(f"{only_v6.url}/__admin/status", timeout=10).status_code == 200
    dual = start_mock(["--host", "::"], host="127.0.0.1")
    # An IPv4 caller arrives as ::ffff:127.0.0.1 on this listener: still loopback.
    assert requests.get(f"{dual.url}/__admin/status", timeout=10).status_code == 200
    assert requests.get(f"http://[::1]:{_port(dual.url)}/__health", timeout=10).ok
    named = start_mock(["--host", "localhost"])  # a name binds its first IPv4 address
    assert requests.get(f"{named.url}/__admin/status", timeout=10).status_code == 200


def _windows(secret: str, size: int = 4) -> set[str]:
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def test_configured_secrets_are_never_printed(
    start_mock: Callable[..., Any], redis_server_with_password: Any
) -> None:
    secrets = {
        "GONG_MOCK_ACCESS_KEY": "Ak7Lm2Qr5Ws8",
        "GONG_MOCK_ACCESS_KEY_SECRET": "Jc5Wq8Rt2Vb6",
        "GONG_MOCK_ADMIN_TOKEN": "Pz3Ks7Dm1Fx9",
    }
    token = "Gt4Hy6Nu8Ei2"
    env = {
        **secrets,
        "GONG_MOCK_BEARER_TOKENS": json.dumps({token: ["api:tasks:read"]}),
        "GONG_MOCK_STATE": redis_server_with_password.url,
        "HTTP_X_SERVER_ENV": "leaked",  # the server's environment is no request header
    }
    served = start_mock(["--workers", "2"], env=env)
    admin = {"X-Gong-Mock-Admin-Token": secrets["GONG_MOCK_ADMIN_TOKEN"]}
    calls = [
        requests.post(f"{served.url}/v2/tasks", json=BODY, headers=headers, timeout=10)
        for headers in (
            {"Authorization": f"Bearer {token}"},
            {"Authorization": f"Bearer {token}x"},
            {"Authorization": basic_authorization("Ak7Lm2Qr5Ws8", "Jc5Wq8Rt2Vb6")},
        )
    ]
    assert [call.status_code for call in calls] == [200, 401, 200]
    status = requests.get(f"{served.url}/__admin/status", headers=admin, timeout=10).text
    journal = requests.get(f"{served.url}/__admin/requests", headers=admin, timeout=10)
    assert "X-Server-Env" not in journal.text
    served.process.terminate()
    logs = served.process.communicate(timeout=15)[0]
    shown = "\n".join([*served.banner, logs, status, journal.text])
    password = redis_server_with_password.password
    for secret in (*secrets.values(), token, password):
        leaked = sorted(part for part in _windows(secret) if part in shown)
        assert not leaked, (secret, leaked)
    assert re.search(r"bearer token \(configured\)", "\n".join(served.banner))
    assert "access key (configured by GONG_MOCK_ACCESS_KEY)" in "\n".join(served.banner)


def test_a_delayed_call_never_holds_up_the_others(start_mock: Callable[..., Any]) -> None:
    served = start_mock(["--rate-limit", "off"])
    delay = {"fixedMs": 3000, "session": "slow"}
    assert requests.put(f"{served.url}/__admin/latency", json=delay, timeout=10).ok
    slow_headers = {"Authorization": AUTH, "X-Gong-Mock-Session": "slow"}
    with ThreadPoolExecutor(max_workers=4) as pool:
        slow = [
            pool.submit(
                requests.post, f"{served.url}/v2/tasks", json=BODY, headers=slow_headers, timeout=30
            )
            for _ in range(3)
        ]
        time.sleep(0.3)
        assert _normal_call_seconds(served.url) < 2.5  # the sleeping calls hold threads only
        assert [future.result().status_code for future in slow] == [200, 200, 200]


def test_serving_runs_on_uvloop_where_it_is_installed(start_mock: Callable[..., Any]) -> None:
    uvloop = pytest.importorskip("uvloop")  # a dependency everywhere but Windows
    assert server._event_loop_factory() is uvloop.new_event_loop
    served = start_mock(["--rate-limit", "off"])
    mapped = Path(f"/proc/{served.process.pid}/maps").read_text()
    assert "/uvloop/loop." in mapped  # the serving process loaded uvloop's loop
