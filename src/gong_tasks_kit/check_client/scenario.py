"""Scenarios: what the mock does to a client (its settings, the plan steps, chaos, latency,
an exhausted quota, a recorded incident to replay) and the rules its calls are graded by.

A scenario is a YAML file; the built-in ones are files of this package, in the same
format a user writes::

    name: rate-limited
    summary: The first list and the first update get 429 with Retry-After 2.
    mock: {rate_limit: "off", daily_limit: 0}      # settings of the fresh mock
    plan:                                          # POST /__admin/plans steps
      - {status: 429, retryAfter: 2, operation: listTasks}
    exhaust_quota: false                           # POST /__admin/quota/exhaust first
    time_limit: 30                                 # seconds the client may take
    rules:                                         # see rules.RULES
      calls-api: {}
      honours-retry-after: {tolerance: 0.01}

A proxy recording (``gong-tasks proxy --record FILE``, a ``.json`` file with
``answers``) is a scenario too: the mock replays it (``serve --replay``) and the client
is graded by :data:`RECORDING_RULES`. Every problem is one line naming the file and the
field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from gong_tasks_kit.check_client.rules import RULES, Param
from gong_tasks_kit.mock_server.replay import ReplayFileError, load_replay
from gong_tasks_kit.mock_server.settings import MockSettings, SettingsError, load_settings
from gong_tasks_kit.serving.faults import (
    AdminInputError,
    parse_chaos,
    parse_latency,
    parse_plan,
)
from gong_tasks_kit.spec.file_reading import FileReadError, read_at_most

__all__ = [
    "BUILT_IN",
    "RECORDING_RULES",
    "Scenario",
    "ScenarioError",
    "builtin_scenario",
    "builtin_scenarios",
    "find_scenario",
    "load_scenario",
    "setting_text",
]

#: The built-in scenarios, in the order they run.
BUILT_IN = ("happy-path", "rate-limited", "server-errors", "client-errors", "pace", "daily-quota")
#: How a client is graded against a recorded incident.
RECORDING_RULES: Mapping[str, Mapping[str, Any]] = {
    "calls-api": {},
    "honours-retry-after": {},
    "retries-server-errors": {},
    "no-repeated-client-errors": {},
    "stops-on-quota": {},
}
#: The mock's settings a scenario may set; check-client owns the rest (where the mock
#: listens, its admin API and journal, its credentials, which it hands to the client).
MOCK_SETTINGS = (
    "seed",
    "users",
    "tasks_per_user",
    "crm_type",
    "data",
    "strict",
    "auth",
    "rate_limit",
    "daily_limit",
    "limit_scope",
    "max_body_bytes",
    "header_timeout",
    "body_timeout",
    "threads",
)
DEFAULT_TIME_LIMIT = 30.0
MAX_TIME_LIMIT = 3600.0
MAX_SCENARIO_BYTES = 1024 * 1024
_FIELDS = frozenset(
    {"name", "summary", "mock", "plan", "chaos", "latency", "exhaust_quota", "replay"}
    | {"time_limit", "rules"}
)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")


class ScenarioError(ValueError):
    """A scenario that cannot run; the one-line message names the file and the field."""


class _Settings(MockSettings):
    """The mock's settings as a scenario gives them: checked by the same rules, with no
    environment variable of the machine running check-client in the way."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given."""
        return (init_settings,)


def setting_text(value: Any) -> str:
    """A setting's value as its ``GONG_MOCK_*`` variable spells it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def mock_settings(values: Mapping[str, Any]) -> MockSettings:
    """The mock's settings ``values`` give (every other setting at its default).

    Raises:
        SettingsError: naming each bad setting.
    """
    return load_settings({key: setting_text(value) for key, value in values.items()}, _Settings)


@dataclass(frozen=True, slots=True)
class Scenario:
    """One scenario, checked.

    Attributes:
        name: Its name (the report's and the JUnit test case's).
        summary: What it does and what it expects, for people.
        source: ``built-in``, or the file it came from.
        mock: Settings of its fresh mock (``rate_limit``...), as given.
        plan: Plan steps queued before the client starts, as ``POST /__admin/plans``
            takes them.
        chaos: ``PUT /__admin/chaos``'s body, or None.
        latency: ``PUT /__admin/latency``'s body, or None.
        exhaust_quota: Whether the day's quota is used up before the client starts.
        replay: A proxy recording the mock replays (``serve --replay``), or None.
        time_limit: Seconds the client may take before it is ended.
        rules: The rules to grade by: name → parameters (defaults filled in).
    """

    name: str
    summary: str
    source: str
    mock: Mapping[str, Any] = field(default_factory=dict)
    plan: tuple[Mapping[str, Any], ...] = ()
    chaos: Mapping[str, Any] | None = None
    latency: Mapping[str, Any] | None = None
    exhaust_quota: bool = False
    replay: str | None = None
    time_limit: float = DEFAULT_TIME_LIMIT
    rules: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def mock_environment(self) -> dict[str, str]:
        """The ``GONG_MOCK_*`` variables of its mock's settings (replay included)."""
        found = {f"GONG_MOCK_{key.upper()}": setting_text(v) for key, v in self.mock.items()}
        if self.replay is not None:
            found["GONG_MOCK_REPLAY"] = self.replay
        return found


def _param(rule: str, name: str, spec: Param, value: Any) -> Any:
    where = f"rules.{rule}.{name}"
    if isinstance(spec.default, tuple):
        if (
            not isinstance(value, list)
            or not value
            or not all(type(item) is int and spec.low <= item <= spec.high for item in value)
        ):
            raise ValueError(
                f"{where}: must be a list of integers from {spec.low:g} to {spec.high:g}"
            )
        return tuple(value)
    wanted = (int,) if isinstance(spec.default, int) else (int, float)
    if isinstance(value, bool) or not isinstance(value, wanted):
        kind = "an integer" if wanted == (int,) else "a number"
        raise ValueError(f"{where}: must be {kind}, got {value!r}")
    if not spec.low <= value <= spec.high:
        raise ValueError(f"{where}: must be from {spec.low:g} to {spec.high:g}, got {value!r}")
    return value


def check_rules(given: Any) -> dict[str, dict[str, Any]]:
    """Rules as a scenario names them, with every parameter's default filled in.

    Raises:
        ValueError: naming the first problem.
    """
    if not isinstance(given, dict) or not given:
        raise ValueError(
            "rules: must map at least one rule to its parameters (e.g. 'calls-api: {}')"
        )
    checked: dict[str, dict[str, Any]] = {}
    for name, given_params in given.items():
        rule = RULES.get(name) if isinstance(name, str) else None
        if rule is None:
            raise ValueError(f"rules: unknown rule {name!r} (known: {', '.join(RULES)})")
        params = {} if given_params is None else given_params
        if not isinstance(params, dict):
            raise ValueError(f"rules.{name}: must map parameters to values (or be empty)")
        unknown = sorted(set(params) - set(rule.params), key=str)
        if unknown:
            known = ", ".join(rule.params) or "none"
            raise ValueError(f"rules.{name}: unknown parameter {unknown[0]!r} (known: {known})")
        checked[name] = {
            key: _param(name, key, spec, params[key]) if key in params else spec.default
            for key, spec in rule.params.items()
        }
    return checked


def _check_mock(given: Any, folder: Path) -> dict[str, Any]:
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ValueError("mock: must map settings to values (e.g. 'rate_limit: off')")
    for key, value in given.items():
        if key not in MOCK_SETTINGS:
            raise ValueError(
                f"mock: {key!r} is not a setting a scenario may set ({', '.join(MOCK_SETTINGS)})"
            )
        if not isinstance(value, str | int | float | bool):
            raise ValueError(f"mock.{key}: must be a single value, got {type(value).__name__}")
    checked = dict(given)
    if isinstance(checked.get("data"), str):  # a data file beside the scenario
        checked["data"] = str(folder / checked["data"])
    try:
        mock_settings(checked)
    except SettingsError as error:
        raise ValueError(f"mock: {error}") from None
    return checked


def _check_admin(what: str, given: Any, parse: Any) -> Any:
    if given is None:
        return None
    try:
        parse(given)
    except AdminInputError as error:
        raise ValueError(f"{what}: {error}") from None
    return given


def _check_plan(given: Any) -> tuple[Mapping[str, Any], ...]:
    if given is None:
        return ()
    if not isinstance(given, list):
        raise ValueError("plan: must be a list of steps ({status, times?, retryAfter?, ...})")
    _check_admin("plan", {"steps": given}, parse_plan)
    return tuple(given)


def _check_replay(given: Any, folder: Path) -> str | None:
    if given is None:
        return None
    if not isinstance(given, str) or not given:
        raise ValueError("replay: must be the path of a proxy recording (--record FILE)")
    path = str(folder / given)
    try:
        load_replay(path)
    except ReplayFileError as error:
        raise ValueError(f"replay: {str(error).removeprefix('--replay ')}") from None
    return path


def _time_limit(given: Any) -> float:
    if given is None:
        return DEFAULT_TIME_LIMIT
    if isinstance(given, bool) or not isinstance(given, int | float):
        raise ValueError(f"time_limit: must be a number of seconds, got {given!r}")
    if not 1 <= given <= MAX_TIME_LIMIT:
        raise ValueError(f"time_limit: must be from 1 to {MAX_TIME_LIMIT:g} seconds")
    return float(given)


def parse_scenario(document: Any, *, name: str, source: str, folder: Path) -> Scenario:
    """A scenario from its parsed YAML ``document``; ``name`` when it names none; paths in
    it are read from ``folder``.

    Raises:
        ValueError: naming the first problem (``plan: steps[0]: status must be ...``).
    """
    if not isinstance(document, dict):
        raise ValueError("must be a YAML mapping (name, summary, mock, plan, rules...)")
    unknown = sorted(set(document) - _FIELDS, key=str)
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} (known: {', '.join(sorted(_FIELDS))})")
    given_name = document.get("name", name)
    if not isinstance(given_name, str) or not _NAME.fullmatch(given_name):
        raise ValueError(
            "name: must be 1 to 80 letters, digits, '.', '_' or '-', starting with a letter "
            f"or digit, got {given_name!r}"
        )
    summary = document.get("summary", "")
    if not isinstance(summary, str):
        raise ValueError("summary: must be text")
    exhaust = document.get("exhaust_quota", False)
    if not isinstance(exhaust, bool):
        raise ValueError(f"exhaust_quota: must be true or false, got {exhaust!r}")
    return Scenario(
        name=given_name,
        summary=" ".join(summary.split()),
        source=source,
        mock=_check_mock(document.get("mock"), folder),
        plan=_check_plan(document.get("plan")),
        chaos=_check_admin("chaos", document.get("chaos"), parse_chaos),
        latency=_check_admin("latency", document.get("latency"), parse_latency),
        exhaust_quota=exhaust,
        replay=_check_replay(document.get("replay"), folder),
        time_limit=_time_limit(document.get("time_limit")),
        rules=check_rules(document.get("rules")),
    )


class _ScenarioLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases: ``*name`` could make a small file expand into
    an enormous value (a "billion laughs"), and a scenario never needs one."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        """Refuse an alias; compose anything else as usual."""
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def _yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 - a safe loader, no aliases
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(error, "problem", None) or type(error).__name__
        raise ValueError(f"not valid YAML: {problem}{where}") from None
    except RecursionError:
        raise ValueError("not valid YAML: nested too deeply") from None


def _recording_scenario(path: Path) -> Scenario:
    """A proxy recording as a scenario: the mock replays it, Gong's limits off (the
    recording holds the incident's own 429s)."""
    shown = str(path)
    try:
        load_replay(shown)
    except ReplayFileError as error:
        raise ScenarioError(f"--scenario {str(error).removeprefix('--replay ')}") from None
    return Scenario(
        name=path.stem if _NAME.fullmatch(path.stem) else "recording",
        summary=f"The incident recorded in {path.name}, answered again call by call.",
        source=shown,
        mock={"rate_limit": "off", "daily_limit": 0},
        replay=shown,
        time_limit=60.0,
        rules={name: check_rules({name: params})[name] for name, params in RECORDING_RULES.items()},
    )


def load_scenario(path: str | Path) -> Scenario:
    """A scenario file (``.yaml``/``.yml``), or a proxy recording (``.json``).

    Raises:
        ScenarioError: one line naming the file and the problem.
    """
    path = Path(path)
    if path.suffix.lower() == ".json":
        return _recording_scenario(path)
    try:
        raw = read_at_most(path, MAX_SCENARIO_BYTES)
    except FileReadError as error:
        raise ScenarioError(f"--scenario {path}: {error}") from None
    try:
        return parse_scenario(
            _yaml(raw.decode("utf-8", "replace")),
            name=path.stem,
            source=str(path),
            folder=path.parent,
        )
    except ValueError as error:
        raise ScenarioError(f"--scenario {path}: {error}") from None


def builtin_scenario(name: str) -> Scenario:
    """A built-in scenario by name.

    Raises:
        ScenarioError: for a name that is not built in.
    """
    if name not in BUILT_IN:
        raise ScenarioError(f"unknown scenario {name!r} (built-in: {', '.join(BUILT_IN)})")
    text = (resources.files(__package__) / "scenarios" / f"{name}.yaml").read_text("utf-8")
    return parse_scenario(_yaml(text), name=name, source="built-in", folder=Path.cwd())


def builtin_scenarios() -> list[Scenario]:
    """Every built-in scenario, in :data:`BUILT_IN` order."""
    return [builtin_scenario(name) for name in BUILT_IN]


def find_scenario(given: str) -> Scenario:
    """``--scenario``'s value: a built-in name, else a scenario file or a recording.

    Raises:
        ScenarioError: for a name that is neither (one line listing the built-in ones).
    """
    if given in BUILT_IN:
        return builtin_scenario(given)
    if Path(given).is_file():
        return load_scenario(given)
    raise ScenarioError(
        f"unknown scenario {given!r}: built-in ones are {', '.join(BUILT_IN)}; or give the "
        "path of a scenario file (.yaml) or of a proxy recording (.json)"
    )
