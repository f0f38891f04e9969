"""The proxy's settings: what every server has (``serving.settings.ServerSettings``) and
the proxy's own (the target, the recording, the drift report), each declared once.

Its command line, its ``GONG_PROXY_*`` variables and its table in the docs derive from
these declarations; the proxy reads every one of them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from pydantic import field_validator
from pydantic_settings import SettingsConfigDict

from gong_tasks_kit.serving.settings import Boolean, ServerSettings, setting

PROXY_ENV_PREFIX = "GONG_PROXY_"


class ProxySettings(ServerSettings):
    """Everything the proxy's behaviour depends on, checked. Immutable."""

    model_config = SettingsConfigDict(env_prefix=PROXY_ENV_PREFIX)

    # Not the mock's 8080: a proxy and a mock on one machine both start with no flags.
    port: int = setting(
        8081,
        "Port to listen on (0: a free port, named in the banner).",
        server=True,
        ge=0,
        le=65535,
    )
    target: str = setting(
        "",
        "Base URL of the API to forward to, e.g. https://us-12345.api.gong.io (required).",
        validate_default=True,
    )
    target_timeout: int = setting(
        30, "Seconds the target may take to send its whole answer.", ge=1, le=600
    )
    max_target_bytes: int = setting(
        32 * 1024 * 1024,
        "Largest answer body taken from the target, decompressed (more: the caller gets 502).",
        ge=1024,
        le=2**31,
    )
    max_target_calls: int = setting(
        0,
        "Calls that may wait on the target at once; more are answered 503 at once "
        "(0: one fewer than --threads, so a thread is left to answer them).",
        ge=0,
        le=10_000,
    )
    record: str = setting(
        "",
        "Write the tasks of successful list answers to this file, in the format "
        "serve --data reads, and the target's answers per operation (for serve --replay).",
    )
    anonymize: Boolean = setting(
        False, "Replace names, emails, phone numbers and URLs in the recording."
    )
    anonymize_seed: int | None = setting(
        None,
        "Seed of the replacements (default: a random one per run; anyone who knows the "
        "seed can test guesses of the originals).",
        ge=0,
        le=2**63 - 1,
    )
    drift_report: str = setting(
        "", "Write the drift report to this file (also on exit); GET /__admin/drift shows it."
    )
    spec_patch: str = setting(
        "",
        "Write a patch of the spec proposed from the traffic (a unified diff: git apply "
        "FILE at the repository root) to this file (also on exit); GET "
        "/__admin/spec-patch shows it.",
    )

    @field_validator("target")
    @classmethod
    def _target(cls, value: Any) -> str:
        text = str(value).strip().rstrip("/")
        if not text:
            raise ValueError("is required: the base URL to forward to")
        try:
            parts = urlsplit(text)
            parts.port  # noqa: B018 - raises for a port that is not a number
        except ValueError as error:
            raise ValueError(f"must be an http:// or https:// base URL ({error})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// base URL")
        if parts.username or parts.password:
            raise ValueError(
                "must not hold credentials: callers send their own Authorization header"
            )
        if parts.query or parts.fragment:
            raise ValueError("must be a base URL without a query or a fragment")
        return text
