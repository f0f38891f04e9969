"""A small client of Gong's Tasks API with switchable habits, for check-client's tests.

Its job: list the user's open tasks, mark the first four done, list again; exit 0 when
every call succeeded, 1 when one failed, 3 when Gong said to come back much later. It is
well behaved by default; each flag turns one bad habit on:

--ignore-retry-after  after a 429, try again 0.1 s later whatever Retry-After says
--retry-4xx           send a call answered 400/401/403/404 again, up to 3 times
--no-retry-5xx        give a call answered 5xx up at once
--no-pace             no pacing: the updates go out back to back while a second thread
                      lists every 0.3 s, each thread minding only its own 429s

It reads what ``gong-tasks check-client`` gives every client: GONG_BASE_URL,
GONG_ACCESS_KEY, GONG_ACCESS_KEY_SECRET, GONG_BEARER_TOKEN and GONG_USER_ID.
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
import threading
import time
from typing import Any

import requests

COME_BACK_LATER = 60  # a Retry-After longer than this: stop, rather than wait for hours
UPDATES = 4
PACE_CALLS, PACE_SECONDS = 3, 1.05  # Gong allows 3 a second: keep a little below


class ComeBackLaterError(Exception):
    """Gong said to come back much later."""


class Client:
    """The calls, with the habits chosen on the command line."""

    def __init__(self, habits: argparse.Namespace) -> None:
        self.habits = habits
        self.base = os.environ["GONG_BASE_URL"].rstrip("/")
        self.basic = (os.environ["GONG_ACCESS_KEY"], os.environ["GONG_ACCESS_KEY_SECRET"])
        self.bearer = {"Authorization": f"Bearer {os.environ['GONG_BEARER_TOKEN']}"}
        self.session = requests.Session()
        self.session.trust_env = False
        self.sent: collections.deque[float] = collections.deque(maxlen=PACE_CALLS)
        self.pacing = threading.Lock()

    def _pace(self) -> None:
        if self.habits.no_pace:
            return
        with self.pacing:
            if len(self.sent) == PACE_CALLS:
                wait = self.sent[0] + PACE_SECONDS - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            self.sent.append(time.monotonic())

    def call(self, method: str, path: str, body: dict[str, Any], *, write: bool = False) -> Any:
        """One call, retried as the habits say; its answer, or None when it failed."""
        server_errors = client_errors = limited = 0
        while True:
            self._pace()
            answer = self.session.request(
                method,
                f"{self.base}{path}",
                json=body,
                timeout=10,
                headers=self.bearer if write else None,
                auth=None if write else self.basic,
            )
            status = answer.status_code
            if status < 400:
                return answer.json()
            print(f"{method} {path} -> {status}", flush=True)
            if status == 429:
                wait = int(answer.headers.get("Retry-After", "1"))
                if self.habits.ignore_retry_after:
                    wait = 0.1
                elif wait > COME_BACK_LATER:
                    raise ComeBackLaterError(f"Gong says come back in {wait} s: stopping for now")
                limited += 1
                if limited > 5:
                    return None
                time.sleep(wait)
            elif status >= 500:
                if self.habits.no_retry_5xx or server_errors == 3:
                    return None
                time.sleep(0.25 * 2**server_errors)
                server_errors += 1
            else:
                if not self.habits.retry_4xx or client_errors == 3:
                    return None
                client_errors += 1
                time.sleep(0.05)


def _updates(client: Client, user: str, task_ids: list[int]) -> bool:
    done = [
        client.call("PATCH", f"/v2/tasks/{task_id}", {"userId": user, "status": "DONE"}, write=True)
        is not None
        for task_id in task_ids
    ]
    return all(done)


def _poll(client: Client, listing: dict[str, Any], finished: threading.Event) -> None:
    while not finished.wait(0.3):
        client.call("POST", "/v2/tasks", listing)


def main() -> int:
    """Do the job; the exit status says how it went."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for habit in ("--ignore-retry-after", "--retry-4xx", "--no-retry-5xx", "--no-pace"):
        parser.add_argument(habit, action="store_true")
    client = Client(parser.parse_args())
    user = os.environ["GONG_USER_ID"]
    listing = {
        "filter": {
            "userId": user,
            "types": ["FLOW", "MANUAL"],
            "taskAction": ["CALL"],
            "status": ["OPEN"],
        }
    }
    try:
        listed = client.call("POST", "/v2/tasks", listing)
        if listed is None:
            return 1
        task_ids = [task["id"] for task in listed["tasks"]][:UPDATES]
        print(f"{len(listed['tasks'])} open tasks; marking {len(task_ids)} done", flush=True)
        if client.habits.no_pace:
            finished = threading.Event()
            poller = threading.Thread(target=_poll, args=(client, listing, finished))
            poller.start()
            updated = _updates(client, user, task_ids)
            finished.set()
            poller.join()
        else:
            updated = _updates(client, user, task_ids)
        again = client.call("POST", "/v2/tasks", listing)
    except ComeBackLaterError as stop:
        print(stop, flush=True)
        return 3
    if again is not None:
        print(f"{len(again['tasks'])} open tasks left", flush=True)
    return 0 if updated and again is not None else 1


if __name__ == "__main__":
    sys.exit(main())
