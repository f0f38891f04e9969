"""One call the suite sent, as a report shows it: method, path, headers, body and the
status it got, with the credential reduced to what it was (never its value).

A failure's block (``blocks``) names the call that showed it and a curl command that
sends it again (``curl``); both are built from this record, kept with each answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = ["NO_CREDENTIAL", "RUN_CREDENTIAL", "Call", "call_of_prepared"]

#: The call carried the run's own credential (its value is never kept).
RUN_CREDENTIAL = "run"
#: The call carried no credential at all.
NO_CREDENTIAL = "none"

# Headers an HTTP stack adds by itself: a curl command sends its own.
_TRANSPORT_HEADERS = frozenset(
    {
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "host",
        "user-agent",
        "x-schemathesis-testcaseid",
    }
)


@dataclass(frozen=True, slots=True)
class Call:
    """A request sent to the target, and the status it got.

    Attributes:
        method: The HTTP method, upper case.
        path: The path sent (with its query, if any).
        headers: The headers the suite chose, as ``(name, value)`` pairs (no
            ``Authorization``, none a client adds by itself).
        body: The raw body sent.
        credential: :data:`RUN_CREDENTIAL`, :data:`NO_CREDENTIAL`, or the value of a
            credential the suite made up itself (a deliberately wrong one, say).
        status: The status of the answer (None: no answer).
    """

    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    credential: str = RUN_CREDENTIAL
    status: int | None = None

    @classmethod
    def sent(
        cls,
        method: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes | str | None,
        *,
        run_credential: str,
        status: int | None = None,
    ) -> Call:
        """The record of a request, its ``Authorization`` reduced to whose it was.

        Args:
            method: The HTTP method.
            path: The path (and query) sent.
            headers: Every header sent.
            body: The body sent.
            run_credential: The run's own ``Authorization`` value, to recognise it.
            status: The status answered.
        """
        kept: list[tuple[str, str]] = []
        credential = NO_CREDENTIAL
        for name, value in headers.items():
            lowered = name.lower()
            if lowered == "authorization":
                credential = RUN_CREDENTIAL if value == run_credential else str(value)
            elif lowered not in _TRANSPORT_HEADERS:
                kept.append((name, str(value)))
        raw = body.encode() if isinstance(body, str) else body or b""
        return cls(method.upper(), path, tuple(kept), raw, credential, status)


def call_of_prepared(request: Any, *, run_credential: str, status: int | None) -> Call:
    """The record of a ``requests.PreparedRequest`` (what schemathesis sent)."""
    parts = urlsplit(str(request.url or ""))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return Call.sent(
        str(request.method or "GET"),
        path or "/",
        dict(request.headers or {}),
        request.body,
        run_credential=run_credential,
        status=status,
    )
