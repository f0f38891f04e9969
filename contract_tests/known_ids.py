"""What a target serves that is worth querying: its users and workspaces (from the settings
against Gong, else a mock's ``/__health``), and, on mocks, its tasks with their owners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gong_tasks_kit.contract_tests.settings import (
    ContractConfigError,
    ContractSettings,
    is_gong_url,
)

__all__ = ["KnownIds", "KnownTasks", "discover_known_ids"]


@dataclass(frozen=True, slots=True)
class KnownIds:
    """Ids worth querying on a target: its users and workspaces.

    Attributes:
        users: User ids, the first one the user of the designed checks.
        workspaces: Workspace ids of the company (the user's among them).
        source: Where they came from, for messages.
        mock: Whether the target is a mock: its ``/__health`` names the users it serves
            (never asked against Gong). Only a mock's tasks are written unasked.
    """

    users: tuple[str, ...]
    workspaces: tuple[str, ...]
    source: str
    mock: bool = False


@dataclass(frozen=True, slots=True)
class KnownTasks:
    """Tasks worth updating on a target, read through its list call (never from a mock's
    insides): each with the user who owns it.

    Attributes:
        owned: ``(owner's user id, task as answered)`` pairs, by task id (so a seed draws
            the same tasks whatever earlier updates did to the answers' order).
    """

    owned: tuple[tuple[str, dict[str, Any]], ...] = ()

    @property
    def ids(self) -> frozenset[int]:
        """The ids of every known task."""
        return frozenset(task["id"] for _, task in self.owned)

    def of(self, user: str) -> list[dict[str, Any]]:
        """The known tasks of ``user``."""
        return [task for owner, task in self.owned if owner == user]

    def find(self, task_id: int) -> tuple[str, dict[str, Any]] | None:
        """``(owner, task)`` for ``task_id``, or None."""
        return next(((o, t) for o, t in self.owned if t["id"] == task_id), None)


def discover_known_ids(settings: ContractSettings, get_json: Callable[[str], Any]) -> KnownIds:
    """The users and workspaces to query: ``GONG_USER_ID`` (and ``GONG_WORKSPACE_IDS``)
    when set, else a mock's ``/__health`` (read through ``get_json``), and (except against
    Gong, which is never asked) whether ``/__health`` says the target is a mock.

    Raises:
        ContractConfigError: for a gong-tasks proxy in front of Gong, outside live mode.
    """
    given = settings.workspace_ids
    if settings.live:
        return KnownIds((settings.user_id or "",), given, "GONG_USER_ID, GONG_WORKSPACE_IDS")
    health = get_json("/__health")
    behind = health.get("target") if isinstance(health, dict) else None
    if isinstance(behind, str) and is_gong_url(behind):
        raise ContractConfigError(
            f"{settings.base_url} is a gong-tasks proxy in front of the real Gong API "
            f"({behind}): set GONG_CONTRACT_LIVE=1 and GONG_USER_ID to run the "
            "read-only, paced, budgeted live mode through it"
        )
    mock = isinstance(health, dict) and isinstance(health.get("userIds"), list)
    if settings.user_id is not None:
        return KnownIds((settings.user_id,), given, "GONG_USER_ID, GONG_WORKSPACE_IDS", mock=mock)
    if not mock:  # a proxy, say: its /__health names no users
        return KnownIds((), given, "nowhere (no /__health, no GONG_USER_ID)")
    served = tuple(str(w) for w in health.get("workspaceIds") or [])
    source = "/__health, GONG_WORKSPACE_IDS" if given else "/__health"
    return KnownIds(tuple(str(u) for u in health["userIds"]), given or served, source, mock=True)
