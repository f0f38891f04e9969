"""The QA console in a real browser (Debian's chromium, Playwright): 64-bit task ids shown
exactly where the console shows the served JSON, placeholders that fit their fields, and
the plan and limit panels never a poll behind the journal."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from chromium import launch_chromium
from playwright.sync_api import Browser, Page, expect, sync_playwright

# The browser tests share one worker: one Chromium at a time (memory, and panels polled
# with short time-outs).
pytestmark = pytest.mark.xdist_group("browser")

AUTH = "Bearer gong-mock-token"
ALL = {"types": ["FLOW", "MANUAL"], "taskAction": ["CALL"], "status": ["OPEN", "DONE", "DISMISSED"]}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as driver:
        launched = launch_chromium(driver)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def _request(url: str, path: str, body: object = None, method: str = "GET") -> tuple[int, str]:
    headers = {"Content-Type": "application/json", "Authorization": AUTH}
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}{path}", data, headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as error:
        return int(error.code), error.read().decode()


def _first_user(url: str) -> str:
    users: list[str] = json.loads(_request(url, "/__health")[1])["userIds"]
    return users[0]


def test_console_dataset_browser_shows_64_bit_ids_exactly(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock()
    user = _first_user(served.url)
    # Python's json keeps every digit: the served ids as they are.
    tasks = json.loads(_request(served.url, f"/__admin/tasks?userId={user}")[1])["tasks"]
    served_ids = [str(task["id"]) for task in tasks]
    assert any(int(task_id) > 2**53 for task_id in served_ids)  # ids JavaScript would round
    page.goto(f"{served.url}/__admin/ui")
    page.get_by_role("tab", name="Dataset").click()
    page.get_by_role("button", name=f"Show tasks of user {user}").click()
    expect(page.locator("#tasks tr")).to_have_count(len(served_ids), timeout=5000)
    shown = page.locator("#tasks tr td:first-child").all_inner_texts()
    assert [text.split()[0] for text in shown] == served_ids


def test_console_journal_bodies_show_ids_exactly(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock(["--tasks-per-user", "3"])  # a whole answer fits the journal
    status, text = _request(
        served.url, "/v2/tasks", {"filter": {"userId": _first_user(served.url), **ALL}}, "POST"
    )
    assert status == 200
    served_ids = [task["id"] for task in json.loads(text)["tasks"]]
    page.goto(f"{served.url}/__admin/ui")
    row = page.locator("#journal-rows tr.entry").first
    expect(row).to_be_visible(timeout=5000)
    row.locator("button.expand").click()
    blocks = page.locator("#journal-rows tr.details").first.locator("pre")
    response = json.loads(blocks.nth(3).inner_text())  # headers, body, headers, body
    assert [task["id"] for task in response["tasks"]] == served_ids
    request_body = json.loads(blocks.nth(1).inner_text())
    assert request_body["filter"]["userId"] == _first_user(served.url)


def test_console_placeholders_fit_their_fields(start_mock: Callable[..., Any], page: Page) -> None:
    served = start_mock()
    page.goto(f"{served.url}/__admin/ui")
    expect(page.locator("#connection")).to_have_text("live", timeout=5000)
    cut_off = page.evaluate(
        """() => {
        const canvas = document.createElement("canvas").getContext("2d");
        return [...document.querySelectorAll("input[placeholder]")]
          .filter((input) => input.offsetParent !== null)
          .filter((input) => {
            const style = getComputedStyle(input);
            canvas.font = style.font;
            const room = input.clientWidth - parseFloat(style.paddingLeft)
              - parseFloat(style.paddingRight);
            return canvas.measureText(input.placeholder).width > room;
          })
          .map((input) => input.id);
        }"""
    )
    assert cut_off == []


def test_console_plan_and_limit_panels_follow_the_journal(
    start_mock: Callable[..., Any], page: Page
) -> None:
    served = start_mock(["--rate-limit", "off"])
    page.goto(f"{served.url}/__admin/ui")
    expect(page.locator("#connection")).to_have_text("live", timeout=5000)
    steps = {"steps": [{"status": 500, "times": 3}]}
    assert _request(served.url, "/__admin/plans", steps, "POST")[0] == 201
    expect(page.locator("#plans")).to_contain_text("500 \u00d7 3", timeout=5000)
    body = {"filter": {"userId": _first_user(served.url), **ALL}}
    for left in (2, 1, 0):
        calls = page.locator("#journal-rows tr.entry").count()
        assert _request(served.url, "/v2/tasks", body, "POST")[0] == 500
        expect(page.locator("#journal-rows tr.entry")).to_have_count(calls + 1, timeout=5000)
        # Once the call is in the journal, both panels show it within a few hundred ms
        # (they used to wait for their own poll, up to 2 s).
        plans = page.locator("#plans")
        if left:
            expect(plans).to_contain_text(f"500 \u00d7 {left}", timeout=400)
        else:
            expect(plans).to_have_text("none", timeout=400)
        # An injected answer counts against no limit (see serving/admission.py).
        expect(page.locator("#limits")).to_contain_text("10000 of 10000", timeout=400)
    calls = page.locator("#journal-rows tr.entry").count()
    assert _request(served.url, "/v2/tasks", body, "POST")[0] == 200
    expect(page.locator("#journal-rows tr.entry")).to_have_count(calls + 1, timeout=5000)
    expect(page.locator("#limits")).to_contain_text("9999 of 10000", timeout=400)
