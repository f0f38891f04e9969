"""The mock's app factory: its runtime, its data, the dispatcher in front, and its own pages.

Where a call goes (see ``serving.dispatcher``): the Tasks API's calls are admitted by
``serving.admission``, answered from the data by ``answers.MockTasks``, checked in strict
mode and journaled by the dispatcher; the Flask app answers the admin API, the QA console,
``/__health`` and the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from gong_tasks_kit.fixtures.dataset import build_dataset
from gong_tasks_kit.mock_server.admin_tasks import admin_tasks
from gong_tasks_kit.mock_server.answers import MockTasks
from gong_tasks_kit.mock_server.console import console
from gong_tasks_kit.mock_server.meta_views import meta
from gong_tasks_kit.mock_server.replay import replay_source
from gong_tasks_kit.mock_server.runtime import MockRuntime, mock_runtime
from gong_tasks_kit.mock_server.settings import MockSettings, is_setting, load_settings
from gong_tasks_kit.mock_server.store_sources import StoreSource, file_source, generated_source
from gong_tasks_kit.mock_server.store_versions import StoreVersions
from gong_tasks_kit.serving.admin_api import admin
from gong_tasks_kit.serving.dispatcher import StrictModeError
from gong_tasks_kit.serving.flask_app import install
from gong_tasks_kit.serving.limiter import GongLimiter
from gong_tasks_kit.serving.renamed import renamed_names
from gong_tasks_kit.serving.state import SharedState, open_state

__all__ = ["StrictModeError", "create_app", "mock_runtime"]


def startup_source(settings: MockSettings) -> StoreSource:
    """The tasks served at start and after a reset: the ``replay`` recording's (see
    ``replay``), else the ``data`` file's, else generated.

    Raises:
        DataFileError: when the file cannot be read or a task in it is refused.
    """
    recorded = replay_source(settings) if settings.replay else None  # serve --replay FILE
    if recorded is not None:
        return recorded
    if settings.data:
        return file_source(settings.data, settings.crm_type)
    dataset = build_dataset(
        settings.seed, settings.users, settings.tasks_per_user, settings.crm_type
    )
    return generated_source(dataset)


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    settings: MockSettings | None = None,
    state: SharedState | None = None,
) -> Flask:
    """Build the mock: defaults, then ``GONG_MOCK_*`` variables, then ``config``.

    The start-up data (generated from the seed, or read from the ``data`` file) is
    checked against the spec and serialized here, once.

    Args:
        config: Settings by name (``{"seed": 7}`` or ``{"SEED": 7}``; a string is parsed
            like the environment variable) and any Flask setting (upper-case, e.g.
            ``TESTING``).
        settings: Settings already loaded (what ``gong-tasks serve`` passes); ``config``
            may then hold Flask settings only.
        state: The shared state ``settings.state`` names, already opened (what ``gong-tasks
            serve`` passes, having checked it); default: opened here.

    Raises:
        SettingsError: when a setting is unusable.
        DatasetError: when the generated data breaks the spec, or the ``data`` file cannot
            be served (``DataFileError``, naming the file, the task and the field).
    """
    given = dict(config or {})
    # Upper-case keys that name no setting are Flask's (TESTING, ...); any other key is a
    # setting, so a misspelt one is refused rather than ignored.
    flask_config = {k: v for k, v in given.items() if k.isupper() and not is_setting(k)}
    overrides = {k: v for k, v in given.items() if k not in flask_config}
    if settings is None:
        settings = load_settings(overrides)
    elif overrides:
        raise ValueError("pass settings either as `settings` or in `config`, not both")
    if state is None:
        state = open_state(settings.state)
    app = Flask(__name__)
    app.config.from_mapping(flask_config)
    runtime = MockRuntime(
        settings=settings,
        state=state,
        limiter=GongLimiter(
            settings.rate_limit, settings.daily_limit, state.limits_storage(), settings.limit_scope
        ),
        tasks=StoreVersions(startup_source(settings), state),
    )
    app.register_blueprint(meta)
    if settings.admin:
        app.register_blueprint(admin)
        app.register_blueprint(admin_tasks)
        app.register_blueprint(console)
    install(app, runtime, MockTasks(runtime), strict=settings.strict)
    return app


__getattr__ = renamed_names(__name__, {"mock_state": "mock_runtime"}, globals().__getitem__)
