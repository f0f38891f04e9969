"""Gong's published limits on API calls: the one place they are written.

"Default limits per company: 3 calls per second and 10,000 calls per day" (the vendor
facts). The mock's and the proxy's default limits and the contract suite's pace against
the real API all derive from :data:`GONG_LIMITS`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GONG_LIMITS", "PublishedLimits"]


@dataclass(frozen=True, slots=True)
class PublishedLimits:
    """Calls Gong admits per company.

    Attributes:
        per_second: Calls in any one second.
        per_day: Calls in one day.
    """

    per_second: int
    per_day: int

    @property
    def rate(self) -> str:
        """The per-second limit as a ``limits`` rate, ``3/second``."""
        return f"{self.per_second}/second"


GONG_LIMITS = PublishedLimits(per_second=3, per_day=10_000)
