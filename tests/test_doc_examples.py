"""Every shell and Python example of the README and the docs site runs against a real mock.

One ``gong-tasks serve`` (the installed console script, Gong's default limits) and one
``gong-tasks proxy`` in front of it serve every example; the documented ports are
rewritten to theirs. Before each example the mock and the proxy are reset; after it, an
answer the example did not ask for (the limiter's 429 above all: pasted calls must be
paced) fails it, naming the page and the line of the block.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from doc_blocks import DATA, KNOWN, RUNNABLE, Block, doc_pages, parse_page

# One worker: the module's servers (a mock and a proxy) start once, not once per worker.
pytestmark = pytest.mark.xdist_group("doc-examples")

BIN = Path(sys.executable).parent
PAGES = {page: parse_page(page) for page in doc_pages()}
BLOCKS = [block for page in PAGES.values() for block in page.blocks]
RUN = [block for block in BLOCKS if block.lang in RUNNABLE and block.not_run is None]
PARSE = [block for block in BLOCKS if block.lang in DATA]
BLOCK_TIMEOUT = 60.0
# Servers an example starts itself listen on these documented ports (rewritten too).
SPARE_PORTS = (8090, 8091)
# Answers an example's own QA controls cause: asked for, so never a mistake.
INJECTED = frozenset({"plan", "chaos", "prefer"})
# curl, as the bash examples see it: each answer's status also goes to the test (stderr).
CURL_PRELUDE = r"""set -euo pipefail
curl() {
  case " $* " in
    *" -w "* | *" --write-out "*) command curl "$@" ;;
    *) command curl --write-out '%{stderr}@@doc-test %{http_code} %{method} %{url}\n' "$@" ;;
  esac
}
"""
_CURL_STATUS = re.compile(r"^@@doc-test (\d{3}) (\S+) (\S+)$", re.M)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Servers:
    """The mock and the proxy every example talks to."""

    mock: str
    proxy: str
    ports: dict[int, int]


def _get_json(url: str, method: str = "GET") -> dict[str, object]:
    request = urllib.request.Request(url, method=method)  # noqa: S310 - loopback only
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        found: dict[str, object] = json.loads(answer.read())
        return found


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url} exited {process.returncode}: {log.read_text()[-2000:]}")
        try:
            _get_json(f"{url}/__health")
        except OSError:
            time.sleep(0.1)
        else:
            return
    raise AssertionError(f"{url} never answered: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """``gong-tasks serve`` with its defaults, and ``gong-tasks proxy`` in front of it."""
    logs = tmp_path_factory.mktemp("servers")
    mock_port, proxy_port = _free_port(), _free_port()
    mock, proxy = f"http://127.0.0.1:{mock_port}", f"http://127.0.0.1:{proxy_port}"
    commands = {
        mock: ["serve", "--port", str(mock_port)],
        proxy: ["proxy", "--target", mock, "--port", str(proxy_port)],
    }
    started: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    try:
        for url, argv in commands.items():
            log = logs / f"{argv[0]}.log"
            with log.open("wb") as out:
                started[url] = (
                    subprocess.Popen(  # noqa: S603 - our own console script
                        [str(BIN / "gong-tasks"), *argv], stdout=out, stderr=subprocess.STDOUT
                    ),
                    log,
                )
        for url, (process, log) in started.items():
            _wait_until_up(url, process, log)
        yield Servers(mock, proxy, {8080: mock_port, 8081: proxy_port})
    finally:
        for process, _ in started.values():
            process.send_signal(signal.SIGTERM)
        for process, _ in started.values():
            try:
                process.wait(timeout=15)
            finally:
                process.kill()


def _rewrite(code: str, ports: dict[int, int]) -> str:
    """The documented ports, as the test's servers (and free spare ports) have them."""

    def port(match: re.Match[str]) -> str:
        return f"{match[1]}{ports[int(match[2])]}"

    return re.sub(
        r"(127\.0\.0\.1:|--port )(\d{4})\b(?!\d)",
        lambda m: port(m) if int(m[2]) in ports else m[0],
        code,
    )


def _environment() -> dict[str, str]:
    """The runner's environment without settings of its own; a server an example starts
    without ``--port`` never takes a documented port."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GONG_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["GONG_MOCK_PORT"], env["GONG_PROXY_PORT"] = str(_free_port()), str(_free_port())
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user runs them: compiled once, not per run
    return env


def _command(block: Block, code: str, workdir: Path) -> list[str]:
    if block.lang == "bash":
        return ["bash", "-c", CURL_PRELUDE + code]
    name = "test_doc_example.py" if block.is_pytest else "doc_example.py"
    (workdir / name).write_text(code, encoding="utf-8")
    if block.is_pytest:
        return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name]
    return [sys.executable, name]


def _run(block: Block, servers: Servers, workdir: Path) -> tuple[int | None, str]:
    """Run one block in ``workdir``; every process it started is stopped afterwards."""
    ports = {**servers.ports, **{spare: _free_port() for spare in SPARE_PORTS}}
    output = workdir / "output.txt"
    with output.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - the docs' own example
            _command(block, _rewrite(block.code, ports), workdir),
            cwd=workdir,
            env=_environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: background servers are stopped with it
        )
        try:
            code: int | None = process.wait(timeout=BLOCK_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return code, output.read_text(encoding="utf-8", errors="replace")


def _unasked(block: Block, servers: Servers, output: str) -> list[str]:
    """Error answers the example did not ask for: from curl's statuses and the journals."""
    found = [
        f"{status} to {method} {url}"
        for status, method, url in _CURL_STATUS.findall(output)
        if int(status) >= 400 and int(status) not in block.answers
    ]
    for url in (servers.mock, servers.proxy):
        journal = _get_json(f"{url}/__admin/requests")["requests"]
        assert isinstance(journal, list)
        found.extend(
            f"{entry['status']} ({entry['answeredBy']}) to {entry['method']} {entry['path']}"
            for entry in journal
            if entry["status"] >= 400
            and entry["answeredBy"] not in INJECTED
            and entry["status"] not in block.answers
        )
    return found


def test_doc_examples_are_each_run_or_marked() -> None:
    problems = [problem for page in PAGES.values() for problem in page.problems]
    for block in BLOCKS:
        if block.lang not in KNOWN:
            problems.append(
                f"{block.where}: a block of language {block.lang or '(none)'!r}: use "
                "bash or python (run), yaml or json (parsed), or text (output)"
            )
        elif block.lang in RUNNABLE and block.not_run == "":
            problems.append(f"{block.where}: 'not-run' needs a reason")
        elif block.lang not in RUNNABLE and (block.not_run is not None or block.answers):
            problems.append(f"{block.where}: a {block.lang} block is never run: no marks")
    assert not problems, "\n".join(problems)
    assert {block.page for block in RUN} >= {"README.md", "docs/serve.md", "docs/qa.md"}


@pytest.mark.parametrize("block", PARSE, ids=lambda block: block.where)
def test_doc_example_data_parses(block: Block) -> None:
    try:
        json.loads(block.code) if block.lang == "json" else yaml.safe_load(block.code)
    except ValueError as error:  # yaml.YAMLError and json's errors are ValueErrors
        pytest.fail(f"{block.where}: the {block.lang} block does not parse: {error}")


@pytest.mark.parametrize("block", RUN, ids=lambda block: block.where)
def test_doc_example_runs(block: Block, servers: Servers, tmp_path: Path) -> None:
    for url in (servers.mock, servers.proxy):
        _get_json(f"{url}/__admin/reset", method="POST")
    code, output = _run(block, servers, tmp_path)
    shown = _CURL_STATUS.sub("", output).strip()[-3000:]
    assert code is not None, f"{block.where}: still running after {BLOCK_TIMEOUT:.0f} s\n{shown}"
    assert code == 0, f"{block.where}: the {block.lang} block failed (exit {code})\n{shown}"
    unasked = _unasked(block, servers, output)
    limited = any(answer.startswith("429") for answer in unasked)
    assert not unasked, f"{block.where}: answers the example did not ask for: {unasked}" + (
        "\nthe mock allows Gong's 3 calls a second: pace the calls (sleep 0.4) or show "
        "`--rate-limit off`"
        if limited
        else "\nif the example shows them on purpose, mark it <!-- answers: STATUS -->"
    )
    if block.is_pytest:
        assert re.search(r"\d+ passed", output), f"{block.where}: no test ran\n{shown}"
