#!/usr/bin/env bash
# Create .venv and install gong-tasks-kit into it (editable, with the dev tools).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# strict: a link tree that mypy and import-linter see like an installed package
.venv/bin/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=strict
