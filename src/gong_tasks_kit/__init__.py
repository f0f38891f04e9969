"""gong-tasks-kit: build and test against Gong's Tasks API without the real service.

The public API, importable from here::

    from gong_tasks_kit import create_app, MockControl, build_dataset, make_faker, strategies

Names load on first use (PEP 562), so importing the package (as the pytest plugin does
in every test run) costs nothing until one is used. The subpackages are
``gong_tasks_kit.spec``, ``.fixtures``, ``.mock_server``, ``.contract_tests`` and ``.proxy``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    __version__: str
    from gong_tasks_kit.fixtures import strategies
    from gong_tasks_kit.fixtures.credentials import basic_authorization
    from gong_tasks_kit.fixtures.dataset import Dataset, build_dataset
    from gong_tasks_kit.fixtures.factories import (
        OMIT,
        build_account,
        build_contact,
        build_flow,
        build_opportunity,
        build_task,
        build_task_update,
    )
    from gong_tasks_kit.fixtures.providers import make_faker
    from gong_tasks_kit.mock_server.app import create_app
    from gong_tasks_kit.mock_server.settings import MockSettings, SettingsError, load_settings
    from gong_tasks_kit.mock_server.testing import (
        LiveServer,
        MockControl,
        MockControlError,
        unthrottled_app,
    )
    from gong_tasks_kit.proxy.app import create_proxy_app
    from gong_tasks_kit.proxy.control import ProxyControl
    from gong_tasks_kit.spec.loader import SPEC_PATH, load_spec

#: Public modules.
_MODULES = {"strategies": "gong_tasks_kit.fixtures.strategies"}

#: Public names -> the module that defines each.
_EXPORTS = {
    "OMIT": "gong_tasks_kit.fixtures.factories",
    "SPEC_PATH": "gong_tasks_kit.spec.loader",
    "Dataset": "gong_tasks_kit.fixtures.dataset",
    "LiveServer": "gong_tasks_kit.mock_server.testing",
    "MockControl": "gong_tasks_kit.mock_server.testing",
    "MockControlError": "gong_tasks_kit.mock_server.testing",
    "MockSettings": "gong_tasks_kit.mock_server.settings",
    "ProxyControl": "gong_tasks_kit.proxy.control",
    "SettingsError": "gong_tasks_kit.mock_server.settings",
    "basic_authorization": "gong_tasks_kit.fixtures.credentials",
    "build_account": "gong_tasks_kit.fixtures.factories",
    "build_contact": "gong_tasks_kit.fixtures.factories",
    "build_dataset": "gong_tasks_kit.fixtures.dataset",
    "build_flow": "gong_tasks_kit.fixtures.factories",
    "build_opportunity": "gong_tasks_kit.fixtures.factories",
    "build_task": "gong_tasks_kit.fixtures.factories",
    "build_task_update": "gong_tasks_kit.fixtures.factories",
    "create_app": "gong_tasks_kit.mock_server.app",
    "create_proxy_app": "gong_tasks_kit.proxy.app",
    "load_settings": "gong_tasks_kit.mock_server.settings",
    "load_spec": "gong_tasks_kit.spec.loader",
    "make_faker": "gong_tasks_kit.fixtures.providers",
    "unthrottled_app": "gong_tasks_kit.mock_server.testing",
}

__all__ = [
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


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # importlib.metadata costs 50 ms to import: only when asked.
        from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

        try:
            value: Any = version("gong-tasks-kit")
        except PackageNotFoundError:  # pragma: no cover - a bare source tree
            value = "0+unknown"
    elif name in _MODULES:
        value = importlib.import_module(_MODULES[name])
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'gong_tasks_kit' has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
