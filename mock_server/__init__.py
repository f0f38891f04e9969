"""A faithful, seeded mock of Gong's ``POST /v2/tasks``, served by a Flask app."""

from __future__ import annotations

from mock_server.app import create_app, mock_state
from mock_server.errors import ApiError
from mock_server.settings import MockSettings, SettingsError

__all__ = ["ApiError", "MockSettings", "SettingsError", "create_app", "mock_state"]
