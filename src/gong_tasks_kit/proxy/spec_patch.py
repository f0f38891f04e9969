"""The proxy's spec patch: the contract suite's, proposed from the traffic the proxy saw
(``--spec-patch FILE``, kept up to date while it runs and written on exit; ``GET
/__admin/spec-patch`` serves it)."""

from __future__ import annotations

from flask import Blueprint, Response

from gong_tasks_kit.proxy.credentials import CredentialFilter
from gong_tasks_kit.proxy.drift import DriftLog
from gong_tasks_kit.proxy.runtime import proxy_runtime
from gong_tasks_kit.serving.admin_api import ADMIN_PREFIX, guard_admin_call

#: How often, at most, the patch file is rewritten while traffic flows (a patch takes
#: some 50 ms to make; it is written once more on exit).
FLUSH_SECONDS = 5.0

proxy_spec_patch = Blueprint("proxy_spec_patch", __name__, url_prefix=ADMIN_PREFIX)
proxy_spec_patch.before_request(guard_admin_call)


def render_spec_patch(drift: DriftLog, credentials: CredentialFilter) -> bytes:
    """The patch file's text (see ``SpecPatch.text``), without any credential seen."""
    return credentials.scrub_text(drift.spec_patch().text()).encode()


@proxy_spec_patch.get("/spec-patch")
def spec_patch() -> Response:
    """The spec patch proposed from the traffic so far: a unified diff to apply with
    ``git apply`` at the repository root (empty: nothing to propose)."""
    current = proxy_runtime()
    return Response(
        render_spec_patch(current.drift, current.credential_filter),
        mimetype="text/x-diff",
    )
