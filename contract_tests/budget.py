"""The run's request budget: distinct checks (first attempts) counted against
``--max-requests``; a check that does not fit is skipped as *not run*, never failed, and
one request can be kept back for a call that must be sent whatever happens (restoring a
written task). Retries after a 429 are counted apart, never against the budget."""

from __future__ import annotations

from dataclasses import dataclass

# pytest's own skip exception: hypothesis and schemathesis let it through as a skip.
from _pytest.outcomes import Skipped

__all__ = [
    "NOT_RUN",
    "Budget",
    "BudgetExhaustedError",
    "Counters",
    "NotRunError",
    "TargetLimitedError",
]

#: Every skip reason of a check that could not run starts with this.
NOT_RUN = "not run: "


class NotRunError(Skipped):
    """A check that could not run (budget spent, or the target's limits): a skip, never a
    failure. Hypothesis and schemathesis pass it through as pytest's own skip."""

    def __init__(self, reason: str) -> None:
        """Skip with ``reason`` (prefixed with :data:`NOT_RUN`)."""
        super().__init__(NOT_RUN + reason)


class BudgetExhaustedError(NotRunError):
    """The run would send more distinct requests than ``--max-requests`` allows."""


class TargetLimitedError(NotRunError):
    """The target's limits outlasted what the suite waits (``Retry-After`` too long, or
    retries spent)."""


@dataclass(slots=True)
class Counters:
    """What a run sent: distinct checks (the budget), and retries after 429 (apart)."""

    checks: int = 0
    retries: int = 0
    limited: int = 0
    waited_seconds: float = 0.0


class Budget:
    """Counts checks against the budget (None: no budget), and stops every further one
    once the target's limits outlast the suite's patience.

    Args:
        limit: The most distinct checks (``--max-requests``), or None.
        counters: Where the run's counts are kept.
    """

    def __init__(self, limit: int | None, counters: Counters) -> None:
        self.limit = limit
        self.counters = counters
        self._held = 0
        self._stopped: str | None = None

    def hold_back(self) -> None:
        """Keep one request for a call that must be sent later whatever happens;
        :meth:`spend` with ``held=True`` takes it.

        Raises:
            BudgetExhaustedError: the budget has no request left to keep.
        """
        if self.limit is not None and self.counters.checks + self._held >= self.limit:
            raise BudgetExhaustedError(
                f"the request budget of {self.limit} has no request left to restore a "
                "written task; raise --max-requests to run it"
            )
        self._held += 1

    def spend(self, *, held: bool = False) -> None:
        """Count one check.

        Raises:
            TargetLimitedError: the target's limits stopped the run's sending.
            BudgetExhaustedError: the budget is spent.
        """
        if held and self._held:
            # Kept back by hold_back: sent even once the budget or the target's limits
            # stopped other calls (a restore is worth a try).
            self._held -= 1
            self.counters.checks += 1
            return
        if self._stopped is not None:
            raise TargetLimitedError(self._stopped)
        if self.limit is not None and self.counters.checks + self._held >= self.limit:
            raise BudgetExhaustedError(
                f"the request budget of {self.limit} is spent; raise --max-requests to run it"
            )
        self.counters.checks += 1

    def stop(self, reason: str) -> TargetLimitedError:
        """Stop every further check (but a held one) for ``reason``; the error to raise."""
        self._stopped = reason
        return TargetLimitedError(reason)
