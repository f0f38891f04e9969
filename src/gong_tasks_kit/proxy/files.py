"""Files the proxy keeps up to date while it runs (the recording, the drift report): always
whole, written soon after each change and once more on exit.

Each write goes to a temporary file in the same folder, is flushed to disk, then renamed
over the old one, so a reader (or a crash, or SIGTERM) never meets half a file. A
background thread writes at most once per interval; it starts with the first change, in
the process that serves calls, so a server's parent process never overwrites the file
with its own empty view. Whoever owns a keeper calls :meth:`FileKeeper.close` at the end
(the proxy does it when its serving process exits).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger("gong_tasks_kit.proxy")

FLUSH_SECONDS = 1.0


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` in one step (readable by its owner only: a recording
    may hold customers' details)."""
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def check_writable(path: str) -> str | None:
    """Why ``path`` cannot be written (None when it can): it must not be a folder nor
    anything but a regular file (each write replaces the file), and a file must be
    creatable in its folder (tried: permissions, a read-only file system,
    a missing folder all show)."""
    target = Path(path)
    folder = target.resolve().parent
    if target.is_dir():
        return f"{path}: is a folder, not a file"
    if target.exists() and not target.is_file():  # a device, a pipe: it would be replaced
        return f"{path}: is not a regular file"
    if not folder.is_dir():
        return f"{path}: the folder {folder} does not exist"
    try:
        descriptor, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as error:
        return f"{path}: cannot write in the folder {folder} ({error.strerror})"
    os.close(descriptor)
    os.unlink(probe)
    return None


class FileKeeper:
    """Keeps one file in step with a renderer: soon after changes, and on exit."""

    def __init__(self, path: str, render: Callable[[], bytes], interval: float = FLUSH_SECONDS):
        """Prepare (nothing is written yet; the file is written at :meth:`close` even
        when nothing changed, so a run that saw nothing still leaves its file).

        Args:
            path: The file.
            render: Produces the file's whole content.
            interval: The longest a change waits before it is written.
        """
        self.path = Path(path)
        self._render = render
        self._interval = interval
        self._lock = threading.Lock()  # the flag and the thread
        self._writing = threading.Lock()  # one write at a time, in order
        self._dirty = True  # written once at least
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self.error: str | None = None  # why the last write failed; None once one succeeds

    def changed(self) -> None:
        """Note a change; it is written within the interval."""
        with self._lock:
            self._dirty = True
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(
                    target=self._run, name=f"keep {self.path.name}", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self._interval)
            self.flush()

    def flush(self) -> None:
        """Write now, if anything changed since the last write."""
        with self._writing:
            with self._lock:
                if not self._dirty:
                    return
                self._dirty = False
            try:
                write_atomically(self.path, self._render())
            except OSError as error:
                with self._lock:
                    self._dirty = True  # try again at the next turn
                    self.error = error.strerror or type(error).__name__
                logger.error("could not write %s: %s", self.path, self.error)
            else:
                self.error = None

    def close(self) -> None:
        """Write what is left and stop the thread."""
        self._closed = True
        self._wake.set()
        self.flush()
