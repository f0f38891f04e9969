"""``serve --data`` with no tasks starts (it is legal) and says so in its banner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

WARNING = "  WARNING: the dataset has no tasks: every list call answers an empty tasks array"


def test_serve_empty_data_warns_in_the_banner(
    start_mock: Callable[..., Any], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text('{"tasks": []}', encoding="utf-8")
    served = start_mock(["--data", str(empty)])
    assert any(f"file {empty}, 0 tasks" in line for line in served.banner)
    assert WARNING in served.banner
    assert requests.get(f"{served.url}/__health", timeout=10).status_code == 200


def test_serve_generated_data_has_no_empty_warning(start_mock: Callable[..., Any]) -> None:
    served = start_mock(["--tasks-per-user", "2"])
    assert WARNING not in served.banner
