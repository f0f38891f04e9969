"""The hand-written OpenAPI description of Gong's ``POST /v2/tasks``.

This package is the single route by which the rest of the toolkit reads the spec:
``SPEC_PATH`` names the file and ``load_spec()`` parses it once per process.
"""

from __future__ import annotations

from gong_tasks_kit.spec.loader import (
    SPEC_PATH,
    TASKS_PATH,
    load_spec,
    load_spec_text,
    openapi,
    resolve,
    schema_for,
)

__all__ = [
    "SPEC_PATH",
    "TASKS_PATH",
    "load_spec",
    "load_spec_text",
    "openapi",
    "resolve",
    "schema_for",
]
