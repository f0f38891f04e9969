"""State URLs (where the shared state lives): which exist, how to show one without its
secrets. Free of the backends, so settings read URLs without loading them."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

MEMORY_URL = "memory://"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def redact_url(url: str) -> str:
    """A URL fit to print: its user name, password and query left out (and all but its
    scheme, for one that does not parse)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url.split("://", 1)[0][:20] + "://…"
    if not (parts.username or parts.password or parts.query):
        return url
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    credentials = "***@" if parts.username or parts.password else ""
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{credentials}{netloc}{parts.path}{query}"


def normalize_state_url(url: str) -> str:
    """``memory://`` for the in-process backend (also for ``""`` and ``memory``), else a
    Redis URL unchanged: the one place that knows which state URLs exist.

    Raises:
        ValueError: for any other scheme.
    """
    text = url.strip()
    if text in ("", "memory", MEMORY_URL):
        return MEMORY_URL
    if text.startswith(_REDIS_SCHEMES) and _redis_url_problem(text) is None:
        return text
    problem = _redis_url_problem(text) if text.startswith(_REDIS_SCHEMES) else None
    # The settings' error adds the value given (without its secrets).
    raise ValueError(
        "state must be memory:// or redis://host:port/db" + (f" ({problem})" if problem else "")
    )


def _redis_url_problem(url: str) -> str | None:
    """What makes a Redis URL unusable (None: it is usable), as redis-py would find out
    only at the first call."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number, or out of range
    except ValueError as error:
        return str(error)
    if parts.scheme == "unix":
        return None if parts.path else "no socket path"
    if not parts.hostname:
        return "no host"
    if port is None and parts.netloc.endswith(":"):
        return "no port after ':'"
    database = parts.path.strip("/")
    if database and not (database.isascii() and database.isdigit()):
        return f"the database must be a number, not {database[:20]!r}"
    return None


def describe_redis_error(url: str, error: Exception) -> str:
    """One line naming Redis and what went wrong, never its password."""
    detail = " ".join((str(error) or type(error).__name__).split())
    parts = urlsplit(url)
    secrets = [parts.username, parts.password, *parse_qs(parts.query).get("password", [])]
    for secret in filter(None, secrets):
        detail = detail.replace(secret, "***")
    return f"Redis at {redact_url(url)} is unreachable: {detail}"


def url_secrets(url: str) -> set[str]:
    """The secrets a state URL holds: its password (and user name), query password."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    found = {parts.username or "", parts.password or ""}
    found.update(parse_qs(parts.query).get("password", []))
    return found - {""}
