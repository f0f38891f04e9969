"""Helpers for tests that talk to the mock, in one public module: apps with the limits off
(``apps``), a live server in a thread (``live_server``) and the admin API's client
(``control``)."""

from __future__ import annotations

from gong_tasks_kit.fixtures.credentials import basic_authorization
from gong_tasks_kit.mock_server.apps import (
    LIMITS_OFF,
    default_authorization,
    strict_unthrottled_app,
    unthrottled_app,
)
from gong_tasks_kit.mock_server.control import MockControl, MockControlError
from gong_tasks_kit.mock_server.live_server import LiveServer

__all__ = [
    "LIMITS_OFF",
    "LiveServer",
    "MockControl",
    "MockControlError",
    "basic_authorization",
    "default_authorization",
    "strict_unthrottled_app",
    "unthrottled_app",
]
