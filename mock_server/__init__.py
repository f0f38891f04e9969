"""A faithful, seeded mock of Gong's Tasks API, served by a Flask app.

Names load on first use (PEP 562): importing a module of this package (its settings, say)
does not build or import the app.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gong_tasks_kit.serving.renamed import renamed_names

if TYPE_CHECKING:
    from gong_tasks_kit.mock_server.app import create_app
    from gong_tasks_kit.mock_server.runtime import MockRuntime, mock_runtime
    from gong_tasks_kit.mock_server.settings import MockSettings, SettingsError, load_settings
    from gong_tasks_kit.serving.errors import ApiError

_EXPORTS = {
    "ApiError": "gong_tasks_kit.serving.errors",
    "MockRuntime": "gong_tasks_kit.mock_server.runtime",
    "MockSettings": "gong_tasks_kit.mock_server.settings",
    "SettingsError": "gong_tasks_kit.mock_server.settings",
    "create_app": "gong_tasks_kit.mock_server.app",
    "load_settings": "gong_tasks_kit.mock_server.settings",
    "mock_runtime": "gong_tasks_kit.mock_server.runtime",
}

__all__ = [
    "ApiError",
    "MockRuntime",
    "MockSettings",
    "SettingsError",
    "create_app",
    "load_settings",
    "mock_runtime",
]


def _export(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


_renamed = renamed_names(__name__, {"mock_state": "mock_runtime"}, _export)


def __getattr__(name: str) -> Any:
    return _renamed(name) if name == "mock_state" else _export(name)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
