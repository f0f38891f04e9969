"""QA's controls in-process: fault plans, sessions, chaos, latency, limits, journal, admin."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from gong_tasks_kit.mock_server.app import create_app
from gong_tasks_kit.mock_server.testing import MockControl, MockControlError, basic_authorization

BODY = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}
KEY, SECRET = "gong-mock-access-key", "gong-mock-access-key-secret"
AUTH = basic_authorization(KEY, SECRET)


def _statuses(client: FlaskClient, count: int, **headers: str) -> list[int]:
    return [client.post("/v2/tasks", json=BODY, headers=headers).status_code for _ in range(count)]


def test_fail_next_answers_the_planned_errors_then_normally(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    gong_mock.fail_next(429, times=2, retry_after=3)
    gong_mock.fail_next(500)
    responses = [gong_mock_client.post("/v2/tasks", json=BODY) for _ in range(4)]
    assert [r.status_code for r in responses] == [429, 429, 500, 200]
    assert [r.headers.get("Retry-After") for r in responses] == ["3", "3", None, None]
    assert responses[2].json["errors"] == ["Internal server error occurred"]
    journal = gong_mock.requests()
    assert [e["answeredBy"] for e in journal] == ["plan", "plan", "plan", "mock"]
    assert [e["retryAfter"] for e in journal] == ["3", "3", None, None]
    assert gong_mock.plans() == {}


def test_a_200_step_passes_one_call_through(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    gong_mock.queue({"status": 500}, {"status": 200}, {"status": 500})
    assert _statuses(gong_mock_client, 4) == [500, 200, 500, 200]


def test_prefer_does_not_consume_a_plan_step(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    gong_mock.fail_next(500)
    assert _statuses(gong_mock_client, 1, Prefer="code=403") == [403]
    assert _statuses(gong_mock_client, 2) == [500, 200]


def test_session_plans_only_touch_their_session(
    gong_mock_app: Flask, gong_mock_client: FlaskClient
) -> None:
    alice = MockControl(gong_mock_app, session="alice")
    alice.fail_next(500, times=2)
    assert _statuses(gong_mock_client, 2, **{"X-Gong-Mock-Session": "bob"}) == [200, 200]
    assert _statuses(gong_mock_client, 1) == [200]
    assert _statuses(gong_mock_client, 3, **alice.session_headers()) == [500, 500, 200]
    assert {e["session"] for e in alice.requests()} == {"alice"}
    assert len(alice.requests()) == 3


def test_unscoped_plans_apply_to_every_session(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    gong_mock.fail_next(429)
    assert _statuses(gong_mock_client, 1, **{"X-Gong-Mock-Session": "carol"}) == [429]


def _chaos_run(seed: int, rate: float) -> list[int]:
    app = create_app({"RATE_LIMIT": "off"})
    MockControl(app).chaos(rate, (500, 429), seed=seed)
    return _statuses(app.test_client(), 40, Authorization=AUTH)


def test_chaos_is_seeded_and_reproducible() -> None:
    first, second = _chaos_run(7, 0.3), _chaos_run(7, 0.3)
    assert first == second
    assert 3 <= sum(status != 200 for status in first) <= 25
    assert set(first) <= {200, 429, 500}
    assert _chaos_run(8, 0.3) != first
    assert set(_chaos_run(1, 0.0)) == {200}
    assert 200 not in _chaos_run(1, 1.0)


def test_latency_delays_answers(gong_mock: MockControl, gong_mock_client: FlaskClient) -> None:
    gong_mock.latency(fixed_ms=150)
    started = time.monotonic()
    assert _statuses(gong_mock_client, 1) == [200]
    assert time.monotonic() - started >= 0.15
    assert gong_mock.requests()[-1]["durationMs"] >= 150
    gong_mock.stop_latency()
    gong_mock.latency(min_ms=0, max_ms=20, seed=3)
    assert _statuses(gong_mock_client, 2) == [200, 200]


@pytest.mark.gong_mock(rate_limit="3/second")
def test_rate_limit_admits_three_calls_a_second_per_company(
    gong_mock_app: Flask, gong_mock: MockControl
) -> None:
    client = gong_mock_app.test_client()
    responses = [
        client.post("/v2/tasks", json=BODY, headers={"Authorization": AUTH}) for _ in range(5)
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429]
    assert responses[3].headers["Retry-After"] == "1"
    assert responses[3].json["errors"] == ["API request limit exceeded"]
    other = client.post("/v2/tasks", json=BODY, headers={"Authorization": "Bearer gong-mock-token"})
    assert other.status_code == 429  # Gong counts per company: every credential shares it
    assert {e["answeredBy"] for e in gong_mock.requests()} == {"mock", "limiter"}
    time.sleep(1.05)
    assert client.post("/v2/tasks", json=BODY, headers={"Authorization": AUTH}).status_code == 200


@pytest.mark.gong_mock(rate_limit="3/second", limit_scope="credential")
def test_rate_limit_per_credential_scope_gives_each_credential_its_own_budget(
    gong_mock_app: Flask,
) -> None:
    client = gong_mock_app.test_client()
    basic = [client.post("/v2/tasks", json=BODY, headers={"Authorization": AUTH}) for _ in range(4)]
    assert [r.status_code for r in basic] == [200, 200, 200, 429]
    other = client.post("/v2/tasks", json=BODY, headers={"Authorization": "Bearer gong-mock-token"})
    assert other.status_code == 200  # another credential has its own bucket


@pytest.mark.gong_mock(daily_limit=4)
def test_daily_limit_refuses_until_tomorrow(gong_mock_client: FlaskClient) -> None:
    assert _statuses(gong_mock_client, 5) == [200, 200, 200, 200, 429]
    retry_after = int(gong_mock_client.post("/v2/tasks", json=BODY).headers["Retry-After"])
    assert 86_000 < retry_after <= 86_400


@pytest.mark.gong_mock(daily_limit=10_000)
def test_exhausting_the_daily_quota_makes_every_next_call_429(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    assert gong_mock.exhaust_daily_quota() > 86_000
    response = gong_mock_client.post("/v2/tasks", json=BODY)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 86_000
    bearer = gong_mock_client.post(
        "/v2/tasks", json=BODY, headers={"Authorization": "Bearer gong-mock-token"}
    )
    assert bearer.status_code == 429  # the company's quota, whoever calls
    gong_mock.reset()
    assert _statuses(gong_mock_client, 1) == [200]


@pytest.mark.gong_mock(daily_limit=10_000, limit_scope="credential")
def test_exhausting_one_credentials_quota_leaves_the_others(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    assert gong_mock.exhaust_daily_quota() > 86_000
    assert gong_mock_client.post("/v2/tasks", json=BODY).status_code == 429
    bearer = gong_mock_client.post(
        "/v2/tasks", json=BODY, headers={"Authorization": "Bearer gong-mock-token"}
    )
    assert bearer.status_code == 200


@pytest.mark.gong_mock(journal_size=3)
def test_journal_is_bounded_redacted_and_clearable(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    _statuses(gong_mock_client, 5)
    gong_mock_client.get("/__health")
    journal = gong_mock.requests()
    assert [entry["id"] for entry in journal] == [3, 4, 5]
    entry = journal[-1]
    assert entry["headers"]["Authorization"] == "[redacted]"
    assert entry["body"] == BODY
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", "/v2/tasks", 200)
    assert SECRET not in json.dumps(journal)
    assert AUTH.split()[1] not in json.dumps(journal)
    gong_mock.clear_requests()
    assert gong_mock.requests() == []


def test_journal_shows_a_client_waited_retry_after(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    gong_mock.fail_next(429, retry_after=1)

    def polite_client() -> int:
        for _ in range(3):
            response = gong_mock_client.post("/v2/tasks", json=BODY)
            if response.status_code != 429:
                return response.status_code
            time.sleep(int(response.headers["Retry-After"]))
        return 429

    assert polite_client() == 200
    first, second = gong_mock.requests()
    assert first["status"] == 429
    assert second["epoch"] - first["epoch"] >= int(first["retryAfter"])


@pytest.mark.parametrize(
    ("method", "path", "payload", "message"),
    [
        ("POST", "/plans", {"steps": [{"status": 418}]}, "status must be one the spec documents"),
        ("POST", "/plans", {"steps": [{"status": 500, "times": -1}]}, "times must be"),
        ("POST", "/plans", {"steps": [{"status": 429, "retryAfter": "soon"}]}, "retryAfter"),
        ("POST", "/plans", {"steps": []}, "steps must be a non-empty array"),
        ("POST", "/plans", [1, 2], "a plan must be a JSON object"),
        ("POST", "/plans", {"steps": [{"status": 500}, "x"]}, "steps[1] must be an object"),
        ("PUT", "/chaos", {"rate": 2}, "rate must be a number from 0 to 1"),
        ("PUT", "/chaos", {"rate": 0.5, "statuses": [302]}, "status must be one"),
        ("PUT", "/latency", {"fixedMs": 10**9}, "fixedMs must be an integer"),
        ("PUT", "/latency", {"minMs": 50, "maxMs": 10}, "maxMs must not be below minMs"),
        ("GET", "/requests?limit=x", None, "limit must be a whole number"),
        ("GET", "/requests?limit=²", None, "limit must be a whole number"),
    ],
)
def test_admin_refuses_bad_input_without_changing_state(  # noqa: PLR0917 - parametrized
    gong_mock: MockControl,
    gong_mock_client: FlaskClient,
    method: str,
    path: str,
    payload: Any,
    message: str,
) -> None:
    gong_mock.fail_next(500)
    before = gong_mock.plans()
    response = gong_mock_client.open(f"/__admin{path}", method=method, json=payload)
    assert response.status_code == 400
    assert any(message in error for error in response.json["errors"]), response.json
    assert gong_mock.plans() == before


def test_admin_refuses_malformed_json(gong_mock_client: FlaskClient) -> None:
    response = gong_mock_client.post("/__admin/plans", data=b"{", content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.json["errors"][0]


def test_admin_client_raises_on_refusal(gong_mock: MockControl) -> None:
    with pytest.raises(MockControlError, match="status must be one"):
        gong_mock.fail_next(418)


@pytest.mark.gong_mock(admin_token="qa-token")
def test_admin_token_is_required_when_set(gong_mock_app: Flask) -> None:
    client = gong_mock_app.test_client()
    assert client.get("/__admin/plans").status_code == 401
    wrong = client.get("/__admin/plans", headers={"X-Gong-Mock-Admin-Token": "nope"})
    assert wrong.status_code == 401
    assert MockControl(gong_mock_app, admin_token="qa-token").plans() == {}


def test_admin_without_token_answers_loopback_only(gong_mock_app: Flask) -> None:
    client = gong_mock_app.test_client()
    remote = client.get("/__admin/plans", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert remote.status_code == 403
    assert "loopback" in remote.json["errors"][0]
    local = client.get("/__admin/plans", environ_base={"REMOTE_ADDR": "::1"})
    assert local.status_code == 200


@pytest.mark.gong_mock(admin=False)
def test_no_admin_turns_the_admin_api_off(gong_mock_client: FlaskClient) -> None:
    assert gong_mock_client.get("/__admin/plans").status_code == 404


def test_admin_status_never_shows_credentials(
    gong_mock: MockControl, gong_mock_client: FlaskClient
) -> None:
    status = gong_mock_client.get("/__admin/status").json
    assert status["rateLimit"] == "off"
    text = json.dumps(status)
    assert SECRET not in text
    assert "gong-mock-token" not in text
