"""Each mock setting is declared once; the environment, the command line, ``create_app``
and the docs' settings page all follow that declaration, by one set of rules."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from gong_tasks_kit.mock_server.app import create_app, mock_runtime
from gong_tasks_kit.mock_server.cli import serve_command
from gong_tasks_kit.mock_server.settings import (
    MockSettings,
    SettingsError,
    load_settings,
    setting_fields,
    settings_table,
)
from gong_tasks_kit.serving.options import settings_from_options

# The settings reference page of the docs site holds the generated tables.
SETTINGS_PAGE = Path(__file__).resolve().parent.parent / "docs" / "settings.md"
GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")


def test_settings_layer_defaults_then_environment_then_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert load_settings().users == 5
    monkeypatch.setenv("GONG_MOCK_USERS", "3")
    monkeypatch.setenv("GONG_MOCK_ACCESS_KEY", "from-env")
    settings = load_settings()
    assert (settings.users, settings.access_key) == (3, "from-env")
    assert load_settings({"USERS": 2}).users == 2
    assert load_settings({"users": "4"}).users == 4  # text parsed like the variable


def test_create_app_reads_the_environment_by_the_same_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GONG_MOCK_AUTH", "0")
    monkeypatch.setenv("GONG_MOCK_TASKS_PER_USER", "2")
    app = create_app({"users": 1})
    settings = mock_runtime(app).settings
    assert (settings.auth, settings.tasks_per_user, settings.users) == (False, 2, 1)
    assert app.test_client().post("/v2/tasks", json={}).status_code == 400  # no 401: auth off


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *((word, True) for word in ("true", "TRUE", "1", "yes", "on", " On ")),
        *((word, False) for word in ("false", "0", "no", "off", "OFF")),
    ],
)
def test_booleans_accept_the_documented_words(
    monkeypatch: pytest.MonkeyPatch, text: str, expected: bool
) -> None:
    monkeypatch.setenv("GONG_MOCK_STRICT", text)
    assert load_settings().strict is expected
    monkeypatch.delenv("GONG_MOCK_STRICT")
    assert settings_from_options({"strict": None, "admin": text}, MockSettings).admin is expected


@pytest.mark.parametrize("text", ["maybe", "2", "t", "y", ""])
def test_booleans_refuse_anything_else(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv("GONG_MOCK_AUTH", text)
    expected = r"GONG_MOCK_AUTH \(--auth\): must be one of true/false"
    with pytest.raises(SettingsError, match=expected):
        load_settings()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"USERS": 0}, r"GONG_MOCK_USERS \(--users\): Input should be greater than or equal to 1"),
        ({"SEED": "x"}, r"GONG_MOCK_SEED \(--seed\): Input should be a valid integer"),
        ({"SEED": "٣"}, r"GONG_MOCK_SEED \(--seed\): Input should be a valid integer"),
        ({"CRM_TYPE": "ZOHO"}, r"GONG_MOCK_CRM_TYPE \(--crm-type\): Input should be 'SALESFORCE'"),
        ({"BEARER_TOKENS": ["t"]}, r"^GONG_MOCK_BEARER_TOKENS: Input should be a valid dict"),
        ({"STATE": "postgres://db"}, r"GONG_MOCK_STATE \(--state\): must be memory:// or redis"),
        ({"RATE_LIMIT": "fast"}, r"GONG_MOCK_RATE_LIMIT \(--rate-limit\): must be a rate such"),
        ({"port": 70000}, r"GONG_MOCK_PORT \(--port\): Input should be less than or equal"),
        ({"no_such_setting": 1}, r"unknown setting 'no_such_setting'"),
    ],
)
def test_unusable_settings_are_named_in_one_line(config: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        create_app(config)
    assert "\n" not in str(raised.value)


def test_a_variable_holding_broken_json_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GONG_MOCK_BEARER_TOKENS", '{"tok-secret-1": ["api:tasks:read"')
    with pytest.raises(SettingsError, match=r"^GONG_MOCK_BEARER_TOKENS: not valid JSON$") as raised:
        load_settings()
    assert "tok-secret-1" not in str(raised.value)


def test_setting_errors_never_show_a_secret() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"state": "redis://:hunter2@127.0.0.1:6379/x?password=hunter2", "users": 0})
    with pytest.raises(SettingsError) as secret_raised:
        load_settings({"admin_token": 12345678})
    assert "hunter2" not in str(raised.value)
    assert "12345678" not in str(secret_raised.value)


def test_command_line_options_are_derived_from_the_declarations() -> None:
    help_text = CliRunner().invoke(serve_command, ["--help"]).output
    for name in setting_fields(cli_only=True):
        assert f"--{name.replace('_', '-')}" in help_text, name
        assert f"GONG_MOCK_{name.upper()}" in help_text, name
    assert "[default: 8080; 0 to 65_535; env: GONG_MOCK_PORT]" in " ".join(help_text.split())
    for credential in ("access-key", "access-key-secret", "bearer-tokens"):
        assert f"--{credential}" not in help_text, "credentials are never command-line options"


def test_command_line_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONG_MOCK_SEED", "7")
    assert settings_from_options({"seed": None}, MockSettings).seed == 7
    assert settings_from_options({"seed": "9"}, MockSettings).seed == 9


def test_serve_refuses_a_bad_value_in_one_line_with_exit_2() -> None:
    run = subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, "serve", "--users", "zero"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "GONG_MOCK_USERS (--users): Input should be a valid integer" in run.stderr
    assert "Traceback" not in run.stderr


def test_settings_page_table_is_the_declared_one() -> None:
    text = SETTINGS_PAGE.read_text(encoding="utf-8")
    match = re.search(r"<!-- settings-table -->\n(.*?)\n<!-- /settings-table -->", text, re.S)
    assert match, "docs/settings.md lacks the settings table markers"
    assert match.group(1) == settings_table(), (
        "docs/settings.md's settings table is stale: paste gong_tasks_kit.mock_server.settings."
        "settings_table() between the markers"
    )


def test_proxy_options_and_variables_are_derived_from_its_declarations(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gong_tasks_kit.proxy.cli import proxy_command  # noqa: PLC0415
    from gong_tasks_kit.proxy.settings import ProxySettings  # noqa: PLC0415

    help_text = CliRunner().invoke(proxy_command, ["--help"]).output
    for name in setting_fields(cli_only=True, settings_class=ProxySettings):
        assert f"--{name.replace('_', '-')}" in help_text, name
        assert f"GONG_PROXY_{name.upper()}" in help_text, name
    for mock_only in ("--seed", "--workers", "--data", "--strict", "--auth"):
        assert not re.search(rf"^\s+{mock_only}\b", help_text, re.MULTILINE), mock_only
    monkeypatch.setenv("GONG_PROXY_TARGET", "https://us-1.api.gong.io/")
    monkeypatch.setenv("GONG_PROXY_PORT", "9001")
    monkeypatch.setenv("GONG_MOCK_PORT", "9002")  # the mock's variables are the mock's
    settings = load_settings({}, ProxySettings)
    assert (settings.target, settings.port) == ("https://us-1.api.gong.io", 9001)


def test_settings_page_proxy_table_is_the_declared_one() -> None:
    from gong_tasks_kit.proxy.settings import ProxySettings  # noqa: PLC0415

    text = SETTINGS_PAGE.read_text(encoding="utf-8")
    pattern = r"<!-- proxy-settings-table -->\n(.*?)\n<!-- /proxy-settings-table -->"
    match = re.search(pattern, text, re.S)
    assert match, "docs/settings.md lacks the proxy settings table markers"
    assert match.group(1) == settings_table(ProxySettings), (
        "docs/settings.md's proxy settings table is stale: paste settings_table(ProxySettings)"
    )
