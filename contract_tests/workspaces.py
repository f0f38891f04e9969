"""The company's workspace ids, asked of Gong when nobody set them.

Against the real API the workspace checks need the company's workspace ids. When
``GONG_WORKSPACE_IDS`` is not set, the suite asks Gong's own list, ``GET /v2/workspaces``
(answer ``{"requestId", "workspaces": [{"id", "name", "description"}]}``; through a bearer
token it needs the ``api:workspaces:read`` scope), once, before the plan, as a request of
the budget. When the credentials cannot read it (401, 403, 404) or the answer is of no
use, the workspace checks are not run and the run's summary ends by saying so and how to
make them run. Never asked of a mock (in-process or by URL: its ``/__health`` names its
workspaces) nor of any target that is not Gong.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gong_tasks_kit.contract_tests.budget import NotRunError
from gong_tasks_kit.contract_tests.known_ids import KnownIds
from gong_tasks_kit.contract_tests.operations import WORKSPACES_PATH
from gong_tasks_kit.contract_tests.replies import Reply

if TYPE_CHECKING:
    from gong_tasks_kit.contract_tests.target import Target

#: The most workspace ids taken from Gong's answer (each costs a request of a check).
MAX_WORKSPACES = 100
_MAX_ID_DIGITS = 20  # Gong: "up to 20 digits"
#: How to make the workspace checks run, when Gong's list could not be read.
HOW_TO_RUN = (
    "to run them, set GONG_WORKSPACE_IDS to the company's workspace ids, or use "
    "credentials that may read GET /v2/workspaces (a bearer token needs the "
    "api:workspaces:read scope)"
)


@dataclass(frozen=True, slots=True)
class WorkspaceLookup:
    """What asking Gong for its workspaces gave.

    Attributes:
        known: The ids to query, with the workspaces found (if any).
        sent: Requests sent for it (counted in the budget).
        plan_note: A line for the plan printed before the run.
        not_run: Why the workspace checks do not run (None: they do), for the summary's
            last lines.
    """

    known: KnownIds
    sent: int = 0
    plan_note: str | None = None
    not_run: str | None = None


def workspace_ids(body: Any) -> tuple[str, ...] | None:
    """The workspace ids of a ``GET /v2/workspaces`` answer (None: not that shape)."""
    listed = body.get("workspaces") if isinstance(body, dict) else None
    if not isinstance(listed, list):
        return None
    ids: list[str] = []
    for workspace in listed[:MAX_WORKSPACES]:
        raw = workspace.get("id") if isinstance(workspace, dict) else None
        text = str(raw) if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
        if not (text.isascii() and text.isdigit() and len(text) <= _MAX_ID_DIGITS):
            return None
        ids.append(text)
    return tuple(dict.fromkeys(ids))


def _refused(reply: Reply) -> str:
    if reply.status in (401, 403, 404):
        why = {401: "the credentials were refused", 403: "access denied", 404: "not found"}
        return f"GET {WORKSPACES_PATH} got {reply.status} ({why[reply.status]})"
    return f"GET {WORKSPACES_PATH} got {reply.status}, not the list of workspaces"


def look_up_workspaces(target: Target, known: KnownIds) -> WorkspaceLookup:
    """``known`` with the company's workspaces from Gong, when the run is against Gong
    and none were given; else ``known`` as it is.

    Args:
        target: The target (its settings say whether it is Gong).
        known: The ids from the settings.
    """
    settings = target.settings
    if not settings.live or known.workspaces or not known.users:
        return WorkspaceLookup(known)
    before = target.counters.checks
    try:
        reply = target.read_outside_spec(WORKSPACES_PATH)
    except NotRunError as error:
        sent = target.counters.checks - before
        return WorkspaceLookup(known, sent, None, f"GET {WORKSPACES_PATH} was not sent: {error}")
    sent = target.counters.checks - before
    note = f"sent before the plan: GET {WORKSPACES_PATH} (the company's workspace ids)"
    found = workspace_ids(reply.json) if reply.status == 200 else None
    if found is None:
        return WorkspaceLookup(known, sent, note, _refused(reply))
    if not found:
        return WorkspaceLookup(known, sent, note, f"GET {WORKSPACES_PATH} lists no workspace")
    source = f"{known.source}; workspaces from GET {WORKSPACES_PATH}"
    return WorkspaceLookup(
        dataclasses.replace(known, workspaces=found, source=source),
        sent,
        f"{note}: {len(found)} found",
    )


def closing_lines(lookup: WorkspaceLookup | None) -> list[str]:
    """The summary's last lines: that the workspace checks did not run, why, and how to
    make them run (nothing when they could run)."""
    if lookup is None or lookup.not_run is None:
        return []
    return [
        f"WORKSPACE CHECKS NOT RUN: {lookup.not_run}, so the company's workspace ids are unknown",
        f"  {HOW_TO_RUN}",
    ]


def spent_before_schedule(lookup: WorkspaceLookup | None) -> tuple[str, ...]:
    """One line per request of the budget the lookup sent, for the plan."""
    if lookup is None or not lookup.sent:
        return ()
    return (lookup.plan_note or f"sent before the plan: GET {WORKSPACES_PATH}",) * lookup.sent
