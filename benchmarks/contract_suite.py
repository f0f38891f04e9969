"""Time the contract suite's default profile against the in-process mock.

Runs ``gong-tasks contract`` (default settings) several times and prints the median
wall time, the requests it sent, and the ratio to the 60-second target.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 60.0
GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times, requests = [], []
    for run in range(args.runs):
        started = time.perf_counter()
        completed = subprocess.run(  # noqa: S603 - our own console script
            [GONG_TASKS, "contract"],
            capture_output=True,
            text=True,
            check=False,
            cwd=tempfile.gettempdir(),
            timeout=600,
        )
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            sys.exit(
                f"the contract suite failed (exit {completed.returncode}):\n"
                f"{completed.stdout[-2000:]}"
            )
        sent = re.search(r"requests sent: (\d+)", completed.stdout)
        times.append(elapsed)
        requests.append(int(sent.group(1)) if sent else 0)
        print(f"run {run + 1}: {elapsed:.1f} s, {requests[-1]} requests", flush=True)
    median = statistics.median(times)
    print(
        f"contract suite, default profile: median {median:.1f} s over {args.runs} runs, "
        f"{int(statistics.median(requests))} requests (cases) per run; "
        f"{median / TARGET_SECONDS:.2f} x the {TARGET_SECONDS:.0f} s target"
    )


if __name__ == "__main__":
    main()
