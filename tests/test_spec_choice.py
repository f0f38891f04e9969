"""The spec a process checks against is chosen in one place (``GONG_TASKS_SPEC``, set by
``--spec FILE``): the loader's caches follow the active file, ``serve --spec`` validates
requests and strict mode against it while serving its own data, a file that cannot stand
in for the packaged spec is refused in one line, and ``spec lint FILE`` lints any file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.mock_server.testing import strict_unthrottled_app, unthrottled_app
from gong_tasks_kit.spec import SPEC_PATH, load_spec, load_spec_text, openapi
from gong_tasks_kit.spec.examples import documented_statuses
from gong_tasks_kit.spec.loader import (
    MAX_SPEC_BYTES,
    SPEC_ENV,
    SpecFileError,
    active_spec_path,
    check_spec_file,
    spec_in_use,
)
from gong_tasks_kit.spec.option import spec_banner_note

GONG_TASKS = str(Path(sys.executable).parent / "gong-tasks")
WIDEST = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN"]}


def _copy(tmp_path: Path, change: Any, name: str = "changed.yaml") -> Path:
    document = load_spec()
    change(document)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _short_user_ids(document: dict[str, Any]) -> None:
    document["components"]["schemas"]["TaskFilter"]["properties"]["userId"]["maxLength"] = 5


def _list(app: Any, user: str) -> Any:
    return app.test_client().post(
        "/v2/tasks",
        json={"filter": {"userId": user, **WIDEST}},
        headers={"Authorization": DEFAULT_AUTHORIZATION},
    )


def test_spec_caches_follow_the_active_file(tmp_path: Path) -> None:
    changed = _copy(tmp_path, _short_user_ids)
    packaged = openapi()
    with spec_in_use(changed) as active:
        assert active == active_spec_path() == changed.resolve()
        assert (
            load_spec()["components"]["schemas"]["TaskFilter"]["properties"]["userId"]["maxLength"]
            == 5
        )
        assert openapi() is not packaged
        assert load_spec_text() == changed.read_text(encoding="utf-8")
        assert documented_statuses("updateTask") == (200, 400, 401, 403, 404, 429, 500)
    assert active_spec_path() == SPEC_PATH
    assert openapi() is packaged, "the packaged spec's cache is still there"
    assert (
        "maxLength"
        not in load_spec()["components"]["schemas"]["TaskFilter"]["properties"]["userId"]
    )


def test_serve_with_a_spec_validates_requests_against_it_and_serves_its_data(
    tmp_path: Path,
) -> None:
    changed = _copy(tmp_path, _short_user_ids)
    user = unthrottled_app().test_client().get("/__health").get_json()["userIds"][0]
    with spec_in_use(changed):
        app = unthrottled_app()
        refused = _list(app, user)
        assert (
            app.test_client()
            .get("/openapi.json")
            .get_json()["components"]["schemas"]["TaskFilter"]["properties"]["userId"]["maxLength"]
            == 5
        )
    assert refused.status_code == 400, "the given spec's maxLength"
    assert "userId" in refused.get_json()["errors"][0]
    served = _list(unthrottled_app(), user)
    assert served.status_code == 200, "the packaged spec has no maxLength"
    assert served.get_json()["tasks"], "the same data"


def test_serve_strict_mode_checks_answers_against_the_given_spec(tmp_path: Path) -> None:
    def no_salesforce(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["CrmType"]["enum"] = ["HUBSPOT"]

    changed = _copy(tmp_path, no_salesforce)
    user = unthrottled_app().test_client().get("/__health").get_json()["userIds"][0]
    with spec_in_use(changed):
        answer = _list(strict_unthrottled_app({"crm_type": "SALESFORCE"}), user)
    assert answer.status_code == 500
    assert "Strict mode" in answer.get_json()["errors"][0]
    assert _list(strict_unthrottled_app({"crm_type": "SALESFORCE"}), user).status_code == 200


def test_a_spec_file_that_cannot_stand_in_is_refused_in_one_line(tmp_path: Path) -> None:
    def no_update(document: dict[str, Any]) -> None:
        del document["paths"]["/v2/tasks/{taskId}"]

    def not_openapi(document: dict[str, Any]) -> None:
        document["openapi"] = "2.0"

    (tmp_path / "list.yaml").write_text("- a\n- b\n", encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("a: [b\n", encoding="utf-8")
    (tmp_path / "huge.yaml").write_bytes(b"#" * (MAX_SPEC_BYTES + 1))
    cases = {
        tmp_path / "missing.yaml": "cannot read it",
        tmp_path / "list.yaml": "does not hold a mapping",
        tmp_path / "broken.yaml": "is not valid YAML at line 2",
        tmp_path / "huge.yaml": f"larger than {MAX_SPEC_BYTES} bytes",
        _copy(tmp_path, no_update, "no-update.yaml"): "lacks the operation(s) updateTask "
        "(PATCH /v2/tasks/{taskId})",
        _copy(tmp_path, not_openapi, "old.yaml"): "not a valid OpenAPI document",
    }
    for path, message in cases.items():
        with pytest.raises(SpecFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
            check_spec_file(path)
    with pytest.raises(SpecFileError), spec_in_use(tmp_path / "list.yaml"):
        pass
    assert active_spec_path() == SPEC_PATH, "a refused file changes nothing"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script
        [GONG_TASKS, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_cli_spec_option_refuses_a_bad_file_in_one_line_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- not a mapping\n", encoding="utf-8")
    for command in (
        ["contract", "--spec", str(bad)],
        ["serve", "--spec", str(bad)],
        ["proxy", "--target", "http://127.0.0.1:9", "--spec", str(bad)],
    ):
        run = _run(*command)
        assert run.returncode == 2, run.stdout + run.stderr
        assert f"Invalid value for '--spec': {bad.resolve()}: does not hold a mapping" in run.stderr
        assert "Traceback" not in run.stdout + run.stderr
    env_run = _run("contract", env={"PATH": "/usr/bin:/bin", SPEC_ENV: str(bad)})
    assert env_run.returncode == 2, "the variable is checked like the option"
    assert f"Error: {SPEC_ENV}: {bad.resolve()}: does not hold a mapping" in env_run.stderr
    assert "Traceback" not in env_run.stderr


def test_cli_spec_lint_lints_a_given_file(tmp_path: Path) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(SPEC_PATH.read_text(encoding="utf-8"), encoding="utf-8")

    def bad_example(document: dict[str, Any]) -> None:
        example = document["components"]["responses"]["Forbidden"]["content"]["application/json"][
            "examples"
        ]["missingScope"]["value"]
        example["errors"] = "Access denied"  # not an array

    broken = _copy(tmp_path, bad_example, "broken.yaml")
    good = _run("spec", "lint", str(copy), "--no-node")
    bad = _run("spec", "lint", str(broken), "--no-node")
    unreadable = _run("spec", "lint", str(tmp_path / "missing.yaml"), "--no-node")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "openapi-spec-validator + examples: ok" in good.stdout
    assert bad.returncode == 1
    assert "examples.missingScope" in bad.stderr
    assert unreadable.returncode == 2
    assert "cannot read it" in unreadable.stderr


def test_banners_name_a_spec_other_than_the_packaged_one(tmp_path: Path) -> None:
    changed = _copy(tmp_path, _short_user_ids)
    assert spec_banner_note() == ""
    with spec_in_use(changed):
        assert spec_banner_note() == f" (from {changed.resolve()})"
