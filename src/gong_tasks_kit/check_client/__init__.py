"""``gong-tasks check-client``: does a client of Gong's Tasks API behave when Gong has a bad
day? Each scenario (a 429 with Retry-After, a 500 burst, wrong calls, Gong's real limits,
an exhausted daily quota, or a recorded incident replayed) runs the client once against a
fresh mock and grades its calls from the mock's journal.

In Python, the same grading for pytest tests: :func:`assert_scenario` over journal
entries (``MockControl.requests()``), and the ``gong_scenario`` fixture of the plugin.
"""

from __future__ import annotations

from gong_tasks_kit.check_client.grading import Verdict, assert_scenario, grade
from gong_tasks_kit.check_client.rules import RULES
from gong_tasks_kit.check_client.scenario import (
    BUILT_IN,
    Scenario,
    ScenarioError,
    builtin_scenario,
    find_scenario,
    load_scenario,
)

__all__ = [
    "BUILT_IN",
    "RULES",
    "Scenario",
    "ScenarioError",
    "Verdict",
    "assert_scenario",
    "builtin_scenario",
    "find_scenario",
    "grade",
    "load_scenario",
]
