"""Debian's chromium as the browser tests launch it (Playwright's own download cannot be
reached here; scripts/install-system-deps.sh installs the package)."""

from __future__ import annotations

from playwright.sync_api import Browser, Playwright

CHROMIUM = "/usr/bin/chromium"
#: No sandbox (tests run as root in CI), no GPU, and nothing that calls out to the internet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def launch_chromium(driver: Playwright) -> Browser:
    """A headless chromium for one module's tests."""
    return driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
