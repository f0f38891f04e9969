"""Patience with a target's limits: the suite's own pace (Gong's per-second limit: from the
start against the real API, from the first 429 against anything else), and waiting out a
conforming 429 (an integer ``Retry-After`` in Gong's shape) before sending the call again,
within bounds."""

from __future__ import annotations

import time

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from gong_tasks_kit.contract_tests.budget import Budget, Counters, TargetLimitedError
from gong_tasks_kit.contract_tests.replies import Reply, header
from gong_tasks_kit.contract_tests.settings import LIVE_REQUESTS_PER_SECOND

__all__ = [
    "MAX_RETRIES_PER_CALL",
    "MAX_RETRY_AFTER_SECONDS",
    "MAX_TOTAL_WAIT_SECONDS",
    "Pacer",
]

#: The longest ``Retry-After`` the suite waits out; a longer one ends the run's sending.
MAX_RETRY_AFTER_SECONDS = 60
#: How often one call is sent again after a 429.
MAX_RETRIES_PER_CALL = 3
#: The most time one run spends waiting on 429s, all calls together.
MAX_TOTAL_WAIT_SECONDS = 300


class Pacer:
    """Paces calls and waits out 429s for one run.

    Args:
        paced: Pace from the start (against the real API).
        counters: The run's counts (retries and waits are added there).
        budget: Stopped when a ``Retry-After`` outlasts the suite's patience.
    """

    def __init__(self, *, paced: bool, counters: Counters, budget: Budget) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._rate = RateLimitItemPerSecond(LIVE_REQUESTS_PER_SECOND)
        self.paced = paced
        self._counters = counters
        self._budget = budget

    def pace(self) -> None:
        """Wait, when paced, until a call keeps to the per-second limit."""
        if self.paced:
            while not self._limiter.hit(self._rate, "target"):
                time.sleep(0.05)

    def wait_out(self, reply: Reply, attempts: int) -> None:
        """Wait as a conforming 429 asks, before the same call goes again; pace from now.

        Args:
            reply: The 429.
            attempts: How often this call was sent again already.

        Raises:
            TargetLimitedError: the wait is longer than the suite waits, or the call's
                retries or the run's waiting time are spent.
        """
        counters = self._counters
        self.paced = True
        wait = int((header(reply.headers, "Retry-After") or "1").strip())
        if wait > MAX_RETRY_AFTER_SECONDS:
            raise self._budget.stop(
                f"the target asked to wait {wait} s (Retry-After) before any further "
                f"call; the suite waits at most {MAX_RETRY_AFTER_SECONDS} s"
            )
        if attempts >= MAX_RETRIES_PER_CALL:
            raise TargetLimitedError(f"the target answered 429 {attempts + 1} times in a row")
        if counters.waited_seconds + wait > MAX_TOTAL_WAIT_SECONDS:
            raise self._budget.stop(
                f"the run has waited {counters.waited_seconds:.0f} s on 429s, "
                f"the most it waits is {MAX_TOTAL_WAIT_SECONDS} s"
            )
        time.sleep(wait)
        counters.waited_seconds += wait
        counters.retries += 1
