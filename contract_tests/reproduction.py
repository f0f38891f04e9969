"""Where a report's curl commands send a failing call again, and what to start first.

Against a URL (a deployed mock, a proxy, Gong) the commands send to it. The in-process
target has no URL: the commands send to ``http://127.0.0.1:8080`` and the report says how
to serve the same app there (``gong-tasks serve`` for the default one, ``flask run`` for
another ``--app`` factory). Credentials stay in the environment; against a mock's
default ones the report says where they come from, never what they are.
"""

from __future__ import annotations

from gong_tasks_kit.contract_tests.curl import CurlTarget
from gong_tasks_kit.contract_tests.settings import DEFAULT_APP, ContractSettings
from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION

__all__ = ["LOCAL_URL", "curl_target", "serve_hint"]

#: Where the in-process app is served for the curl commands (``gong-tasks serve``'s default).
LOCAL_URL = "http://127.0.0.1:8080"
#: The default app, served as the contract suite builds it in-process.
SERVE_DEFAULT = "gong-tasks serve --strict --rate-limit off --daily-limit 0"


def curl_target(settings: ContractSettings) -> CurlTarget:
    """Where the curl commands of a run send, and with which kind of credential."""
    return CurlTarget(
        settings.base_url or LOCAL_URL, bearer=settings.authorization.startswith("Bearer ")
    )


def serve_hint(settings: ContractSettings) -> list[str]:
    """What to do before the curl commands work (nothing against a running target with
    credentials of one's own)."""
    defaults = (
        "GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET set to the mock's default credentials "
        "(gong-tasks serve prints them)"
    )
    if settings.kind != "app":
        if settings.authorization != DEFAULT_AUTHORIZATION:
            return []
        return [f"the curl commands below need {defaults}"]
    serve = (
        SERVE_DEFAULT
        if settings.app_factory == DEFAULT_APP
        else f"flask --app {settings.app_factory} run --port 8080"
    )
    lines = [
        f"to send the curl commands below, first serve the target at {LOCAL_URL}:",
        f"  {serve}",
    ]
    if settings.authorization == DEFAULT_AUTHORIZATION:
        lines.append(f"  with {defaults}")
    return lines
