"""The proof of ``--spec-patch`` and ``--spec``: against a stand-in of Gong that has moved
on (new task fields of each kind, a new ``crmType`` value, a new header), a contract run
fails and writes a patch; the patch applies to a copy of the repository's spec with
``git apply``, the patched copy passes every spec gate of the test command (``gong-tasks
spec lint``, the Node linters too when ``node_modules`` is there), and a second run with
``--spec`` pointing at the copy finds the same target conforming."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from stand_in import NEW_CRM_TYPE, NEW_HEADER, moved_on_mock

from gong_tasks_kit.contract_tests.spec_patch import PATCHED_FILE
from gong_tasks_kit.mock_server.testing import LiveServer
from gong_tasks_kit.spec import SPEC_PATH

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
CHECKOUT = SPEC_PATH.resolve().parent.parent


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))}


def _gong_tasks(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=_env(),
        cwd=cwd,
    )


def test_a_spec_patch_from_a_moved_on_gong_makes_the_next_run_conform(tmp_path: Path) -> None:
    patch = tmp_path / "spec.patch"
    repository = tmp_path / "repository"
    (repository / "spec").mkdir(parents=True)
    patched = repository / PATCHED_FILE
    shutil.copyfile(SPEC_PATH, patched)
    run_args = ("--max-examples", "3", "--seed", "7")
    with LiveServer(moved_on_mock(users=2, tasks_per_user=8)) as server:
        first = _gong_tasks(
            tmp_path, "contract", "--base-url", server.url, *run_args, "--spec-patch", str(patch)
        )
        assert first.returncode == 1, first.stdout[-4000:]
        assert f"{NEW_CRM_TYPE!r} is not in" in first.stdout, "the new enum value fails"
        summary = first.stdout.split("gong contract summary")[1]
        assert f"spec patch: 9 additions, written to {patch}" in summary, summary
        assert f"  + enum value {NEW_CRM_TYPE} of crmType" in summary
        text = patch.read_text(encoding="utf-8")
        changed = [
            line
            for line in text.split(f"+++ b/{PATCHED_FILE}\n", 1)[1].splitlines()
            if line[:1] in "+-"
        ]
        assert changed, "something is proposed"
        assert all(line.startswith("+") for line in changed), "added lines only"

        applied = subprocess.run(  # noqa: S603 - git on our own temporary files
            [shutil.which("git") or "git", "apply", "--verbose", str(patch)],
            cwd=repository,
            capture_output=True,
            text=True,
            check=False,
        )
        assert applied.returncode == 0, applied.stderr
        node = (
            "--node" if (CHECKOUT / "node_modules" / ".bin" / "spectral").exists() else "--no-node"
        )
        lint = _gong_tasks(tmp_path, "spec", "lint", str(patched), node)
        assert lint.returncode == 0, lint.stdout + lint.stderr
        assert "openapi-spec-validator + examples: ok" in lint.stdout
        if node == "--node":
            assert "spectral: ok" in lint.stdout
            assert "redocly: ok" in lint.stdout

        second = _gong_tasks(
            tmp_path,
            "contract",
            "--base-url",
            server.url,
            *run_args,
            "--spec",
            str(patched),
            "--spec-patch",
            str(tmp_path / "again.patch"),
        )
    assert second.returncode == 0, second.stdout[-4000:]
    summary = second.stdout.split("gong contract summary")[1]
    assert "drift warning" not in summary, "the new fields and header are in the spec now"
    assert NEW_HEADER not in summary
    assert "verdict: PASSED" in summary
    assert "spec patch: nothing to propose" in summary
    assert (tmp_path / "again.patch").read_text(encoding="utf-8") == ""
