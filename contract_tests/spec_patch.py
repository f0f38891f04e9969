"""Drift turned into a spec patch: a unified diff that adds to the spec what the answers
showed and the spec lacks, so a reviewer reads only what changed.

From the drift recorder's observations (see ``observations``) it proposes:

* new response properties, with type and format inferred from every value seen (see
  ``inference``), in the schema that describes their parent (``$ref`` followed, so a
  field of a task lands once in ``components.schemas.Task`` whichever call answered it);
* new enum values, appended to the enum, each with a comment;
* new response headers: one component under ``components.headers`` and a ``$ref`` in the
  response of each operation that sent it (its 200 when it came with a 200, as the spec
  does for Gong's observed headers; else each status it came with);
* undocumented status codes: one component under ``components.responses`` (Gong's error
  shape when every body had it) and a ``$ref`` in the operation's responses, in order.

Each addition says in a ``description`` (a comment, for an enum value) that it was
observed, when and how often. The file is edited in its text (``spec.yaml_text``): the
diff has added lines only. Observed values never enter the patch (they may be a
customer's data); its examples are made up.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any

from gong_tasks_kit.contract_tests.drift import DriftReport
from gong_tasks_kit.contract_tests.inference import Inference
from gong_tasks_kit.contract_tests.observations import (
    FieldStats,
    Observations,
    Scope,
    Seen,
    StatusStats,
    join,
)
from gong_tasks_kit.spec import pointers
from gong_tasks_kit.spec.loader import load_spec, load_spec_text
from gong_tasks_kit.spec.operations import operation, operation_ids
from gong_tasks_kit.spec.yaml_text import YamlText

#: The file a patch applies to, from the repository's root.
PATCHED_FILE = "spec/gong-tasks.openapi.yaml"

_NAME = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$-]{0,99}$")
_ENUM_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")
_HEADER = re.compile(r"^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")
_SHOWN = 20  # lines of each list a summary shows


def _day(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).date().isoformat()


def when(seen: Seen) -> str:
    """The day (or days) something was seen, UTC: ``2026-12-04`` or ``2026-12-01 to
    2026-12-04``."""
    first, last = _day(seen.first), _day(seen.last)
    return first if first == last else f"{first} to {last}"


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text))


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Status {status}"


@dataclass(frozen=True, slots=True)
class SpecPatch:
    """A proposed change of the spec.

    Attributes:
        diff: The unified diff (empty: nothing to propose).
        additions: One line per addition.
        left_out: What was seen but not proposed, and why.
    """

    diff: str
    additions: tuple[str, ...]
    left_out: tuple[str, ...]

    def text(self) -> str:
        """The patch file: a few ``#`` lines saying what it adds and what it leaves out
        (``git apply`` and ``patch -p1`` skip them), then the diff."""
        if not self.diff:
            return ""
        head = [f"# gong-tasks spec patch: {len(self.additions)} additions to {PATCHED_FILE}"]
        head += [f"#   + {line}" for line in self.additions]
        head += [f"#   not proposed: {line}" for line in self.left_out]
        return "\n".join(head) + "\n\n" + self.diff

    def summary(self, written_to: str | None = None) -> list[str]:
        """Lines for a run's summary."""
        if not self.additions:
            where = f" ({written_to} is empty)" if written_to else ""
            lines = [f"spec patch: nothing to propose{where}"]
        else:
            where = (
                f", written to {written_to} (apply at the repository root: git apply {written_to})"
                if written_to
                else ""
            )
            lines = [f"spec patch: {len(self.additions)} additions{where}"]
            lines += _capped((f"  + {line}" for line in self.additions), len(self.additions))
        lines += _capped((f"  not proposed: {line}" for line in self.left_out), len(self.left_out))
        return lines


def _capped(lines: Iterable[str], total: int) -> list[str]:
    shown = list(lines)[:_SHOWN]
    if total > _SHOWN:
        shown.append(f"  ... and {total - _SHOWN} more")
    return shown


def unified_diff(old: str, new: str) -> str:
    """A diff ``git apply`` (and ``patch -p1``) applies at the repository's root."""
    lines = list(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{PATCHED_FILE}",
            tofile=f"b/{PATCHED_FILE}",
        )
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


@dataclass
class _Builder:
    observations: Observations
    source: str
    document: dict[str, Any]
    edit: YamlText
    additions: list[str] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)
    _taken: set[str] = field(default_factory=set)

    def describe(self, stats: FieldStats, objects: int, where: str) -> str:
        parent = where.rsplit(".", 1)[0] if "." in where else ""
        noun = "answers" if not parent else f"{parent} objects"
        return (
            f"Not documented by Gong: observed by {self.source} in {stats.present.count} "
            f"of {max(objects, stats.present.count)} {noun}, {when(stats.present)}."
        )

    def schema_of(self, scope: Scope) -> pointers.Pointer | None:
        op = operation(scope[0])
        response = pointers.response(self.document, op.path, op.method, scope[1])
        return None if response is None else pointers.body_schema(self.document, response)

    # -- new properties -----------------------------------------------------------------

    def properties(self, inference: Inference) -> None:
        grouped: dict[tuple[pointers.Pointer, str], list[tuple[Scope, str]]] = defaultdict(list)
        for (scope, parent), names in self.observations.new_fields.items():
            schema = self.schema_of(scope)
            owner = None if schema is None else pointers.field_schema(self.document, schema, parent)
            for name in names:
                where = join(parent, name)
                if owner is None or not isinstance(pointers.at(self.document, owner), dict):
                    self.left_out.append(f"{where}: its parent has no object schema to add to")
                elif not _NAME.match(name):
                    # Not quoted: an odd name may be anything (a credential echoed back).
                    self.left_out.append(
                        f"{parent or 'the body'}: a property whose name is "
                        "no plausible name (not shown)"
                    )
                else:
                    grouped[(owner, name)].append((scope, parent))
        # Objects the owner's schema describes, whichever answer they were in: a field
        # absent from every object of one operation is still absent from them.
        described: dict[pointers.Pointer, int] = defaultdict(int)
        for (scope, path), count in self.observations.objects.items():
            schema = self.schema_of(scope)
            owner = None if schema is None else pointers.field_schema(self.document, schema, path)
            if owner is not None:
                described[owner] += count
        for (owner, name), parents in grouped.items():
            where = join(parents[0][1], name)
            sources = [(scope, join(parent, name)) for scope, parent in parents]
            inferred = inference.field_schema(sources, where, described[owner])
            if inferred is None:
                continue  # the inference said why
            if self.edit.add((*owner, "properties"), name, inferred):
                kind = inferred.get("type", "any value")
                shown = f"{kind}, {inferred['format']}" if "format" in inferred else kind
                self.additions.append(f"property {where} ({shown}) in {'.'.join(owner)}")
            else:
                self.left_out.append(f"{where}: {'.'.join(owner)} cannot take it")

    # -- new enum values ------------------------------------------------------------------

    def enum_values(self) -> None:
        grouped: dict[tuple[pointers.Pointer, str], tuple[str, Seen]] = {}
        for (scope, path), values in self.observations.enum_values.items():
            schema = self.schema_of(scope)
            found = None if schema is None else pointers.field_schema(self.document, schema, path)
            node = None if found is None else pointers.at(self.document, found)
            if (
                found is None
                or not isinstance(node, dict)
                or not isinstance(node.get("enum"), list)
            ):
                self.left_out.append(f"{path}: no enum found to add values to")
                continue
            numeric = node.get("type") in ("integer", "number")
            for value, seen in values.items():
                if numeric or not _ENUM_VALUE.match(value):
                    self.left_out.append(
                        f"{path}: a value that is no plausible enum value (not shown)"
                    )
                    continue
                where, total = grouped.get((found, value), (path, Seen()))
                total.add(seen)
                grouped[(found, value)] = (where, total)
        for (found, value), (where, seen) in grouped.items():
            comment = (
                f"not documented by Gong: {_times(seen.count)} at {where}, {when(seen)} "
                f"({self.source})"
            )
            if self.edit.append((*found, "enum"), value, comment):
                self.additions.append(f"enum value {value} of {where} ({'.'.join(found)})")

    # -- new headers ----------------------------------------------------------------------

    def _component(self, section: str, wanted: str) -> str:
        existing = set((self.document.get("components") or {}).get(section) or {})
        name, number = wanted or "Observed", 1
        while name in existing or f"{section}/{name}" in self._taken:
            number += 1
            name = f"{wanted}{number}"
        self._taken.add(f"{section}/{name}")
        return name

    def headers(self) -> None:
        by_name: dict[str, dict[Scope, Seen]] = defaultdict(dict)
        for (scope, name), seen in self.observations.headers.items():
            if _HEADER.match(name):
                by_name[name][scope] = seen
            else:
                self.left_out.append("a header whose name is no plausible name (not shown)")
        for name, scopes in by_name.items():
            targets: list[Scope] = []
            for op_id in dict.fromkeys(scope[0] for scope in scopes):
                statuses = sorted(status for op, status in scopes if op == op_id)
                targets += [(op_id, 200)] if 200 in statuses else [(op_id, s) for s in statuses]
            component = self._component("headers", _camel(name.removeprefix("x-")))
            total = Seen()
            for seen in scopes.values():
                total.add(seen)
            answers = sum(self.observations.answers.get(scope, 0) for scope in scopes)
            labels = ", ".join(f"{status} of {operation(op).label}" for op, status in scopes)
            definition = {
                "description": (
                    f"Not documented by Gong: observed by {self.source} on {total.count} of "
                    f"{max(answers, total.count)} answers ({labels}), {when(total)}."
                ),
                "schema": {"type": "string"},
            }
            reference = {"$ref": f"#/components/headers/{component}"}
            placed = []
            for op_id, status in targets:
                op = operation(op_id)
                response = pointers.response(self.document, op.path, op.method, status)
                if response is not None and self.edit.add(
                    (*response, "headers"), name, reference, before="content"
                ):
                    placed.append(f"{status} of {op.label}")
            if placed and self.edit.add(("components", "headers"), component, definition):
                self.additions.append(f"header {name} on {', '.join(placed)}")
            else:
                self.left_out.append(f"header {name}: no response to add it to")

    # -- undocumented statuses ---------------------------------------------------------------

    def statuses(self, inference: Inference) -> None:
        for scope, stats in self.observations.statuses.items():
            op_id, status = scope
            op = operation(op_id)
            content = self._content(scope, stats, inference)
            if content is None:
                continue
            component = self._component("responses", _camel(_phrase(status)))
            definition = {
                "description": (
                    f"Not documented by Gong: observed by {self.source} "
                    f"{_times(stats.seen.count)} as the answer to {op.label}, "
                    f"{when(stats.seen)}."
                ),
                "content": content,
            }
            reference = {"$ref": f"#/components/responses/{component}"}
            if self.edit.add(
                ("paths", op.path, op.method, "responses"),
                str(status),
                reference,
                numeric_order=True,
            ) and self.edit.add(("components", "responses"), component, definition):
                self.additions.append(f"status {status} of {op.label} ({component})")
            else:
                self.left_out.append(f"status {status} of {op.label}: cannot be added")

    def _content(
        self, scope: Scope, stats: StatusStats, inference: Inference
    ) -> dict[str, Any] | None:
        op_id, status = scope
        summary = f"A made-up answer in the shape observed ({stats.seen.count} seen)"
        request_id = hashlib.sha256(f"{op_id} {status}".encode()).hexdigest()[:19]
        all_json = stats.json_bodies == stats.seen.count
        schemas = (self.document.get("components") or {}).get("schemas") or {}
        if all_json and stats.error_shaped == stats.json_bodies and "ErrorResponse" in schemas:
            example: Any = {"requestId": request_id, "errors": [_phrase(status)]}
            schema: dict[str, Any] = {"$ref": "#/components/schemas/ErrorResponse"}
            media = "application/json"
        elif all_json:
            inferred = inference.field_schema([(scope, "")], f"status {status} body", 0)
            if inferred is None:
                return None
            inferred.pop("description", None)
            schema, example, media = inferred, made_up(inferred), "application/json"
        else:
            shown = [m for m, _ in stats.content_types.most_common() if _MEDIA_TYPE.match(m)]
            media = shown[0] if shown else "text/plain"
            schema, example = {"type": "string"}, "string"
        return {
            media: {
                "schema": schema,
                "examples": {"observed": {"summary": summary, "value": example}},
            }
        }


def made_up(schema: dict[str, Any]) -> Any:
    """An example value that fits an inferred schema (no observed value is used)."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = kind[0]
    if kind == "string":
        return {"date-time": "2026-01-01T00:00:00Z", "date": "2026-01-01"}.get(
            str(schema.get("format")), "string"
        )
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: made_up(properties.get(name, {})) for name in schema.get("required", [])}
    return None


def build_spec_patch(
    observations: Observations,
    *,
    source: str,
    report: DriftReport | None = None,
    text: str | None = None,
    document: dict[str, Any] | None = None,
) -> SpecPatch:
    """The patch that adds what ``observations`` show the spec lacks.

    Args:
        observations: What a run saw (a snapshot, if sightings continue).
        source: Who observed it, for the descriptions (``gong-tasks contract``).
        report: The run's drift report: its type mismatches are named as left out.
        text: The spec's text to patch (default: the active spec file's).
        document: That text parsed (default: the active spec).
    """
    text = load_spec_text() if text is None else text
    document = load_spec() if document is None else document
    builder = _Builder(observations, source, document, YamlText(text))
    inference = Inference(observations, builder.describe)
    known = set(operation_ids())
    for scope in {*observations.statuses, *(s for s, _ in observations.new_fields)}:
        if scope[0] not in known:  # pragma: no cover - the recorder knows the spec's ids
            builder.left_out.append(f"{scope[0]}: not an operation of the spec")
    builder.properties(inference)
    builder.enum_values()
    builder.headers()
    builder.statuses(inference)
    left_out = [*builder.left_out, *inference.notes]
    if report is not None:
        left_out += [
            f"{mismatch} (a documented field's type is not changed by a patch: edit the "
            "spec by hand if Gong changed it)"
            for mismatch in report.type_mismatches
        ]
    if observations.dropped:
        left_out.append(
            f"{observations.dropped} observations were over the recorder's bounds and not kept"
        )
    new_text = builder.edit.result()
    diff = unified_diff(text, new_text) if new_text != text else ""
    return SpecPatch(diff, tuple(builder.additions), tuple(dict.fromkeys(left_out)))


def spec_patch_problem(path: str) -> str | None:
    """Why a spec patch cannot be written to ``path`` (None: it can)."""
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        return f"--spec-patch {path}: the folder {folder} does not exist"
    if Path(path).is_dir():
        return f"--spec-patch {path}: is a folder"
    return None
