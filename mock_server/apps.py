"""Apps of the mock for tests: Gong's rate limits off (fast suites), strict mode on (the
contract suite's default in-process target), and the credentials an app accepts."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from flask import Flask

from gong_tasks_kit.fixtures.credentials import basic_authorization
from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.runtime import mock_runtime

__all__ = ["LIMITS_OFF", "default_authorization", "strict_unthrottled_app", "unthrottled_app"]


#: The settings that turn Gong's rate limits off.
LIMITS_OFF: Mapping[str, Any] = MappingProxyType({"rate_limit": "off", "daily_limit": 0})


def unthrottled_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The mock with Gong's rate limits off (what fast test suites want)."""
    return create_app({**LIMITS_OFF, **(config or {})})


def strict_unthrottled_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The mock with Gong's rate limits off and strict mode on: every answer it is about to
    send is validated against the spec, and one that breaks it becomes a loud 500 in the
    error shape. The contract suite's default in-process target."""
    return unthrottled_app({"strict": True, **(config or {})})


def default_authorization(app: Flask) -> str:
    """An ``Authorization`` value that ``app`` accepts (its configured Basic credentials)."""
    settings = mock_runtime(app).settings
    return basic_authorization(settings.access_key, settings.access_key_secret)
