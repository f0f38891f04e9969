"""State URLs: which exist, how to show one without its secrets."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

MEMORY_URL = "memory://"
_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def redact_url(url: str) -> str:
    """A state URL fit to print: its user name, password and query left out."""
    parts = urlsplit(url)
    if not (parts.username or parts.password or parts.query):
        return url
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
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
    if text.startswith(_REDIS_SCHEMES):
        return text
    raise ValueError(f"state must be memory:// or redis://host:port/db, got {redact_url(url)!r}")


def describe_redis_error(url: str, error: Exception) -> str:
    """One line naming Redis and what went wrong, never its password."""
    detail = " ".join((str(error) or type(error).__name__).split())
    parts = urlsplit(url)
    secrets = [parts.username, parts.password, *parse_qs(parts.query).get("password", [])]
    for secret in filter(None, secrets):
        detail = detail.replace(secret, "***")
    return f"Redis at {redact_url(url)} is unreachable: {detail}"
