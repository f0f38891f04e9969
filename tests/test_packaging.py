"""The kit as users get it: one import package, a curated public API, a plugin that costs
nothing until used, and a wheel that works from a plain install in a fresh environment."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_API = [
    "OMIT",
    "SPEC_PATH",
    "Dataset",
    "LiveServer",
    "MockControl",
    "MockControlError",
    "MockSettings",
    "ProxyControl",
    "SettingsError",
    "__version__",
    "basic_authorization",
    "build_account",
    "build_contact",
    "build_dataset",
    "build_flow",
    "build_opportunity",
    "build_task",
    "build_task_update",
    "create_app",
    "create_proxy_app",
    "load_settings",
    "load_spec",
    "make_faker",
    "strategies",
    "unthrottled_app",
]
HEAVY_MODULES = ("flask", "openapi_core", "faker", "hypothesis", "schemathesis", "orjson")


def test_public_api_is_pinned_and_every_name_resolves() -> None:
    kit = importlib.import_module("gong_tasks_kit")
    assert kit.__all__ == PUBLIC_API
    for name in PUBLIC_API:
        assert getattr(kit, name) is not None, name
    assert kit.strategies.task_list_requests is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = kit.nope


def test_importing_the_plugin_loads_nothing_heavy() -> None:
    probe = (
        "import sys, gong_tasks_kit, gong_tasks_kit.pytest_plugin;"
        f"print([m for m in {HEAVY_MODULES!r} if m in sys.modules])"
    )
    run = subprocess.run(  # noqa: S603 - the test's own interpreter
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert run.stdout.strip() == "[]", run.stdout


# -- the wheel, installed as users install it -------------------------------------------

USER_PACKAGE = 'WHO = "the user project"\n'
USER_TEST = """
import importlib

import fixtures
import spec


def test_own_packages_are_the_projects(gong_mock_client):
    assert fixtures.WHO == "the user project"
    assert spec.WHO == "the user project"
    assert "gong_tasks_kit" not in fixtures.__file__


def test_plugin_client_lists_tasks(gong_mock_client):
    user = gong_mock_client.get("/__health").json["userIds"][0]
    body = {"filter": {"userId": user, "types": ["FLOW", "MANUAL"], "taskAction": ["CALL"],
                       "status": ["OPEN", "DONE", "DISMISSED"]}}
    response = gong_mock_client.post("/v2/tasks", json=body)
    assert response.status_code == 200
    assert len(response.json["tasks"]) == 50


def test_plugin_live_url_and_controls(gong_mock_url, gong_mock):
    import urllib.request
    gong_mock.fail_next(500)
    request = urllib.request.Request(gong_mock_url + "/v2/tasks", data=b"{}", method="POST")
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as error:
        assert error.code == 401  # authentication comes before the planned fault


def test_pypi_fixtures_is_importable_beside_the_kit():
    found = importlib.util.find_spec("fixtures._fixtures")
    assert found is None or "gong_tasks_kit" not in str(found.origin)


def test_task_factory(gong_task_factory):
    assert gong_task_factory.task(type="MANUAL")["title"]
"""


#: The tests of the installed wheel share one worker, so the wheel is built and installed
#: once (a module fixture runs once per xdist worker).
INSTALLED_ONCE = pytest.mark.xdist_group("installed-wheel")


def _uv() -> str | None:
    """The uv ``scripts/setup.sh`` uses: the one on PATH, else the one it installed."""
    home = Path(os.environ.get("HOME") or Path.home())
    cache = Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")
    installed = cache / "gong-tasks-kit" / "uv" / "bin" / "uv"
    return shutil.which("uv") or (str(installed) if installed.is_file() else None)


def _step(command: list[str], timeout: float = 600) -> None:
    done = subprocess.run(  # noqa: S603 - uv or pip on this project and its wheel
        command, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}{done.stderr[-2000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the built wheel (and PyPI's `fixtures`) installed.

    With uv where ``scripts/setup.sh`` found one (the project's .venv then has no pip),
    else with the fresh environment's own pip: the same wheel, the same packages.
    """
    work = tmp_path_factory.mktemp("wheel")
    venv = work / "venv"
    uv = _uv()
    if uv is not None:
        _step([uv, "build", "--wheel", "--quiet", "--out-dir", str(work), str(ROOT)])
        _step([uv, "venv", "--quiet", "--python", sys.executable, str(venv)])
        install = [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    else:
        _step([sys.executable, "-m", "venv", str(venv)])
        pip = str(venv / "bin" / "pip")
        _step([pip, "wheel", "--no-deps", "-q", "-w", str(work), str(ROOT)])
        install = [pip, "install", "-q"]
    wheel = next(work.glob("gong_tasks_kit-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        tops = {name.split("/")[0] for name in archive.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"gong_tasks_kit"}
    _step([*install, str(wheel), "fixtures"], timeout=900)
    return venv / "bin"


def _run(
    command: list[str], cwd: Path, timeout: float = 600, **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}
    clean.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run it: compiled once, not per run
    return subprocess.run(  # noqa: S603 - the installed console scripts
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**clean, **env},
    )


@INSTALLED_ONCE
def test_installed_contract_suite_runs_in_process(installed: Path, tmp_path: Path) -> None:
    run = _run([str(installed / "gong-tasks"), "contract", "--max-examples", "3"], tmp_path)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "gong contract summary" in run.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@INSTALLED_ONCE
def test_installed_spec_lint_runs_what_it_can(installed: Path, tmp_path: Path) -> None:
    run = _run([str(installed / "gong-tasks"), "spec", "lint", "--no-node"], tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    auto = _run([str(installed / "gong-tasks"), "spec", "lint"], tmp_path, PATH="/usr/bin:/bin")
    assert auto.returncode == 0, auto.stdout + auto.stderr
    assert "spectral: skipped, spectral is not installed (`npm install" in auto.stdout
    assert "site-packages" not in auto.stdout + auto.stderr


@INSTALLED_ONCE
def test_installed_serve_answers_a_call(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the installed console script
        [str(installed / "gong-tasks"), "serve", "--port", str(port)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/__health", timeout=2) as answer:  # noqa: S310
                    health = json.load(answer)
                break
            except OSError:
                assert time.monotonic() < deadline, "the installed mock never answered"
                time.sleep(0.1)
        body = {
            "filter": {
                "userId": health["userIds"][0],
                "types": ["FLOW"],
                "taskAction": ["CALL"],
                "status": ["OPEN"],
            }
        }
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{url}/v2/tasks",
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Bearer gong-mock-token"},
        )
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            assert answer.status == 200
            assert json.load(answer)["tasks"]
        for asset in ("", "/console.js", "/console.css"):  # the QA console ships inside
            with urllib.request.urlopen(f"{url}/__admin/ui{asset}", timeout=5) as answer:  # noqa: S310
                assert answer.status == 200, asset
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


@INSTALLED_ONCE
def test_a_user_project_with_its_own_fixtures_and_spec_uses_the_plugin(
    installed: Path, tmp_path: Path
) -> None:
    for package in ("fixtures", "spec", "tests/fixtures"):
        (tmp_path / package).mkdir(parents=True)
        (tmp_path / package / "__init__.py").write_text(USER_PACKAGE, encoding="utf-8")
    (tmp_path / "tests" / "test_user.py").write_text(USER_TEST, encoding="utf-8")
    pytest_command = [str(installed / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    run = _run(pytest_command, tmp_path)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "5 passed" in run.stdout
