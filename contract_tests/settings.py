"""What the contract suite runs against, and how: each setting declared once.

Targets:
    app:  the mock's Flask app in-process (default; no port), built by an app factory
          named ``module:function`` (default: the mock in strict mode, without Gong's
          rate limits).
    url:  any base URL, e.g. a deployed mock.
    gong: the real Gong API: a base URL on ``*.gong.io``, or ``live`` set.
          Read-only unless ``allow_writes`` names one task, throttled to 3 requests/s,
          budgeted, and only vendor-safe checks.

``gong-tasks contract`` derives its options from :data:`SETTINGS` and hands the checked
:class:`ContractSettings` to pytest as an object; ``pytest --pyargs
gong_tasks_kit.contract_tests`` reads the same settings from the environment. The
credentials and the user come from the environment only, under Gong's own names.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION, basic_authorization
from gong_tasks_kit.mock_server.settings import parse_boolean

DEFAULT_APP = "gong_tasks_kit.mock_server.testing:strict_unthrottled_app"
DEFAULT_MAX_EXAMPLES = 50
DEFAULT_LIVE_MAX_EXAMPLES = 5
DEFAULT_LIVE_MAX_REQUESTS = 40
DEFAULT_DRIFT_REPORT = "gong-drift-report.json"
LIVE_REQUESTS_PER_SECOND = 3
_INT64_MAX = 2**63 - 1


class ContractConfigError(ValueError):
    """The suite cannot run with this configuration; the message says what to set."""


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting of a contract run: its option, its variable, its kind and help.

    Attributes:
        name: The option without dashes (``max_examples``).
        env: The environment variable.
        kind: ``text``, ``count`` (a whole number), ``task_id`` (a task id: a whole
            number within int64) or ``flag``.
        help: One sentence for ``--help`` and the README.
    """

    name: str
    env: str
    kind: str
    help: str

    @property
    def option(self) -> str:
        """The command line's option, ``--max-examples``."""
        return "--" + self.name.replace("_", "-")

    @property
    def metavar(self) -> str | None:
        """What the option's value is called in ``--help`` (None for a flag)."""
        return {"count": "N", "task_id": "TASK_ID", "flag": None}.get(self.kind, "TEXT")


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "base_url",
        "GONG_CONTRACT_BASE_URL",
        "text",
        "Target URL (default: the mock in-process). A *.gong.io URL is the real API: "
        "read-only (unless --allow-writes), 3 req/s, budgeted.",
    ),
    Setting("live", "GONG_CONTRACT_LIVE", "flag", "Treat the base URL as the real Gong API."),
    Setting(
        "app",
        "GONG_CONTRACT_APP",
        "text",
        f"In-process app factory, module:function (default: {DEFAULT_APP}).",
    ),
    Setting(
        "workspace_ids",
        "GONG_WORKSPACE_IDS",
        "text",
        "Comma-separated workspace ids of the company (default: a mock's /__health; "
        "against Gong, its GET /v2/workspaces when the credentials may read it).",
    ),
    Setting("max_examples", "GONG_CONTRACT_MAX_EXAMPLES", "count", "Random examples per test."),
    Setting(
        "seed",
        "GONG_CONTRACT_SEED",
        "count",
        "Seed: the same seed sends the same requests in the same order (default: a random "
        "seed, printed).",
    ),
    Setting(
        "max_requests",
        "GONG_CONTRACT_MAX_REQUESTS",
        "count",
        f"Budget of distinct requests (default {DEFAULT_LIVE_MAX_REQUESTS} against Gong, "
        "else none); retries after 429 are not counted.",
    ),
    Setting(
        "require_complete",
        "GONG_CONTRACT_REQUIRE_COMPLETE",
        "flag",
        "Exit 3 when a check could not run (budget or the target's limits) and none failed.",
    ),
    Setting(
        "drift_report",
        "GONG_CONTRACT_DRIFT_REPORT",
        "text",
        f"Where a live run writes its drift report (default {DEFAULT_DRIFT_REPORT}).",
    ),
    Setting(
        "spec_patch",
        "GONG_CONTRACT_SPEC_PATCH",
        "text",
        "Write a patch of the spec (a unified diff: git apply FILE at the repository root) "
        "adding the fields, enum values, headers and statuses the run saw and the spec "
        "lacks; written also when the run fails.",
    ),
    Setting(
        "no_shrink",
        "GONG_CONTRACT_NO_SHRINK",
        "flag",
        "Report failing examples as found, unshrunk (faster; always so against Gong and "
        "with a budget).",
    ),
    Setting(
        "allow_writes",
        "GONG_CONTRACT_ALLOW_WRITES",
        "task_id",
        "Against Gong, check the update call on this one task of GONG_USER_ID (restored "
        "afterwards, within the budget); without it nothing but the list call is sent. "
        "Against a mock: the task the update checks write to.",
    ),
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
            budget: shrinking sends requests no plan can foresee).
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


def _parse(setting: Setting, value: Any) -> Any:
    if value is None or (isinstance(value, bool | int) and setting.kind != "text"):
        return value
    text = str(value).strip()
    if not text:
        return None
    if setting.kind == "count":
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            raise ContractConfigError(
                f"{setting.env} ({setting.option}) must be a whole number, got {text[:40]!r}"
            )
        return int(text)
    if setting.kind == "task_id":
        if not (text.isascii() and text.isdigit()) or int(text[:20]) > _INT64_MAX:
            raise ContractConfigError(
                f"{setting.env} ({setting.option}) must be a task id (a whole number "
                f"within int64), got {text[:40]!r}"
            )
        return str(int(text))  # canonical: the one path the suite may write to
    if setting.kind == "flag":
        try:
            return parse_boolean(text)
        except ValueError:
            raise ContractConfigError(
                f"{setting.env} ({setting.option}) must be true/false, 1/0, yes/no or on/off, "
                f"got {text[:40]!r}"
            ) from None
    return text


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
    return DEFAULT_AUTHORIZATION  # a mock's public default credentials


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
    env = os.environ if env is None else env
    given = {key: value for key, value in (overrides or {}).items() if value is not None}
    values = {
        setting.name: _parse(setting, given.get(setting.name, env.get(setting.env)))
        for setting in SETTINGS
    }
    base_url = (values["base_url"] or "").rstrip("/") or None
    kind = "app"
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ContractConfigError(f"the base URL is not an http(s) URL: {base_url}")
        kind = "gong" if is_gong_url(base_url) or values["live"] else "url"
    live = kind == "gong"
    authorization = _authorization(env, live)
    user_id = env.get("GONG_USER_ID", "").strip() or None
    if live and user_id is None:
        raise ContractConfigError("the real Gong API needs GONG_USER_ID: whose tasks to read")
    default_examples = DEFAULT_LIVE_MAX_EXAMPLES if live else DEFAULT_MAX_EXAMPLES
    max_requests = values["max_requests"] or (DEFAULT_LIVE_MAX_REQUESTS if live else None)
    workspace_ids = tuple(
        w.strip() for w in (values["workspace_ids"] or "").split(",") if w.strip()
    )
    return ContractSettings(
        kind=kind,
        base_url=base_url,
        app_factory=values["app"] or DEFAULT_APP,
        authorization=authorization,
        user_id=user_id,
        max_examples=max(1, values["max_examples"] or default_examples),
        seed=values["seed"],
        max_requests=max_requests,
        drift_report=values["drift_report"] or DEFAULT_DRIFT_REPORT,
        shrink=not live and max_requests is None and not values["no_shrink"],
        workspace_ids=workspace_ids,
        require_complete=bool(values["require_complete"]),
        allow_writes=values["allow_writes"],
        spec_patch=values["spec_patch"],
    )


@dataclass(frozen=True, slots=True)
class SettingsPlugin:
    """Hands a run's settings to the suite as an object: ``gong-tasks contract`` passes it
    to ``pytest.main(..., plugins=[SettingsPlugin(settings)])``."""

    settings: ContractSettings


def settings_table() -> str:
    """The README's table of ``gong-tasks contract``'s options, derived from
    :data:`SETTINGS`."""
    rows = ["| option | environment variable | meaning |", "|---|---|---|"]
    for setting in SETTINGS:
        shown = setting.option + (f" {setting.metavar}" if setting.metavar else "")
        rows.append(f"| `{shown}` | `{setting.env}` | {setting.help} |")
    return "\n".join(rows)
