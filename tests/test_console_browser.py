"""The QA console in a real browser: Debian's chromium driven by Playwright.

Each test starts a real `gong-tasks serve` process and opens `/__admin/ui` in a fresh
browser context; nothing is skipped when chromium is missing (scripts/test.sh installs it).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import launch_chromium
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

# The browser tests share one worker: one Chromium at a time (memory, and panels polled
# with short time-outs).
pytestmark = pytest.mark.xdist_group("browser")

AUTH = "Bearer gong-mock-token"
BODY = {"filter": {"userId": "1", "types": ["FLOW"], "taskAction": ["CALL"], "status": ["OPEN"]}}


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = launch_chromium(playwright)
    yield launched
    launched.close()


@pytest.fixture
def problems() -> list[str]:
    """The errors the page logged or raised, collected by the `page` fixture."""
    return []


@pytest.fixture
def page(browser: Browser, problems: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened = context.new_page()
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()


def _call(url: str, body: object = BODY, authorization: str = AUTH) -> int:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}/v2/tasks",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": authorization},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _admin(url: str, path: str, token: str = "") -> Any:
    headers = {"X-Gong-Mock-Admin-Token": token} if token else {}
    request = urllib.request.Request(f"{url}/__admin{path}", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
        return json.load(answer)


def test_console_loads_without_console_errors(
    start_mock: Callable[..., Any], page: Page, problems: list[str]
) -> None:
    served = start_mock()
    _call(served.url)
    page.goto(f"{served.url}/__admin/ui")
    expect(page.get_by_role("status").first).to_have_text("live", timeout=5000)
    expect(page.locator("#journal-rows tr.entry")).to_have_count(1, timeout=5000)
    page.get_by_role("tab", name="Dataset").click()
    expect(page.locator("#users tr").first).to_be_visible(timeout=5000)
    page.wait_for_timeout(1200)  # a few polls more
    assert problems == []


def test_429_preset_makes_the_next_call_429_and_shows_it_within_2_s(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock()
    page.goto(f"{served.url}/__admin/ui")
    page.get_by_role("button", name=re.compile("^429")).click()
    expect(page.locator("#plans")).to_contain_text("429 \u00d7 2", timeout=3000)
    assert _call(served.url) == 429
    row = page.locator("#journal-rows tr.entry").first
    expect(row).to_contain_text("429", timeout=2000)
    expect(row).to_contain_text("plan")
    assert [_call(served.url), _call(served.url)] == [429, 200]


def test_reset_clears_the_plan_and_the_journal_view(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock()
    page.goto(f"{served.url}/__admin/ui")
    page.get_by_role("button", name="500 once").click()
    assert _call(served.url, authorization="Bearer wrong") == 401  # before the plan: kept
    rows = page.locator("#journal-rows tr.entry")
    expect(rows).to_have_count(1, timeout=3000)
    expect(page.locator("#plans")).not_to_contain_text("none", timeout=3000)
    page.get_by_role("button", name="Reset everything").click()
    expect(rows).to_have_count(0, timeout=3000)
    expect(page.locator("#plans")).to_contain_text("none", timeout=3000)
    assert _admin(served.url, "/plans")["plans"] == {}
    assert _call(served.url) == 200  # the 500 was forgotten


def test_custom_plan_form_queues_a_session_scoped_step(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock()
    page.goto(f"{served.url}/__admin/ui")
    page.locator("#plan-status").select_option("500")
    page.get_by_label("Times").fill("3")
    page.locator("#plan-session").fill("qa-1")
    page.get_by_role("button", name="Queue plan step").click()
    expect(page.locator("#plans")).to_contain_text("session:qa-1: 500 \u00d7 3", timeout=3000)


def test_with_an_admin_token_the_page_shows_nothing_without_it(
    start_mock: Callable[..., Any], page: Page, problems: list[str]
) -> None:
    secrets = {
        "GONG_MOCK_ADMIN_TOKEN": "admin-token-do-not-leak",
        "GONG_MOCK_ACCESS_KEY_SECRET": "secret-do-not-leak",
        "GONG_MOCK_BEARER_TOKENS": json.dumps({"bearer-do-not-leak": ["api:tasks:read"]}),
    }
    served = start_mock(env=secrets)
    health = json.load(urllib.request.urlopen(f"{served.url}/__health", timeout=5))  # noqa: S310
    assert _call(served.url, authorization="Bearer bearer-do-not-leak") == 200

    bodies: list[str] = []
    page.on("response", lambda response: bodies.append(response.text()))
    page.goto(f"{served.url}/__admin/ui")
    expect(page.get_by_label("Admin token")).to_be_visible(timeout=5000)
    expect(page.locator("#console")).to_be_hidden()
    assert health["userIds"][0] not in page.content()
    page.get_by_label("Admin token").fill("wrong")
    page.get_by_role("button", name="Unlock console").click()
    expect(page.get_by_role("alert")).to_contain_text("refused", timeout=3000)

    page.get_by_label("Admin token").fill(secrets["GONG_MOCK_ADMIN_TOKEN"])
    page.get_by_role("button", name="Unlock console").click()
    expect(page.locator("#journal-rows tr.entry")).to_have_count(1, timeout=5000)
    page.locator("button.expand").first.click()
    page.get_by_role("tab", name="Dataset").click()
    expect(page.locator("#users tr").first).to_be_visible(timeout=5000)
    page.get_by_role("button", name=f"curl command for user {health['userIds'][0]}").click()
    expect(page.locator("#curl-command")).to_contain_text("$GONG_ACCESS_KEY_SECRET")
    page.wait_for_timeout(1500)
    seen = page.content() + "".join(bodies)
    for name, value in secrets.items():
        if name != "GONG_MOCK_ADMIN_TOKEN":
            assert value not in seen, name
    assert "bearer-do-not-leak" not in seen
    assert secrets["GONG_MOCK_ADMIN_TOKEN"] not in page.content()
    # Chromium logs the two refused probes (no token, a wrong one); nothing else may fail.
    unexpected = [text for text in problems if "status of 401" not in text]
    assert unexpected == [], unexpected
    assert len(problems) == 2, problems


def test_journal_filters_by_operation_status_session_and_answered_by(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock()
    user = _admin(served.url, "/dataset")["users"][0]["userId"]
    task = _admin(served.url, f"/tasks?userId={user}")["tasks"][0]
    page.goto(f"{served.url}/__admin/ui")
    assert _call(served.url) == 200
    update = urllib.request.Request(  # noqa: S310 - loopback
        f"{served.url}/v2/tasks/{task['id']}",
        data=json.dumps({"userId": user, "status": "DONE"}).encode(),
        method="PATCH",
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer gong-mock-write-token",
            "X-Gong-Mock-Session": "qa-7",
        },
    )
    with urllib.request.urlopen(update, timeout=5) as answer:  # noqa: S310
        assert answer.status == 200
    assert _call(served.url, authorization="Bearer wrong") == 401
    rows = page.locator("#journal-rows tr.entry:visible")
    expect(rows).to_have_count(3, timeout=3000)
    page.get_by_label("Operation", exact=True).last.select_option("updateTask")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("PATCH")
    page.get_by_label("Operation", exact=True).last.select_option("")
    page.get_by_label("Answered by").select_option("auth")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("401")
    page.get_by_label("Answered by").select_option("")
    page.locator("#filter-status").select_option("2xx")
    expect(rows).to_have_count(2)
    page.get_by_label("Session", exact=True).last.fill("qa-7")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("button").click()
    details = page.locator("#journal-rows tr.details:visible")
    expect(details).to_contain_text('"status": "DONE"')
    expect(details).to_contain_text("[redacted]")
    expect(page.locator("#journal-rows time").first).to_have_text(re.compile(r"\d+ s ago"))


def test_chaos_latency_and_quota_controls_change_the_mock(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock()
    page.goto(f"{served.url}/__admin/ui")
    page.get_by_label("Failure rate").fill("1")
    page.get_by_role("button", name="Start chaos").click()
    expect(page.locator("#chaos-state")).to_contain_text("on: 100%", timeout=3000)
    assert _call(served.url) in (429, 500)
    page.get_by_role("button", name="Stop chaos").click()
    expect(page.locator("#chaos-state")).to_have_text("off", timeout=3000)
    assert _admin(served.url, "/status")["chaos"] is None

    page.get_by_label("Min (ms)").fill("150")
    page.get_by_label("Max (ms)").fill("150")
    page.get_by_role("button", name="Add latency").click()
    expect(page.locator("#latency-state")).to_contain_text("150 ms", timeout=3000)
    page.get_by_role("button", name="Remove latency").click()
    expect(page.locator("#latency-state")).to_have_text("off", timeout=3000)

    page.get_by_role("button", name="Exhaust today's daily quota").click()
    expect(page.locator("#limits")).to_contain_text("0 of 10000", timeout=3000)
    assert _call(served.url) == 429


def test_rows_arriving_do_not_move_what_the_reader_looks_at(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock(["--rate-limit", "off"])
    for _ in range(40):
        _call(served.url)
    page.goto(f"{served.url}/__admin/ui")
    rows = page.locator("#journal-rows tr.entry")
    expect(rows).to_have_count(40, timeout=3000)
    scroller = page.locator("#journal-scroll")
    scroller.evaluate("node => { node.scrollTop = 400; }")
    anchor = page.locator('#journal-rows tr[data-id="20"]')
    before = anchor.bounding_box()
    for _ in range(5):
        _call(served.url)
    expect(rows).to_have_count(45, timeout=3000)
    after = anchor.bounding_box()
    assert before is not None
    assert after is not None
    assert abs(after["y"] - before["y"]) < 2, (before, after)


def test_uploads_replace_the_dataset_and_name_a_bad_field(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock()
    sample = json.loads(
        (Path(__file__).resolve().parent.parent / "fixtures/samples/response-200.json").read_text()
    )
    page.goto(f"{served.url}/__admin/ui")
    page.get_by_role("tab", name="Dataset").click()
    page.get_by_text("Serve your own tasks").click()
    broken = json.loads(json.dumps(sample))
    broken["tasks"][1]["created"] = "yesterday"
    page.get_by_label("…or paste the JSON").fill(json.dumps(broken))
    page.get_by_role("button", name="Replace the dataset with these tasks").click()
    expect(page.locator("#upload-result")).to_contain_text("created", timeout=3000)
    expect(page.locator("#upload-result")).to_contain_text("yesterday")
    assert _admin(served.url, "/dataset")["totals"]["tasks"] == 250  # nothing changed

    page.get_by_label("…or paste the JSON").fill(json.dumps(sample))
    page.get_by_role("button", name="Replace the dataset with these tasks").click()
    expect(page.locator("#upload-result")).to_contain_text("Replaced: 3 tasks", timeout=3000)
    expect(page.locator("#users tr")).to_have_count(1, timeout=3000)
    assert _admin(served.url, "/dataset")["totals"]["tasks"] == 3
