"""pytest plugin ``gong_tasks_kit``: the mock and the factories as fixtures.

Registered through the ``pytest11`` entry point, so installing gong-tasks-kit is enough.
It loads in every pytest run of every environment the kit is installed in, so importing
it costs nothing: Flask, the mock and openapi-core are imported only when a test asks
for one of its fixtures.

Fixtures:
    gong_mock_config: overrides of the mock's settings (override this fixture, or use
        the ``gong_mock`` marker: ``@pytest.mark.gong_mock(seed=7, users=3)``).
    gong_mock_app: the mock's Flask app (strict mode on), in-process.
    gong_mock_client: a Flask test client that sends valid credentials by default.
    gong_mock_url: the base URL of a live mock on a free port, started once per
        session per configuration.
    gong_mock: the QA controls (:class:`gong_tasks_kit.mock_server.testing.MockControl`)
        of the test's mock: fail the next calls, chaos, latency, the journal, the tasks
        as they are now.
    gong_task_factory: the ``fixtures`` factories bound to a seeded Faker.
    gong_scenario: apply a ``gong-tasks check-client`` scenario to the test's mock and
        assert its rules over the calls the test made (``.assert_passed()``).

Each test starts from a clean mock: plans, chaos, latency, journal, limiter counters and
every task change its calls made (``PATCH /v2/tasks/{taskId}``) are reset before it
runs, so the mock serves its seeded tasks again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from faker import Faker
    from flask import Flask
    from flask.testing import FlaskClient

    from gong_tasks_kit.check_client.in_test import ScenarioInTest
    from gong_tasks_kit.check_client.scenario import Scenario
    from gong_tasks_kit.mock_server.testing import LiveServer, MockControl

DEFAULT_SEED = 42
_APPS: dict[tuple[tuple[str, str], ...], Flask] = {}
_SERVERS: dict[int, LiveServer] = {}


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``gong_mock`` marker."""
    config.addinivalue_line(
        "markers",
        "gong_mock(**settings): settings of the Gong mock for this test "
        "(seed, users, tasks_per_user, crm_type, auth, rate_limit, data: a file's path "
        "relative to the pytest root directory, ...)",
    )


@pytest.fixture
def gong_mock_config() -> dict[str, Any]:
    """Overrides of the mock's settings; override this fixture to change them."""
    return {}


def _settings(request: pytest.FixtureRequest, config: dict[str, Any]) -> dict[str, Any]:
    from gong_tasks_kit.mock_server.testing import LIMITS_OFF  # noqa: PLC0415 - kept lazy

    merged = {key.lower(): value for key, value in config.items()}
    marker = request.node.get_closest_marker("gong_mock")
    if marker is not None:
        merged.update({key.lower(): value for key, value in marker.kwargs.items()})
    for path in ("data", "replay"):  # the same file from any directory
        if isinstance(merged.get(path), str | PurePath):
            merged[path] = str(request.config.rootpath / merged[path])
    # Gong's rate limits are off unless a test asks for them (rate_limit="3/second").
    return {"strict": True, "TESTING": True, **LIMITS_OFF, **merged}


@pytest.fixture
def gong_mock_app(request: pytest.FixtureRequest, gong_mock_config: dict[str, Any]) -> Flask:
    """The mock's Flask app for this test's settings (built once per distinct settings),
    reset: the seeded tasks, no plans, an empty journal."""
    from gong_tasks_kit.mock_server.app import create_app, mock_runtime  # noqa: PLC0415

    settings = _settings(request, gong_mock_config)
    key = tuple(sorted((name, repr(value)) for name, value in settings.items()))
    if key not in _APPS:
        _APPS[key] = create_app(settings)
    app = _APPS[key]
    mock_runtime(app).reset()
    return app


def mock_test_client(app: Flask) -> FlaskClient:
    """A test client of the mock ``app`` as ``gong_mock_client`` makes it: it sends the
    mock's Basic credentials by default, and keeps no cookies (the mock sets none, and
    werkzeug's cookie jar rebuilt each call's URL twice: a tenth of an in-process call)."""
    from gong_tasks_kit.mock_server.testing import default_authorization  # noqa: PLC0415

    client = app.test_client(use_cookies=False)
    client.environ_base["HTTP_AUTHORIZATION"] = default_authorization(app)
    return client


@pytest.fixture
def gong_mock_client(gong_mock_app: Flask) -> FlaskClient:
    """A test client of the mock that sends the mock's Basic credentials by default."""
    return mock_test_client(gong_mock_app)


@pytest.fixture
def gong_mock_url(gong_mock_app: Flask) -> Iterator[str]:
    """Base URL of a live mock on 127.0.0.1 (one server per app, kept for the session).

    An exception the mock raised while serving the test (e.g. a strict-mode violation) is
    re-raised in the test's teardown, so the test reports the cause, not just a 500.
    """
    from gong_tasks_kit.mock_server.testing import LiveServer  # noqa: PLC0415

    server = _SERVERS.get(id(gong_mock_app))
    if server is None:
        server = _SERVERS[id(gong_mock_app)] = LiveServer(gong_mock_app).start()
    server.take_server_errors()  # errors of earlier tests were reported by those tests
    yield server.url
    server.raise_server_errors()


@pytest.fixture
def gong_mock(gong_mock_app: Flask) -> MockControl:
    """QA controls of this test's mock (reset before the test)."""
    from gong_tasks_kit.mock_server.testing import MockControl  # noqa: PLC0415

    return MockControl(gong_mock_app)


@pytest.fixture
def gong_scenario(
    request: pytest.FixtureRequest, gong_mock_config: dict[str, Any], gong_mock: MockControl
) -> Callable[[Scenario | str], ScenarioInTest]:
    """Apply a check-client scenario (a built-in name, a scenario file's path) to this
    test's mock; the object it returns asserts the scenario's rules over the test's calls.

    Example:
        >>> scenario = gong_scenario("server-errors")
        >>> MyClient(gong_mock_url).sync()
        >>> scenario.assert_passed()  # AssertionError with check-client's evidence
    """
    from gong_tasks_kit.check_client.in_test import apply_scenario  # noqa: PLC0415

    settings = _settings(request, gong_mock_config)
    return lambda scenario: apply_scenario(scenario, gong_mock, settings)


@dataclass(frozen=True, slots=True)
class TaskFactory:
    """The ``fixtures`` factories bound to one seeded Faker."""

    faker: Faker

    def task(self, **overrides: Any) -> dict[str, Any]:
        """See :func:`gong_tasks_kit.fixtures.factories.build_task`."""
        from gong_tasks_kit.fixtures.factories import build_task  # noqa: PLC0415

        return build_task(self.faker, **overrides)

    def contact(self, **overrides: Any) -> dict[str, Any]:
        """See :func:`gong_tasks_kit.fixtures.factories.build_contact`."""
        from gong_tasks_kit.fixtures.factories import build_contact  # noqa: PLC0415

        return build_contact(self.faker, **overrides)

    def account(self, **overrides: Any) -> dict[str, Any]:
        """See :func:`gong_tasks_kit.fixtures.factories.build_account`."""
        from gong_tasks_kit.fixtures.factories import build_account  # noqa: PLC0415

        return build_account(self.faker, **overrides)

    def opportunity(self, **overrides: Any) -> dict[str, Any]:
        """See :func:`gong_tasks_kit.fixtures.factories.build_opportunity`."""
        from gong_tasks_kit.fixtures.factories import build_opportunity  # noqa: PLC0415

        return build_opportunity(self.faker, **overrides)

    def flow(self, **overrides: Any) -> dict[str, Any]:
        """See :func:`gong_tasks_kit.fixtures.factories.build_flow`."""
        from gong_tasks_kit.fixtures.factories import build_flow  # noqa: PLC0415

        return build_flow(self.faker, **overrides)

    def update(self, **overrides: Any) -> dict[str, Any]:
        """A ``PATCH /v2/tasks/{taskId}`` body; see
        :func:`gong_tasks_kit.fixtures.factories.build_task_update`."""
        from gong_tasks_kit.fixtures.factories import build_task_update  # noqa: PLC0415

        return build_task_update(self.faker, **overrides)


@pytest.fixture
def gong_task_factory(request: pytest.FixtureRequest) -> TaskFactory:
    """Factories seeded from the ``gong_mock`` marker's seed (default 42)."""
    from gong_tasks_kit.fixtures.providers import make_faker  # noqa: PLC0415

    marker = request.node.get_closest_marker("gong_mock")
    seed = int(marker.kwargs.get("seed", DEFAULT_SEED)) if marker else DEFAULT_SEED
    return TaskFactory(make_faker(seed))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop the live servers this session started."""
    for server in _SERVERS.values():
        server.stop()
    _SERVERS.clear()
