"""Sending a caller's call on to the target, once, and bringing its answer back unchanged.

The caller's own headers go to the target (its ``Authorization`` included), except those
that belong to one connection, the proxy's own controls (``Prefer``, the session and
admin headers) and ``Accept-Encoding`` (answers come back uncompressed). The answer's
status, body and headers come back as the target sent them, except connection headers
and those the proxy's server writes itself. Nothing is retried, no redirect is followed,
no cookie is kept between calls, and neither ``.netrc`` nor the environment adds a
credential.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

# Hop-by-hop headers (RFC 9110, 7.6.1) and those the server of each side writes itself.
_CONNECTION_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_NOT_FORWARDED = _CONNECTION_HEADERS | {
    "prefer",
    "x-gong-mock-session",
    "x-gong-mock-admin-token",
    "accept-encoding",
}
# The body comes back decoded, and the proxy's server sends its own date and name.
_NOT_RETURNED = _CONNECTION_HEADERS | {"content-encoding", "date", "server"}


class TargetUnreachableError(RuntimeError):
    """The target did not answer; the message names the reason (never a credential)."""


@dataclass(frozen=True, slots=True)
class TargetReply:
    """The target's answer.

    Attributes:
        status: Its status code.
        headers: Its headers as ``(name, value)`` pairs, repeated names kept.
        body: Its body, decoded.
        content_type: Its media type without parameters (``application/json``), or "".
    """

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    content_type: str

    def header(self, name: str) -> str | None:
        """The first value of a header (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)


def forwarded_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The caller's headers that go on to the target."""
    return {name: value for name, value in headers if name.lower() not in _NOT_FORWARDED}


class Forwarder:
    """A connection pool to one target."""

    def __init__(self, target: str, timeout_seconds: float, connections: int) -> None:
        """Prepare (nothing is sent yet).

        Args:
            target: The base URL, without a trailing slash.
            timeout_seconds: How long to wait for the target's answer.
            connections: Connections kept open to the target (one per serving thread).
        """
        self.target = target
        self._timeout = (min(10.0, timeout_seconds), timeout_seconds)
        session = requests.Session()
        session.trust_env = False  # no .netrc credentials, no CA or proxy from elsewhere
        session.headers.clear()  # the caller's headers only, not the library's
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # keep none
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=connections, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._proxies = get_environ_proxies(target)  # HTTPS_PROXY / NO_PROXY still apply
        self._session = session

    def send(self, method: str, path: str, headers: dict[str, str], body: bytes) -> TargetReply:
        """Send one call and return the answer, whatever its status.

        Args:
            method: ``POST`` or ``PATCH``.
            path: The path and query string, e.g. ``/v2/tasks``.
            headers: What :func:`forwarded_headers` kept.
            body: The caller's body, as it came.

        Raises:
            TargetUnreachableError: when no answer came (refused, timed out, TLS failed).
        """
        try:
            answer = self._session.request(
                method,
                f"{self.target}{path}",
                headers=headers,
                data=body,
                timeout=self._timeout,
                allow_redirects=False,
                proxies=self._proxies,
            )
        except requests.RequestException as error:
            reason = type(error).__name__
            raise TargetUnreachableError(f"the target did not answer ({reason})") from None
        returned = tuple(
            (name, value)
            for name, value in answer.raw.headers.items()
            if name.lower() not in _NOT_RETURNED
        )
        content_type = answer.headers.get("Content-Type", "")
        return TargetReply(
            answer.status_code,
            returned,
            answer.content,
            content_type.split(";", 1)[0].strip().lower(),
        )

    def close(self) -> None:
        """Close the connections."""
        self._session.close()
