"""Run the Node spec linters (Spectral, Redocly CLI).

They are found, in order, in the ``node_modules`` of the checkout this package was
installed from (``npm ci`` there installs the versions pinned in its package.json), in
the ``node_modules`` of the current directory, and on ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from gong_tasks_kit.spec.loader import SPEC_PATH

RULESET_PATH = SPEC_PATH.with_name("spectral.yaml")
INSTALL_HINT = "npm install @stoplight/spectral-cli @redocly/cli"
_CHECKOUT = SPEC_PATH.resolve().parent.parent  # the repository, for an editable install
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


def find_linter(binary: str) -> str:
    """The path of a Node linter's executable.

    Raises:
        LinterNotInstalledError: when it is nowhere to be found.
    """
    for root in (_CHECKOUT, Path.cwd()):
        local = root / "node_modules" / ".bin" / binary
        if local.exists():
            return str(local)
    found = shutil.which(binary)
    if found is None:
        raise LinterNotInstalledError(f"{binary} is not installed (`{INSTALL_HINT}` adds it)")
    return found


def _run(linter: str, command: list[str]) -> LintResult:
    completed = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command,
        capture_output=True,
        text=True,
        timeout=_TIMEOUT_SECONDS,
        env={**os.environ, **_QUIET_NODE_ENV},
        check=False,
    )
    return LintResult(linter, completed.returncode == 0, completed.stdout + completed.stderr)


def run_spectral(path: Path = SPEC_PATH) -> LintResult:
    """Lint with Spectral's ``spectral:oas`` ruleset; warnings count as failures."""
    return _run(
        "spectral",
        [
            find_linter("spectral"),
            "lint",
            "--ruleset",
            str(RULESET_PATH),
            "--fail-severity",
            "warn",
            str(path),
        ],
    )


def run_redocly(path: Path = SPEC_PATH) -> LintResult:
    """Lint with Redocly CLI's ``recommended`` ruleset; only errors count as failures."""
    return _run("redocly", [find_linter("redocly"), "lint", "--extends", "recommended", str(path)])
