"""A faithful, seeded mock of Gong's Tasks API, served by a Flask app."""

from __future__ import annotations

from gong_tasks_kit.mock_server.app import create_app, mock_state
from gong_tasks_kit.mock_server.errors import ApiError
from gong_tasks_kit.mock_server.settings import MockSettings, SettingsError, load_settings

__all__ = ["ApiError", "MockSettings", "SettingsError", "create_app", "load_settings", "mock_state"]
