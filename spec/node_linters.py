"""Run the Node spec linters (Spectral, Redocly CLI) pinned in the repo's package.json.

They are installed by ``npm ci`` next to ``package.json``; outside a checkout of this
repository they may be on ``PATH`` instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from spec.loader import SPEC_PATH

_REPO_ROOT = SPEC_PATH.parent.parent
_QUIET_NODE_ENV = {
    "REDOCLY_TELEMETRY": "off",
    "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true",
    "NO_UPDATE_NOTIFIER": "1",
}
_TIMEOUT_SECONDS = 120


class LinterNotInstalledError(RuntimeError):
    """A Node linter is not installed; the message says how to install it."""


@dataclass(frozen=True, slots=True)
class LintResult:
    """The outcome of one linter run.

    Attributes:
        linter: The linter's name.
        ok: Whether the linter accepted the document.
        output: What the linter printed (stdout and stderr).
    """

    linter: str
    ok: bool
    output: str


def _find(binary: str) -> str:
    local = _REPO_ROOT / "node_modules" / ".bin" / binary
    if local.exists():
        return str(local)
    found = shutil.which(binary)
    if found is None:
        raise LinterNotInstalledError(
            f"{binary} is not installed: run `npm ci` in {_REPO_ROOT} (see README)"
        )
    return found


def _run(linter: str, command: list[str]) -> LintResult:
    completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_SECONDS,
        env={**os.environ, **_QUIET_NODE_ENV},
        check=False,
        cwd=_REPO_ROOT,
    )
    return LintResult(linter, completed.returncode == 0, completed.stdout + completed.stderr)


def run_spectral(path: Path = SPEC_PATH) -> LintResult:
    """Lint with Spectral's ``spectral:oas`` ruleset; warnings count as failures."""
    ruleset = _REPO_ROOT / ".spectral.yaml"
    return _run(
        "spectral",
        [
            _find("spectral"),
            "lint",
            "--ruleset",
            str(ruleset),
            "--fail-severity",
            "warn",
            str(path),
        ],
    )


def run_redocly(path: Path = SPEC_PATH) -> LintResult:
    """Lint with Redocly CLI's ``recommended`` ruleset; only errors count as failures."""
    return _run("redocly", [_find("redocly"), "lint", "--extends", "recommended", str(path)])
