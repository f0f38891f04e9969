"""Files a user names (a spec, a --data file, a recording to replay, a scenario) are
bounded before they are read: a file too large is refused by its size, a device that
never ends after the limit, and neither is read whole into memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from gong_tasks_kit.mock_server import store_sources
from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.store_sources import DataFileError
from gong_tasks_kit.spec.file_reading import FileReadError, read_at_most


def test_a_file_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_bytes(b"x" * 100)
    assert read_at_most(path, 100) == b"x" * 100


def test_a_larger_file_is_refused_by_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 101)
    with pytest.raises(FileReadError, match=r"^larger than 100 bytes$"):
        read_at_most(path, 100)


def test_a_device_that_never_ends_is_read_up_to_the_limit_only() -> None:
    with pytest.raises(FileReadError, match=r"^larger than 4096 bytes$"):
        read_at_most("/dev/zero", 4096)


def test_a_file_that_cannot_be_read_says_why(tmp_path: Path) -> None:
    with pytest.raises(FileReadError, match=r"^cannot read it: No such file or directory$"):
        read_at_most(tmp_path / "nope.json", 100)
    with pytest.raises(FileReadError, match=r"^cannot read it: Is a directory$"):
        read_at_most(tmp_path, 100)


def test_serve_data_from_a_device_that_never_ends_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # It read the whole "file" (for ever, into memory) before.
    monkeypatch.setattr(store_sources, "MAX_DATA_FILE_BYTES", 1_000_000)
    with pytest.raises(DataFileError, match=r"^--data /dev/zero: larger than 1000000 bytes$"):
        create_app({"data": "/dev/zero"})
