"""Names of the last release kept for one more, with a warning: a module's ``__getattr__``
(PEP 562) that answers an old name with the new one's value."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["renamed_names"]


def renamed_names(
    module: str, renames: Mapping[str, str], namespace: Callable[[str], Any]
) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``renames`` (old name → new name).

    Args:
        module: The module's name, for the warning.
        renames: Each old name and the name it has now.
        namespace: Looks a new name up (the module's globals, or a lazy loader).
    """

    def lookup(name: str) -> Any:
        new = renames.get(name)
        if new is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"{module}.{name} is now {new}; the old name goes in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        return namespace(new)

    return lookup
