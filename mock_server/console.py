"""The QA console: one page at ``/__admin/ui`` over the admin API, shipped in the package.

The page and its assets hold no data and no secret: everything it shows comes from the
admin API, with the admin token the user types (kept by the browser tab only). So the
page is served under the admin API's own rule: loopback callers only while no admin token
is set; with a token, the page itself is public and the API behind it asks for the token.
"""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory

from gong_tasks_kit.mock_server.runtime import mock_runtime
from gong_tasks_kit.serving.admin_api import guard_admin_call

ASSETS = "console_assets"

console = Blueprint(
    "console", __name__, url_prefix="/__admin/ui", static_folder=ASSETS, static_url_path=""
)

_SECURITY_HEADERS = {
    # Only the page's own files, and calls back to this mock: no inline code, no framing.
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


@console.before_request
def _guard() -> None:
    if not mock_runtime().settings.admin_token:
        guard_admin_call()


@console.after_request
def _secure(response: Response) -> Response:
    response.headers.update(_SECURITY_HEADERS)
    return response


@console.get("")
@console.get("/")
def page() -> Response:
    """The console's page."""
    return send_from_directory(console.static_folder or ASSETS, "index.html")
