"""The proxy's spec patch, from the traffic it saw: served at ``GET /__admin/spec-patch``,
written to ``--spec-patch FILE`` (on exit too), without any credential; and ``--spec``
makes the proxy judge the same traffic against the patched copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from stand_in import NEW_CRM_TYPE, NEW_HEADER, stand_in_target

from gong_tasks_kit.contract_tests.spec_patch import PATCHED_FILE
from gong_tasks_kit.fixtures.credentials import basic_authorization
from gong_tasks_kit.mock_server.app import mock_runtime
from gong_tasks_kit.mock_server.testing import LiveServer
from gong_tasks_kit.proxy import create_proxy_app, proxy_runtime
from gong_tasks_kit.spec import SPEC_PATH
from gong_tasks_kit.spec.loader import spec_in_use

KEY, SECRET = "patch-test-key-4711", "patch-test-secret-0815"
AUTH = basic_authorization(KEY, SECRET)
ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


@pytest.fixture(scope="module")
def moved_on_target() -> Iterator[tuple[Flask, str]]:
    app = stand_in_target(users=2, tasks_per_user=5, access_key=KEY, access_key_secret=SECRET)
    app.config["BREAK"] = "moved-on"
    with LiveServer(app) as live:
        yield app, live.url


def _traffic(proxy: Flask, target: Flask) -> list[Any]:
    """Each user's widest list and one update, through the proxy."""
    client: FlaskClient = proxy.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = AUTH
    users = mock_runtime(target.config["MOCK"]).store.user_ids
    answers = [client.post("/v2/tasks", json={"filter": {"userId": u, **ALL}}) for u in users]
    task = answers[0].get_json()["tasks"][0]
    answers.append(client.patch(f"/v2/tasks/{task['id']}", json={"userId": users[0]}))
    return answers


def _proxy(url: str, **config: Any) -> Flask:
    return create_proxy_app({"target": url, "rate_limit": "off", "daily_limit": 0, **config})


def test_proxy_serves_and_writes_a_spec_patch_from_its_traffic(
    moved_on_target: tuple[Flask, str], tmp_path: Path
) -> None:
    target, url = moved_on_target
    written = tmp_path / "proxy.patch"
    proxy = _proxy(url, spec_patch=str(written))
    assert proxy.test_client().get("/__admin/spec-patch").data == b"", "nothing seen yet"
    assert all(answer.status_code == 200 for answer in _traffic(proxy, target))
    served = proxy.test_client().get("/__admin/spec-patch")
    assert served.mimetype == "text/x-diff"
    text = served.get_data(as_text=True)
    assert f"+        - {NEW_CRM_TYPE}  # not documented by Gong:" in text
    assert f"+            {NEW_HEADER}:" in text
    assert "+        meeting:" in text
    assert "observed by gong-tasks proxy in" in text
    state = proxy_runtime(proxy)
    state.close()  # what the serving process does on exit
    assert written.read_text(encoding="utf-8") == text
    summary = state.summary()
    assert f"gong-tasks proxy: spec patch: 9 additions, written to {written}" in summary
    for secret in (SECRET, KEY, AUTH.split(" ", 1)[1]):
        assert secret not in text + summary


def test_proxy_with_the_patched_spec_sees_no_violation_or_drift(
    moved_on_target: tuple[Flask, str], tmp_path: Path
) -> None:
    target, url = moved_on_target
    proxy = _proxy(url)
    _traffic(proxy, target)
    before = proxy_runtime(proxy).drift_report()
    assert before["failures"], "the new enum value breaks the packaged spec"
    (tmp_path / "spec").mkdir()
    shutil.copyfile(SPEC_PATH, tmp_path / PATCHED_FILE)
    (tmp_path / "p.diff").write_bytes(proxy.test_client().get("/__admin/spec-patch").data)
    applied = subprocess.run(  # noqa: S603 - git on our own temporary files
        [shutil.which("git") or "git", "apply", "p.diff"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    with spec_in_use(tmp_path / PATCHED_FILE):
        patched_proxy = _proxy(url)
        _traffic(patched_proxy, target)
        after = proxy_runtime(patched_proxy).drift_report()
        journal = patched_proxy.test_client().get("/__admin/requests").get_json()["requests"]
    assert (after["failures"], after["warnings"], after["violations"]) == ([], [], [])
    assert all(entry["violations"] == [] for entry in journal)


def test_proxy_refuses_a_spec_patch_file_it_cannot_write(tmp_path: Path) -> None:
    run = subprocess.run(  # noqa: S603 - our own console script
        [
            str(Path(sys.executable).parent / "gong-tasks"),
            "proxy",
            "--target",
            "http://127.0.0.1:9",
            "--spec-patch",
            str(tmp_path / "no" / "such" / "folder" / "p.diff"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "does not exist" in run.stderr
