"""The package's layers as a newcomer meets them: importing a light module loads nothing
heavy, and each word names one thing."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    run = subprocess.run(  # noqa: S603 - our own interpreter, a fixed program
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    return set(run.stdout.split())


@pytest.mark.parametrize(
    "module",
    [
        "gong_tasks_kit.contract_tests.settings",
        "gong_tasks_kit.serving.settings",
        "gong_tasks_kit.mock_server",
        "gong_tasks_kit",
    ],
)
def test_settings_and_package_roots_load_no_flask_and_no_server(module: str) -> None:
    loaded = _loaded_after(module)
    heavy = {"flask", "werkzeug", "granian", "redis", "gong_tasks_kit.serving.dispatcher"}
    assert not heavy & loaded, sorted(heavy & loaded)
    assert not {name for name in loaded if name.startswith("gong_tasks_kit.mock_server.")}


def test_the_old_names_still_work_with_a_deprecation_warning() -> None:
    from gong_tasks_kit import mock_server, proxy  # noqa: PLC0415
    from gong_tasks_kit.mock_server import app, runtime  # noqa: PLC0415

    for module, old, new in [
        (mock_server, "mock_state", "mock_runtime"),
        (app, "mock_state", "mock_runtime"),
        (runtime, "mock_state", "mock_runtime"),
        (runtime, "MockState", "MockRuntime"),
        (proxy, "proxy_state", "proxy_runtime"),
    ]:
        with pytest.warns(DeprecationWarning, match=new):
            assert getattr(module, old) is getattr(module, new)
