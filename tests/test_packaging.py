"""The import packages belong to this distribution and keep their public surface tidy."""

from __future__ import annotations

import importlib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

PACKAGES = ["spec", "fixtures", "mock_server", "contract_tests", "gong_tasks"]


@pytest.mark.parametrize("name", PACKAGES)
def test_package_is_provided_by_this_distribution_only(name: str) -> None:
    # `spec` and `fixtures` are also names of unrelated PyPI packages: none may be installed.
    assert packages_distributions().get(name) == ["gong-tasks-kit"]


def test_packages_import_from_one_place() -> None:
    parents = set()
    for name in PACKAGES:
        module = importlib.import_module(name)
        assert module.__file__ is not None
        parents.add(Path(module.__file__).resolve().parent.parent)
    assert len(parents) == 1, parents


@pytest.mark.parametrize("name", PACKAGES)
def test_package_all_is_sorted_and_resolvable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(getattr(module, "__all__", []))
    # isort-style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), not n[0].isupper(), n))
    for attribute in exported:
        assert hasattr(module, attribute), attribute
