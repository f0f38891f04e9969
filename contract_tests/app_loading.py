"""The in-process target: a Flask app built by a factory named ``module:function``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from flask import Flask

from gong_tasks_kit.contract_tests.settings import ContractConfigError

__all__ = ["app_factory", "load_app"]


def app_factory(factory: str) -> Callable[[], Flask]:
    """The function ``module:function`` names (default function: create_app).

    Raises:
        ContractConfigError: when the module or the function cannot be found.
    """
    module_name, _, function_name = factory.partition(":")
    function_name = function_name or "create_app"
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ContractConfigError(
            f"--app {factory}: cannot import {module_name!r} ({error})"
        ) from None
    function = getattr(module, function_name, None)
    if not callable(function):
        raise ContractConfigError(f"--app {factory}: {module_name} has no {function_name}()")
    return function  # type: ignore[no-any-return]


def load_app(factory: str) -> Flask:
    """Build the in-process app from ``module:function``."""
    return app_factory(factory)()
