"""What the contract suite runs against, read from ``GONG_*`` environment variables only.

Targets:
    app:  the mock's Flask app in-process (default; no port). ``GONG_CONTRACT_APP``
          names the app factory, ``module:function`` (default: the mock without Gong's rate
          limits, ``mock_server.testing:unthrottled_app``).
    url:  any base URL (``GONG_CONTRACT_BASE_URL``), e.g. a deployed mock.
    gong: the real Gong API: a base URL on ``*.gong.io`` or ``GONG_CONTRACT_LIVE=1``.
          Read-only, throttled to 3 requests/s, budgeted, and only vendor-safe checks.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from mock_server.settings import DEFAULT_ACCESS_KEY, DEFAULT_ACCESS_KEY_SECRET
from mock_server.testing import basic_authorization

DEFAULT_APP = "mock_server.testing:unthrottled_app"
DEFAULT_MAX_EXAMPLES = 50
DEFAULT_LIVE_MAX_EXAMPLES = 5
DEFAULT_LIVE_MAX_REQUESTS = 40
LIVE_REQUESTS_PER_SECOND = 3


class ContractConfigError(ValueError):
    """The suite cannot run with this configuration; the message says what to set."""


@dataclass(frozen=True, slots=True)
class ContractSettings:
    """The checked configuration of one contract run.

    Attributes:
        kind: ``app``, ``url`` or ``gong``.
        base_url: The target's base URL (``None`` in-process).
        app_factory: ``module:function`` building the in-process app.
        authorization: The ``Authorization`` header value (never printed).
        user_id: Whose tasks to read on a live target (``None``: ask the mock).
        max_examples: Hypothesis/schemathesis examples per test.
        seed: Hypothesis seed, for a reproducible run (``None``: random).
        max_requests: Hard cap on requests sent (``None``: no cap).
        drift_report: Where a live run writes its drift report.
        shrink: Whether hypothesis shrinks failing examples (more requests; off on Gong).
    """

    kind: str
    base_url: str | None
    app_factory: str
    authorization: str = field(repr=False)  # a secret: never in reprs or reports
    user_id: str | None
    max_examples: int
    seed: int | None
    max_requests: int | None
    drift_report: str
    shrink: bool = True

    @property
    def live(self) -> bool:
        """Whether the target is the real Gong API (safe mode)."""
        return self.kind == "gong"

    def redacted(self) -> dict[str, object]:
        """The settings as printable values: the credential never appears."""
        return {
            "target": self.kind,
            "base_url": self.base_url or f"in-process ({self.app_factory})",
            "user_id": self.user_id or "(from the mock)",
            "max_examples": self.max_examples,
            "seed": self.seed,
            "max_requests": self.max_requests,
        }


def _int(env: Mapping[str, str], name: str, default: int | None) -> int | None:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdecimal():
        raise ContractConfigError(f"{name} must be a whole number, got {raw!r}")
    return int(raw)


def _authorization(env: Mapping[str, str], live: bool) -> str:
    key, secret = env.get("GONG_ACCESS_KEY", ""), env.get("GONG_ACCESS_KEY_SECRET", "")
    token = env.get("GONG_BEARER_TOKEN", "")
    if key and secret:
        return basic_authorization(key, secret)
    if key or secret:
        raise ContractConfigError("set both GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET")
    if token:
        return f"Bearer {token}"
    if live:
        raise ContractConfigError(
            "the real Gong API needs credentials: set GONG_ACCESS_KEY and "
            "GONG_ACCESS_KEY_SECRET, or GONG_BEARER_TOKEN"
        )
    return basic_authorization(DEFAULT_ACCESS_KEY, DEFAULT_ACCESS_KEY_SECRET)


def load_settings(env: Mapping[str, str] | None = None) -> ContractSettings:
    """Read the run's settings from ``env`` (default: the process environment).

    Raises:
        ContractConfigError: on a missing credential or user id for Gong, or a bad value.
    """
    env = os.environ if env is None else env
    base_url = env.get("GONG_CONTRACT_BASE_URL", "").strip().rstrip("/") or None
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ContractConfigError(f"GONG_CONTRACT_BASE_URL is not an http(s) URL: {base_url}")
        on_gong = parts.hostname == "gong.io" or parts.hostname.endswith(".gong.io")
        live = on_gong or env.get("GONG_CONTRACT_LIVE", "") in ("1", "true", "yes")
        kind = "gong" if live else "url"
    else:
        kind = "app"
    live = kind == "gong"
    authorization = _authorization(env, live)
    user_id = env.get("GONG_USER_ID", "").strip() or None
    if live and user_id is None:
        raise ContractConfigError("the real Gong API needs GONG_USER_ID: whose tasks to read")
    max_examples = _int(
        env,
        "GONG_CONTRACT_MAX_EXAMPLES",
        DEFAULT_LIVE_MAX_EXAMPLES if live else DEFAULT_MAX_EXAMPLES,
    )
    return ContractSettings(
        kind=kind,
        base_url=base_url,
        app_factory=env.get("GONG_CONTRACT_APP", "").strip() or DEFAULT_APP,
        authorization=authorization,
        user_id=user_id,
        max_examples=max(1, max_examples or 1),
        seed=_int(env, "GONG_CONTRACT_SEED", None),
        max_requests=_int(
            env, "GONG_CONTRACT_MAX_REQUESTS", DEFAULT_LIVE_MAX_REQUESTS if live else None
        ),
        drift_report=env.get("GONG_CONTRACT_DRIFT_REPORT", "").strip() or "gong-drift-report.json",
        shrink=not live and env.get("GONG_CONTRACT_NO_SHRINK", "") not in ("1", "true", "yes"),
    )
