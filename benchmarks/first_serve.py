"""Time the first run of ``scripts/serve.sh`` on a fresh clone, up to the banner.

Clones a repository (default: this one, its committed ``HEAD``, or ``--ref``) into a
temporary folder, runs ``scripts/serve.sh --port N`` there and measures the wall time until
the mock prints ``listening on``; then stops the mock and, with ``--second``, times a
second start of the same clone (set up already). The clone is removed afterwards.

Package caches (pip's, uv's) are the machine's own: a first run on a machine that never
installed these packages downloads them and takes longer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANNER = "listening on"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _time_to_banner(clone: Path, timeout: float) -> float:
    """Start serve.sh in ``clone`` and return the seconds until its banner."""
    log = clone / "serve.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - the clone's own script
            [str(clone / "scripts" / "serve.sh"), "--port", str(_free_port())],
            cwd=clone,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as one below
        )
    try:
        while BANNER not in log.read_text(errors="replace"):
            if process.poll() is not None:
                sys.exit(f"serve.sh exited {process.returncode}:\n{log.read_text()[-3000:]}")
            if time.perf_counter() - started > timeout:
                sys.exit(f"no banner within {timeout:.0f} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.02)
        return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("repo", nargs="?", default=str(ROOT), help="repository to clone")
    parser.add_argument("--ref", help="check this commit out in the clone (e.g. an older one)")
    parser.add_argument("--second", action="store_true", help="also time a second start")
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="first-serve-"))
    try:
        clone = workdir / "clone"
        subprocess.run(  # noqa: S603 - git on a path the caller named
            ["git", "clone", "--quiet", args.repo, str(clone)],  # noqa: S607
            check=True,
        )
        if args.ref:
            subprocess.run(  # noqa: S603
                ["git", "-C", str(clone), "checkout", "--quiet", args.ref],  # noqa: S607
                check=True,
            )
        first = _time_to_banner(clone, args.timeout)
        print(f"first run of scripts/serve.sh on a fresh clone, to the banner: {first:.1f} s")
        if args.second:
            second = _time_to_banner(clone, args.timeout)
            print(f"second run (set up already): {second:.1f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
