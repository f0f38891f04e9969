#!/usr/bin/env bash
# Install the Debian packages the tests need, when they are missing: Redis for the shared
# state tests, Chromium for the QA console tests (Playwright drives it; its own browser
# download cannot run here), jq and curl for the documentation's examples.
set -euo pipefail
needed=()
for pair in "redis-server:redis-server" "chromium:chromium" "jq:jq" "curl:curl"; do
  binary=${pair%%:*}; package=${pair##*:}
  command -v "$binary" >/dev/null 2>&1 || needed+=("$package")
done
if [ ${#needed[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${needed[@]}"
fi
