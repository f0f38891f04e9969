#!/usr/bin/env bash
# Create .venv and install gong-tasks-kit into it.
#   scripts/setup.sh        the package with its dev extra (editable, strict link tree): what
#                           the tests, the linters and the docs build need; always reinstalls
#                           the package, so a module added since is linked
#   scripts/setup.sh serve  the package alone (editable): what `gong-tasks serve` needs;
#                           skipped when .venv is set up for this pyproject.toml already
# uv installs when it can (it resolves and installs the same packages as pip, several times
# faster): the one on PATH, else one bootstrapped once per user with pip into
# ~/.cache/gong-tasks-kit/uv. pip does the work where uv is missing or fails.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${1:-dev}
case "$profile" in
  serve) spec=(-e .) ;;
  # strict: a link tree that mypy and import-linter see like an installed package
  dev) spec=(-e '.[dev]' --config-settings editable_mode=strict) ;;
  *) echo "usage: scripts/setup.sh [dev|serve]" >&2; exit 2 ;;
esac

stamp() { echo "$(sha256sum pyproject.toml | cut -c1-64) $(python3 --version 2>&1)"; }
if [ "$profile" = serve ] && [ -x .venv/bin/gong-tasks ]; then
  for done in .venv/.setup-serve .venv/.setup-dev; do
    if [ -f "$done" ] && [ "$(cat "$done")" = "$(stamp)" ]; then exit 0; fi
  done
fi

# No pip in the venv unless it is needed: ensurepip alone takes ~9 s here.
[ -x .venv/bin/python ] || python3 -m venv --without-pip .venv
rm -f .venv/.setup-serve .venv/.setup-dev

cache=${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/gong-tasks-kit

find_uv() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  local home=$cache/uv
  if [ ! -x "$home/bin/uv" ]; then
    # Into a fresh folder, then renamed: two first runs at once never see half an install.
    local fresh
    fresh=$(mktemp -d "${home}.XXXXXX" 2>/dev/null) || return 1
    if python3 -m pip install --quiet --disable-pip-version-check --target "$fresh" uv \
      >/dev/null 2>&1 && [ -x "$fresh/bin/uv" ]; then
      mv -T "$fresh" "$home" 2>/dev/null || rm -rf "$fresh"
    else
      rm -rf "$fresh"
    fi
  fi
  [ -x "$home/bin/uv" ] && echo "$home/bin/uv"
}

install_with_uv() {
  local uv
  mkdir -p "$cache"
  uv=$(find_uv) || return 1
  echo "scripts/setup.sh: installing gong-tasks-kit ($profile) into .venv with uv" >&2
  # --reinstall-package: an editable install's link tree is rebuilt (uv would keep it)
  # --compile-bytecode for the tests (as pip does): they start dozens of processes, each of
  # which would compile every module again where PYTHONDONTWRITEBYTECODE is set. Not for
  # serve: compiling all of site-packages takes longer than the modules serve imports.
  local compile=()
  [ "$profile" = dev ] && compile=(--compile-bytecode)
  "$uv" pip install --quiet --python .venv/bin/python --reinstall-package gong-tasks-kit \
    "${compile[@]}" "${spec[@]}"
}

install_with_pip() {
  if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
    .venv/bin/python -m ensurepip --upgrade >/dev/null
  fi
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet "${spec[@]}"
}

if ! install_with_uv; then
  echo "scripts/setup.sh: no uv, or uv failed: installing with pip (slower)" >&2
  install_with_pip
fi
stamp >".venv/.setup-$profile"
