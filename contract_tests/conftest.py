"""The contract suite's conftest: it loads the suite's plugin (``plugin``: the order of a
run) and fixtures (``suite_fixtures``), and holds nothing of its own."""

from gong_tasks_kit.contract_tests.plugin import (
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_report_collectionfinish,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    pytest_sessionfinish,
    pytest_terminal_summary,
    pytest_unconfigure,
)
from gong_tasks_kit.contract_tests.suite_fixtures import (
    contract_schema,
    contract_settings,
    contract_target,
    full_answer,
    known_ids,
    known_tasks,
    mock_put_back,
    planned_examples,
    run_examples,
    written_task,
)

__all__ = [
    "contract_schema",
    "contract_settings",
    "contract_target",
    "full_answer",
    "known_ids",
    "known_tasks",
    "mock_put_back",
    "planned_examples",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_report_collectionfinish",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_sessionfinish",
    "pytest_terminal_summary",
    "pytest_unconfigure",
    "run_examples",
    "written_task",
]
