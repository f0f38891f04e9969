"""``gong-tasks contract`` run many times in one process, for the tests that judge a run by
its exit status and output (the mutants, the benign variants).

A run's fixed cost is mostly importing and warming up pytest, hypothesis, schemathesis and
the spec (about 7 s of a 9 s mutant run here); in one process that is paid once, and each
further run costs its own work only (1-2 s). Each run is still the console script's own
entry point (``gong_tasks_kit.cli:main``, a fresh pytest session with its own settings,
app and seed) in a process that is not the test's, with its own environment and working
folder, and all it prints (at the file descriptors); ``tests/test_contract_runner.py``
proves a run here prints and exits as the console script does.

Started as a script, it reads one JSON request a line on stdin (``args``, ``env``,
``cwd``) and writes one JSON answer a line on stdout (``returncode``, ``stdout``,
``stderr``). :class:`ContractRunner` is the tests' side.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, TextIO


def _run_one(request: dict[str, Any]) -> dict[str, Any]:
    from gong_tasks_kit.cli import main  # noqa: PLC0415 - in the runner's process only

    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    # The run's own stdout and stderr, at the file descriptors: all it prints, as a
    # process's would be (pytest's own capture and anything past it included).
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        sys.stdout.flush()
        sys.stderr.flush()
        saved = os.dup(1), os.dup(2)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            main(["contract", *request["args"]], prog_name="gong-tasks")
            code: Any = 0
        except SystemExit as exit_:
            code = exit_.code
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for descriptor in saved:
                os.close(descriptor)
        out.seek(0)
        err.seek(0)
        printed, complained = out.read(), err.read()
    status = code if isinstance(code, int) else (0 if code is None else 1)
    return {"returncode": status, "stdout": printed, "stderr": complained}


def _serve(requests: TextIO, answers: TextIO) -> None:
    for line in requests:
        answers.write(json.dumps(_run_one(json.loads(line))) + "\n")
        answers.flush()


class ContractRunner:
    """The tests' side: one runner process, started on first use, stopped by :meth:`close`."""

    def __init__(self) -> None:
        """Nothing starts yet."""
        self._process: subprocess.Popen[str] | None = None

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(  # noqa: S603 - this file, as a script
                [sys.executable, str(Path(__file__))],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env={k: v for k, v in os.environ.items() if not k.startswith(("GONG_", "PYTEST_"))},
            )
        return self._process

    def run(
        self, args: list[str], env: dict[str, str], cwd: Path, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """``gong-tasks contract ARGS`` with exactly ``env``, in ``cwd``.

        A run with a spec of its own (``--spec``, ``GONG_TASKS_SPEC``) is refused: the
        spec is the process's, chosen when it starts, so such a run needs a process.
        """
        if (
            "--spec" in args
            or any(arg.startswith("--spec=") for arg in args)
            or ("GONG_TASKS_SPEC" in env)
        ):
            raise ValueError("a run with its own spec needs a process of its own")
        process = self._started()
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(json.dumps({"args": args, "env": env, "cwd": str(cwd)}) + "\n")
        process.stdin.flush()
        with selectors.DefaultSelector() as waiting:
            waiting.register(process.stdout, selectors.EVENT_READ)
            if not waiting.select(timeout):
                process.kill()
                raise AssertionError(f"gong-tasks contract {args} took over {timeout} s")
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"the contract runner died ({process.wait()}) on {args}")
        answer = json.loads(line)
        return subprocess.CompletedProcess(
            ["gong-tasks", "contract", *args],
            answer["returncode"],
            answer["stdout"],
            answer["stderr"],
        )

    def close(self) -> None:
        """Stop the runner process."""
        if self._process is not None:
            if self._process.stdin is not None:
                self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            finally:
                self._process.kill()


if __name__ == "__main__":
    # Answers go to the real stdout, kept apart: each run has its own (see _run_one).
    _serve(sys.stdin, os.fdopen(os.dup(sys.stdout.fileno()), "w"))
