#!/usr/bin/env bash
# Set up and run the benchmarks: the mock vs the bare Flask ceiling on granian and on
# gunicorn, and Prism (wrk, start-up, memory summed over every process), then the contract
# suite's default profile. Extra arguments go to the first one (e.g. --rounds 5
# --duration 15, --no-prism).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
npm ci --no-audit --no-fund --loglevel=error
if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk
fi
.venv/bin/python benchmarks/serve_vs_prism.py "$@"
.venv/bin/python benchmarks/serving_path.py
.venv/bin/python benchmarks/contract_suite.py
