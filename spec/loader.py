"""Locate, parse and cache the OpenAPI document.

The spec the toolkit checks against is the packaged file unless ``GONG_TASKS_SPEC``
names another (``--spec FILE`` on ``contract``, ``proxy`` and ``serve`` sets it through
:func:`use_spec`): that variable is the one place the active spec is chosen, and every
cache derived from the spec (:func:`spec_cached`) is keyed by the active file, so a
patched copy can be tried in a process that already read the packaged one.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

import yaml

from gong_tasks_kit.spec.file_reading import FileReadError, read_at_most

if TYPE_CHECKING:
    from openapi_core import OpenAPI

#: The project's own spec file (the packaged one).
SPEC_PATH: Path = Path(__file__).with_name("gong-tasks.openapi.yaml")

#: The environment variable naming the spec to use instead of :data:`SPEC_PATH`.
SPEC_ENV = "GONG_TASKS_SPEC"

#: The largest spec file read (the packaged one is about 35 KB).
MAX_SPEC_BYTES = 4 * 1024 * 1024

#: The list call's path (``POST``).
TASKS_PATH = "/v2/tasks"

#: The update call's path template (``PATCH``).
TASK_PATH = "/v2/tasks/{taskId}"

# Distinct (spec file, arguments) pairs each cached function keeps: a process meets
# one or two spec files, and a function is called with a handful of arguments.
_CACHE_ENTRIES = 64

_P = ParamSpec("_P")
_R = TypeVar("_R")


class SpecFileError(ValueError):
    """A spec file given with ``--spec`` cannot be used; the message says why, in a line."""


def _named_in_environment() -> Path:
    named = os.environ.get(SPEC_ENV, "").strip()
    return Path(named).resolve() if named else SPEC_PATH


# Read once: a lookup of the environment costs microseconds (KeyError inside), and the
# active file is asked on every cached call; use_spec() changes both. The caches are keyed
# by the path's text (a Path hashes in Python, several times slower).
_active: Path = _named_in_environment()
_active_key: str = str(_active)


def _set_active(path: Path) -> None:
    global _active, _active_key  # the one place the active spec changes
    _active, _active_key = path, str(path)


def active_spec_path() -> Path:
    """The spec file in use: ``GONG_TASKS_SPEC`` (as it was when the process started, or
    as :func:`use_spec` set it), else :data:`SPEC_PATH`."""
    return _active


def spec_cached(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Like :func:`functools.cache`, keyed by the active spec file as well as the
    arguments: for functions whose result derives from the spec."""

    @functools.lru_cache(maxsize=_CACHE_ENTRIES)
    def for_spec(path: str, *args: Any, **kwargs: Any) -> _R:
        return function(*args, **kwargs)

    @functools.wraps(function)
    def cached(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return for_spec(_active_key, *args, **kwargs)  # type: ignore[arg-type]

    cached.cache_clear = for_spec.cache_clear  # type: ignore[attr-defined]
    return cached


def read_spec_file(path: Path) -> str:
    """The text of a spec file, refused when it is not a readable UTF-8 file of at most
    :data:`MAX_SPEC_BYTES`.

    Raises:
        SpecFileError: saying why, in one line.
    """
    try:
        data = read_at_most(path, MAX_SPEC_BYTES)
    except FileReadError as error:
        raise SpecFileError(f"{path}: {error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise SpecFileError(f"{path}: is not UTF-8 text") from None


def parse_spec_text(text: str, path: Path) -> dict[str, Any]:
    """The YAML (or JSON) document in ``text``, which must be a mapping.

    Raises:
        SpecFileError: when it is not YAML or not a mapping.
    """
    try:
        loaded = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecFileError(f"{path}: is not valid YAML{where}") from None
    if not isinstance(loaded, dict):
        raise SpecFileError(f"{path}: does not hold a mapping (an OpenAPI document)")
    return loaded


@spec_cached
def load_spec_text() -> str:
    """Return the active spec file's text, read once per process and file."""
    return read_spec_file(active_spec_path())


@spec_cached
def _parsed_spec() -> dict[str, Any]:
    return parse_spec_text(load_spec_text(), active_spec_path())


def load_spec() -> dict[str, Any]:
    """Return the parsed spec as a fresh deep copy, so callers cannot alter the cache."""
    return copy.deepcopy(_parsed_spec())


@spec_cached
def openapi() -> OpenAPI:
    """Return the openapi-core object for the spec (the reference validator), built once."""
    # Imported here: openapi-core (and werkzeug with it) costs a fifth of a second, which
    # reading the spec's paths and schemas never needs.
    from openapi_core import OpenAPI  # noqa: PLC0415

    return OpenAPI.from_dict(load_spec())


def _operation_keys(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (str(node.get("operationId")), method, path)
        for path, item in (document.get("paths") or {}).items()
        if isinstance(item, dict)
        for method, node in item.items()
        if isinstance(node, dict) and "operationId" in node
    }


def check_spec_file(path: str | Path) -> Path:
    """Check that a spec file can stand in for the packaged one: readable, a valid
    OpenAPI document (openapi-core's verdict), with every operation of the packaged
    spec at the same method and path (the toolkit's code calls them by id).

    Returns:
        The file's absolute path.

    Raises:
        SpecFileError: saying why not, in one line.
    """
    resolved = Path(path).expanduser().resolve()
    document = parse_spec_text(read_spec_file(resolved), resolved)
    from openapi_core import OpenAPI  # noqa: PLC0415 - see openapi()

    try:
        OpenAPI.from_dict(document)
    except Exception as error:  # openapi-core raises a family of unrelated errors
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SpecFileError(f"{resolved}: not a valid OpenAPI document: {first[:300]}") from None
    packaged = parse_spec_text(read_spec_file(SPEC_PATH), SPEC_PATH)
    missing = sorted(_operation_keys(packaged) - _operation_keys(document))
    if missing:
        shown = ", ".join(f"{op} ({method.upper()} {where})" for op, method, where in missing)
        raise SpecFileError(f"{resolved}: lacks the operation(s) {shown}")
    return resolved


def use_spec(path: str | Path | None) -> Path:
    """Make ``path`` the spec of this process and of the processes it starts (through
    ``GONG_TASKS_SPEC``), after :func:`check_spec_file`; None: the packaged spec.

    Returns:
        The active spec file.

    Raises:
        SpecFileError: when the file cannot stand in for the packaged spec.
    """
    if path is None:
        os.environ.pop(SPEC_ENV, None)
        _set_active(SPEC_PATH)
        return SPEC_PATH
    resolved = check_spec_file(path)
    os.environ[SPEC_ENV] = str(resolved)
    _set_active(resolved)
    return resolved


@contextlib.contextmanager
def spec_in_use(path: str | Path | None) -> Iterator[Path]:
    """Use ``path`` as the spec within the block (see :func:`use_spec`), then the spec
    that was active before."""
    before, active = os.environ.get(SPEC_ENV), _active
    try:
        yield use_spec(path)
    finally:
        if before is None:
            os.environ.pop(SPEC_ENV, None)
        else:
            os.environ[SPEC_ENV] = before
        _set_active(active)


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow local ``$ref`` pointers (``#/components/...``) until a node has none."""
    while "$ref" in node:
        target: Any = document
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def schema_for(name: str) -> dict[str, Any]:
    """Return a self-contained JSON Schema for ``components.schemas[name]``.

    The schema keeps every component under ``$defs``-style references by embedding the
    whole ``components`` section, so ``$ref`` values resolve without the file.

    Args:
        name: A key of ``components.schemas``, e.g. ``"TaskListRequest"``.

    Raises:
        KeyError: if the spec has no such component.
    """
    document = load_spec()
    schemas: dict[str, Any] = document["components"]["schemas"]
    if name not in schemas:
        raise KeyError(f"the spec has no component schema named {name!r}")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": {"schemas": schemas},
        "$ref": f"#/components/schemas/{name}",
    }
