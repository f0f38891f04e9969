"""How a contract run ended, as exit statuses of ``gong-tasks contract``.

``0`` the target conforms (everything that ran passed; the summary says what did not
run), ``1`` it does not (a check failed), ``2`` usage or configuration error (or pytest
could not run the suite), ``3`` checks could not run and ``--require-complete`` asks for
a complete run (only when nothing failed).
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_CONFORMS = 0
EXIT_BREAKS = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


@dataclass(slots=True, eq=False)  # a plugin: hashed by identity
class RunOutcome:
    """Filled in by the suite at the end of a run; ``gong-tasks contract`` passes one to
    pytest as a plugin and reads it afterwards (pytest's own exit status 3 means an
    internal error, so the status alone cannot say "incomplete").

    Attributes:
        failed: Tests that failed.
        not_run: Checks that could not run (tests skipped as not run, examples cut).
        incomplete: Whether the run ended with :data:`EXIT_INCOMPLETE`.
    """

    failed: int = 0
    not_run: int = 0
    incomplete: bool = False
