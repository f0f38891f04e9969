#!/usr/bin/env bash
# Set up and run every test and check. Exits non-zero when any of them fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/install-system-deps.sh
npm ci --no-audit --no-fund --loglevel=error
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true SCARF_ANALYTICS=false
echo "== ruff"; .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy"; .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports
echo "== deptry"; .venv/bin/deptry .
# The docs site, built where nothing is kept: --strict fails on a broken link or page.
site=$(mktemp -d); trap 'rm -rf "$site"' EXIT
echo "== mkdocs"; NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --quiet --site-dir "$site"
# In parallel (pytest-xdist): two workers a core, as many tests wait on servers, clients
# and Gong's pace; tests marked with one xdist_group share a worker. Bytecode is written
# (where PYTHONDONTWRITEBYTECODE is set, each of the hundreds of processes the tests start
# would compile the kit again). Extra arguments go last: `scripts/test.sh -n 0` runs serially.
unset PYTHONDONTWRITEBYTECODE
workers=$(( 2 * $(nproc) ))
echo "== pytest"; .venv/bin/pytest -n "$workers" --dist loadgroup "$@"
