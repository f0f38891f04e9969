"""Where the contract suite keeps what a run decided, on pytest's config and items (the
plugin writes, the fixtures and the summary read)."""

from __future__ import annotations

import pytest

from gong_tasks_kit.contract_tests.failure_log import FailureLog
from gong_tasks_kit.contract_tests.outcome import RunOutcome
from gong_tasks_kit.contract_tests.schedule import Decision, Schedule
from gong_tasks_kit.contract_tests.settings import ContractSettings
from gong_tasks_kit.contract_tests.target import Target

__all__ = [
    "DECISION_KEY",
    "FAILURES_KEY",
    "HOME_KEY",
    "OUTCOME_KEY",
    "SCHEDULE_KEY",
    "SETTINGS_KEY",
    "TARGET_KEY",
]

SETTINGS_KEY = pytest.StashKey[ContractSettings]()
TARGET_KEY = pytest.StashKey[Target]()
SCHEDULE_KEY = pytest.StashKey[Schedule]()
DECISION_KEY = pytest.StashKey[Decision]()
HOME_KEY = pytest.StashKey[str]()
OUTCOME_KEY = pytest.StashKey[RunOutcome]()
FAILURES_KEY = pytest.StashKey[FailureLog]()
