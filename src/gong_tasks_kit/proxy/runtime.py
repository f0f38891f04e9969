"""What the proxy holds while it runs (its runtime): what every server has, and its own parts
(the target's connections, the credentials seen, the drift report, the recording)."""

from __future__ import annotations

import atexit
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Flask

from gong_tasks_kit.proxy.credentials import CredentialFilter
from gong_tasks_kit.proxy.drift import DriftLog
from gong_tasks_kit.proxy.files import FileKeeper
from gong_tasks_kit.proxy.forward import Forwarder
from gong_tasks_kit.proxy.recording import Recording
from gong_tasks_kit.proxy.settings import ProxySettings
from gong_tasks_kit.serving.flask_app import runtime_as
from gong_tasks_kit.serving.journal import CapturedCall, JournalEntry
from gong_tasks_kit.serving.routes import route
from gong_tasks_kit.serving.runtime import ServerRuntime

#: One limit for every caller: Gong's limits are per company, and a proxy fronts one
#: company's base URL.
TARGET_LIMIT_KEY = "target:all-callers"


def render_drift_report(drift: DriftLog, credentials: CredentialFilter) -> bytes:
    """The drift report as its file holds it, without any credential seen."""
    report = credentials.scrub(drift.report())
    return orjson.dumps(report, option=orjson.OPT_INDENT_2) + b"\n"


class _Once:
    """Registers an action to run at exit the first time it is asked, in whichever
    process asks."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False

    def __call__(self, action: Callable[[], None]) -> None:
        with self._lock:
            if not self._done:
                self._done = True
                atexit.register(action)


@dataclass(frozen=True, slots=True)
class ProxyRuntime(ServerRuntime):
    """Everything the proxy's request path and admin API need, built once per app."""

    settings: ProxySettings
    forwarder: Forwarder
    credential_filter: CredentialFilter
    drift: DriftLog
    drift_file: FileKeeper | None
    recording: Recording | None
    summary_at_exit: bool = False
    spec_patch_file: FileKeeper | None = None
    _exit_report: _Once = field(default_factory=_Once, repr=False)

    def limit_key_for(self, credential: str | None, authorization: str | None) -> str:
        """Every caller shares the target's limits."""
        return TARGET_LIMIT_KEY

    def may_block(self, method: str, path: str) -> bool:
        """Every call of the Tasks API: it may wait on the target."""
        return not route(method, path).to_app or ServerRuntime.may_block(self, method, path)

    def shown(self, value: Any) -> Any:
        """``value`` (a journal entry) without a secret of the proxy's, nor any credential
        it has seen."""
        return self.credential_filter.scrub(ServerRuntime.shown(self, value))

    def journal_entry(self, captured: CapturedCall, notes: Mapping[str, Any]) -> JournalEntry:
        """Every entry says its violations (none for a call that never reached the
        target), without a secret: scrubbed when made (a Redis journal keeps no credential
        at rest), and again when shown, against credentials seen since."""
        redactor, scrub = self.redactor, self.credential_filter.scrub
        return lambda: scrub(redactor.value({**captured(), "violations": [], **notes}))

    def drift_report(self) -> dict[str, object]:
        """The drift report so far, without any credential seen."""
        report: dict[str, object] = self.credential_filter.scrub(self.drift.report())
        return report

    def report_at_exit(self) -> None:
        """Make sure the files are written (and, for ``gong-tasks proxy``, the summary
        printed) when this process ends; asked at each exchange, so only a process that
        serves does it."""
        self._exit_report(self.close_and_report if self.summary_at_exit else self.close)

    def summary(self) -> str:
        """One line for the end of a run: exchanges, violations, drift."""
        report = self.drift_report()
        kinds = report.get("violations")
        kinds = kinds if isinstance(kinds, list) else []
        found = sum(kind["count"] for kind in kinds)
        failures = report.get("failures")
        lines = [
            f"gong-tasks proxy: {report.get('exchanges')} exchanges with the target; "
            f"spec violations: {found or 'none'}"
            + (f" ({len(kinds)} distinct)" if found else "")
            + f"; drift failures: {failures or 'none'}"
        ]
        if self.recording is not None:
            left_out = self.recording.skipped
            error = self.recording.keeper.error
            if error is not None:
                lines.append(
                    f"gong-tasks proxy: the recording could not be written to "
                    f"{self.recording.keeper.path} ({error}): "
                    f"{self.recording.task_count} tasks seen are not in it"
                )
            else:
                lines.append(
                    f"gong-tasks proxy: {self.recording.task_count} tasks recorded in "
                    f"{self.recording.keeper.path}"
                    + (f" ({left_out} left out: they break the spec)" if left_out else "")
                )
        if self.drift_file is not None and self.drift_file.error is not None:
            lines.append(
                f"gong-tasks proxy: the drift report could not be written to "
                f"{self.drift_file.path} ({self.drift_file.error})"
            )
        if self.spec_patch_file is not None:
            patch = self.drift.spec_patch()
            lines += [
                f"gong-tasks proxy: {self.credential_filter.scrub_text(line)}"
                for line in patch.summary(str(self.spec_patch_file.path))
            ]
        return "\n".join(lines)

    @property
    def write_failed(self) -> bool:
        """Whether the last write of the recording or the drift report failed."""
        keepers = (self.recording.keeper if self.recording else None, self.drift_file)
        return any(keeper is not None and keeper.error is not None for keeper in keepers)

    def recording_status(self) -> dict[str, object] | None:
        """The recording as ``/__health`` shows it: its file, the tasks in it, and why
        the last write failed (None when it did not); None without ``--record``."""
        if self.recording is None:
            return None
        keeper = self.recording.keeper
        return {"path": str(keeper.path), "tasks": self.recording.task_count, "error": keeper.error}

    def close(self) -> None:
        """Write the files one last time and close the target's connections."""
        if self.recording is not None:
            self.recording.keeper.close()
        if self.drift_file is not None:
            self.drift_file.close()
        if self.spec_patch_file is not None:
            self.spec_patch_file.close()
        self.forwarder.close()

    def close_and_report(self) -> None:
        """:meth:`close`, then print :meth:`summary` (the end of a serving process)."""
        self.close()
        print(self.summary(), file=sys.stderr, flush=True)

    def stop(self) -> int:
        """The end of ``gong-tasks proxy``: :meth:`close_and_report`, and the exit status:
        1 when a file could not be written (a recording that lost data must not look like
        a success), else 0."""
        self.close_and_report()
        return 1 if self.write_failed else 0


def proxy_runtime(app: Flask | None = None) -> ProxyRuntime:
    """The :class:`ProxyRuntime` of ``app`` (default: the current app).

    Raises:
        TypeError: when the app is not the proxy.
    """
    return runtime_as(ProxyRuntime, app)
