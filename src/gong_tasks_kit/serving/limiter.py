"""Gong's limits (3 calls per second, 10,000 per day) on the ``limits`` library.

Gong counts per company ("limits your company's access to 3 API calls per second"): the
mock serves one company, so by default every credential draws from one budget. Scope
``credential`` gives each credential its own budget instead, for teams sharing a mock.
The per-second limit is a moving window, so no second anywhere admits more than the
limit; the daily one a fixed window. Both count in the ``limits`` storage that matches the
mock's state (memory, or the same Redis), so every worker shares the counters.
``Retry-After`` is computed from the limiter's own window state: the whole seconds until
a call would succeed.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, RateLimitItemPerDay, parse
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

OFF = "off"
COMPANY = "company"
CREDENTIAL = "credential"


class GongLimiter:
    """Admits or refuses calls, per company or per credential key."""

    def __init__(self, per_second: str, daily: int, storage: Storage, scope: str = COMPANY) -> None:
        """Build the limiter.

        Args:
            per_second: A ``limits`` rate such as ``3/second``, or ``off``.
            daily: Calls per day, or 0 for no daily limit.
            storage: Where the counters live (``SharedState.limits_storage()``).
            scope: ``company`` (one budget for every credential) or ``credential``.

        Raises:
            ValueError: when ``per_second`` is not a rate ``limits`` understands.
        """
        self._storage = storage
        self._burst_item: RateLimitItem | None = None if per_second == OFF else parse(per_second)
        self._daily_item: RateLimitItem | None = RateLimitItemPerDay(daily) if daily else None
        self._burst = MovingWindowRateLimiter(self._storage)
        self._daily = FixedWindowRateLimiter(self._storage)
        self.scope = scope
        self.describe = (
            f"{per_second}" + (f", {daily}/day" if daily else ", no daily limit") + f" per {scope}"
            if per_second != OFF or daily
            else "off"
        )

    def bucket(self, key: str) -> str:
        """The budget a credential key draws from: the company's, or its own."""
        return COMPANY if self.scope == COMPANY else key

    @staticmethod
    def _wait(reset_time: float) -> int:
        return max(1, math.ceil(reset_time - time.time()))

    def admit(self, key: str) -> int | None:
        """Count one call of ``key``; return None if admitted, else the Retry-After seconds."""
        key = self.bucket(key)
        # The per-second limit first: a call it refuses must not use the day's quota (20
        # fast calls used 20 of it, though 17 were refused). A moving window counts only
        # what it admits, atomically (a Lua script on Redis), so workers sharing Redis
        # agree. What remains: a call admitted here and then refused by the daily limit
        # keeps its per-second slot (limits cannot give one back); that happens only
        # once the day's quota is gone, when every call is refused anyway.
        if self._burst_item is not None and not self._burst.hit(self._burst_item, key):
            return self._wait(self._burst.get_window_stats(self._burst_item, key).reset_time)
        if self._daily_item is not None and not self._daily.hit(self._daily_item, key):
            return self._wait(self._daily.get_window_stats(self._daily_item, key).reset_time)
        return None

    def exhaust_daily(self, key: str) -> int:
        """Use up ``key``'s daily quota now; return the seconds until it refills (0: no limit)."""
        if self._daily_item is None:
            return 0
        key = self.bucket(key)
        remaining = self._daily.get_window_stats(self._daily_item, key).remaining
        if remaining > 0:
            self._daily.hit(self._daily_item, key, cost=remaining)
        return self._wait(self._daily.get_window_stats(self._daily_item, key).reset_time)

    def snapshot(self, key: str) -> dict[str, object]:
        """What ``key`` may still send: ``{"perSecond": {...}, "daily": {...}}`` (the
        limits in force only), each with its ``limit`` and ``remaining`` calls."""
        key = self.bucket(key)
        found: dict[str, object] = {}
        if self._burst_item is not None:
            stats = self._burst.get_window_stats(self._burst_item, key)
            found["perSecond"] = {"limit": self._burst_item.amount, "remaining": stats.remaining}
        if self._daily_item is not None:
            stats = self._daily.get_window_stats(self._daily_item, key)
            found["daily"] = {
                "limit": self._daily_item.amount,
                "remaining": stats.remaining,
                "resetsInSeconds": self._wait(stats.reset_time) if stats.remaining == 0 else None,
            }
        return found

    def reset(self) -> None:
        """Forget every counter."""
        self._storage.reset()
