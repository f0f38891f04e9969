#!/usr/bin/env python3
"""Take the README's screenshot of the QA console from a real run.

Starts `gong-tasks serve` on a free port, sends the calls a QA session makes (normal
lists, an update, a 429 storm from a preset, a malformed body, a call without
credentials), opens /__admin/ui in Debian's chromium at 1280 x 800, opens one journal
row, and writes docs/console.png. Run it with the project's venv:
`.venv/bin/python scripts/console-screenshot.py`.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # chromium launched as the browser tests do
from chromium import launch_chromium  # noqa: E402

OUT = ROOT / "docs" / "console.png"
READ = "Bearer gong-mock-token"
WRITE = "Bearer gong-mock-write-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _send(url: str, method: str, path: str, body: object, authorization: str | None) -> int:
    headers = {"Content-Type": "application/json", "X-Gong-Mock-Session": "checkout-flow"}
    if authorization:
        headers["Authorization"] = authorization
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}{path}", data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310 - loopback
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _traffic(url: str) -> None:
    health = json.load(urllib.request.urlopen(f"{url}/__health", timeout=5))  # noqa: S310
    user = health["userIds"][0]
    listing = {
        "filter": {
            "userId": user,
            "types": ["MANUAL", "FLOW"],
            "taskAction": ["CALL"],
            "status": ["OPEN"],
        }
    }
    _send(url, "POST", "/v2/tasks", listing, READ)
    tasks = _admin(url, f"/tasks?userId={user}")["tasks"]
    task = tasks[0].get("task", tasks[0]) if tasks else None
    if task is not None:
        _send(url, "PATCH", f"/v2/tasks/{task['id']}", {"userId": user, "status": "DONE"}, WRITE)
    _send(url, "POST", "/v2/tasks", listing, READ)
    _admin(url, "/plans", {"steps": [{"status": 429, "times": 2, "retryAfter": 1}]})
    for _ in range(3):
        _send(url, "POST", "/v2/tasks", listing, READ)
    _send(url, "POST", "/v2/tasks", b'{"filter": {"userId": 42}}', READ)
    _send(url, "POST", "/v2/tasks", listing, None)
    _admin(url, "/plans", {"steps": [{"status": 500, "operation": "updateTask"}]})


def _admin(url: str, path: str, body: object | None = None) -> dict[str, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}/__admin{path}",
        data=data,
        method="GET" if body is None else "POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
        result: dict[str, object] = json.load(answer)
        return result


def main() -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(  # noqa: S603 - our own console script
        [
            str(Path(sys.executable).parent / "gong-tasks"),
            "serve",
            "--port",
            str(port),
            "--rate-limit",
            "off",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/__health", timeout=1)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        with sync_playwright() as driver:
            browser = launch_chromium(driver)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"{url}/__admin/ui")
            page.wait_for_selector("#journal-rows", state="attached")
            _traffic(url)
            page.wait_for_timeout(2500)
            page.locator("#journal-rows tr.entry", has_text="429").first.locator("button").click()
            page.wait_for_timeout(300)
            OUT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(OUT))
            browser.close()
        print(f"wrote {OUT}")
    finally:
        server.terminate()
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
