"""The last lines of a contract run's summary: the spec patch (written here, so it is
written whatever the run's outcome, failures included) and, last, the workspace checks
that could not run and how to make them run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gong_tasks_kit.contract_tests.spec_patch import build_spec_patch
from gong_tasks_kit.contract_tests.target import Target
from gong_tasks_kit.contract_tests.workspaces import closing_lines as workspace_lines

#: Who observed what a contract run's patch proposes (its descriptions say so).
SOURCE = "gong-tasks contract"


def write_text_file(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one step (a reader never meets half a file)."""
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)  # a patch to share, not a secret (mkstemp gives 0600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def spec_patch_lines(target: Target) -> list[str]:
    """Write the run's spec patch to ``--spec-patch`` (when asked) and say what it holds."""
    path = target.settings.spec_patch
    if not path:
        return []
    patch = build_spec_patch(target.drift.observations, source=SOURCE, report=target.drift.report())
    try:
        write_text_file(Path(path).expanduser(), patch.text())
    except OSError as error:
        return [f"spec patch: could not write {path} ({error.strerror})"]
    return patch.summary(written_to=path)


def closing_lines(target: Target) -> list[str]:
    """The summary's last lines (see the module's docstring)."""
    return [*spec_patch_lines(target), *workspace_lines(target.workspace_lookup)]
