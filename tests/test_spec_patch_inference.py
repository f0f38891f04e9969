"""What the drift recorder keeps for a spec patch, and the schemas inferred from it:
formats, int64, nested objects, optional fields, nullable ones, the refusal of one odd
value, and the recorder's bounds."""

from __future__ import annotations

from typing import Any

from gong_tasks_kit.contract_tests import observations as observations_module
from gong_tasks_kit.contract_tests.drift import DriftRecorder
from gong_tasks_kit.contract_tests.inference import Inference
from gong_tasks_kit.contract_tests.observations import FieldStats, Observations
from gong_tasks_kit.contract_tests.operations import LIST_TASKS

SCOPE = ("listTasks", 200)
DAY = 1_796_342_400.0  # 2026-12-04T00:00:00Z


def _describe(stats: FieldStats, objects: int, where: str) -> str:
    return f"{where}: {stats.present.count} of {objects}"


def _infer(values: list[Any], *, absent: int = 0) -> tuple[dict[str, Any] | None, list[str]]:
    """Feed ``values`` of a new field ``x`` (and ``absent`` objects without it) the way
    the recorder does, and infer its schema."""
    observations = Observations(clock=lambda: DAY)
    for value in values:
        observations.object_at(SCOPE, "tasks[]")
        observations.new_field(SCOPE, "tasks[]", "x", value)
    for _ in range(absent):
        observations.object_at(SCOPE, "tasks[]")
    inference = Inference(observations, _describe)
    objects = observations.object_count([(SCOPE, "tasks[]")])
    schema = inference.field_schema([(SCOPE, "tasks[].x")], "tasks[].x", objects)
    return schema, inference.notes


def test_inference_date_time_strings_get_format_date_time() -> None:
    schema, notes = _infer(["2026-12-04T10:00:00Z", "2026-12-05T08:30:00.123+02:00"])
    assert schema is not None
    assert (schema["type"], schema["format"]) == ("string", "date-time")
    assert notes == []


def test_inference_dates_and_plain_strings() -> None:
    dates, _ = _infer(["2026-12-04", "2027-01-31"])
    plain, _ = _infer(["2026-12-04", "soon", "later"])
    not_a_date, _ = _infer(["2026-13-45T10:00:00Z", "2026-02-30T10:00:00Z"])
    assert dates is not None
    assert dates["format"] == "date"
    assert plain is not None
    assert "format" not in plain
    assert not_a_date is not None
    assert "format" not in not_a_date


def test_inference_integers_get_int64_only_when_beyond_32_bits() -> None:
    small, _ = _infer([1, 7, 2**31 - 1])
    large, _ = _infer([1, 2**40])
    beyond_js, _ = _infer([2**53 + 1, 5])
    beyond_int64, notes = _infer([2**64, 1])
    assert small is not None
    assert small["type"] == "integer"
    assert "format" not in small
    assert large is not None
    assert large["format"] == "int64"
    assert "2^53" not in large["description"]
    assert beyond_js is not None
    assert beyond_js["format"] == "int64"
    assert "exceed 2^53" in beyond_js["description"]
    assert beyond_int64 is not None
    assert "format" not in beyond_int64
    assert any("beyond int64" in note for note in notes)


def test_inference_an_object_gets_its_own_properties_and_required() -> None:
    schema, _ = _infer(
        [
            {"id": 2**55, "when": "2026-12-04T10:00:00Z", "tags": ["a"]},
            {"id": 3, "when": "2026-12-05T10:00:00Z"},
        ]
    )
    assert schema is not None
    assert schema["type"] == "object"
    assert schema["required"] == ["id", "when"], "tags was absent once: not required"
    properties = schema["properties"]
    assert (properties["id"]["type"], properties["id"]["format"]) == ("integer", "int64")
    assert properties["when"]["format"] == "date-time"
    assert properties["tags"] == {
        "type": "array",
        "description": "tasks[].x.tags: 1 of 2",
        "items": {"type": "string"},
    }


def test_inference_a_field_absent_in_some_objects_says_how_often() -> None:
    schema, _ = _infer([True, False], absent=3)
    assert schema == {"type": "boolean", "description": "tasks[].x: 2 of 5"}


def test_inference_one_odd_value_is_left_out_and_named() -> None:
    schema, notes = _infer([1, 2, 3, 4, "n/a"])
    assert schema is not None
    assert schema["type"] == "integer", "proposed from the rest, not from the odd string"
    assert notes == [
        "tasks[].x: 1 string value among 4 integer values is left out of the proposed type "
        "(one odd value: check it by hand)"
    ]


def test_inference_one_odd_format_is_left_out_and_named() -> None:
    schema, notes = _infer(["2026-12-04T10:00:00Z", "2026-12-05T10:00:00Z", "yesterday"])
    assert schema is not None
    assert schema["format"] == "date-time"
    assert any("1 other value among 2 date-time values" in note for note in notes), notes


def test_inference_two_kinds_seen_more_than_once_propose_nothing() -> None:
    schema, notes = _infer([1, 2, "a", "b"])
    assert schema is None
    assert notes == ["tasks[].x: values of several types (integer 2, string 2): nothing proposed"]


def test_inference_a_single_value_alone_is_not_odd() -> None:
    schema, notes = _infer([1, "a"])
    assert schema is None, "one against one: no majority to propose from"
    assert notes


def test_inference_null_makes_a_field_nullable() -> None:
    schema, notes = _infer([None, 3, None])
    only_null, _ = _infer([None])
    assert schema is not None
    assert schema["type"] == ["integer", "null"]
    assert notes == []
    assert only_null == {"description": "tasks[].x: 1 of 1"}


def test_inference_integers_and_numbers_are_numbers() -> None:
    schema, notes = _infer([1, 2.5, 3])
    assert schema is not None
    assert schema["type"] == "number"
    assert notes == []


def test_recorder_keeps_presence_first_and_last_seen() -> None:
    now = [DAY]
    recorder = DriftRecorder(Observations(clock=lambda: now[0]))
    body = {"tasks": [{"id": 1, "mood": "good"}, {"id": 2}], "crmType": "PIPEDRIVE"}
    recorder.record(LIST_TASKS, 200, {"x-new": "1"}, body)
    now[0] = DAY + 86_400
    recorder.record(LIST_TASKS, 200, {}, {"tasks": [{"id": 3, "mood": "bad"}]})
    observations = recorder.observations
    stats = observations.field_stats([(SCOPE, "tasks[].mood")])
    assert (stats.present.count, stats.present.first, stats.present.last) == (2, DAY, DAY + 86_400)
    assert observations.object_count([(SCOPE, "tasks[]")]) == 3
    assert observations.new_fields == {(SCOPE, "tasks[]"): ["mood"]}
    assert observations.enum_values[(SCOPE, "crmType")]["PIPEDRIVE"].count == 1
    assert observations.headers[(SCOPE, "x-new")].count == 1
    assert observations.answers[SCOPE] == 2
    assert "good" not in repr(observations.fields), "no observed string is kept"


def test_recorder_observations_are_bounded(monkeypatch: Any) -> None:
    monkeypatch.setattr(observations_module, "MAX_KEYS", 50)
    recorder = DriftRecorder()
    for index in range(20):
        task = {"id": index, **{f"field{index}_{n}": {"deep": [n]} for n in range(10)}}
        recorder.record(LIST_TASKS, 200, {}, {"tasks": [task]})
    observations = recorder.observations
    kept = (
        len(observations.fields)
        + len(observations.objects)
        + len(observations.children)
        + len(observations.new_fields)
        + len(observations.answers)
    )
    assert kept <= 50
    assert observations.dropped > 0
    deep = {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": {"a": 1}}}}}}}}}}
    fresh = Observations()
    fresh.new_field(SCOPE, "", "deep", deep)
    assert max(path.count(".") for _, path in fresh.fields) <= observations_module.MAX_DEPTH
    fresh.new_field(SCOPE, "", "list", list(range(10_000)))
    items = fresh.field_stats([(SCOPE, "list[]")])
    assert items.present.count == observations_module.MAX_ITEMS
