"""Command-line options derived from a settings class: one option for every setting that
has one, with its help, default, range and variable, parsed by the settings' own rules
(an option given overrides the variable, which overrides the default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

from gong_tasks_kit.serving.settings import (
    SettingsError,
    declared,
    env_name,
    env_prefix,
    option_name,
    read_settings,
    setting_fields,
)

__all__ = ["settings_from_options", "settings_options"]

SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def _range(info: FieldInfo) -> str:
    """The declared bounds of a number setting, as ``; 0 to 65535``, or nothing."""
    low = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
    high = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
    if low is None or high is None:
        return ""
    return f"; {low:,} to {high:,}".replace(",", "_")


def _option(name: str, info: FieldInfo, prefix: str) -> Callable[[Any], Any]:
    default = info.default
    shown = ("on" if default else "off") if isinstance(default, bool) else default
    if declared(info, "secret") or shown in ("", None):
        shown = "none"
    help_text = (
        f"{info.description}  [default: {shown}{_range(info)}; env: {env_name(name, info, prefix)}]"
    )
    flag = option_name(name)
    if info.annotation is bool and declared(info, "flag"):
        return click.option(flag, name, is_flag=True, default=None, help=help_text)
    if info.annotation is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", name, default=None, help=help_text)
    # Values stay text here: the settings parse them exactly as they parse a variable.
    metavar = "INTEGER" if info.annotation in (int, int | None) else "TEXT"
    return click.option(flag, name, default=None, metavar=metavar, help=help_text)


def settings_options(
    settings_class: type[BaseSettings],
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A decorator adding an option for every setting of ``settings_class`` that has one
    (see ``settings.setting``)."""
    prefix = env_prefix(settings_class)

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        fields = setting_fields(settings_class, cli_only=True)
        for name, info in reversed(fields.items()):
            command = _option(name, info, prefix)(command)
        return command

    return decorate


class StartError(click.ClickException):
    """A start refused in one line (``Error: ...``), exit status 2, no traceback, and no
    usage lines: a setting may come from a variable as well as an option."""

    exit_code = 2


def settings_from_options(options: dict[str, Any], settings_class: type[SettingsT]) -> SettingsT:
    """The settings, with the options actually given on the command line on top.

    Raises:
        StartError: naming each bad setting.
    """
    given = {name: value for name, value in options.items() if value is not None}
    try:
        return read_settings(settings_class, given)
    except SettingsError as error:
        raise StartError(str(error)) from None
