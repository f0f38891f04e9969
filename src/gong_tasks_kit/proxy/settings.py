"""The proxy's settings, each declared once: its own (the target, the recording, the drift
report) and those it shares with the mock (where it listens, Gong's limits, the state,
the journal, the admin API).

``ProxySettings`` extends the mock's settings, so the QA controls read them as they read
the mock's; :meth:`ProxySettings.documented_settings` names what the proxy reads, and its
command line, its ``GONG_PROXY_*`` variables and its README table derive from that.
"""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import urlsplit

from pydantic import field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import SettingsConfigDict

from gong_tasks_kit.mock_server.settings import Boolean, MockSettings, setting

PROXY_ENV_PREFIX = "GONG_PROXY_"


class ProxySettings(MockSettings):
    """Everything the proxy's behaviour depends on, checked. Immutable."""

    model_config = SettingsConfigDict(env_prefix=PROXY_ENV_PREFIX)

    #: The mock's settings that the proxy reads too, in the order they are shown.
    SHARED: ClassVar[tuple[str, ...]] = (
        "host",
        "port",
        "threads",
        "rate_limit",
        "daily_limit",
        "state",
        "journal_size",
        "admin",
        "admin_token",
        "max_body_bytes",
        "header_timeout",
        "body_timeout",
        "max_connections",
    )

    # Not the mock's 8080: a proxy and a mock on one machine both start with no flags.
    port: int = setting(8081, "Port to listen on.", server=True, ge=0, le=65535)
    target: str = setting(
        "",
        "Base URL of the API to forward to, e.g. https://us-12345.api.gong.io (required).",
        validate_default=True,
    )
    target_timeout: int = setting(30, "Seconds to wait for the target's answer.", ge=1, le=600)
    record: str = setting(
        "",
        "Write the tasks of successful list answers to this file, in the format "
        "serve --data reads.",
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
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// base URL")
        if parts.username or parts.password:
            raise ValueError(
                "must not hold credentials: callers send their own Authorization header"
            )
        if parts.query or parts.fragment:
            raise ValueError("must be a base URL without a query or a fragment")
        return text

    @classmethod
    def documented_settings(cls) -> dict[str, FieldInfo]:
        """The shared settings, then the proxy's own."""
        fields = cls.model_fields
        own = [name for name in fields if name not in MockSettings.model_fields]
        return {name: fields[name] for name in (*cls.SHARED, *own)}
