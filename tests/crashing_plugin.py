"""A pytest plugin that breaks the contract suite itself, for the test that a crash of the
suite (no check's failure) keeps its traceback in the report: load it with ``-p
crashing_plugin`` and ``tests/`` on ``PYTHONPATH``."""

from __future__ import annotations

import pytest


def pytest_runtest_call(item: pytest.Item) -> None:
    """Fail every test with an error of the suite's own."""
    raise RuntimeError("the contract suite itself broke")
