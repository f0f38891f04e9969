#!/usr/bin/env bash
# Set up what serving needs (the package alone, not the dev tools) and run the mock server
# on its embedded default data. Extra arguments go to `gong-tasks serve` (e.g. --port 9000
# --seed 7).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh serve
exec .venv/bin/gong-tasks serve "$@"
