"""The pytest plugin works installed, from a fresh test project (pytester)."""

from __future__ import annotations

import json

import pytest

from gong_tasks_kit import build_task, make_faker

pytest_plugins = ["pytester"]

USER_PROJECT_TEST = """
import json
import urllib.request

import pytest

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


def test_client_fixture_sends_credentials(gong_mock_client):
    health = gong_mock_client.get("/__health").json
    user = health["userIds"][0]
    response = gong_mock_client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}})
    assert response.status_code == 200
    assert len(response.json["tasks"]) == 50


def test_live_url_fixture_talks_http(gong_mock_url):
    with urllib.request.urlopen(gong_mock_url + "/__health") as answer:
        assert json.load(answer)["status"] == "ok"
    request = urllib.request.Request(gong_mock_url + "/v2/tasks", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    assert raised.value.code == 401


@pytest.mark.gong_mock(seed=7, users=3, tasks_per_user=2)
def test_marker_sets_seed_and_size(gong_mock_client):
    assert gong_mock_client.get("/__health").json["tasks"] == 6


@pytest.fixture
def gong_mock_config():
    return {"users": 2}


def test_config_fixture_can_be_overridden(gong_mock_client):
    assert gong_mock_client.get("/__health").json["users"] == 2


@pytest.mark.gong_mock(seed=5)
def test_task_factory_is_seeded(gong_task_factory):
    task = gong_task_factory.task(type="MANUAL")
    assert task["title"]
    assert gong_task_factory.contact()["crmId"]
"""


LIST_UPDATE_LIST_TEST = """
import pytest

ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN"]}


def _open_ids(client, user):
    answer = client.post("/v2/tasks", json={"filter": {"userId": user, **ALL}})
    return [task["id"] for task in answer.json["tasks"]]


@pytest.fixture
def user(gong_mock_client):
    return gong_mock_client.get("/__health").json["userIds"][0]


@pytest.mark.parametrize("round", [1, 2])
def test_list_mark_done_list_again(gong_mock_client, gong_mock, user, round):
    before = _open_ids(gong_mock_client, user)
    assert len(before) == 31  # the seeded data, whatever the previous test changed
    done = {"userId": user, "status": "DONE"}
    answer = gong_mock_client.patch(f"/v2/tasks/{before[0]}", json=done)
    assert answer.status_code == 200
    assert _open_ids(gong_mock_client, user) == before[1:]
    assert gong_mock.task(before[0])["changed"] is True


def test_update_over_http_and_the_factory(gong_mock_url, gong_mock, gong_task_factory, user):
    import json, urllib.request
    task_id = gong_mock.tasks(user)[0]["id"]
    body = gong_task_factory.update(user_id=user, status="DISMISSED")
    request = urllib.request.Request(
        f"{gong_mock_url}/v2/tasks/{task_id}", data=json.dumps(body).encode(), method="PATCH",
        headers={"Content-Type": "application/json",
                 "Authorization": "Bearer gong-mock-write-token"})
    with urllib.request.urlopen(request) as answer:
        assert json.load(answer)["tasks"][0]["status"] == "DISMISSED"
    assert gong_mock.task(task_id)["task"]["status"] == "DISMISSED"


def test_the_next_test_sees_the_seeded_task_again(gong_mock, user):
    assert gong_mock.dataset()["totals"]["changedTasks"] == 0
"""


def test_plugin_resets_task_changes_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_updates=LIST_UPDATE_LIST_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4)


def test_plugin_fixtures_work_in_a_fresh_project(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user_project=USER_PROJECT_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


STRICT_VIOLATION_TEST = """
import urllib.request

from gong_tasks_kit.mock_server.app import mock_runtime


def test_broken_mock_answer_is_reported(gong_mock_app, gong_mock_url, monkeypatch):
    monkeypatch.setattr(mock_runtime(gong_mock_app).store, "crm_type", "ZOHO")
    request = urllib.request.Request(
        gong_mock_url + "/v2/tasks", method="POST",
        data=b'{"filter": {"userId": "1", "types": [], "taskAction": [], "status": []}}',
        headers={"Content-Type": "application/json", "Authorization": "Bearer gong-mock-token"})
    try:
        urllib.request.urlopen(request)
    except urllib.error.HTTPError as error:
        assert error.code == 500


def test_next_test_is_not_blamed(gong_mock_url):
    assert gong_mock_url.startswith("http://127.0.0.1:")
"""


def test_plugin_reraises_server_side_failures_in_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_strict=STRICT_VIOLATION_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*StrictModeError*crmType*"])


DATA_MARKER_TEST = """
import pytest


@pytest.mark.gong_mock(data="tests/tasks.json")
def test_the_file_is_served(gong_mock_client):
    assert gong_mock_client.get("/__health").json["userIds"] == ["777"]
"""


def test_marker_data_path_is_relative_to_the_root_directory(pytester: pytest.Pytester) -> None:
    task = build_task(make_faker(3), user_id=777)
    pytester.makeini("[pytest]\n")
    tests = pytester.mkdir("tests")
    (tests / "tasks.json").write_text(json.dumps({"crmType": "GENERIC", "tasks": [task]}))
    (tests / "test_data.py").write_text(DATA_MARKER_TEST)
    for where in (pytester.path, tests):  # from the root, and from inside tests/
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(where)
            result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1)
