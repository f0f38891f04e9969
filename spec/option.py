"""``--spec FILE``: the one command-line option that picks the spec a command checks
against (``contract``, ``proxy``, ``serve``), declared once for all three."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from gong_tasks_kit.spec.loader import (
    SPEC_ENV,
    SPEC_PATH,
    SpecFileError,
    active_spec_path,
    use_spec,
)

_Command = TypeVar("_Command", bound=Callable[..., Any])

SPEC_OPTION_HELP = (
    "Check against this OpenAPI file instead of the packaged spec (e.g. a patched copy, "
    "before it is committed); it must keep the packaged spec's operations."
)


def _activate(context: click.Context, parameter: click.Parameter, value: Any) -> None:
    if value is None or not str(value).strip():
        return
    try:
        use_spec(str(value))
    except SpecFileError as error:
        raise click.BadParameter(str(error), context, parameter) from None


def spec_option(command: _Command) -> _Command:
    """Add ``--spec FILE`` (env ``GONG_TASKS_SPEC``) to a click command: the file is
    checked and made the process's spec while the options are parsed, before the
    command's body builds anything from the spec."""
    decorate = click.option(
        "--spec",
        metavar="FILE",
        envvar=SPEC_ENV,
        default=None,
        expose_value=False,
        is_eager=True,
        callback=_activate,
        help=f"{SPEC_OPTION_HELP}  [env: {SPEC_ENV}]",
    )
    return decorate(command)


def spec_banner_note() -> str:
    """For a banner: ``" (from FILE)"`` when a spec other than the packaged one is in use,
    else nothing."""
    path = active_spec_path()
    return "" if path == SPEC_PATH else f" (from {path})"
