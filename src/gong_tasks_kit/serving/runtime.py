"""What a server app holds while it runs (its *runtime*): settings, shared state, the rate
limiter and the journal, built once per app. The mock's and the proxy's runtimes extend
it with their own parts (the served tasks; the target).

Vocabulary: the *runtime* is this object; the *state* is its shared state (memory or
Redis, ``settings.state`` names where); *controls* are QA's admin API over both.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gong_tasks_kit.serving.bounds import loggable
from gong_tasks_kit.serving.errors import ApiError
from gong_tasks_kit.serving.journal import CapturedCall, JournalEntry
from gong_tasks_kit.serving.limiter import GongLimiter
from gong_tasks_kit.serving.redaction import MIN_FRAGMENT, NO_REDACTION, Redactor
from gong_tasks_kit.serving.settings import ServerSettings
from gong_tasks_kit.serving.state import MemoryState, SharedState, url_secrets

__all__ = ["ServerRuntime"]

logger = logging.getLogger("gong_tasks_kit.serving")


def configured_secrets(settings: ServerSettings) -> frozenset[str]:
    """The secrets a server is configured with (the admin token, the shared state's
    password): redacted wherever a caller puts one."""
    return frozenset({settings.admin_token, *url_secrets(settings.state)} - {""})


@functools.lru_cache(maxsize=16)
def redactor_of(secrets: frozenset[str]) -> Redactor:
    """One redactor per set of secrets (built once: a runtime asks on every read)."""
    kept = [secret for secret in secrets if len(secret) >= MIN_FRAGMENT]
    return Redactor(kept) if kept else NO_REDACTION


@dataclass(frozen=True, slots=True)
class ServerRuntime:
    """What the dispatcher, the admission pipeline and the admin API need of a server.

    Attributes:
        settings: The server's settings.
        state: Its shared state.
        limiter: Gong's limits, counted in the shared state's storage.
    """

    settings: ServerSettings
    state: SharedState
    limiter: GongLimiter

    def body_limit(self, method: str, path: str) -> int:
        """The most bytes a request's body may hold."""
        return self.settings.max_body_bytes

    def may_block(self, method: str, path: str) -> bool:
        """Whether answering this call may wait (on Redis, added latency, a target): such
        calls run on the server's threads, the others on its event loop."""
        state = self.state
        return not isinstance(state, MemoryState) or state.get_setting("latency") is not None

    def secrets(self) -> frozenset[str]:
        """Every secret the server was configured with (the admin token, the shared
        state's password): redacted wherever a caller puts one."""
        return configured_secrets(self.settings)

    @property
    def redactor(self) -> Redactor:
        """What takes :meth:`secrets` out of every text the server shows or keeps."""
        return redactor_of(self.secrets())

    def shown(self, value: Any) -> Any:
        """``value`` (a journal entry) as the admin API may show it: without a secret."""
        return self.redactor.value(value)

    def reset(self) -> None:
        """Forget plans, chaos, latency, the journal and every limiter counter."""
        self.state.reset()
        self.limiter.reset()

    def credential_names(self) -> list[str]:
        """The names a quota call may give its ``credential`` (none: one budget)."""
        return []

    def limit_key_for(self, credential: str | None, authorization: str | None) -> str:
        """The limiter key a quota call means: of a named credential, else of an
        ``Authorization`` value, else the server's default key."""
        raise NotImplementedError

    def journal_entry(self, captured: CapturedCall, notes: Mapping[str, Any]) -> JournalEntry:
        """What the journal keeps of a call: formatted when read (or when a Redis state
        stores it), with ``notes`` added and without a secret."""
        redactor = self.redactor
        if not notes and redactor is NO_REDACTION:
            return captured
        return lambda: redactor.value({**captured(), **notes})

    def journal(self, entry: Callable[[], JournalEntry], method: str, path: str) -> None:
        """Add a call's entry (made by ``entry`` now) to the journal; a failure is logged,
        never raised: the journal must never turn an answer into a crash."""
        try:
            self.state.append_journal(entry(), self.settings.journal_size)
        except Exception as error:
            logger.warning("could not journal %s %s: %s", method, loggable(path), error)

    def quota_key(self, credential: Any, authorization: str | None) -> str:
        """The limiter key of a quota call's ``credential`` (a name, or None).

        Raises:
            ApiError: 400 for a credential that names nothing configured (never quoted:
                it may be a secret).
        """
        names = self.credential_names()
        if credential is not None and credential not in names:
            listed = ", ".join(names) if names else "none: every caller shares one budget"
            raise ApiError(
                400, [f"credential must name a configured credential: {listed}"], source="admin"
            )
        return self.limit_key_for(credential, authorization)
