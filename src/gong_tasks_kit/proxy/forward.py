"""Sending a caller's call on to the target, once, and bringing its answer back unchanged.

The caller's own headers go to the target (its ``Authorization`` included), except those
that belong to one connection, the proxy's own controls (``Prefer``, the session and
admin headers) and ``Accept-Encoding`` (answers come back uncompressed). The answer's
status, body and headers come back as the target sent them, except connection headers
and those the proxy's server writes itself. Nothing is retried, no redirect is followed,
no cookie is kept between calls, and neither ``.netrc`` nor the environment adds a
credential.

What comes back is bounded: the whole exchange by one deadline (``--target-timeout``, see
:mod:`~gong_tasks_kit.proxy.deadline`), the body by a decoded size
(``--max-target-bytes``, see :mod:`~gong_tasks_kit.proxy.answer_body`), and the calls
waiting on the target at once by a cap: one more is refused at once
(:class:`TargetBusyError`) instead of queueing behind the others.
"""

from __future__ import annotations

import http.client
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy

import requests
import urllib3
from requests.utils import get_environ_proxies
from urllib3.exceptions import HeaderParsingError
from urllib3.util.response import assert_header_parsing

from gong_tasks_kit.proxy.answer_body import (
    CHUNK_BYTES,
    AnswerBodyError,
    content_codings,
    read_bounded,
    too_large,
)
from gong_tasks_kit.proxy.deadline import Deadline, WatchedAdapter

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


class _HeadDefectsFilter(logging.Filter):
    """Drops urllib3's warning (with a traceback) about an answer's malformed head: the
    forwarder refuses such an answer itself, in one line (a 502 and the journal)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to parse headers")


# urllib3 2 logs it from ``connection``, urllib3 1 from ``connectionpool``.
for _logger in ("urllib3.connection", "urllib3.connectionpool"):
    logging.getLogger(_logger).addFilter(_HeadDefectsFilter())


class TargetUnreachableError(RuntimeError):
    """The target did not answer, or its answer cannot be taken (too large, too slow);
    the message names the reason (never a credential, never the body)."""


class TargetBusyError(RuntimeError):
    """As many calls as may wait on the target at once are waiting already."""


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

    def __init__(
        self,
        target: str,
        timeout_seconds: float,
        connections: int,
        max_bytes: int = 32 * 1024 * 1024,
        max_waiting: int | None = None,
    ) -> None:
        """Prepare (nothing is sent yet).

        Args:
            target: The base URL, without a trailing slash.
            timeout_seconds: How long the whole exchange may take, the answer's last byte
                included.
            connections: Connections kept open to the target (one per serving thread).
            max_bytes: The largest answer body taken, once decoded.
            max_waiting: Calls that may wait on the target at once (default:
                ``connections``); one more gets :class:`TargetBusyError` at once.
        """
        self.target = target
        self._seconds = timeout_seconds
        self._timeout = (min(10.0, timeout_seconds), timeout_seconds)
        self._max_bytes = max_bytes
        self.max_waiting = max_waiting or connections
        self._waiting = threading.BoundedSemaphore(self.max_waiting)
        session = requests.Session()
        session.trust_env = False  # no .netrc credentials, no CA or proxy from elsewhere
        session.headers.clear()  # the caller's headers only, not the library's
        session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # keep none
        adapter = WatchedAdapter(pool_connections=1, pool_maxsize=connections, max_retries=0)
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
            TargetUnreachableError: when no whole answer came in time (refused, timed out,
                TLS failed), or it was too large or undecodable.
            TargetBusyError: when as many calls as may wait on the target already do.
        """
        if not self._waiting.acquire(blocking=False):
            many = self.max_waiting
            raise TargetBusyError(
                f"{many} {'call is' if many == 1 else 'calls are'} already waiting on the target"
            )
        try:
            with Deadline(self._seconds) as deadline:
                try:
                    reply = self._exchange(method, path, headers, body)
                    if deadline.expired:  # its socket was shut: the answer may be cut short
                        raise TimeoutError
                    return reply
                except (
                    TargetUnreachableError,
                    requests.RequestException,
                    urllib3.exceptions.HTTPError,
                    OSError,
                    http.client.HTTPException,
                ) as error:
                    if deadline.expired:
                        raise TargetUnreachableError(
                            f"the target did not answer within {self._seconds:g} s "
                            "(the whole answer)"
                        ) from None
                    if isinstance(error, TargetUnreachableError):
                        raise
                    reason = type(error).__name__
                    raise TargetUnreachableError(f"the target did not answer ({reason})") from None
        finally:
            self._waiting.release()

    def _exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> TargetReply:
        answer = self._session.request(
            method,
            f"{self.target}{path}",
            headers=headers,
            data=body,
            timeout=self._timeout,
            allow_redirects=False,
            proxies=self._proxies,
            stream=True,  # read below, within the limits
        )
        try:
            _check_head(answer)
            declared = answer.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > self._max_bytes:
                raise too_large(self._max_bytes)
            codings = content_codings(answer.headers.get("Content-Encoding"))
            chunks = answer.raw.stream(CHUNK_BYTES, decode_content=False)
            content = read_bounded(chunks, codings[0] if codings else None, self._max_bytes)
        except AnswerBodyError as error:
            answer.close()  # the rest is not read: this connection cannot be used again
            raise TargetUnreachableError(str(error)) from None
        except BaseException:
            answer.close()
            raise
        if not content and _close_delimited(answer):
            raise TargetUnreachableError("the target closed the connection before its answer ended")
        returned = tuple(
            (name, value)
            for name, value in answer.raw.headers.items()
            if name.lower() not in _NOT_RETURNED
        )
        content_type = answer.headers.get("Content-Type", "")
        return TargetReply(
            answer.status_code,
            returned,
            content,
            content_type.split(";", 1)[0].strip().lower(),
        )

    def close(self) -> None:
        """Close the connections."""
        self._session.close()


def _check_head(answer: requests.Response) -> None:
    """Refuse an answer whose head did not parse (a line cut short, a line that is no
    header): http.client reads what it can and would pass it on as a whole answer."""
    head = getattr(answer.raw, "_original_response", None)
    if head is None:
        return
    try:
        assert_header_parsing(head.msg)
    except HeaderParsingError:
        raise AnswerBodyError("the target's answer has a malformed head") from None


def _close_delimited(answer: requests.Response) -> bool:
    """Whether an HTTP/1.1 answer that may carry a body says neither its length nor its
    chunks, so only the connection's end ended it: nothing tells a head cut short at a line
    end (then no body) from an answer with an empty body."""
    status = answer.status_code
    return (
        answer.raw.version == 11
        and status >= 200
        and status not in (204, 304)
        and "Content-Length" not in answer.headers
        and "chunked" not in answer.headers.get("Transfer-Encoding", "").lower()
    )
