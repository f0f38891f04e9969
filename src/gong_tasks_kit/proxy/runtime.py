"""What one proxy app holds while it runs: the QA controls it shares with the mock, and its
own parts (the target's connections, the drift report, the recording)."""

from __future__ import annotations

import atexit
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from flask import Flask

from gong_tasks_kit.mock_server.runtime import Controls, controls
from gong_tasks_kit.proxy.credentials import CredentialFilter
from gong_tasks_kit.proxy.drift import DriftLog
from gong_tasks_kit.proxy.files import FileKeeper
from gong_tasks_kit.proxy.forward import Forwarder
from gong_tasks_kit.proxy.recording import Recording

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
class ProxyState(Controls):
    """Everything the proxy's request path and admin API need, built once per app."""

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

    def next_call_may_block(self) -> bool:
        """Always: a call may wait on the target."""
        return True

    def shown(self, value: Any) -> Any:
        """``value`` (a journal entry) without any credential the proxy has seen."""
        return self.credential_filter.scrub(value)

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
            lines.append(
                f"gong-tasks proxy: {self.recording.task_count} tasks recorded in "
                f"{self.recording.keeper.path}"
                + (f" ({left_out} left out: they break the spec)" if left_out else "")
            )
        if self.spec_patch_file is not None:
            patch = self.drift.spec_patch()
            lines += [
                f"gong-tasks proxy: {self.credential_filter.scrub_text(line)}"
                for line in patch.summary(str(self.spec_patch_file.path))
            ]
        return "\n".join(lines)

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


def proxy_state(app: Flask | None = None) -> ProxyState:
    """The :class:`ProxyState` of ``app`` (default: the current app).

    Raises:
        TypeError: when the app is not the proxy.
    """
    state = controls(app)
    if not isinstance(state, ProxyState):
        raise TypeError("this app is not the proxy")
    return state
