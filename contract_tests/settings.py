"""What the contract suite runs against, and how: each setting declared once.

Targets:
    app:  the mock's Flask app in-process (default; no port), built by an app factory
          named ``module:function`` (default: the mock in strict mode, without Gong's
          rate limits).
    url:  any base URL, e.g. a deployed mock.
    gong: the real Gong API: a base URL on ``*.gong.io``, or ``live`` set.
          Read-only unless ``allow_writes`` names one task, throttled to Gong's
          per-second limit, budgeted, and only vendor-safe checks.

The settings are declared like the servers' (``serving.settings``): :class:`ContractOptions`
is the one declaration from which ``gong-tasks contract``'s options, its variables and
the docs' table derive, read by the same rules (defaults, then the environment, then the
command line). The credentials and the user come from the environment only, under Gong's
own names. :func:`load_settings` resolves them into a run's :class:`ContractSettings`,
which ``gong-tasks contract`` hands to pytest as an object; ``pytest --pyargs
gong_tasks_kit.contract_tests`` reads the same settings from the environment.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BeforeValidator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION, basic_authorization
from gong_tasks_kit.serving.settings import (
    Boolean,
    SettingsError,
    read_settings,
    setting,
)
from gong_tasks_kit.serving.settings import settings_table as _table
from gong_tasks_kit.spec.limits import GONG_LIMITS

__all__ = [
    "CONTRACT_ENV_PREFIX",
    "ContractConfigError",
    "ContractOptions",
    "ContractSettings",
    "SettingsPlugin",
    "is_gong_url",
    "load_settings",
    "settings_table",
]

CONTRACT_ENV_PREFIX = "GONG_CONTRACT_"
DEFAULT_APP = "gong_tasks_kit.mock_server.apps:strict_unthrottled_app"
DEFAULT_MAX_EXAMPLES = 50
DEFAULT_LIVE_MAX_EXAMPLES = 5
DEFAULT_LIVE_MAX_REQUESTS = 40
DEFAULT_DRIFT_REPORT = "gong-drift-report.json"
#: The pace of a live run: Gong's own per-second limit.
LIVE_REQUESTS_PER_SECOND = GONG_LIMITS.per_second
_INT64_MAX = 2**63 - 1


class ContractConfigError(SettingsError):
    """The suite cannot run with this configuration; the message says what to set."""


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _count(value: Any) -> Any:
    value = _blank_is_none(value)
    if isinstance(value, str):
        text = value.strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise ValueError("must be a whole number")
        return int(text)
    return value


def _task_id(value: Any) -> Any:
    value = _blank_is_none(value)
    if value is None:
        return None
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or int(text[:20]) > _INT64_MAX:
        raise ValueError("must be a task id (a whole number within int64)")
    return str(int(text))  # canonical: the one path the suite may write to


Count = Annotated[int | None, BeforeValidator(_count)]
TaskId = Annotated[str | None, BeforeValidator(_task_id)]


class ContractOptions(BaseSettings):
    """Every setting of a contract run, declared once. Immutable."""

    model_config = SettingsConfigDict(
        env_prefix=CONTRACT_ENV_PREFIX,
        frozen=True,
        extra="forbid",
        case_sensitive=False,
        populate_by_name=True,
    )

    base_url: str = setting(
        "",
        "Target URL (default: the mock in-process). A *.gong.io URL is the real API: "
        f"read-only (unless --allow-writes), {LIVE_REQUESTS_PER_SECOND} req/s, budgeted.",
    )
    live: Boolean = setting(False, "Treat the base URL as the real Gong API.", flag=True)
    app: str = setting("", f"In-process app factory, module:function (default: {DEFAULT_APP}).")
    workspace_ids: str = setting(
        "",
        "Comma-separated workspace ids of the company (default: a mock's /__health; "
        "against Gong, its GET /v2/workspaces when the credentials may read it).",
        validation_alias="GONG_WORKSPACE_IDS",
    )
    max_examples: Count = setting(
        None,
        f"Random examples per test (default {DEFAULT_MAX_EXAMPLES}; against Gong "
        f"{DEFAULT_LIVE_MAX_EXAMPLES}).",
    )
    seed: Count = setting(
        None,
        "Seed: the same seed sends the same requests in the same order (default: a random "
        "seed, printed).",
    )
    max_requests: Count = setting(
        None,
        f"Budget of distinct requests (default {DEFAULT_LIVE_MAX_REQUESTS} against Gong, "
        "else none); retries after 429 are not counted.",
    )
    require_complete: Boolean = setting(
        False,
        "Exit 3 when a check could not run (budget or the target's limits) and none failed.",
        flag=True,
    )
    drift_report: str = setting(
        "", f"Where a live run writes its drift report (default {DEFAULT_DRIFT_REPORT})."
    )
    spec_patch: str = setting(
        "",
        "Write a patch of the spec (a unified diff: git apply FILE at the repository root) "
        "adding the fields, enum values, headers and statuses the run saw and the spec "
        "lacks; written also when the run fails.",
    )
    no_shrink: Boolean = setting(
        False,
        "Report failing examples as found, unshrunk (faster; always so against Gong and "
        "with a budget).",
        flag=True,
    )
    allow_writes: TaskId = setting(
        None,
        "Against Gong, check the update call on this one task of GONG_USER_ID (restored "
        "afterwards, within the budget); without it nothing but the list call is sent. "
        "Against a mock: the task the update checks write to.",
    )
    access_key: str = setting(
        "",
        "Gong access key (Basic auth, with GONG_ACCESS_KEY_SECRET).",
        cli=False,
        validation_alias="GONG_ACCESS_KEY",
    )
    access_key_secret: str = setting(
        "",
        "Gong access key secret.",
        cli=False,
        secret=True,
        validation_alias="GONG_ACCESS_KEY_SECRET",
    )
    bearer_token: str = setting(
        "",
        "Gong OAuth bearer token (instead of the access key).",
        cli=False,
        secret=True,
        validation_alias="GONG_BEARER_TOKEN",
    )
    user_id: str = setting(
        "",
        "Whose tasks to read on a live target (needed against Gong).",
        cli=False,
        validation_alias="GONG_USER_ID",
    )


@dataclass(frozen=True, slots=True)
class ContractSettings:
    """The checked configuration of one contract run.

    Attributes:
        kind: ``app``, ``url`` or ``gong``.
        base_url: The target's base URL (``None`` in-process).
        app_factory: ``module:function`` building the in-process app.
        authorization: The ``Authorization`` header value (never printed).
        user_id: Whose tasks to read on a live target (``None``: ask the mock).
        workspace_ids: The company's workspace ids (empty: ask the mock).
        max_examples: Hypothesis/schemathesis examples per test.
        seed: The run's seed (``None`` until :meth:`with_seed` picks one).
        max_requests: Budget of distinct requests (``None``: no budget).
        drift_report: Where a live run writes its drift report.
        shrink: Whether hypothesis shrinks failing examples (off on Gong and with a
            budget: shrinking sends requests no schedule can foresee).
        require_complete: Whether a run with checks not run exits 3.
        seed_was_random: Whether :meth:`with_seed` picked the seed.
        allow_writes: The one task the update checks may write to (``--allow-writes``;
            against Gong nothing is written without it), as a canonical decimal id.
        spec_patch: Where to write the spec patch (None: no patch).
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
    workspace_ids: tuple[str, ...] = ()
    require_complete: bool = False
    seed_was_random: bool = False
    allow_writes: str | None = None
    spec_patch: str | None = None

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
            "workspace_ids": ",".join(self.workspace_ids) or "(from the mock)",
            "max_examples": self.max_examples,
            "seed": f"{self.seed} (random)" if self.seed_was_random else self.seed,
            "max_requests": self.max_requests,
            "allow_writes": self.allow_writes
            or ("none (read-only)" if self.live else "(the first user's lowest task id)"),
        }

    def with_seed(self) -> ContractSettings:
        """These settings with a seed: the given one, else a random one (printed, so the
        run can be repeated with ``--seed``)."""
        if self.seed is not None:
            return self
        return dataclasses.replace(self, seed=secrets.randbelow(2**32), seed_was_random=True)


def is_gong_url(url: str) -> bool:
    """Whether ``url`` is on Gong's own hosts (``gong.io`` or ``*.gong.io``)."""
    host = (urlsplit(url).hostname or "").lower()
    return host == "gong.io" or host.endswith(".gong.io")


def _authorization(options: ContractOptions, live: bool) -> str:
    key, secret = options.access_key.strip(), options.access_key_secret.strip()
    token = options.bearer_token.strip()
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
    return DEFAULT_AUTHORIZATION  # a mock's public default credentials


def _options(env: Mapping[str, str] | None, overrides: Mapping[str, Any] | None) -> ContractOptions:
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    try:
        return read_settings(ContractOptions, given, env)
    except SettingsError as error:
        raise ContractConfigError(str(error)) from None


def load_settings(
    env: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> ContractSettings:
    """The run's settings: ``overrides`` (the command line's options) over ``env``.

    Args:
        env: Environment variables (default: the process environment).
        overrides: Values by setting name; ``None`` values are ignored.

    Raises:
        ContractConfigError: on a missing credential or user id for Gong, or a bad value.
    """
    options = _options(env, overrides)
    base_url = options.base_url.strip().rstrip("/") or None
    kind = "app"
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ContractConfigError(f"the base URL is not an http(s) URL: {base_url}")
        kind = "gong" if is_gong_url(base_url) or options.live else "url"
    live = kind == "gong"
    authorization = _authorization(options, live)
    user_id = options.user_id.strip() or None
    if live and user_id is None:
        raise ContractConfigError("the real Gong API needs GONG_USER_ID: whose tasks to read")
    default_examples = DEFAULT_LIVE_MAX_EXAMPLES if live else DEFAULT_MAX_EXAMPLES
    max_requests = options.max_requests or (DEFAULT_LIVE_MAX_REQUESTS if live else None)
    workspace_ids = tuple(w.strip() for w in options.workspace_ids.split(",") if w.strip())
    return ContractSettings(
        kind=kind,
        base_url=base_url,
        app_factory=options.app.strip() or DEFAULT_APP,
        authorization=authorization,
        user_id=user_id,
        max_examples=max(1, options.max_examples or default_examples),
        seed=options.seed,
        max_requests=max_requests,
        drift_report=options.drift_report.strip() or DEFAULT_DRIFT_REPORT,
        shrink=not live and max_requests is None and not options.no_shrink,
        workspace_ids=workspace_ids,
        require_complete=options.require_complete,
        allow_writes=options.allow_writes,
        spec_patch=options.spec_patch.strip() or None,
    )


@dataclass(frozen=True, slots=True)
class SettingsPlugin:
    """Hands a run's settings to the suite as an object: ``gong-tasks contract`` passes it
    to ``pytest.main(..., plugins=[SettingsPlugin(settings)])``."""

    settings: ContractSettings


def settings_table() -> str:
    """The docs' table of ``gong-tasks contract``'s settings, derived from
    :class:`ContractOptions`."""
    return _table(ContractOptions)
