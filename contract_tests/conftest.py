"""Wiring of the contract suite: settings, target, schemathesis schema, summary, report."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from gong_tasks_kit.contract_tests.settings import (
    ContractConfigError,
    ContractSettings,
    SettingsPlugin,
    load_settings,
)
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.spec import load_spec
from gong_tasks_kit.spec.operations import LIST_TASKS, operation_ids
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings

SETTINGS_KEY = pytest.StashKey[ContractSettings]()
TARGET_KEY = pytest.StashKey[Target]()
_PROFILE = "gong-contract"


def estimated_requests(settings: ContractSettings) -> int:
    """About how many requests one run sends (printed before it starts)."""
    examples = settings.max_examples
    if settings.live:
        return examples + 3 * examples + 3  # conformance, properties, error paths
    return 2 * examples + 5 * examples + 30


def pytest_configure(config: pytest.Config) -> None:
    """Read the settings once and set hypothesis up for them."""
    provided = [p for p in config.pluginmanager.get_plugins() if isinstance(p, SettingsPlugin)]
    try:
        settings = provided[0].settings if provided else load_settings()
    except ContractConfigError as error:
        raise pytest.UsageError(f"gong-tasks contract: {error}") from None
    config.stash[SETTINGS_KEY] = settings
    hypothesis_settings.register_profile(
        _PROFILE,
        max_examples=settings.max_examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
        derandomize=settings.seed is not None,
        database=None,
        report_multiple_bugs=False,
        phases=[phase for phase in Phase if settings.shrink or phase is not Phase.shrink],
    )
    hypothesis_settings.load_profile(_PROFILE)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Say what runs against what, and the request estimate, before the run."""
    settings = config.stash[SETTINGS_KEY]
    shown = ", ".join(f"{key}={value}" for key, value in settings.redacted().items())
    budget = settings.max_requests if settings.max_requests is not None else "unlimited"
    return [
        f"gong contract: {shown}",
        f"gong contract: estimated requests ~{estimated_requests(settings)} (budget {budget})",
    ]


@pytest.fixture(scope="session")
def contract_settings(pytestconfig: pytest.Config) -> ContractSettings:
    """The run's settings."""
    return pytestconfig.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def contract_target(pytestconfig: pytest.Config, contract_settings: ContractSettings) -> Target:
    """The system under contract, shared by the whole run."""
    target = Target(contract_settings)
    pytestconfig.stash[TARGET_KEY] = target
    return target


@pytest.fixture(scope="session")
def known_users(contract_target: Target) -> tuple[list[str], list[str]]:
    """User and workspace ids with data on the target."""
    return contract_target.known_users()


@pytest.fixture
def contract_schema(contract_settings: ContractSettings, contract_target: Target) -> Any:
    """The spec as a schemathesis schema bound to the target."""
    live = contract_settings.live
    config: dict[str, Any] = {
        "headers": {"Authorization": contract_settings.authorization},
        "generation": {
            "mode": "positive" if live else "all",
            "max-examples": contract_settings.max_examples,
            "no-shrink": not contract_settings.shrink,
        },
    }
    if contract_settings.seed is not None:
        config["seed"] = contract_settings.seed
    if live:  # only a few well-formed requests for a vendor, all through the throttle
        config["phases"] = {"coverage": {"enabled": False}, "stateful": {"enabled": False}}
        config["checks"] = {"ignored_auth": {"enabled": False}}  # it sends calls of its own
        # Read-only: every operation but the list call is off, so nothing ever writes.
        config["operations"] = [
            {"include-operation-id": op, "enabled": False}
            for op in operation_ids()
            if op != LIST_TASKS
        ]
    if contract_settings.base_url is not None:
        config["base-url"] = contract_settings.base_url
    schema = schemathesis.openapi.from_dict(
        load_spec(), config=schemathesis.Config.from_dict(config)
    )
    if contract_target.app is not None:
        schema.app = contract_target.app
    return schema


# schemathesis names each failed check on a line like "  | - ST103 Undocumented status code".
_CHECK_TITLE = re.compile(r"^[\s|]*- (ST\d+ [^\n]+?)\s*$", re.MULTILINE)


def _failure_groups(reports: list[pytest.TestReport]) -> Counter[str]:
    groups: Counter[str] = Counter()
    for report in reports:
        text = str(report.longrepr)
        titles = set(_CHECK_TITLE.findall(text))
        test_name = report.nodeid.split("::")[-1].split("[")[0]
        for title in titles or {test_name}:
            groups[title.strip()] += 1
    return groups


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """A short human summary: requests sent, failures grouped by check."""
    target = config.stash.get(TARGET_KEY, None)
    if target is None:
        return
    failed = [r for r in terminalreporter.stats.get("failed", []) if r.when == "call"]
    terminalreporter.section("gong contract summary")
    terminalreporter.line(
        f"target: {target.settings.kind}; requests sent: "
        f"{target.requests_sent}; tests failed: {len(failed)}"
    )
    for title, count in sorted(_failure_groups(failed).items()):
        terminalreporter.line(f"  FAILED check: {title} ({count})")
    drift = target.drift.report()
    for warning in drift.warnings:
        terminalreporter.line(f"  drift warning: {warning}")
