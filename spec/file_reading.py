"""Reading a file a user names, bounded before it is read: it may be anything (a file
larger than memory, a device that never ends, a pipe). Here, in the lowest layer, so the
spec's loader, the mock's data and replay files and check-client's scenarios share it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FileReadError", "read_at_most"]


class FileReadError(ValueError):
    """Why a file could not be read whole, in a few words (``cannot read it: ...``,
    ``larger than N bytes``); the caller names the file."""


def read_at_most(path: str | Path, limit: int) -> bytes:
    """The whole content of ``path``, when it holds at most ``limit`` bytes.

    Raises:
        FileReadError: when it cannot be opened or read, or holds more (a regular file
            is refused by its size, before anything is read).
    """
    try:
        with Path(path).open("rb") as file:
            if os.fstat(file.fileno()).st_size > limit:
                raise FileReadError(f"larger than {limit} bytes")
            data = file.read(limit + 1)
    except OSError as error:
        raise FileReadError(f"cannot read it: {error.strerror}") from None
    if len(data) > limit:
        raise FileReadError(f"larger than {limit} bytes")
    return data
