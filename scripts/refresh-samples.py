#!/usr/bin/env python3
"""Rewrite the sample payloads committed under fixtures/samples/ (after a deliberate
change to the data or the spec). A development script: it writes into this checkout."""

from __future__ import annotations

from pathlib import Path

from gong_tasks_kit.fixtures.samples import write_samples

if __name__ == "__main__":
    for path in write_samples(Path(__file__).resolve().parent.parent / "fixtures" / "samples"):
        print(f"wrote {path}")
