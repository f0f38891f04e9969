"""What the QA console reads from the admin API: the page, incremental journal reads,
limits left, statuses per operation, example credentials only while they are public."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gong_tasks_kit.fixtures.credentials import DEFAULT_AUTHORIZATION
from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.testing import MockControl

BODY = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}


def test_console_page_and_assets_are_served_with_a_strict_policy(
    gong_mock_client: FlaskClient,
) -> None:
    page = gong_mock_client.get("/__admin/ui")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert b"/__admin/ui/console.js" in page.data
    for asset, mimetype in (("console.js", "text/javascript"), ("console.css", "text/css")):
        answer = gong_mock_client.get(f"/__admin/ui/{asset}")
        assert answer.status_code == 200, asset
        assert answer.mimetype == mimetype
    assert gong_mock_client.get("/__admin/ui/nothing.js").status_code == 404


def test_console_page_is_loopback_only_without_a_token(gong_mock_app: Flask) -> None:
    remote = gong_mock_app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert remote.get("/__admin/ui").status_code == 403


def test_console_page_is_public_with_a_token_but_the_api_is_not() -> None:
    app = create_app({"admin_token": "t0ken", "users": 1, "tasks_per_user": 1})
    remote = app.test_client()
    remote.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert remote.get("/__admin/ui").status_code == 200
    assert b"t0ken" not in remote.get("/__admin/ui").data
    assert remote.get("/__admin/status").status_code == 401
    token = {"X-Gong-Mock-Admin-Token": "t0ken"}
    assert remote.get("/__admin/status", headers=token).status_code == 200


def test_journal_reads_only_what_is_new_and_shows_resets(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    for _ in range(3):
        gong_mock_client.post("/v2/tasks", json=BODY)
    everything = gong_mock_client.get("/__admin/requests").json
    ids = [entry["id"] for entry in everything["requests"]]
    assert everything["lastId"] == ids[-1]
    newer = gong_mock_client.get(f"/__admin/requests?since={ids[0]}").json
    assert [entry["id"] for entry in newer["requests"]] == ids[1:]
    entry = newer["requests"][-1]
    assert entry["responseHeaders"]["Content-Type"].startswith("application/json")
    assert '"tasks"' in entry["responseBody"]
    gong_mock.reset()
    assert gong_mock_client.get(f"/__admin/requests?since={ids[-1]}").json == {
        "requests": [],
        "lastId": 0,
    }
    for bad in ("-1", "x", "٣", "1" * 30):
        assert gong_mock_client.get(f"/__admin/requests?since={bad}").status_code == 400


def test_journal_cuts_big_response_bodies(gong_mock_client: FlaskClient) -> None:
    user = gong_mock_client.get("/__health").json["userIds"][0]
    every = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE"]}
    gong_mock_client.post("/v2/tasks", json={"filter": {"userId": user, **every}})
    body = gong_mock_client.get("/__admin/requests").json["requests"][-1]["responseBody"]
    assert "bytes in all]" in body
    assert len(body) < 9 * 1024


@pytest.mark.parametrize("scope", ["company", "credential"])
def test_status_shows_limits_left_and_statuses_per_operation(scope: str) -> None:
    app = create_app(
        {"rate_limit": "3/second", "daily_limit": 50, "users": 1, "limit_scope": scope}
    )
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = DEFAULT_AUTHORIZATION
    client.post("/v2/tasks", json=BODY)
    client.post("/v2/tasks", json=BODY)
    status = client.get("/__admin/status").json
    assert status["limits"]["daily"] == {"limit": 50, "remaining": 48, "resetsInSeconds": None}
    assert status["limits"]["perSecond"] == {"limit": 3, "remaining": 1}
    client.post("/__admin/quota/exhaust", json={})
    daily = client.get("/__admin/status").json["limits"]["daily"]
    assert daily["remaining"] == 0
    assert daily["resetsInSeconds"] > 0
    statuses = status["documentedStatuses"]
    assert 404 in statuses["updateTask"]
    assert 404 not in statuses["listTasks"]
    assert 404 not in statuses["any"]


def test_dataset_offers_example_credentials_only_while_they_are_the_public_ones() -> None:
    public = create_app({"users": 1, "tasks_per_user": 1}).test_client()
    assert public.get("/__admin/dataset").json["exampleCredentials"] == {
        "accessKey": "gong-mock-access-key",
        "accessKeySecret": "gong-mock-access-key-secret",
    }
    configured = create_app(
        {"users": 1, "tasks_per_user": 1, "access_key_secret": "private"}
    ).test_client()
    answer = configured.get("/__admin/dataset")
    assert answer.json["exampleCredentials"] is None
    assert b"private" not in answer.data


def test_journal_never_shows_a_configured_credential_wherever_a_caller_put_it() -> None:
    key, secret, token = "key-Qm4Rt7", "secret-Vb2Nx9", "token-Hp6Ls3"
    app = create_app(
        {
            "access_key": key,
            "access_key_secret": secret,
            "bearer_tokens": {token: ["api:tasks:read"]},
            "rate_limit": "off",
        }
    )
    client = app.test_client()
    quoting = {"filter": {"userId": secret, "types": [token], "taskAction": [key]}}
    client.post("/v2/tasks", json=quoting, headers={"Authorization": f"Bearer {token}"})
    client.post("/v2/tasks", json={}, headers={"X-Note": f"{key}:{secret}"})
    journal = client.get("/__admin/requests").text
    for credential in (key, secret, token):
        assert credential not in journal, credential
    assert "[redacted]" in journal
    public = create_app({"rate_limit": "off"}).test_client()  # the defaults are public
    public.post("/v2/tasks", json={"filter": {"userId": "gong-mock-token"}})
    assert "gong-mock-token" in public.get("/__admin/requests").text
