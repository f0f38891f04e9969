"""The spec patch made from drift: a minimal diff (added lines only, the rest of the file
untouched) that ``git apply`` takes at the repository root, whose result passes the
spec's gates and leaves no drift; each addition says it was observed, when and how
often; odd values, implausible names and observed values stay out."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from stand_in import NEW_CRM_TYPE, NEW_HEADER, moved_on_mock

from gong_tasks_kit.contract_tests.drift import DriftRecorder
from gong_tasks_kit.contract_tests.observations import Observations
from gong_tasks_kit.contract_tests.operations import LIST_TASKS, UPDATE_TASK
from gong_tasks_kit.contract_tests.spec_patch import PATCHED_FILE, SpecPatch, build_spec_patch
from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.spec import SPEC_PATH, load_spec, load_spec_text
from gong_tasks_kit.spec.checks import iter_spec_problems
from gong_tasks_kit.spec.loader import spec_in_use

DAY = 1_796_342_400.0  # 2026-12-04T00:00:00Z
WIDEST = {
    "types": ["FLOW", "MANUAL"],
    "taskAction": ["CALL"],
    "status": ["OPEN", "DONE", "DISMISSED"],
}
ERROR = {"requestId": "r" * 19, "errors": ["Unprocessable"]}


def _moved_on_answers(recorder: DriftRecorder) -> None:
    """Every user's widest list, one update and three undocumented answers, recorded."""
    client = moved_on_mock(users=3, tasks_per_user=12).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = DEFAULT_AUTHORIZATION
    users = client.get("/__health").get_json()["userIds"]
    for user in users:
        answer = client.post("/v2/tasks", json={"filter": {"userId": user, **WIDEST}})
        recorder.record(LIST_TASKS, answer.status_code, dict(answer.headers), answer.get_json())
    task = answer.get_json()["tasks"][0]
    update = client.patch(f"/v2/tasks/{task['id']}", json={"userId": users[-1], "status": "DONE"})
    recorder.record(UPDATE_TASK, update.status_code, dict(update.headers), update.get_json())
    json_type = {"Content-Type": "application/json"}
    recorder.record(UPDATE_TASK, 422, json_type, ERROR)
    recorder.record(LIST_TASKS, 409, json_type, {"conflict": True, "since": "2026-12-01"})
    recorder.record(LIST_TASKS, 502, {"Content-Type": "text/html"}, None)


@pytest.fixture(scope="module")
def moved_on_patch() -> SpecPatch:
    recorder = DriftRecorder(Observations(clock=lambda: DAY))
    _moved_on_answers(recorder)
    return build_spec_patch(
        recorder.observations, source="gong-tasks contract", report=recorder.report()
    )


def _apply(patch: SpecPatch, tmp_path: Path) -> Path:
    (tmp_path / "spec").mkdir()
    patched = tmp_path / PATCHED_FILE
    shutil.copyfile(SPEC_PATH, patched)
    (tmp_path / "spec.patch").write_text(patch.text(), encoding="utf-8")
    git = shutil.which("git")
    assert git, "git applies the patch as a reviewer would"
    applied = subprocess.run(  # noqa: S603 - git on our own temporary files
        [git, "apply", "--verbose", "spec.patch"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    return patched


def test_spec_patch_diff_has_added_lines_only_and_keeps_the_file(
    moved_on_patch: SpecPatch, tmp_path: Path
) -> None:
    changed = [
        line
        for line in moved_on_patch.diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++ ", "--- "))
    ]
    assert changed, "the moved-on answers propose something"
    assert all(line.startswith("+") for line in changed), "nothing removed or rewritten"
    assert moved_on_patch.diff.startswith(f"--- a/{PATCHED_FILE}\n+++ b/{PATCHED_FILE}\n")
    patched = _apply(moved_on_patch, tmp_path).read_text(encoding="utf-8").splitlines()
    added = [line[1:] for line in changed]
    # Removing the added lines gives back the original, byte for byte, in order.
    original = load_spec_text().splitlines()
    kept, cursor = [], 0
    for line in patched:
        if (
            cursor < len(added)
            and line == added[cursor]
            and (len(kept) >= len(original) or line != original[len(kept)])
        ):
            cursor += 1
        else:
            kept.append(line)
    assert kept == original
    assert cursor == len(added)


def test_spec_patch_proposes_each_kind_of_drift_where_the_spec_describes_it(
    moved_on_patch: SpecPatch, tmp_path: Path
) -> None:
    with spec_in_use(_apply(moved_on_patch, tmp_path)):
        document = load_spec()
    schemas = document["components"]["schemas"]
    task = schemas["Task"]["properties"]
    assert (task["sequenceNumber"]["type"], task["sequenceNumber"]["format"]) == (
        "integer",
        "int64",
    )
    assert task["score"]["type"] == "integer"
    assert "format" not in task["score"]
    assert task["isAutomated"]["type"] == "boolean"
    assert task["labels"]["items"] == {"type": "string"}
    assert task["snoozedUntil"]["format"] == "date-time"
    meeting = task["meeting"]
    assert meeting["required"] == ["id", "title", "startsAt"]
    assert meeting["properties"]["id"]["format"] == "int64"
    assert "meeting" not in schemas["Task"].get("required", []), "absent from FLOW tasks"
    assert schemas["Priority"]["properties"]["color"]["type"] == "string", "a nested $ref"
    assert schemas["CrmType"]["enum"][-1] == NEW_CRM_TYPE
    list_200 = document["paths"]["/v2/tasks"]["post"]["responses"]["200"]
    update_200 = document["paths"]["/v2/tasks/{taskId}"]["patch"]["responses"]["200"]
    reference = {"$ref": "#/components/headers/GongRegion"}
    assert list_200["headers"][NEW_HEADER] == update_200["headers"][NEW_HEADER] == reference
    assert document["components"]["headers"]["GongRegion"]["schema"] == {"type": "string"}
    statuses = list(document["paths"]["/v2/tasks/{taskId}"]["patch"]["responses"])
    assert statuses == ["200", "400", "401", "403", "404", "422", "429", "500"], "in order"
    responses = document["components"]["responses"]
    unprocessable = responses["UnprocessableEntity"]["content"]["application/json"]
    assert unprocessable["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    conflict = responses["Conflict"]["content"]["application/json"]["schema"]
    assert conflict["properties"]["since"]["format"] == "date"
    assert "text/html" in responses["BadGateway"]["content"]


def test_spec_patch_result_passes_the_gates_and_leaves_no_drift(
    moved_on_patch: SpecPatch, tmp_path: Path
) -> None:
    patched = _apply(moved_on_patch, tmp_path)
    with spec_in_use(patched):
        assert list(iter_spec_problems()) == []
        recorder = DriftRecorder()
        _moved_on_answers(recorder)
        report = recorder.report()
        again = build_spec_patch(recorder.observations, source="gong-tasks contract")
    assert report.failures == [], report.to_json()
    assert report.warnings == [], report.to_json()
    assert (again.diff, again.additions) == ("", ()), "nothing left to propose"


def test_spec_patch_says_what_was_observed_when_and_how_often(moved_on_patch: SpecPatch) -> None:
    added = "\n".join(line for line in moved_on_patch.diff.splitlines() if line.startswith("+"))
    prose = " ".join(line[1:].strip() for line in added.splitlines())
    # 36 tasks listed and the updated one, answered by both operations: one property.
    assert "isAutomated: type: boolean description: >- Not documented by Gong: observed" in prose
    assert "observed by gong-tasks contract in 37 of 37 tasks[] objects, 2026-12-04." in prose
    optional = re.search(r"snoozedUntil: .*? in (\d+) of 37 tasks\[\] objects", prose)
    assert optional is not None
    assert 0 < int(optional.group(1)) < 37, "open tasks only"
    assert f"- {NEW_CRM_TYPE}  # not documented by Gong: 4 times at crmType, 2026-12-04" in added
    assert moved_on_patch.text().startswith("# gong-tasks spec patch: ")
    assert any("status 422 of PATCH /v2/tasks/{taskId}" in a for a in moved_on_patch.additions)


def test_spec_patch_keeps_no_observed_value(moved_on_patch: SpecPatch) -> None:
    assert "Review of task" not in moved_on_patch.diff, "a meeting title (a customer's data)"
    assert "Unprocessable\n" not in moved_on_patch.diff, "an observed error message"
    assert "us-west" not in moved_on_patch.diff, "a header's value"


def _patch_of(*answers: tuple[int, dict[str, str], Any]) -> SpecPatch:
    recorder = DriftRecorder(Observations(clock=lambda: DAY))
    for status, headers, body in answers:
        recorder.record(LIST_TASKS, status, headers, body)
    return build_spec_patch(recorder.observations, source="test", report=recorder.report())


def test_spec_patch_proposes_nothing_from_one_odd_value_and_says_so() -> None:
    bodies = [{"tasks": [{"id": n, "score": n} for n in range(5)]}]
    bodies.append({"tasks": [{"id": 9, "score": "n/a"}]})
    patch = _patch_of(*[(200, {}, body) for body in bodies])
    assert patch.additions == ("property tasks[].score (integer) in components.schemas.Task",)
    assert "n/a" not in patch.diff
    assert any("1 string value among 5 integer values" in line for line in patch.left_out)
    assert any("not proposed: tasks[].score: 1 string value" in line for line in patch.summary())
    assert "#   not proposed: tasks[].score" in patch.text()


def test_spec_patch_refuses_implausible_names_values_and_headers() -> None:
    secret = "Basic c2VjcmV0OnNlY3JldA=="
    patch = _patch_of(
        (
            200,
            {"x ok?": "1"},
            {"crmType": secret, "tasks": [{"id": 1, "bad name!": 1, "status": "ON HOLD"}]},
        )
    )
    assert patch.additions == ()
    assert secret not in repr(patch)
    assert "crmType: a value that is no plausible enum value (not shown)" in patch.left_out
    assert "tasks[].status: a value that is no plausible enum value (not shown)" in patch.left_out
    assert "tasks[]: a property whose name is no plausible name (not shown)" in patch.left_out
    assert "a header whose name is no plausible name (not shown)" in patch.left_out
    assert "bad name" not in repr(patch)


def test_spec_patch_names_type_mismatches_it_does_not_change() -> None:
    patch = _patch_of((200, {}, {"tasks": [{"id": "one"}]}))
    assert patch.diff == ""
    assert any("tasks[].id: expected integer" in line for line in patch.left_out)


def test_spec_patch_is_empty_without_drift() -> None:
    patch = _patch_of((200, {}, {"requestId": "r", "tasks": [], "crmType": "HUBSPOT"}))
    assert (patch.diff, patch.text(), patch.additions) == ("", "", ())
    assert patch.summary("out.patch") == ["spec patch: nothing to propose (out.patch is empty)"]
