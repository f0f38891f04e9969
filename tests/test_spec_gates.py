"""The spec's quality gates pass on the spec and fail on a broken copy of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate as validate_openapi_document

from gong_tasks_kit.spec import SPEC_PATH, load_spec
from gong_tasks_kit.spec.checks import SpecError, iter_spec_problems, validate_spec
from gong_tasks_kit.spec.node_linters import run_redocly, run_spectral


def _write(document: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "broken.openapi.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _broken_example_document() -> dict[str, Any]:
    document = load_spec()
    example = document["components"]["responses"]["InternalServerError"]["content"][
        "application/json"
    ]["examples"]["recorded"]["value"]
    example["errors"] = "Internal server error occurred"  # a string, not an array
    return document


def test_spec_passes_openapi_spec_validator() -> None:
    validate_openapi_document(load_spec())


def test_spec_every_example_validates_against_its_schema() -> None:
    assert list(iter_spec_problems()) == []


def test_spec_checks_report_an_invalid_example() -> None:
    with pytest.raises(SpecError, match=r"examples\.recorded"):
        validate_spec(_broken_example_document())


def test_spec_checks_report_a_response_without_example() -> None:
    document = load_spec()
    del document["components"]["responses"]["Forbidden"]["content"]["application/json"]["examples"]
    problems = [str(problem) for problem in iter_spec_problems(document)]
    assert problems == ["paths./v2/tasks.post.responses.403.application/json: has no example"]


def test_spec_checks_report_a_missing_required_example_header() -> None:
    document = load_spec()
    del document["components"]["headers"]["RetryAfter"]["example"]
    problems = [str(problem) for problem in iter_spec_problems(document)]
    assert any("Retry-After" in problem for problem in problems), problems


def test_spec_checks_report_an_invalid_openapi_document() -> None:
    document = load_spec()
    del document["info"]["title"]
    problems = [str(problem) for problem in iter_spec_problems(document)]
    assert len(problems) == 1
    assert "'title' is a required property" in problems[0].replace('"', "'")


def test_spectral_accepts_the_spec() -> None:
    result = run_spectral()
    assert result.ok, result.output


def test_spectral_rejects_an_invalid_example(tmp_path: Path) -> None:
    result = run_spectral(_write(_broken_example_document(), tmp_path))
    assert not result.ok
    assert "errors" in result.output


def test_redocly_accepts_the_spec() -> None:
    result = run_redocly()
    assert result.ok, result.output


def test_redocly_rejects_an_undefined_security_scheme(tmp_path: Path) -> None:
    document = load_spec()
    document["security"] = [{"apiKeyThatIsNotDefined": []}]
    result = run_redocly(_write(document, tmp_path))
    assert not result.ok
    assert "security-defined" in result.output


def test_spec_file_is_the_one_the_loader_reads() -> None:
    assert SPEC_PATH.name == "gong-tasks.openapi.yaml"
    assert load_spec() == yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


def test_load_spec_returns_a_copy_callers_cannot_corrupt() -> None:
    first = load_spec()
    first["paths"].clear()
    assert load_spec()["paths"]


def test_spec_checks_cover_the_update_call_and_its_path_parameter() -> None:
    document = load_spec()
    patch = document["paths"]["/v2/tasks/{taskId}"]["patch"]
    markdone = patch["requestBody"]["content"]["application/json"]["examples"]["markDone"]
    markdone["value"]["status"] = "CLOSED"
    del document["components"]["responses"]["TaskNotFound"]["content"]["application/json"][
        "examples"
    ]
    problems = [str(problem) for problem in iter_spec_problems(document)]
    assert any(
        p.startswith("paths./v2/tasks/{taskId}.patch.requestBody.examples.markDone")
        for p in problems
    ), problems
    assert "paths./v2/tasks/{taskId}.patch.responses.404.application/json: has no example" in (
        problems
    )
    patch["parameters"][0]["example"] = "not-a-number"
    problems = [str(problem) for problem in iter_spec_problems(document)]
    assert any("integer type: not-a-number" in p for p in problems), problems
